#!/usr/bin/env bash
# A stalled writer (issue 12, defect 3): a payments export whose last column is 金额 is written up to "…,12"
# with no line end, and finished 14 s later with "34567.89\n". The drop folder holds it (once stable, it still
# has no line end) and takes it whole once finished: one ingest, the full amount, nothing in failed/, no
# conflict. An empty file written a few seconds after its creation is taken once; a symlink is listed in
# skipped_files and never followed.
source "$(dirname "$0")/common.sh"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
mkdir -p "$WORK/inbox" "$WORK/elsewhere"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
header='支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,摘要,金额'
row='ZF2021-930001,2021-12-20,101001,广州市荔湾区科技工业和信息化局,LW2021-P20,广州市创新创业大赛承办等活动及科技创新政策宣传费用,2060199,30227,直接支付,一般公共预算,广州某会展服务有限公司,大赛承办费,'
p20='budgetwatch_project_paid_yuan{project="LW2021-P20",unit="101001",department=""}'
[[ "$(metric_value "$p20")" == "0" ]] || fail "LW2021-P20 should start at 0, got $(metric_value "$p20")"

# 1. The writer stalls after "…,12": the file is stable over many 1 s polls but has no line end.
stalled="$WORK/inbox/payments_stalled.csv"
printf '%s\n%s' "$header" "${row}12" > "$stalled"
sleep 5
[[ -f "$stalled" ]] || fail "a file without its final line end was taken"
[[ ! -e "$WORK/inbox/failed" ]] || fail "something went to failed/: $(ls -A "$WORK/inbox/failed")"
# 2. 14 s after it stalled, the writer finishes the line.
sleep 9
printf '34567.89\n' >> "$stalled"
wait_for 15 "finished file archived" test -f "$WORK/inbox/archive/payments_stalled.csv"
[[ ! -e "$WORK/inbox/failed" ]] || fail "something went to failed/: $(ls -A "$WORK/inbox/failed")"
amount=$(sqlite3 "$WORK/bw.db" "SELECT amount_fen FROM payments WHERE voucher_no = 'ZF2021-930001'")
[[ "$amount" == "123456789" ]] || fail "voucher ZF2021-930001 stored as '$amount' fen, expected 123456789"
curl -sf "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json"
check_json "$WORK/ingests.json" '[(f["accepted"], f["rejected"], f["conflicts"], f["accepted_fen"]) for f in d["items"] if f["name"] == "payments_stalled.csv"] == [(1, 0, 0, 123456789)]'
check_json "$WORK/ingests.json" 'not any(f["name"] == "payments_stalled.csv" for f in d["failed_files"])'
held=$(grep -c "file held: waiting for a line end source=inbox file=payments_stalled.csv" "$WORK/daemon.log" || true)
[[ "$held" == "1" ]] || fail "the hold was logged $held times, expected once"

# 3. A writer that creates the file, then writes its bytes 3 s later: one correct ingest.
late="$WORK/inbox/payments_late.csv"
: > "$late"
sleep 3
[[ -f "$late" && ! -e "$WORK/inbox/failed" ]] || fail "an empty file was moved"
printf '%s\n%s\n' "$header" "${row/ZF2021-930001/ZF2021-930002}100.00" > "$late"
wait_for 15 "late file archived" test -f "$WORK/inbox/archive/payments_late.csv"
[[ "$(sqlite3 "$WORK/bw.db" "SELECT amount_fen FROM payments WHERE voucher_no = 'ZF2021-930002'")" == "10000" ]] \
  || fail "late file's payment not stored"
[[ ! -e "$WORK/inbox/failed" ]] || fail "something went to failed/: $(ls -A "$WORK/inbox/failed")"

# 4. A symlink is listed, never followed.
printf '%s\n%s\n' "$header" "${row/ZF2021-930001/ZF2021-930003}999.00" > "$WORK/elsewhere/secret.csv"
ln -s "$WORK/elsewhere/secret.csv" "$WORK/inbox/link.csv"
wait_for 15 "symlink listed in skipped_files" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/ingests' | grep -q '\"kind\":\"symlink\"'"
curl -sf "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json"
check_json "$WORK/ingests.json" '[(s["source"], s["name"], s["kind"]) for s in d["skipped_files"]] == [("inbox", "link.csv", "symlink")]'
[[ -L "$WORK/inbox/link.csv" ]] || fail "the symlink was moved"
[[ "$(sqlite3 "$WORK/bw.db" "SELECT count(*) FROM payments WHERE voucher_no = 'ZF2021-930003'")" == "0" ]] \
  || fail "the symlink's target was ingested"
pass
