#!/usr/bin/env bash
# The drop folder: a new export changes the metrics within a poll or two; a file still being written is not
# taken; a corrupt one ends in failed/ with its reason beside it, and the daemon keeps serving.
source "$(dirname "$0")/common.sh"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
mkdir -p "$WORK/inbox"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
header='支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要'
p20='budgetwatch_project_paid_yuan{project="LW2021-P20",unit="101001",department=""}'
[[ "$(metric_value "$p20")" == "0" ]] || fail "LW2021-P20 should start at 0, got $(metric_value "$p20")"

# 1. A complete new file: taken, archived, metrics updated.
printf '%s\n%s\n' "$header" \
  'ZF2021-900001,2021-12-20,101001,广州市荔湾区科技工业和信息化局,LW2021-P20,广州市创新创业大赛承办等活动及科技创新政策宣传费用,2060199,30227,直接支付,一般公共预算,广州某会展服务有限公司,"100,000.00",大赛承办费' \
  > "$WORK/inbox/payments_202112_extra.csv"
wait_for 15 "new payment in metrics" metric_is "$p20" 100000
[[ -f "$WORK/inbox/archive/payments_202112_extra.csv" ]] || fail "ingested file not moved to archive/"

# 2. A file still being written (grows every 0.3 s for 3 s) is not taken until it stops changing.
growing="$WORK/inbox/payments_growing.csv"
printf '%s\n' "$header" > "$growing"
for i in $(seq 1 10); do
  printf 'ZF2021-9100%02d,2021-12-21,101001,广州市荔湾区科技工业和信息化局,LW2021-P21,科技活动周宣传活动项目,2060199,30227,直接支付,一般公共预算,广州某某文化传播有限公司,1000.00,宣传费\n' "$i" >> "$growing"
  sleep 0.3
  [[ -f "$growing" ]] || fail "a file still being written was taken (after $i rows)"
done
p21='budgetwatch_project_paid_yuan{project="LW2021-P21",unit="101001",department=""}'
wait_for 15 "grown file taken whole" metric_is "$p21" 10000

# 3. A corrupt file: failed/ with a reason, the daemon still serving.
# (It ends in a line end: a file without one is held as possibly still being written, see 038.)
printf '\xff\xfe\x00garbage\xff\xff\xff\n' > "$WORK/inbox/broken.csv"
wait_for 15 "corrupt file moved to failed/" test -f "$WORK/inbox/failed/broken.csv.reason"
grep -q "not valid UTF-8 or GB18030 text\|UTF-16 text is not supported" "$WORK/inbox/failed/broken.csv.reason" \
  || fail "reason: $(cat "$WORK/inbox/failed/broken.csv.reason")"
curl -sf "$DAEMON_URL/readyz" >/dev/null || fail "daemon not ready after a corrupt file"
[[ "$(metric_value 'budgetwatch_ingest_files_total{kind="unknown",outcome="failed",source="inbox"}')" == "1" ]] \
  || fail "failed file not counted"
# A file with a bad row: the good rows are kept, the bad one is in the API with its reason.
printf '%s\n%s\n%s\n' "$header" \
  'ZF2021-920001,2021-12-22,101001,广州市荔湾区科技工业和信息化局,LW2021-P30,荔湾区电子商务综合服务平台项目经费,2060199,30227,直接支付,一般公共预算,广州某网络科技有限公司,"5,000.00",平台运维' \
  'ZF2021-920002,2021-13-05,101001,广州市荔湾区科技工业和信息化局,LW2021-P30,荔湾区电子商务综合服务平台项目经费,2060199,30227,直接支付,一般公共预算,广州某网络科技有限公司,"6,000.00",平台运维' \
  > "$WORK/inbox/payments_with_bad_row.csv"
wait_for 15 "file with a bad row ingested" test -f "$WORK/inbox/archive/payments_with_bad_row.csv"
curl -sf "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json"
check_json "$WORK/ingests.json" 'any(f["name"] == "payments_with_bad_row.csv" and f["accepted"] == 1 and f["rejected"] == 1 and f["rejects"][0]["reason"] == "'"'"'2021-13-05'"'"' is not a date (month 13)" and f["rejects"][0]["line"] == 3 and f["rejects"][0]["column"] == 2 for f in d["items"])'
check_json "$WORK/ingests.json" 'any(f["name"] == "broken.csv" for f in d["failed_files"])'
pass
