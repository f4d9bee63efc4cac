#!/usr/bin/env bash
# Issue 17 ("no silent surprises", "small things people expect") with the real daemon: a file of which every row
# is rejected goes to failed/ with its reasons (not archive/), with a warning, budgetwatch_ingest_files_failed_total
# and nothing stored; a file of another extension in the drop folder is logged once, not at every poll, and listed;
# an ingest_failed alert rule queues a message for the receiver its route names; an unreachable SMTP receiver is
# logged at info during alerts.unreachable_warn_after, then as a warning.
source "$(dirname "$0")/common.sh"
port=$(free_port)
smtp_port=$(free_port)  # nothing listens there: the receiver is unreachable
mkdir -p "$WORK/inbox"
write_demo_config "$WORK/bw.yaml" "$port" "alerts:
  external_url: http://127.0.0.1:$port
  deliver_interval: 1s
  backoff_initial: 1s
  backoff_max: 1s
  unreachable_warn_after: 6s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
    - {name: file_refused, kind: ingest_failed, within_days: 1}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to_owner: true, timeout: 1s}
    - {name: bureau, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to: [finance-bureau@example.gov.cn], timeout: 1s}
  routes:
    - {match: [rule_kind=ingest_failed], receivers: [bureau], group_by: [source], repeat_interval: 24h}
    - {receivers: [owners], group_by: [owner], repeat_interval: 24h}"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
header='支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要'
row() { printf '%s,%s,101001,广州市荔湾区科技工业和信息化局,LW2021-P30,荔湾区电子商务综合服务平台项目经费,2060199,30227,直接支付,一般公共预算,广州某网络科技有限公司,"5,000.00",平台运维\n' "$1" "$2"; }

# 1. Every row rejected (two rows, below the share limit's 10-row minimum): failed/, its reasons, a warning, the
#    metric; nothing stored, the paid total unchanged.
{ printf '%s\n' "$header"; row ZF2021-950001 2021-13-05; row ZF2021-950002 2021-13-06; } > "$WORK/inbox/all_bad.csv"
wait_for 15 "all-rejected file moved to failed/" test -f "$WORK/inbox/failed/all_bad.csv.reason"
[[ ! -e "$WORK/inbox/archive/all_bad.csv" ]] || fail "a file of rejects only was archived like a good one"
grep -q "all 2 rows rejected: nothing of the file was stored. Reasons: 支付日期: '…' is not a date (month #) × 2 (first at line 2)" \
  "$WORK/inbox/failed/all_bad.csv.reason" || fail "reason: $(cat "$WORK/inbox/failed/all_bad.csv.reason")"
wait_for 5 "failed-file metric" metric_is 'budgetwatch_ingest_files_failed_total{reason="rejected_rows",source="inbox"}' 1
metric_is 'budgetwatch_ingest_files_failed_total{reason="unreadable",source="inbox"}' 0 || fail "unreadable counted"
grep -q ' warning collect: file not ingested source=inbox file=all_bad.csv error=' "$WORK/daemon.log" ||
  fail "no warning for the refused file: $(grep all_bad "$WORK/daemon.log")"
metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900 || fail "a refused file changed the figures"
# ... and budgetwatch's own alert (rule kind ingest_failed), for the receivers its route names.
refused_alert() {
  local j
  j=$(curl -sf "$DAEMON_URL/api/v1/alerts?rule=file_refused") && [[ "$j" == *'"file":"all_bad.csv"'* ]]
}
wait_for 20 "an ingest_failed alert for the refused file" refused_alert
bureau_told() {
  curl -sf "$DAEMON_URL/api/v1/notifications?per_page=100&receiver=bureau" > "$WORK/notifications.json" &&
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(n["group_key"] == "source=inbox" for n in d["notifications"]) else 1)' "$WORK/notifications.json"
}
wait_for 10 "a message to the bureau's receiver queued" bureau_told
curl -sS -f "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json" ||
  fail "GET /api/v1/ingests: $(curl -s -w ' (HTTP %{http_code})' "$DAEMON_URL/api/v1/ingests" | tail -c 300)"
check_json "$WORK/ingests.json" 'any(f["name"] == "all_bad.csv" for f in d["failed_files"]) and not any(f["name"] == "all_bad.csv" for f in d["items"])'

# 2. A file of another extension: listed and logged once, however many polls see it.
printf 'PK\003\004' > "$WORK/inbox/payments_202112.xlsx"
skipped_listed() {
  local j
  j=$(curl -sf "$DAEMON_URL/api/v1/ingests") && [[ "$j" == *'"name":"payments_202112.xlsx","kind":"name_not_matched"'* ]]
}
wait_for 10 "xlsx listed as skipped" skipped_listed
sleep 3  # three more polls
[[ $(grep -c 'entry skipped source=inbox file=payments_202112.xlsx kind=name_not_matched' "$WORK/daemon.log") == 1 ]] ||
  fail "the skipped file is not logged exactly once: $(grep -c payments_202112.xlsx "$WORK/daemon.log")"
[[ -e "$WORK/inbox/payments_202112.xlsx" ]] || fail "a skipped file was moved"

# 3. The SMTP receiver is unreachable: info for unreachable_warn_after (6 s), then warnings.
wait_for 20 "a failed delivery logged" grep -q 'notification not delivered receiver=owners' "$WORK/daemon.log"
grep -q ' info daemon: notification not delivered receiver=owners' "$WORK/daemon.log" ||
  fail "the first failures are not at info: $(grep 'not delivered' "$WORK/daemon.log" | head -2)"
wait_for 30 "a warning after the grace" grep -q ' warning daemon: notification not delivered receiver=owners' "$WORK/daemon.log"
# grep -m1, not `| head -1`: head leaves after one line and a grep still writing dies of SIGPIPE (status 141
# under pipefail: the cause of this test's rare failures).
first_info=$(grep -n -m1 ' info daemon: notification not delivered' "$WORK/daemon.log" | cut -d: -f1)
first_warn=$(grep -n -m1 ' warning daemon: notification not delivered' "$WORK/daemon.log" | cut -d: -f1)
((first_info < first_warn)) || fail "a warning came before the info lines"
pass
