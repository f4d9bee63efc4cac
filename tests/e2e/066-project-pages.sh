#!/usr/bin/env bash
# Issue 17, pages behind the links: the daemon on the demo (config/examples/demo.yaml: Liwan 2021, the demo
# indicators, the alert rules) serves /projects/{code} and /units/{code} as HTML. Each page, loaded from the
# daemon in a real headless Chromium, renders without a console error (no script, no fetch), and the figures
# it shows are the API's: the line's budget, paid, rates and gap (/api/v1/projects/{code}), its months, its
# payments (/api/v1/projects/{code}/payments, paginated), its indicators (/api/v1/indicators) and open
# alerts (/api/v1/alerts); the unit's lines by risk with their figures and links. An unknown code is a
# Chinese 404 page with a link back.
source "$(dirname "$0")/common.sh"
CHROMIUM=${BW_CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || fail "no Chromium at $CHROMIUM (deploy/install-deps.sh installs Debian's chromium)"

port=$(free_port)
mkdir -p "$WORK/inbox"
# The demo's config with its paths and port moved under $WORK.
sed -e "s|^database: .*|database: $WORK/bw.db|" \
  -e "s|listen: 127.0.0.1:9464|listen: 127.0.0.1:$port|" \
  -e "s|external_url: http://127.0.0.1:9464|external_url: http://127.0.0.1:$port|" \
  -e "s|\.\./\.\./tests/data|$DATA|" -e "s|\.\./\.\./var/demo/inbox|$WORK/inbox|" \
  "$BW_SOURCE_DIR/config/examples/demo.yaml" > "$WORK/demo.yaml"
start_daemon "$WORK/demo.yaml"
wait_for 60 "department paid amount" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
# LW2021-P20 paid nothing by its deadline: its alert is open once the first alert cycle ran.
alert_open() { curl -sf "$DAEMON_URL/api/v1/alerts?project=LW2021-P20" | grep -q '"state":"firing"'; }
wait_for 60 "an open alert of LW2021-P20" alert_open

# open_page NAME PATH: loads the daemon's PATH in Chromium; writes NAME.png, NAME.dom.html and NAME.log.
open_page() {
  local name=$1 path=$2 status=0
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --no-default-browser-check --disable-extensions --disable-sync --mute-audio \
    --user-data-dir="$WORK/profile-$name" --window-size=1280,2000 --enable-logging=stderr --v=0 \
    --screenshot="$WORK/$name.png" --dump-dom "$DAEMON_URL$path" \
    > "$WORK/$name.dom.html" 2> "$WORK/$name.log" || status=$?
  [[ $status -eq 0 ]] || fail "$name: chromium exited with $status: $(tail -5 "$WORK/$name.log")"
  [[ -s "$WORK/$name.png" ]] || fail "$name: no screenshot"
  if grep -E "CONSOLE|Uncaught|Refused to" "$WORK/$name.log" > "$WORK/$name.console"; then
    fail "$name: console errors: $(cat "$WORK/$name.console")"
  fi
  echo "ok: $name ($(stat -c %s "$WORK/$name.png") bytes of screenshot)"
}

# The API's figures beside each page.
for code in LW2021-P27 LW2021-P20 LW2021-B02; do
  curl -sf "$DAEMON_URL/api/v1/projects/$code" > "$WORK/$code.json" || fail "GET /api/v1/projects/$code"
  curl -sf "$DAEMON_URL/api/v1/projects/$code/payments?per_page=1000" > "$WORK/$code.payments.json" \
    || fail "GET /api/v1/projects/$code/payments"
  curl -sf "$DAEMON_URL/api/v1/indicators?project=$code" > "$WORK/$code.indicators.json" || fail "indicators"
  curl -sf "$DAEMON_URL/api/v1/alerts?project=$code" > "$WORK/$code.alerts.json" || fail "alerts"
done
curl -sf "$DAEMON_URL/api/v1/projects?unit=101001&per_page=1000" > "$WORK/unit-lines.json" || fail "unit lines"
curl -sf "$DAEMON_URL/api/v1/units/101001" > "$WORK/unit.json" || fail "unit"

open_page p27 "/projects/LW2021-P27?fiscal_year=2021"
open_page p20 "/projects/LW2021-P20?fiscal_year=2021"
open_page b02 "/projects/LW2021-B02?fiscal_year=2021&per_page=20&page=3"
open_page p27-en "/projects/LW2021-P27?fiscal_year=2021&lang=en"
open_page unit "/units/101001"
open_page missing "/projects/LW2021-NOPE?fiscal_year=2021"

"$PY" - "$WORK" <<'PYEOF' || fail "$(cat "$WORK/check.txt" 2>/dev/null)"
import html, json, re, struct, sys
from decimal import Decimal, ROUND_HALF_UP
work = sys.argv[1]
def bad(msg):
    open(work + "/check.txt", "w").write(msg)
    sys.exit(1)
def load(name):
    return json.load(open("%s/%s" % (work, name), encoding="utf-8"))
def dom(name):
    text = open("%s/%s.dom.html" % (work, name), encoding="utf-8").read()
    png = open("%s/%s.png" % (work, name), "rb").read()
    if png[:8] != b"\x89PNG\r\n\x1a\n" or struct.unpack(">II", png[16:24]) != (1280, 2000):
        bad(name + ": screenshot is not a 1280x2000 PNG")
    if "<script" in text: bad(name + ": a script in the page")
    return text
def table(text, tid):
    m = re.search(r'<table id="%s">([\s\S]*?)</table>' % tid, text)
    if not m: bad("no table " + tid)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>([\s\S]*?)</t[dh]>", r)]
            for r in re.findall(r"<tr[^>]*>([\s\S]*?)</tr>", m.group(1))][1:]
def yuan(fen):
    return "{:,.2f}".format(Decimal(fen) / 100)
def wan(fen):
    return "{:,.2f}".format((Decimal(fen) / 1000000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
def pct(p):
    return "—" if p is None else p + "%"
def gap(e, x):
    if e is None or x is None: return "—"
    d = (Decimal(e) - Decimal(x)).quantize(Decimal("0.01"))
    return ("+" if d >= 0 else "") + str(d)

for name, code in (("p27", "LW2021-P27"), ("p20", "LW2021-P20"), ("b02", "LW2021-B02")):
    d = dom(name)
    api = load(code + ".json")
    p = api["project"]
    if "<h1>%s</h1>" % html.escape(p["name"], quote=False) not in d: bad(name + ": no title " + p["name"])
    summary = {r[0]: r[1] for r in table(d, "table-summary")}
    for label, fen in (("年初预算", p["initial_fen"]), ("调整后预算", p["adjusted_fen"]), ("已支付", p["paid_fen"]),
                       ("未支付", p["unspent_fen"])):
        want = "%s 元 / %s 万元" % (yuan(fen), wan(fen))
        if summary.get(label) != want: bad("%s %s: %s, API %s" % (name, label, summary.get(label), want))
    if summary["执行率"] != pct(p["execution_rate_pct"]): bad(name + " execution rate")
    if summary["序时进度"] != pct(p["expected_pct"]): bad(name + " expected")
    if summary["差距（百分点）"] != gap(p["execution_rate_pct"], p["expected_pct"]): bad(name + " gap")
    headline = re.search(r'<p class="headline" id="headline">([^<]*)</p>', d).group(1)
    if "执行率 %s，序时进度 %s" % (pct(p["execution_rate_pct"]), pct(p["expected_pct"])) not in headline:
        bad(name + " headline " + headline)
    # Months: one row per month of the API, paid in the month and cumulative to the fen.
    months = table(d, "table-months")
    if len(months) != len(api["months"]): bad("%s: %d month rows, API %d" % (name, len(months), len(api["months"])))
    for row, m in zip(months, api["months"]):
        if row[2] != yuan(m["paid_fen"]) or row[3] != str(m["payments"]) or row[4] != yuan(m["cumulative_paid_fen"]):
            bad("%s month %s: %s vs %s" % (name, m["month"], row, m))
        if "execution_rate_pct" in m and row[6] != pct(m["execution_rate_pct"]): bad(name + " month rate " + m["month"])
    if len(re.findall(r'data-series="execution" data-date=', d)) != 12: bad(name + ": 12 points on the curve")
    # Payments: the count and sum, and the rows of the page asked for.
    pays = load(code + ".payments.json")
    if pays["sum_fen"] != p["paid_fen"]: bad(name + ": payments sum %d != paid %d" % (pays["sum_fen"], p["paid_fen"]))
    per_page, page = (20, 3) if name == "b02" else (50, 1)
    pages = max(1, (pays["total"] + per_page - 1) // per_page)
    want = "共 %d 笔，合计 %s 元（%s 万元）；第 %d / %d 页" % (pays["total"], yuan(pays["sum_fen"]), wan(pays["sum_fen"]), page, pages)
    if want not in d: bad("%s: no '%s'" % (name, want))
    shown = table(d, "table-payments") if pays["total"] else []
    expect = pays["items"][(page - 1) * per_page: page * per_page]
    if [r[1] for r in shown] != [x["voucher_no"] for x in expect]: bad(name + ": vouchers of the page")
    for r, x in zip(shown, expect):
        if r[0] != x["date"] or r[5] != yuan(x["amount_fen"]) or r[2] != (x["payee"] or "—"): bad("%s: %s vs %s" % (name, r, x))
    if name == "b02" and ('href="/projects/LW2021-B02?fiscal_year=2021&amp;page=4&amp;per_page=20#payments"' not in d
                          and 'href="/projects/LW2021-B02?fiscal_year=2021&page=4&per_page=20#payments"' not in d):
        bad("b02: no link to page 4")
    # Indicators and open alerts, in Chinese words.
    inds = load(code + ".indicators.json")["indicators"]
    if inds:
        rows = table(d, "table-indicators")
        if [r[2] for r in rows] != [i["name"] for i in inds]: bad(name + ": indicators")
        if [r[3] for r in rows] != [i["target_raw"] for i in inds]: bad(name + ": targets")
        words = {"met": "已完成", "on_track": "正常", "behind": "滞后", "overdue": "逾期", "awaiting_judgement": "待评定"}
        for r, i in zip(rows, inds):
            if re.search(r"[a-z_]{4,}", r[6]): bad(name + ": indicator status not in Chinese: " + r[6])
    alerts = [a for a in load(code + ".alerts.json")["alerts"] if a["state"] in ("pending", "firing")]
    if alerts:
        rows = table(d, "table-alerts")
        if len(rows) != len(alerts): bad("%s: %d alert rows, API %d" % (name, len(rows), len(alerts)))
        for r in rows:
            if r[1] not in ("严重", "警告", "提示") or r[2] not in ("已触发", "待确认"): bad(name + ": alert words " + str(r))
    elif "该项目当前没有未解除的预警。" not in d:
        bad(name + ": no alert, and the page does not say so")
    if name == "p20" and not alerts: bad("p20: the API lists no open alert")

en = dom("p27-en")
if '<html lang="en">' not in en or "Execution 29.92%, expected 100.00%, gap -70.08 pp" not in en: bad("English page")

# The unit page: every line of the unit, by risk, with the API's figures and a link to its page.
u = dom("unit")
lines = {l["code"]: l for l in load("unit-lines.json")["items"]}
rows = table(u, "table-lines")
if sorted(r[1] for r in rows) != sorted(lines): bad("unit: lines %s" % [r[1] for r in rows])
gaps = []
for r in rows:
    l = lines[r[1]]
    if (r[4], r[5], r[6]) != (wan(l["adjusted_fen"]), wan(l["paid_fen"]), wan(l["unspent_fen"])): bad("unit row %s" % r)
    if r[7] != pct(l["execution_rate_pct"]) or r[8] != pct(l["expected_pct"]): bad("unit rates %s" % r)
    if r[9] != gap(l["execution_rate_pct"], l["expected_pct"]): bad("unit gap %s" % r)
    if '<a href="/projects/%s">' % l["code"] not in u: bad("unit: no link to " + l["code"])
    g = None if r[9] == "—" else Decimal(r[9])
    gaps.append((g is None, g or 0, -l["unspent_fen"]))
if gaps != sorted(gaps): bad("unit: lines not by risk")
totals = {r[0]: r for r in table(u, "table-totals")}
t = load("unit.json")["unit"]["totals"]
if totals["合计"][2:4] != [wan(t["adjusted_fen"]), wan(t["paid_fen"])]: bad("unit totals %s" % totals["合计"])

m = dom("missing")
if "<h1>未找到该项目</h1>" not in m or "没有编码为“LW2021-NOPE”的预算项目" not in m: bad("missing page")
if 'href="/api/v1/reports/execution?fiscal_year=2021&amp;format=html"' not in m and \
   'href="/api/v1/reports/execution?fiscal_year=2021&format=html"' not in m: bad("missing: no link back")
PYEOF

# Unknown codes: 404 with an HTML page (not JSON); the payments API pages and limits.
[[ $(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$DAEMON_URL/projects/NOPE") == "404 text/html; charset=utf-8" ]] \
  || fail "unknown project: 404 HTML"
[[ $(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$DAEMON_URL/units/NOPE") == "404 text/html; charset=utf-8" ]] \
  || fail "unknown unit: 404 HTML"
curl -sf "$DAEMON_URL/api/v1/projects/LW2021-B02/payments?per_page=10&page=1000" > "$WORK/past.json" || fail "page past the end"
check_json "$WORK/past.json" 'd["items"] == [] and d["total"] > 0 and d["page"] == 1000'
[[ $(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/api/v1/projects/LW2021-B02/payments?per_page=1001") == 400 ]] \
  || fail "per_page over 1000"
pass
