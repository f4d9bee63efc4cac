#!/usr/bin/env bash
# Issue #5 (双监控) through the daemon: indicator forms and actual values are ingested like any export, each
# indicator gets a completion status as of the date, an actual value posted through the API (token with
# scope write) moves it, the owners' notes for the mid-year review are kept, and the metrics count
# indicators by unit and status.
source "$(dirname "$0")/common.sh"
port=$(free_port)
mkdir -p "$WORK/inbox"
write_demo_config "$WORK/bw.yaml" "$port" "
  - name: operator
    token: test-write-token-indicators
    scopes: [write]"
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
wait_for 10 "the posted value meets the target" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/indicators?project=LW2021-P10&status=met' | grep -q '\"value\":\"203\"'"

# The owner's reason and measures for the mid-year review.
note='{"review":"2021-midyear","reason":"检查企业名单年中才确定","measures":"下半年每月检查20家","written_by":"梁淑仪"}'
curl -sf -X POST -H 'Authorization: Bearer test-write-token-indicators' -d "$note" \
  "$DAEMON_URL/api/v1/projects/LW2021-P10/notes" > /dev/null || fail "note refused"
curl -sf "$DAEMON_URL/api/v1/notes?review=2021-midyear" > "$WORK/notes.json"
check_json "$WORK/notes.json" 'd["notes"][0]["project_code"] == "LW2021-P10" and d["notes"][0]["measures"] == "下半年每月检查20家"'
grep -q test-write-token-indicators "$WORK/daemon.log" && fail "token in the log"
pass
