#!/usr/bin/env bash
# Issue #5 (双监控) through the daemon: indicator forms and actual values are ingested like any export (values
# given by seq or by the indicator's name), each indicator gets a completion status as of the date, an
# actual value posted through the API (token with scope write) moves it and, past its due date, raises the
# indicator_overdue alert (GET /api/v1/alerts) that a met value resolves; the owners' notes for the mid-year
# review appear in its reason and measures columns (API and CLI); the review shows the indicators as of the
# end of its window; and the metrics count indicators by unit and status.
source "$(dirname "$0")/common.sh"
port=$(free_port)
mkdir -p "$WORK/inbox"
write_demo_config "$WORK/bw.yaml" "$port" "
  - name: operator
    token: test-write-token-indicators
    scopes: [write]
alerts:
  rules:
    - {name: indicator_overdue, kind: indicator_overdue, severity: warning}"
start_daemon "$WORK/bw.yaml"
cp "$DATA/demo/indicators.csv" "$WORK/inbox/indicators.csv"
cp "$DATA/demo/actuals.csv" "$WORK/inbox/actuals.csv"
indicators() { curl -sf "$DAEMON_URL/api/v1/indicators$1"; }
wait_for 30 "indicators evaluated" bash -c "curl -sf '$DAEMON_URL/api/v1/indicators' | grep -q '\"by_status\"' &&
  curl -sf '$DAEMON_URL/api/v1/indicators?project=LW2021-P10' | grep -q '\"seq\":2'"
indicators "" > "$WORK/all.json"
check_json "$WORK/all.json" 'd["by_status"] == {"met": 2, "on_track": 1, "behind": 2, "overdue": 2, "awaiting_judgement": 1}'
check_json "$WORK/all.json" '[(i["seq"], i["comparator"], i["value"], i["status"]) for i in d["indicators"] if i["project_code"] == "LW2021-P10"] == [(1, ">=", "200", "behind"), (2, "<=", "3", "on_track")]'
wait_for 10 "indicator metrics" metric_is 'budgetwatch_unit_indicators{status="behind",unit="101002"}' 1

id=$("$PY" -c 'import json,sys; print([i["id"] for i in json.load(open(sys.argv[1]))["indicators"] if i["project_code"] == "LW2021-P10" and i["seq"] == 1][0])' "$WORK/all.json")
body='{"date":"2021-12-30","value":"203","note":"年底补充检查","by":"e2e"}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$body" "$DAEMON_URL/api/v1/indicators/$id/actuals")
[[ "$code" == 401 ]] || fail "actual without a token: HTTP $code"
code=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer test-write-token-indicators' \
  -d "$body" "$DAEMON_URL/api/v1/indicators/$id/actuals")
[[ "$code" == 201 ]] || fail "actual with a token: HTTP $code $(cat "$WORK/post.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer test-write-token-indicators' \
  -d "$body" "$DAEMON_URL/api/v1/indicators/$id/actuals")
[[ "$code" == 200 ]] || fail "the same actual twice must be a duplicate (200), got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer test-write-token-indicators' \
  -d '{"date":"2021-13-40","value":"1"}' "$DAEMON_URL/api/v1/indicators/$id/actuals")
[[ "$code" == 400 ]] || fail "a bad date must be refused, got $code"
# A value counts for the fiscal year of its date: one dated in 2022 for a 2021 indicator would never count.
code=$(curl -s -o "$WORK/year.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer test-write-token-indicators' \
  -d '{"date":"2022-01-05","value":"210"}' "$DAEMON_URL/api/v1/indicators/$id/actuals")
[[ "$code" == 400 ]] || fail "a date outside the indicator's fiscal year must be refused, got $code"
check_json "$WORK/year.json" '"is of fiscal year 2021: date must be from 2021-01-01 to 2021-12-31" in d["error"]'
check_json "$WORK/all.json" 'all(i["fiscal_year"] == 2021 for i in d["indicators"])'
wait_for 10 "the posted value meets the target" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/indicators?project=LW2021-P10&status=met' | grep -q '\"value\":\"203\"'"

# The owner's reason and measures for the mid-year review.
note='{"review":"2021-midyear","reason":"检查企业名单年中才确定","measures":"下半年每月检查20家","written_by":"梁淑仪"}'
curl -sf -X POST -H 'Authorization: Bearer test-write-token-indicators' -d "$note" \
  "$DAEMON_URL/api/v1/projects/LW2021-P10/notes" > /dev/null || fail "note refused"
curl -sf "$DAEMON_URL/api/v1/notes?review=2021-midyear" > "$WORK/notes.json"
check_json "$WORK/notes.json" 'd["notes"][0]["project_code"] == "LW2021-P10" and d["notes"][0]["measures"] == "下半年每月检查20家"'

# The mid-year review (1-6, run on 31 December) shows the note in its reason and measures columns, through
# the API and the command line.
curl -sf "$DAEMON_URL/api/v1/reports/midyear?window=1-6" > "$WORK/midyear.json"
check_json "$WORK/midyear.json" '[(p["owner_note"]["reason"], p["owner_note"]["measures"], p["owner_note"]["by"]) for p in d["projects"] if p["code"] == "LW2021-P10"] == [("检查企业名单年中才确定", "下半年每月检查20家", "梁淑仪")]'
curl -sf "$DAEMON_URL/api/v1/reports/midyear?window=1-6&format=md" > "$WORK/midyear.md"
grep -q '^| [0-9]* | LW2021-P10 | .* | 检查企业名单年中才确定 | 下半年每月检查20家 |$' "$WORK/midyear.md" ||
  fail "the note is not in the P10 row of the mid-year review: $(grep LW2021-P10 "$WORK/midyear.md" | head -1)"
"$BW_BIN" report --db "$WORK/bw.db" --kind midyear --as-of 2021-12-31 --window 1-6 --format csv > "$WORK/midyear.csv" ||
  fail "budgetwatch report --kind midyear exited $?"
"$PY" - "$WORK/midyear.csv" <<'PYEOF' || fail "the CLI review's reason and measures columns"
import csv, sys
rows = {r["项目编码"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))}
p10 = rows["LW2021-P10"]
assert (p10["偏差原因"], p10["整改措施"], p10["填报人"]) == ("检查企业名单年中才确定", "下半年每月检查20家", "梁淑仪"), p10
assert rows["LW2021-P02"]["偏差原因"] == "", rows["LW2021-P02"]
PYEOF
# Its indicators are those of 30 June: P10#1 shows the 60 of June, not the 203 posted for 30 December
# (which /api/v1/indicators, as of 31 December, shows as met); P02#1 18 of 40 is behind, not December's met.
check_json "$WORK/midyear.json" 'd["evaluated_at"] == "2021-06-30"'
check_json "$WORK/midyear.json" '{(i["project_code"], i["seq"]): (i["status"], i["actual"]) for i in d["indicators"] if i["project_code"] in ("LW2021-P02", "LW2021-P10")} == {("LW2021-P02", 1): ("behind", "18"), ("LW2021-P02", 2): ("on_track", None), ("LW2021-P10", 1): ("behind", "60"), ("LW2021-P10", 2): ("on_track", None)}'

# A target with its own date: 春运保障车次 by 30 November, from a form dropped into the inbox, and a
# monitoring return that names the indicator instead of giving its seq: 120 on 10 November, met.
printf '项目编码,序号,一级指标,二级指标,三级指标,年度指标值\nLW2021-P07,1,产出指标,数量指标,春运保障车次,11月底前不少于100车次\n' \
  > "$WORK/inbox/indicators_p07.csv"
printf '项目编码,三级指标,日期,实际值,备注\nLW2021-P07,春运保障车次,2021-11-10,120,按名称填报\n' > "$WORK/inbox/actuals_p07.csv"
p07() { curl -sf "$DAEMON_URL/api/v1/indicators?project=LW2021-P07"; }
wait_for 30 "the P07 form and its value by name" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/indicators?project=LW2021-P07&status=met' | grep -q '\"value\":\"120\"'"
p07 > "$WORK/p07.json"
check_json "$WORK/p07.json" '[(i["due"], i["comparator"], i["value"], i["actual"]["value"], i["actual"]["note"]) for i in d["indicators"]] == [("2021-11-30", ">=", "100", "120", "按名称填报")]'
p07_id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["indicators"][0]["id"])' "$WORK/p07.json")
overdue_alerts() { curl -sf "$DAEMON_URL/api/v1/alerts?rule=indicator_overdue&project=LW2021-P07$1"; }
overdue_alerts "" > "$WORK/p07-alerts.json"
check_json "$WORK/p07-alerts.json" 'd["total"] == 0'
# The rule works on the demo's own overdue indicators (P06#1, P20#1: nothing done by 30 September).
curl -sf "$DAEMON_URL/api/v1/alerts?rule=indicator_overdue&state=firing" > "$WORK/alerts.json"
check_json "$WORK/alerts.json" 'sorted(a["labels"]["subject"] for a in d["alerts"]) == ["LW2021-P06#1", "LW2021-P20#1"]'

post_actual() {
  curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer test-write-token-indicators' \
    -d "$1" "$DAEMON_URL/api/v1/indicators/$p07_id/actuals"
}
# The checked count is 80, dated 20 November: it misses the target, and 30 November has passed.
code=$(post_actual '{"date":"2021-11-20","value":"80","note":"复核后核减重复统计","by":"e2e"}')
[[ "$code" == 201 ]] || fail "posting 80: HTTP $code $(cat "$WORK/post.json")"
wait_for 15 "indicator_overdue fires for P07#1" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/alerts?rule=indicator_overdue&project=LW2021-P07&state=firing' | grep -q '\"total\":1'"
overdue_alerts "&state=firing" > "$WORK/p07-firing.json"
check_json "$WORK/p07-firing.json" '[(a["labels"]["subject"], a["labels"]["indicator"], a["labels"]["owner"], a["annotations"]["actual"], a["annotations"]["due"], a["annotations"]["status"]) for a in d["alerts"]] == [("LW2021-P07#1", "春运保障车次", "罗伟明", "80", "2021-11-30", "overdue")]'
p07 > "$WORK/p07.json"
check_json "$WORK/p07.json" 'd["indicators"][0]["status"] == "overdue" and d["indicators"][0]["actual"]["value"] == "80"'

# 105, dated 28 November (before the due date): met in time, the alert resolves.
code=$(post_actual '{"date":"2021-11-28","value":"105","note":"补充保障后","by":"e2e"}')
[[ "$code" == 201 ]] || fail "posting 105: HTTP $code $(cat "$WORK/post.json")"
wait_for 15 "indicator_overdue resolves for P07#1" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/alerts?rule=indicator_overdue&project=LW2021-P07&state=resolved' | grep -q '\"total\":1'"
overdue_alerts "&state=firing" > "$WORK/p07-firing.json"
check_json "$WORK/p07-firing.json" 'd["total"] == 0'
p07 > "$WORK/p07.json"
check_json "$WORK/p07.json" 'd["indicators"][0]["status"] == "met" and d["indicators"][0]["actual"]["value"] == "105"'
curl -sf "$DAEMON_URL/api/v1/alerts?rule=indicator_overdue&state=firing" > "$WORK/alerts.json"
check_json "$WORK/alerts.json" 'sorted(a["labels"]["subject"] for a in d["alerts"]) == ["LW2021-P06#1", "LW2021-P20#1"]'

grep -q test-write-token-indicators "$WORK/daemon.log" && fail "token in the log"
pass
