#!/usr/bin/env bash
# Faults of the outside world (issue 7): the treasury's export endpoint is down, then slow, then answers
# garbage, then cuts the file short, then recovers; meanwhile every alert receiver (SMTP and a webhook) is
# down, then comes back. Throughout, /metrics and the API answer within a second with the last good figures;
# /readyz says "degraded" and names the failing check (source:treasury, receiver:owners, receiver:hook) with
# the reason; budgetwatch_check_up follows. When each fault clears the daemon catches up: the export is
# ingested exactly once (the department's paid amount grows by exactly its sum, once), every waiting
# notification is delivered exactly once (one e-mail per owner, distinct Message-IDs, one webhook call per
# group), and the checks are ok again.
source "$(dirname "$0")/common.sh"

# The export the endpoint serves in the end: 6 new payments on Liwan projects (vouchers not in the bundle).
"$PY" - "$WORK/new.csv" <<'PYEOF'
import csv, sys
rows = [("ZF2021-F00001", "LW2021-P06", "12,000.00"), ("ZF2021-F00002", "LW2021-P06", "3,456.78"),
        ("ZF2021-F00003", "LW2021-P10", "100,000.00"), ("ZF2021-F00004", "LW2021-P10", "0.01"),
        ("ZF2021-F00005", "LW2021-P02", "25,000.00"), ("ZF2021-F00006", "LW2021-P02", "-1,000.00")]
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow("支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要".split(","))
    for v, p, amt in rows:
        w.writerow([v, "2021-12-20", "101001", "广州市荔湾区科技工业和信息化局", p, "", "2150501", "30201", "授权支付",
                    "一般公共预算", "广州测试供应商有限公司", amt, "故障恢复后补录"])
PYEOF
new_fen=$((1200000 + 345678 + 10000000 + 1 + 2500000 - 100000))
head -c 200000 /dev/urandom > "$WORK/garbage.bin"

port=$(free_port)
export_port=$(free_port)
smtp_port=$(free_port)
hook_port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port" "
  - {name: treasury, kind: http, url: 'http://127.0.0.1:$export_port/export.csv', interval: 1s,
     connect_timeout: 1s, read_timeout: 1s, retries: 1, backoff_initial: 100ms, backoff_max: 200ms}
alerts:
  deliver_interval: 1s
  backoff_initial: 1s
  backoff_max: 2s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to_owner: true, timeout: 2s}
    - {name: hook, kind: webhook, url: 'http://127.0.0.1:$hook_port/hooks/budget'}
  routes:
    - {receivers: [owners], group_by: [owner], repeat_interval: 24h, continue: true}
    - {receivers: [hook], group_by: [unit], repeat_interval: 24h}"
# The http source goes with the others (write_demo_config puts the extra text after the tokens).
"$PY" - "$WORK/bw.yaml" <<'PYEOF'
import sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
i = next(k for k, l in enumerate(lines) if "name: treasury" in l)
src = lines[i:i + 2]
del lines[i:i + 2]
j = next(k for k, l in enumerate(lines) if l.strip() == "kind: upload")
lines[j + 1:j + 1] = src
open(p, "w", encoding="utf-8").write("\n".join(lines))
PYEOF
"$BW_BIN" check-config "$WORK/bw.yaml" > "$WORK/check.txt" || fail "config: $(cat "$WORK/check.txt")"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
base_fen=10888890000

# check FIELD NAME: a field of check NAME in /readyz ("" when absent); FIELD "overall" gives the status.
check() {
  curl -s --max-time 5 "$DAEMON_URL/readyz" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
c = [c for c in d.get("checks", []) if c["name"] == sys.argv[2]]
print(d["status"] if sys.argv[1] == "overall" else (c[0].get(sys.argv[1], "") if c else ""))' "$1" "$2"
}
paid_fen() { curl -sf "$DAEMON_URL/api/v1/summary" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["department"]["paid_fen"])'; }
# serving PAID_FEN: /metrics and the summary answer 200 within a second, with these figures.
serving() {
  local t0 code ms
  t0=$(date +%s%N)
  code=$(curl -s --max-time 5 -o "$WORK/metrics.txt" -w '%{http_code}' "$DAEMON_URL/metrics")
  ms=$((($(date +%s%N) - t0) / 1000000))
  [[ "$code" == 200 ]] || fail "/metrics answered $code during the fault"
  ((ms < 1000)) || fail "/metrics took $ms ms during the fault"
  [[ "$(paid_fen)" == "$1" ]] || fail "department paid is $(paid_fen) during the fault, expected $1"
}
failing_with() {  # failing_with NAME PATTERN: the check fails and its error matches the pattern
  [[ "$(check status "$1")" == failing ]] && [[ "$(check error "$1")" =~ $2 ]]
}

# ---- every receiver is down: the year-end alerts wait in the outbox ------------------------------------
wait_for 30 "owners' mail failing" failing_with receiver:owners "refused|connect"
wait_for 30 "webhook failing" failing_with receiver:hook "refused|connect"
echo "faults: receivers down: owners: $(check error receiver:owners); hook: $(check error receiver:hook)"
[[ "$(check overall x)" == degraded ]] || fail "readyz not degraded with every receiver down"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/readyz")" == 200 ]] || fail "readyz not 200 while degraded"
depth=$(metric_value budgetwatch_outbox_depth)
[[ -n "$depth" && "${depth%.*}" -ge 2 ]] || fail "outbox depth $depth with every receiver down"
[[ "$(metric_value 'budgetwatch_check_up{check="receiver:owners"}')" == 0 ]] || fail "check_up for owners not 0"

# ---- the export endpoint: down, slow, garbage, truncated, then well -------------------------------------
wait_for 20 "endpoint down seen" failing_with source:treasury "refused|connect"
echo "faults: endpoint down: $(check error source:treasury)"
serving "$base_fen"
errors_before=$(metric_value 'budgetwatch_source_polls_total{outcome="error",source="treasury"}')

"$PY" "$BW_SOURCE_DIR/tests/support/export_server.py" --file "$WORK/garbage.bin" --port "$export_port" \
  --etag '"g1"' > "$WORK/export.out" 2> "$WORK/export.err" &
PIDS+=("$!")
wait_for 10 "export endpoint up" grep -q "^PORT $export_port CONTROL" "$WORK/export.out"
control="http://127.0.0.1:$(awk '{print $4}' "$WORK/export.out")/control"
ctl() { curl -sf -X POST --data "$1" "$control" > /dev/null || fail "control $1"; }

ctl "delay=3"  # slow: longer than read_timeout (1 s)
wait_for 20 "slow endpoint times out" failing_with source:treasury "time"
echo "faults: endpoint slow: $(check error source:treasury)"
serving "$base_fen"

ctl "reset=1"  # garbage: 200 KB of random bytes with 200 OK
wait_for 20 "garbage refused as unreadable" bash -c "curl -sf '$DAEMON_URL/api/v1/ingests' | grep -q '\"source\":\"treasury\"'"
curl -sf "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json"
"$PY" - "$WORK/ingests.json" <<'PYEOF' || fail "the garbage download is not listed as unreadable with a reason"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
bad = [f for f in d["failed_files"] if f["source"] == "treasury"]
assert bad and all(f["error"] for f in bad), d
print("faults: garbage: " + bad[0]["name"] + ": " + bad[0]["error"])
PYEOF
serving "$base_fen"
wait_for 10 "source answering" bash -c "[[ \"\$(curl -s '$DAEMON_URL/readyz' | '$PY' -c 'import json,sys; print([c[\"status\"] for c in json.load(sys.stdin)[\"checks\"] if c[\"name\"] == \"source:treasury\"][0])')\" == ok ]]"

ctl "file=$WORK/new.csv&etag=%22n1%22&mode=truncate"  # the real export, cut in half
wait_for 20 "truncated download refused" failing_with source:treasury "truncat|short|end of stream|partial"
echo "faults: endpoint truncates: $(check error source:treasury)"
serving "$base_fen"

ctl "mode=normal"  # well again
wait_for 20 "export ingested after recovery" bash -c "[[ \$(curl -sf '$DAEMON_URL/api/v1/summary' | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"department\"][\"paid_fen\"])') == $((base_fen + new_fen)) ]]"
wait_for 10 "source check ok" bash -c "[[ \"\$(curl -s '$DAEMON_URL/readyz' | grep -o '\"name\":\"source:treasury\",\"status\":\"[a-z]*\"')\" == *'\"ok\"' ]]"
sleep 3  # more polls (304 Not Modified): nothing is counted twice
[[ "$(paid_fen)" == $((base_fen + new_fen)) ]] || fail "paid after more polls: $(paid_fen)"
ingested=$(metric_value 'budgetwatch_ingest_files_total{kind="payments",outcome="ingested",source="treasury"}')
[[ "$ingested" == 1 ]] || fail "treasury files ingested: $ingested, expected 1"
errors_after=$(metric_value 'budgetwatch_source_polls_total{outcome="error",source="treasury"}')
"$PY" -c "import sys; sys.exit(0 if float(sys.argv[2]) >= float(sys.argv[1] or 0) + 2 else 1)" "$errors_before" "$errors_after" \
  || fail "poll errors did not grow by the slow and the truncated polls: $errors_before → $errors_after"

# ---- the receivers come back: everything waiting is delivered, once --------------------------------------
(cd "$WORK" && exec "$PY" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$WORK/mail") &
PIDS+=("$!")
"$PY" "$BW_SOURCE_DIR/tests/support/receiver.py" --port "$hook_port" --log "$WORK/hook.jsonl" > "$WORK/receiver.out" &
PIDS+=("$!")
wait_for 10 "webhook receiver up" grep -q PORT "$WORK/receiver.out"
wait_for 60 "outbox drained" metric_is budgetwatch_outbox_depth 0
wait_for 10 "receiver checks ok" bash -c "! curl -s '$DAEMON_URL/readyz' | grep -q '\"failing\"'"
[[ "$(check overall x)" == ready ]] || fail "readyz after every fault cleared: $(curl -s "$DAEMON_URL/readyz")"
sleep 2  # a delivery pass later: nothing more arrives
curl -sf "$DAEMON_URL/api/v1/notifications?per_page=1000" > "$WORK/notifications.json"
"$PY" - "$WORK/notifications.json" "$WORK/mail" "$WORK/hook.jsonl" <<'PYEOF' || fail "not exactly once after the outage"
import email, hashlib, json, mailbox, sys
from email.header import decode_header, make_header
notes = json.load(open(sys.argv[1], encoding="utf-8"))["notifications"]
owners = [n for n in notes if n["receiver"] == "owners"]
hooks = [n for n in notes if n["receiver"] == "hook"]
assert owners and hooks, notes
assert all(n["state"] == "delivered" for n in owners + hooks), [(n["receiver"], n["state"]) for n in notes]
assert all(n["attempts"] >= 2 for n in owners + hooks), "delivered at the first attempt despite the outage"
box = mailbox.Maildir(sys.argv[2], create=False)
msgs = [box.get_message(k) for k in box.keys()]
ids = [m["Message-ID"] for m in msgs]
assert len(msgs) == len(owners), (len(msgs), len(owners))
assert len(set(ids)) == len(ids), "duplicate Message-ID"
# Each delivered notification is one e-mail, its Message-ID derived from the notification's idempotency key.
want = {"<" + hashlib.sha256(n["idempotency_key"].encode()).hexdigest()[:32] for n in owners}
got = {i.split(".budgetwatch@")[0] for i in ids}
assert got == want, (sorted(got - want), sorted(want - got))
tos = {str(make_header(decode_header(m["To"]))) for m in msgs}
calls = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
assert len(calls) == len(hooks), (len(calls), len(hooks))
print(f"faults: after the outage: {len(msgs)} e-mails to {len(set(tos))} owners, {len(calls)} webhook calls, each once")
PYEOF
[[ "$(metric_value 'budgetwatch_check_up{check="receiver:owners"}')" == 1 ]] || fail "check_up for owners not back to 1"
curl -sf "$DAEMON_URL/readyz" > /dev/null || fail "not ready at the end"
pass
