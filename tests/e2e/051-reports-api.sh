#!/usr/bin/env bash
# Issue #5 through the daemon: GET /api/v1/reports/{kind} for every kind and format with the right content
# types, ?unit= and ?window=, errors for an unknown kind, format, window or unit; and the year-end HTML page
# served by the daemon opens in headless Chromium without console errors.
source "$(dirname "$0")/common.sh"
CHROMIUM=${BW_CHROMIUM:-/usr/bin/chromium}

port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
start_daemon "$WORK/bw.yaml"
wait_for 30 "department paid amount" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900

# content_type PATH: the Content-Type of a 200 reply (fails on any other status).
content_type() {
  curl -sf -o /dev/null -w '%{content_type}' "$DAEMON_URL$1" || fail "GET $1"
}
# status PATH: the HTTP status.
status() { curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL$1"; }

for kind in execution monthly midyear yearend circular; do
  [[ $(content_type "/api/v1/reports/$kind") == "application/json" ]] || fail "$kind json content type"
  [[ $(content_type "/api/v1/reports/$kind?format=csv") == "text/csv; charset=utf-8" ]] || fail "$kind csv"
  [[ $(content_type "/api/v1/reports/$kind?format=md") == "text/markdown; charset=utf-8" ]] || fail "$kind md"
  [[ $(content_type "/api/v1/reports/$kind?format=html") == "text/html; charset=utf-8" ]] || fail "$kind html"
done

curl -sf "$DAEMON_URL/api/v1/reports/yearend" > "$WORK/yearend.json"
check_json "$WORK/yearend.json" 'd["kind"] == "yearend" and d["as_of"] == "2021-12-31" and d["final"]'
check_json "$WORK/yearend.json" '[d["scores"][k]["score"] for k in ("budget_completion", "budget_adjustment", "spending_balance")] == ["4.55", "1.90", "1.44"]'
check_json "$WORK/yearend.json" '(d["bands"]["on_track"], d["bands"]["below_80"], d["bands"]["below_50"], d["bands"]["zero"]) == (19, 5, 2, 4)'
check_json "$WORK/yearend.json" 'len(d["table_1_6"]["rows"]) == 30 and d["table_1_6"]["rows"][26]["execution_rate_pct"] == "29.92"'

curl -sf "$DAEMON_URL/api/v1/reports/midyear?window=1-7" > "$WORK/midyear.json"
check_json "$WORK/midyear.json" 'd["window"] == "1-7" and d["window_end"] == "2021-07-31" and d["window_closed"]'
check_json "$WORK/midyear.json" 'len(d["projects"]) == 30 and all(p["owner_note"] is None for p in d["projects"])'
curl -sf "$DAEMON_URL/api/v1/reports/monthly" > "$WORK/monthly.json"
check_json "$WORK/monthly.json" 'd["period"]["month"] == "2021-12" and d["department"]["paid_to_date_fen"] == 10888890000'
# The monthly circular (issue 14) of the one department, its bureau named by ?issuer=.
curl -sfG "$DAEMON_URL/api/v1/reports/circular" --data-urlencode "issuer=荔湾区财政局" > "$WORK/circular.json"
check_json "$WORK/circular.json" 'd["kind"] == "circular" and d["title"] == "荔湾区财政局关于2021年12月预算执行进度情况的通报"'
check_json "$WORK/circular.json" 'len(d["departments"]) == 1 and d["departments"][0]["execution_rate_pct"] == "91.38" and d["district"]["paid_fen"] == 10888890000'
check_json "$WORK/circular.json" 'd["previous_month_end"] == "2021-11-30" and d["district"]["mom_change_pp"] is not None'

# One unit (Liwan has three): its lines only, its roll-up as the department; an unknown unit is a 404.
unit=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["units"][0]["code"])' "$WORK/monthly.json")
curl -sf "$DAEMON_URL/api/v1/reports/yearend?unit=$unit" > "$WORK/unit.json"
"$PY" - "$WORK/monthly.json" "$WORK/unit.json" <<'PYEOF' || fail "yearend report of unit $unit"
import json, sys
monthly, unit = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
u = monthly["units"][0]
assert unit["department"]["paid_fen"] == u["totals"]["paid_to_date_fen"], "paid"
assert unit["department"]["adjusted_fen"] == u["totals"]["adjusted_fen"], "adjusted"
projects = [l for l in u["lines"] if l["kind"] == "project"]
assert [r["code"] for r in unit["table_1_6"]["rows"]] == [l["code"] for l in projects], "table 1-6 rows"
assert 0 < len(projects) < 30
PYEOF
[[ $(status "/api/v1/reports/yearend?unit=NO-SUCH-UNIT") == 404 ]] || fail "unknown unit"
[[ $(status "/api/v1/reports/weekly") == 404 ]] || fail "unknown kind"
[[ $(status "/api/v1/reports/yearend?format=pdf") == 400 ]] || fail "unknown format"
[[ $(status "/api/v1/reports/midyear?window=1-13") == 400 ]] || fail "bad window"
grep -q "must be 1-N" <<< "$(curl -s "$DAEMON_URL/api/v1/reports/midyear?window=1-13")" || fail "window error message"

# English on request; the daemon's language (zh-CN) by default.
grep -q "^# Year-end budget execution" <<< "$(curl -sf "$DAEMON_URL/api/v1/reports/yearend?format=md&lang=en")" \
  || fail "English markdown"
grep -q "^# 2021年度部门预算执行情况与财务管理评价" <<< "$(curl -sf "$DAEMON_URL/api/v1/reports/yearend?format=md")" \
  || fail "Chinese markdown"

# The page as served opens in Chromium with its 12 month-end points and no console error.
if [[ -x "$CHROMIUM" ]]; then
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$WORK/profile" --window-size=1280,2000 --enable-logging=stderr --v=0 \
    --screenshot="$WORK/served.png" --dump-dom "$DAEMON_URL/api/v1/reports/yearend?format=html&lang=en" \
    > "$WORK/served.dom.html" 2> "$WORK/served.log" || fail "chromium on the served page"
  [[ -s "$WORK/served.png" ]] || fail "no screenshot of the served page"
  ! grep -E "CONSOLE|Uncaught|Refused to" "$WORK/served.log" || fail "console errors on the served page"
  [[ $(grep -o 'data-series="execution" data-date=' "$WORK/served.dom.html" | wc -l) -eq 12 ]] \
    || fail "12 execution points in the served page"
else
  fail "no Chromium at $CHROMIUM (deploy/install-deps.sh installs Debian's chromium)"
fi
pass
