#!/usr/bin/env bash
# Issue 14 item 4 end to end: the real daemon with the Liwan 2021 data and the 2022 register, a real SMTP server
# (tests/support/smtp_sink.py, python3-aiosmtpd) on 127.0.0.1, the clock pinned to 2021-12-31 and then, by a
# SIGHUP, to 2022-01-01. On 1 January the daemon evaluates 2022 (/metrics and the API switch), the 2021 alerts are
# closed quietly (resolved as year_closed, no message), the 2022 lines' alerts fire in one message per owner of a
# 2022 line, and the 2021 figures stay queryable with ?fiscal_year=2021 and ?as_of=2021-12-31.
source "$(dirname "$0")/common.sh"
port=$(free_port)
smtp_port=$(free_port)
mkdir -p "$WORK/mail"

write_config() {  # write_config AS_OF
  cat > "$WORK/bw.yaml" <<YAML
database: $WORK/bw.db
server:
  listen: 127.0.0.1:$port
evaluation:
  as_of: $1
sources:
  - name: ledger
    kind: files
    files: [$DATA/liwan2021/budget.csv, $DATA/liwan2021/adjustments.csv, $DATA/liwan2021/payments.csv,
            $DATA/years/budget2022.csv, $DATA/years/adjustments2022.csv, $DATA/years/payments2022.csv]
    interval: 30s
alerts:
  external_url: http://127.0.0.1:$port
  deliver_interval: 1s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
    - {name: money_left_within_a_year, kind: deadline_near, within_days: 366, line_kinds: [project, basic]}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to_owner: true, timeout: 2s}
  routes:
    - {receivers: [owners], group_by: [owner], repeat_interval: 24h}
YAML
}

api() { curl -sf "$DAEMON_URL/api/v1/$1"; }
total_of() { api "notifications?per_page=1000&$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
mail_count() { find "$WORK/mail" -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l; }
settled() {  # nothing pending and every delivered message arrived
  [[ "$(total_of state=pending)" == 0 && "$(total_of state=delivered)" == "$(mail_count)" ]]
}

"$PY" "$BW_SOURCE_DIR/tests/support/smtp_sink.py" --dir "$WORK/mail" --port "$smtp_port" > "$WORK/sink.out" 2>&1 &
PIDS+=("$!")
wait_for 10 "SMTP server listening" grep -q '^PORT ' "$WORK/sink.out"

# 1. 31 December 2021: the 2021 alerts fire and their messages arrive.
write_config 2021-12-31
start_daemon "$WORK/bw.yaml"
wait_for 60 "every file ingested" bash -c "curl -sf '$DAEMON_URL/api/v1/summary?fiscal_year=2022' | grep -q '\"paid_fen\":4000000'"
wait_for 30 "the 11 projects below 80% firing" metric_is \
  'budgetwatch_alerts{rule="below_80_at_deadline",severity="warning",state="firing"}' 11
wait_for 30 "the 2021 messages delivered" settled
sleep 3
settled || fail "messages still moving on 31 December"
metric_is budgetwatch_fiscal_year 2021 || fail "budgetwatch_fiscal_year $(metric_value budgetwatch_fiscal_year) on 2021-12-31"
dec31_mails=$(mail_count)
dec31_rows=$(total_of "")
(( dec31_mails > 0 )) || fail "no message on 31 December"
api "alerts?per_page=1000&state=firing" > "$WORK/firing2021.json"
check_json "$WORK/firing2021.json" 'd["total"] > 11 and all(a["labels"]["fiscal_year"] == "2021" for a in d["alerts"])'
firing2021=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$WORK/firing2021.json")
echo "31 December: $firing2021 alerts firing, $dec31_mails messages"

# 2. 1 January 2022 (SIGHUP with the new date): the new year is evaluated.
write_config 2022-01-01
kill -HUP "$DAEMON_PID"
wait_for 30 "the fiscal year change logged" grep -q 'fiscal year changed from=2021 to=2022' "$WORK/daemon.log"
wait_for 30 "budgetwatch_fiscal_year 2022" metric_is budgetwatch_fiscal_year 2022
grep -q "alerts evaluated .* year_closed=$firing2021 " "$WORK/daemon.log" ||
  fail "the cycle must close the $firing2021 alerts of 2021: $(grep 'alerts evaluated' "$WORK/daemon.log" | tail -1)"
wait_for 30 "the 2022 messages delivered" bash -c "(( \$(find '$WORK/mail' -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l) > $dec31_mails ))"
sleep 4  # a few delivery passes and evaluations more: nothing else may arrive
settled || fail "messages still moving on 1 January"
new_mails=$(( $(mail_count) - dec31_mails ))
[[ "$new_mails" == 3 ]] || fail "expected one message per owner of a 2022 line (3), got $new_mails"
[[ "$(total_of state=pending)" == 0 ]] || fail "messages pending"

# The new messages: firing, 2022 lines only, no 恢复 (resolved) section; no resolved message was ever queued.
"$PY" - "$WORK/mail" "$dec31_mails" <<'PYEOF' || fail "the 1 January messages"
import pathlib, sys
msgs = sorted(pathlib.Path(sys.argv[1]).glob("msg-*"), key=lambda p: p.stat().st_mtime)[int(sys.argv[2]):]
f = lambda p, n: (p / n).read_text(encoding="utf-8")
assert sorted(f(p, "rcpt_tos") for p in msgs) == ["chenzhiyuan@example.gov.cn", "denghuiling@example.gov.cn",
                                                  "fenglihua@example.gov.cn"], [f(p, "rcpt_tos") for p in msgs]
for p in msgs:
    body, subject = f(p, "body"), f(p, "subject")
    assert "已恢复" not in body, body
    assert "2022-01-01" in subject, subject
chen = [f(p, "body") for p in msgs if f(p, "rcpt_tos") == "chenzhiyuan@example.gov.cn"][0]
assert "（LW2021-P02）" in chen and "（LW2022-P01）" in chen, chen
print("1 January:", len(msgs), "messages")
PYEOF
api "notifications?per_page=1000" > "$WORK/notifications.json"
check_json "$WORK/notifications.json" "d['total'] == $dec31_rows + 3 and all(n['status'] == 'firing' for n in d['notifications'][:3])"

# The alerts: 2021's resolved as year_closed, 2022's firing.
api "alerts?per_page=1000&state=firing" > "$WORK/firing2022.json"
check_json "$WORK/firing2022.json" 'sorted((a["labels"]["fiscal_year"], a["labels"]["project_code"]) for a in d["alerts"]) == [("2022", c) for c in ("LW2021-B01", "LW2021-B02", "LW2021-P02", "LW2022-P01")]'
api "alerts?per_page=1000&fiscal_year=2022" > "$WORK/alerts2022.json"
check_json "$WORK/alerts2022.json" 'd["total"] == 4 and all(a["state"] == "firing" for a in d["alerts"])'
api "alerts?per_page=1000&state=resolved" > "$WORK/closed.json"
check_json "$WORK/closed.json" "len([a for a in d['alerts'] if a['annotations'].get('closed') == 'year_closed']) == $firing2021 and all(a['labels']['fiscal_year'] == '2021' for a in d['alerts'])"

# 3. 2021 stays queryable; today's figures are 2022's.
api "reports/execution" > "$WORK/today.json"
check_json "$WORK/today.json" 'd["fiscal_year"] == 2022 and d["as_of"] == "2022-01-01" and len(d["lines"]) == 4'
for q in "fiscal_year=2021" "as_of=2021-12-31"; do
  api "reports/execution?$q" > "$WORK/r2021.json"
  check_json "$WORK/r2021.json" 'd["fiscal_year"] == 2021 and d["as_of"] == "2021-12-31" and d["department"]["execution_rate_pct"] == "91.38" and len(d["lines"]) == 32'
done
# A past date is evaluated once and then kept, but never past a change of the ledger: a late 2021 payment
# ingested beside the running daemon shows at once in the 2021 figures.
printf '支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,金额\nZF2021-LATE01,2021-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P02,科学技术支出,"1,000.00"\n' \
  > "$WORK/late2021.csv"
paid2021() { api "reports/execution?as_of=2021-12-31" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["department"]["paid_fen"])'; }
before=$(paid2021)
"$BW_BIN" ingest --db "$WORK/bw.db" "$WORK/late2021.csv" > "$WORK/late.out" || fail "late ingest: $(cat "$WORK/late.out")"
after=$(paid2021)
[[ "$after" == $((before + 100000)) ]] || fail "2021 paid after a late payment: $before then $after"
code=$(curl -s -o "$WORK/bad.json" -w '%{http_code}' "$DAEMON_URL/api/v1/reports/yearend?fiscal_year=twenty")
[[ "$code" == 400 ]] || fail "fiscal_year=twenty: HTTP $code"
check_json "$WORK/bad.json" 'list(d) == ["error"]'

# 4. A restart on 1 January sends nothing more.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"
mails_before=$(mail_count)
start_daemon "$WORK/bw.yaml"
sleep 4
[[ "$(mail_count)" == "$mails_before" ]] || fail "the restart sent $(( $(mail_count) - mails_before )) messages"
pass
