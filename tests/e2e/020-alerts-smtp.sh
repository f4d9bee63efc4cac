#!/usr/bin/env bash
# Issue #4 end to end with a REAL SMTP server (tests/support/smtp_sink.py, python3-aiosmtpd, AUTH required) on
# 127.0.0.1: the server is down for two minutes (BW_SMTP_OUTAGE_S, default 120) while owners' grouped e-mails wait
# in the outbox, retried, through a kill -9 of the daemon and a restart; when it returns every message arrives,
# none twice. The repeat interval holds across a restart; a recovered project gets one resolved message; an active
# silence sends nothing and its expiry sends; the alerts API filters, silences and metrics; no password or token
# in the logs, the errors or the API.
source "$(dirname "$0")/common.sh"
port=$(free_port)
smtp_port=$(free_port)
outage=${BW_SMTP_OUTAGE_S:-120}
mkdir -p "$WORK/inbox" "$WORK/mail"
smtp_password='smtp-Passw0rd-e2e-5f1c'
wrong_password='wrong-smtp-Passw0rd-e2e-77'
write_demo_config "$WORK/bw.yaml" "$port" "
  - name: operator
    token: test-write-token-abcdef
    scopes: [write]
alerts:
  language: zh-CN
  external_url: http://127.0.0.1:$port
  deliver_interval: 1s
  backoff_initial: 1s
  backoff_max: 2s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       smtp_username: budgetwatch, smtp_password: '$smtp_password',
       from: budgetwatch@localhost, to_owner: true, timeout: 2s}
    # The same server with a wrong password: refused for good (535), the error shown without the password.
    - {name: audit, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       smtp_username: budgetwatch, smtp_password: '$wrong_password',
       from: budgetwatch@localhost, to: [audit@example.gov.cn], timeout: 2s}
  routes:
    - {receivers: [owners, audit], group_by: [owner], repeat_interval: 24h}"

api() { curl -sf "$DAEMON_URL/api/v1/$1"; }
total_of() { api "notifications?per_page=1000&$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
retried_pending() { api "notifications?per_page=1000&state=pending" | "$PY" -c '
import json,sys; d=json.load(sys.stdin); n=d["notifications"]
sys.exit(0 if n and all(x["attempts"] >= 1 and x["last_error"] for x in n) else 1)'; }
mail_count() { find "$WORK/mail" -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l; }
mail_count_is() { [[ "$(mail_count)" == "$1" ]]; }
mails_to() { grep -lx -- "$1" "$WORK"/mail/msg-*/rcpt_tos 2>/dev/null | wc -l; }
mails_to_is() { [[ "$(mails_to "$1")" == "$2" ]]; }
evaluations() { grep -c 'alerts evaluated' "$WORK/daemon.log" || true; }
alerts_total() { api "alerts?per_page=1000&$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# 1. The SMTP server is down: the messages wait in the outbox, retried; the daemon serves on.
start_daemon "$WORK/bw.yaml"
down_since=$SECONDS
wait_for 30 "owners' messages retried while SMTP is down" retried_pending
expected=$(total_of "state=pending&receiver=owners")
[[ "$expected" == 6 ]] || fail "expected one message per owner of the 11 projects (6 owners), got $expected"
[[ "$(total_of "state=pending&receiver=audit")" == 6 ]] || fail "expected the audit copies queued"
curl -sf "$DAEMON_URL/readyz" >/dev/null || fail "not ready while SMTP is down"
wait_for 10 "outbox depth metric" metric_is budgetwatch_outbox_depth 12
metric_value 'budgetwatch_notifications_total{kind="email",outcome="retry",receiver="owners"}' | grep -q . ||
  fail "retries not counted"
# Every attempt is timed (the notifier base), the failed ones too.
curl -sf "$DAEMON_URL/metrics" > "$WORK/timed.txt"
n_timed=$(awk '$1 == "budgetwatch_notification_duration_seconds_count{kind=\"email\",receiver=\"owners\"}" {print $2}' "$WORK/timed.txt")
n_retry=$(awk '$1 == "budgetwatch_notifications_total{kind=\"email\",outcome=\"retry\",receiver=\"owners\"}" {print $2}' "$WORK/timed.txt")
"$PY" -c "import sys; t, r = map(float, sys.argv[1:]); sys.exit(0 if t >= r >= 1 else 1)" "${n_timed:-0}" "${n_retry:-0}" ||
  fail "attempts not timed: duration count ${n_timed:-none}, retries ${n_retry:-none}"
# The oldest message's age grows with the outage (the metric is refreshed at every delivery pass).
wait_for 10 "outbox age metric" metric_lt budgetwatch_outbox_oldest_age_seconds 1000000
age1=$(metric_value budgetwatch_outbox_oldest_age_seconds)
sleep 4
age2=$(metric_value budgetwatch_outbox_oldest_age_seconds)
"$PY" -c "import sys; a, b, up = map(float, sys.argv[1:]); sys.exit(0 if 2 <= b - a <= 8 and 0 < b <= up + 3 else 1)" \
  "$age1" "$age2" "$((SECONDS - down_since))" || fail "outbox age $age1 then $age2 over 4 s (up $((SECONDS - down_since)) s)"

# The alerts API and metrics at year end: the 11 projects below 80%, filtered by each label.
[[ "$(metric_value 'budgetwatch_alerts{rule="below_80_at_deadline",severity="warning",state="firing"}')" == 11 ]] ||
  fail "budgetwatch_alerts firing: $(metric_value 'budgetwatch_alerts{rule="below_80_at_deadline",severity="warning",state="firing"}')"
api "alerts?per_page=1000&state=firing&rule=below_80_at_deadline" > "$WORK/alerts.json"
check_json "$WORK/alerts.json" 'd["total"] == 11 and sorted(a["labels"]["project_code"] for a in d["alerts"]) == ["LW2021-P%s" % n for n in ("06","10","16","18","20","21","22","23","27","29","30")]'
check_json "$WORK/alerts.json" 'all(a["state"] == "firing" and a["severity"] == "warning" and not a["silenced"] and a["annotations"]["execution_pct"] for a in d["alerts"])'
for q in "severity=warning:11" "severity=critical:0" "state=pending:0" "rule=no_such_rule:0" "unit=101002:3" \
         "unit=101001:8" "project=LW2021-P06:1" "owner=%E7%BD%97%E4%BC%9F%E6%98%8E:3" \
         "owner=%E9%99%88%E5%BF%97%E8%BF%9C&project=LW2021-P20:1" "owner=%E9%99%88%E5%BF%97%E8%BF%9C&project=LW2021-P06:0"; do
  [[ "$(alerts_total "${q%:*}")" == "${q##*:}" ]] || fail "alerts?${q%:*}: $(alerts_total "${q%:*}") alerts, expected ${q##*:}"
done
api "alerts?owner=%E7%BD%97%E4%BC%9F%E6%98%8E" > "$WORK/luo.json"  # 罗伟明
check_json "$WORK/luo.json" 'sorted(a["labels"]["project_code"] for a in d["alerts"]) == ["LW2021-P06", "LW2021-P22", "LW2021-P23"]'
code=$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/api/v1/alerts?colour=red")
[[ "$code" == 400 ]] || fail "unknown filter: HTTP $code"

# 2. kill -9 with the messages in the outbox; restart while the server is still down; the server returns after
#    the outage: each message arrives exactly once.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
start_daemon "$WORK/bw.yaml"
while (( SECONDS - down_since < outage )); do
  [[ "$(total_of "state=pending&receiver=owners")" == "$expected" ]] || fail "messages lost or duplicated while SMTP was down"
  sleep 5
done
attempts=$(api "notifications?per_page=1000&receiver=owners" | "$PY" -c 'import json,sys; print(min(n["attempts"] for n in json.load(sys.stdin)["notifications"]))')
(( outage < 60 || attempts >= 10 )) || fail "only $attempts attempts in a ${outage} s outage"
[[ "$(total_of "state=delivered")" == 0 ]] || fail "delivered while the server was down?"
echo "SMTP down for $((SECONDS - down_since)) s; at least $attempts attempts per message"
"$PY" "$BW_SOURCE_DIR/tests/support/smtp_sink.py" --dir "$WORK/mail" --port "$smtp_port" \
  --auth "budgetwatch:$smtp_password" > "$WORK/sink.out" 2>&1 &
PIDS+=("$!")
wait_for 10 "SMTP server listening" grep -q '^PORT ' "$WORK/sink.out"
wait_for 30 "all messages delivered" mail_count_is "$expected"
wait_for 10 "outbox drained" metric_is budgetwatch_outbox_depth 0
metric_is budgetwatch_outbox_oldest_age_seconds 0 || fail "outbox age $(metric_value budgetwatch_outbox_oldest_age_seconds) with nothing pending"
sleep 3  # two more delivery passes: nothing more may arrive
[[ "$(mail_count)" == "$expected" ]] || fail "expected $expected messages, got $(mail_count)"
[[ "$(total_of "state=failed&receiver=audit")" == 6 ]] || fail "the wrong password must fail for good"
wait_for 10 "failed in the metrics" metric_is budgetwatch_outbox_failed 6
api "notifications?state=failed&receiver=audit" > "$WORK/failed.json"
check_json "$WORK/failed.json" 'all(n["attempts"] >= 1 and n["last_error"] == "AUTH PLAIN: server replied 535 5.7.8 Authentication credentials invalid" for n in d["notifications"])'

# Each owner once, authenticated, in zh-CN, with the figures; Message-IDs unique.
"$PY" - "$WORK/mail" "$expected" "$port" <<'PYEOF' || fail "message content"
import pathlib, sys
msgs = [p for p in sorted(pathlib.Path(sys.argv[1]).glob("msg-*"))]
f = lambda p, n: (p / n).read_text(encoding="utf-8")
want = int(sys.argv[2])
port = sys.argv[3]
assert len(msgs) == want, len(msgs)
tos = [f(p, "rcpt_tos") for p in msgs]
assert sorted(tos) == sorted(["chenzhiyuan@example.gov.cn", "luoweiming@example.gov.cn", "huangjiamin@example.gov.cn",
                              "liangshuyi@example.gov.cn", "wusiying@example.gov.cn", "hejunjie@example.gov.cn"]), tos
assert all(f(p, "auth") in ("PLAIN:budgetwatch", "LOGIN:budgetwatch") for p in msgs), [f(p, "auth") for p in msgs]
ids = [f(p, "message_id") for p in msgs]
assert all(ids) and len(set(ids)) == want, ids
p06 = [p for p in msgs if "LW2021-P06" in f(p, "body")]
assert len(p06) == 1, "P06 must be in exactly one owner's message"
body, subject = f(p06[0], "body"), f(p06[0], "subject")
assert subject == "【预算执行预警】罗伟明：3 个项目需关注（截至 2021-12-31）", subject
for s in ("罗伟明，您好：", "交通战备工作经费（LW2021-P06）", "执行率 36.90%，序时进度 100.00%，低于序时进度 63.10 个百分点",
          "未支出 6.31 万元；完成时限 2021-12-31（剩余 0 天）",
          "详情：http://127.0.0.1:" + port + "/projects/LW2021-P06?fiscal_year=2021"):
    assert s in body, s
print("messages:", want, "to:", sorted(tos))
PYEOF

# 3. Restart: the repeat interval (24 h) holds, nothing is sent again.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"
before=$(evaluations)
start_daemon "$WORK/bw.yaml"
wait_for 20 "an alert cycle after the restart" bash -c "(( \$(grep -c 'alerts evaluated' '$WORK/daemon.log') > $before ))"
grep 'alerts evaluated' "$WORK/daemon.log" | tail -n +"$((before + 1))" | grep -v 'firing=11 .* messages=0$' &&
  fail "the cycles after the restart must find the 11 firing and write no message"
sleep 3
[[ "$(mail_count)" == "$expected" ]] || fail "repeat interval not held across the restart: $(mail_count) messages"

# 4. P06 recovers (its remaining 63,100.00 yuan paid): its owner gets one message listing it as resolved.
cat > "$WORK/inbox/late.csv" <<'CSV'
支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要
ZF2021-E2E-0001,2021-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,广州某交通服务有限公司,"63,100.00",补录支付
CSV
wait_for 30 "resolved message delivered" mail_count_is "$((expected + 1))"
sleep 3
[[ "$(mail_count)" == "$((expected + 1))" ]] || fail "more than one message after the recovery"
mails_to_is luoweiming@example.gov.cn 2 || fail "the resolved message must go to P06's owner"
"$PY" - "$WORK/mail" <<'PYEOF' || fail "resolved message content"
import pathlib, sys
last = sorted(pathlib.Path(sys.argv[1]).glob("msg-*"))[-1]
body = (last / "body").read_text(encoding="utf-8")
assert "以下项目已恢复" in body and "交通战备工作经费（LW2021-P06）：执行率 100.00%（执行率低于 80.00% 已解除）" in body, body
assert body.count("LW2021-P06") == 1, body
PYEOF
api "alerts?state=resolved" > "$WORK/resolved.json"
check_json "$WORK/resolved.json" '[a["labels"]["project_code"] for a in d["alerts"]] == ["LW2021-P06"] and d["alerts"][0]["resolved_at"]'
wait_for 10 "resolved in the metrics" metric_is 'budgetwatch_alerts{rule="below_80_at_deadline",severity="warning",state="resolved"}' 1
metric_is 'budgetwatch_alerts{rule="below_80_at_deadline",severity="warning",state="firing"}' 10 || fail "10 still firing"

# 5. Silences need a token with scope write; the API lists them; an active one sends nothing.
silence='{"matchers":[{"name":"owner","op":"=","value":"陈志远"}],"created_by":"e2e","comment":"closing","ends_at":"2099-01-01T00:00:00Z"}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$silence" "$DAEMON_URL/api/v1/silences")
[[ "$code" == 401 ]] || fail "silence without a token: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer test-token-0123456789' -d "$silence" \
  "$DAEMON_URL/api/v1/silences")
[[ "$code" == 403 ]] || fail "silence with an upload token (wrong scope: 403): HTTP $code"
curl -sf -X POST -H 'Authorization: Bearer test-write-token-abcdef' -H 'Content-Type: application/json' \
  -d "$silence" "$DAEMON_URL/api/v1/silences" > "$WORK/silence.json" || fail "silence with a token refused"
check_json "$WORK/silence.json" 'd["state"] == "active" and d["created_by"] == "e2e" and d["comment"] == "closing"'
silence_id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/silence.json")
api silences > "$WORK/silences.json"
check_json "$WORK/silences.json" "[(s['id'], s['state'], s['matchers'], s['ends_at']) for s in d['silences']] == [('$silence_id', 'active', [{'name': 'owner', 'op': '=', 'value': '陈志远'}], '2099-01-01T00:00:00Z')]"
wait_for 10 "silenced alerts listed" bash -c "[[ \$(curl -sf '$DAEMON_URL/api/v1/alerts?silenced=true' | $PY -c 'import json,sys; d=json.load(sys.stdin); print(sorted(a[\"labels\"][\"project_code\"] for a in d[\"alerts\"]))') == \"['LW2021-P20', 'LW2021-P21']\" ]]"
# Refunds push P01 (陈志远's, silenced) and P28 (张海涛's) below 80%: 张海涛 hears of it, 陈志远 does not.
cat > "$WORK/inbox/refunds.csv" <<'CSV'
支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要
ZF2021-E2E-0002,2021-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P01,2021年度省科技创新战略专项资金（省基础与应用基础研究基金部分项目）,2060201,30299,授权支付,一般公共预算,广州某研究院,"-60,000.00",退回
ZF2021-E2E-0003,2021-12-30,101003,广州市荔湾区经济发展研究中心,LW2021-P28,经发研工作经费,2150899,30226,授权支付,一般公共预算,广州某咨询公司,"-200,000.00",退回
CSV
wait_for 30 "张海涛's message (the cycle after the refunds)" mails_to_is zhanghaitao@example.gov.cn 1
wait_for 10 "P01 firing and silenced" bash -c "curl -sf '$DAEMON_URL/api/v1/alerts?project=LW2021-P01&state=firing&silenced=true' | grep -q '\"total\":1'"
sleep 3
mails_to_is chenzhiyuan@example.gov.cn 1 || fail "a silenced owner got mail: $(mails_to chenzhiyuan@example.gov.cn) messages"
[[ "$(mail_count)" == "$((expected + 2))" ]] || fail "expected only 张海涛's message, have $(mail_count)"

# Expiring it needs the token too; then 陈志远 hears of P01, once.
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$DAEMON_URL/api/v1/silences/$silence_id")
[[ "$code" == 401 ]] || fail "expiring a silence without a token: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer test-write-token-abcdef' \
  "$DAEMON_URL/api/v1/silences/no-such-silence")
[[ "$code" == 404 ]] || fail "expiring an unknown silence: HTTP $code"
curl -sf -X DELETE -H 'Authorization: Bearer test-write-token-abcdef' "$DAEMON_URL/api/v1/silences/$silence_id" \
  > "$WORK/expired.json" || fail "expiring the silence"
check_json "$WORK/expired.json" "d == {'id': '$silence_id', 'state': 'expired'}"
api silences > "$WORK/silences.json"
check_json "$WORK/silences.json" "[(s['id'], s['state']) for s in d['silences']] == [('$silence_id', 'expired')]"
wait_for 30 "陈志远's message once the silence expired" mails_to_is chenzhiyuan@example.gov.cn 2
sleep 3
[[ "$(mail_count)" == "$((expected + 3))" ]] || fail "expected one message after the expiry, have $(mail_count)"
"$PY" - "$WORK/mail" <<'PYEOF' || fail "the message after the silence"
import pathlib, sys
m = [p for p in sorted(pathlib.Path(sys.argv[1]).glob("msg-*")) if (p / "rcpt_tos").read_text() == "chenzhiyuan@example.gov.cn"][-1]
body = (m / "body").read_text(encoding="utf-8")
assert "（LW2021-P01）" in body and "执行率 40.00%" in body, body
PYEOF
[[ "$(alerts_total silenced=true)" == 0 ]] || fail "alerts still silenced after the expiry"

# 6. No secret in logs, errors or API answers.
for s in "$smtp_password" "$wrong_password" test-write-token-abcdef test-token-0123456789; do
  grep -qF -- "$s" "$WORK/daemon.log" && fail "secret $s in the log"
  for path in "notifications?per_page=1000&body=true" "alerts?per_page=1000" silences; do
    grep -qF -- "$s" <<< "$(api "$path")" && fail "secret $s in /api/v1/$path"
  done
  grep -qF -- "$s" <<< "$(curl -sf "$DAEMON_URL/readyz")" && fail "secret $s in /readyz"
  grep -qF -- "$s" <<< "$(curl -sf "$DAEMON_URL/metrics")" && fail "secret $s in /metrics"
done
grep -q 'not delivered receiver=audit' "$WORK/daemon.log" || fail "the refused login is not in the log"
pass
