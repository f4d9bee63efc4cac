#!/usr/bin/env bash
# Issue #5, item 1 from the command line: `budgetwatch targets parse` reproduces the comparator, value, unit,
# deadline and comparator_basis columns of both indicator corpora, from UTF-8 and from GB18030, ignoring the
# parse columns in the file; dates without a year are read in --fiscal-year; bad invocations fail clearly.
source "$(dirname "$0")/common.sh"

# compare_corpus CSV JSON: every row of the JSON matches the CSV's expected columns, in order.
compare_corpus() {
  "$PY" - "$1" "$2" <<'PYEOF' || fail "targets parse of $1 differs from its expected columns"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
got = json.load(open(sys.argv[2], encoding="utf-8"))
if len(got) != len(rows):
    sys.exit(f"{len(got)} objects for {len(rows)} rows")
bad = 0
for want, g in zip(rows, got):
    expected = {
        "project_code": want["project_code"], "seq": want["seq"], "target_raw": want["target_raw"],
        "comparator": want["comparator"], "value": want["value"] or None, "unit": want["unit"],
        "deadline": want["deadline"] or None, "basis": want["comparator_basis"] or None,
    }
    actual = {k: g.get(k) for k in expected}
    if actual != expected:
        bad += 1
        print(f"seq {want['seq']}: expected {expected}, got {actual}", file=sys.stderr)
    if (g["comparator"] == "qualitative") != bool(g["reason"]):
        bad += 1
        print(f"seq {want['seq']}: reason {g['reason']!r} with comparator {g['comparator']}", file=sys.stderr)
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(rows) - bad}/{len(rows)} rows reproduced")
sys.exit(1 if bad else 0)
PYEOF
}

for corpus in liwan_dept_indicators panyu_dept_indicators; do
  "$BW_BIN" targets parse "$DATA/indicators/$corpus.csv" --format json > "$WORK/$corpus.json" \
    || fail "targets parse $corpus.csv exited $?"
  compare_corpus "$DATA/indicators/$corpus.csv" "$WORK/$corpus.json"

  # The same text in GB18030, and in UTF-8 with a BOM and CRLF line ends: the same output.
  "$PY" -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); open(sys.argv[2], "wb").write(t.encode("gb18030")); open(sys.argv[3], "wb").write(b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"))' \
    "$DATA/indicators/$corpus.csv" "$WORK/$corpus.gb18030.csv" "$WORK/$corpus.bom.csv"
  "$BW_BIN" targets parse "$WORK/$corpus.gb18030.csv" > "$WORK/$corpus.gb18030.json" || fail "GB18030 $corpus"
  cmp -s "$WORK/$corpus.json" "$WORK/$corpus.gb18030.json" || fail "GB18030 output of $corpus differs"
  "$BW_BIN" targets parse "$WORK/$corpus.bom.csv" > "$WORK/$corpus.bom.json" || fail "BOM/CRLF $corpus"
  cmp -s "$WORK/$corpus.json" "$WORK/$corpus.bom.json" || fail "BOM/CRLF output of $corpus differs"
done
check_json "$WORK/liwan_dept_indicators.json" 'd[12]["comparator"] == "qualitative" and d[12]["reason"] == "periodic schedule, no single date '"'"'按季支付'"'"'"'
check_json "$WORK/panyu_dept_indicators.json" 'd[5]["comparator"] == ">" and d[5]["value"] == "2300" and d[5]["unit"] == "亿元"'

# Chinese headers, dates, and parse columns that are wrong on purpose (they must be ignored).
cat > "$WORK/dates.csv" <<'CSV'
项目编码,序号,一级指标,二级指标,三级指标,年度指标值,comparator,value,unit,deadline
P1,1,产出指标,时效指标,资金支付时间,2023年12月31日前完成支付,<,1,个,1999-01-01
P1,2,产出指标,时效指标,验收时间,第三季度前,<,1,个,1999-01-01
P1,3,产出指标,时效指标,完成时间,12月底前完成率达到100%,<,1,个,1999-01-01
P1,4,效益指标,社会效益指标,服务水平,有所提升,<,1,个,1999-01-01
P1,5,产出指标,数量指标,覆盖范围,90%-95%,<,1,个,1999-01-01
P1,6,产出指标,数量指标,"培训人数, 全年","≥ 1,000 人次",<,1,个,1999-01-01
CSV
"$BW_BIN" targets parse "$WORK/dates.csv" --fiscal-year 2024 > "$WORK/dates.json" || fail "dates.csv exited $?"
check_json "$WORK/dates.json" '[(r["comparator"], r["value"], r["deadline"]) for r in d] == [("by_date", None, "2023-12-31"), ("by_date", None, "2024-09-30"), (">=", "100", "2024-12-31"), ("qualitative", None, None), (">=", "90", None), (">=", "1000", None)]'
check_json "$WORK/dates.json" 'd[4]["upper"] == "95" and d[5]["unit"] == "人次" and d[5]["basis"] == "explicit"'
check_json "$WORK/dates.json" 'd[3]["reason"] == "direction only, no figure '"'"'有所提升'"'"'"'
# Without --fiscal-year a date without a year is not guessed.
"$BW_BIN" targets parse "$WORK/dates.csv" > "$WORK/dates-no-year.json" || fail "dates.csv without a year"
check_json "$WORK/dates-no-year.json" 'd[1]["comparator"] == "qualitative" and d[1]["reason"] == "date without a year '"'"'第三季度前'"'"' and no fiscal year given" and d[0]["deadline"] == "2023-12-31"'

# Failures: a missing file and a file without the target column exit 1; bad usage exits 2.
expect_status() {
  local want=$1
  shift
  set +e
  "$BW_BIN" "$@" > "$WORK/out.txt" 2> "$WORK/err.txt"
  local status=$?
  set -e
  [[ $status -eq $want ]] || fail "budgetwatch $* exited $status, expected $want: $(cat "$WORK/err.txt")"
}
expect_status 1 targets parse "$WORK/missing.csv"
grep -q "missing.csv: cannot open file" "$WORK/err.txt" || fail "missing file message: $(cat "$WORK/err.txt")"
printf 'project_code,seq,indicator_name\nP1,1,x\n' > "$WORK/no-target.csv"
expect_status 1 targets parse "$WORK/no-target.csv"
grep -q "missing column 年度指标值" "$WORK/err.txt" || fail "missing column message: $(cat "$WORK/err.txt")"
printf 'project_code,seq,indicator_name,target_raw\nP1,1,x,5个\nP1,2,y,"6个\nP1,3,z,7个\n' > "$WORK/bad-quote.csv"
expect_status 1 targets parse "$WORK/bad-quote.csv"
check_json "$WORK/out.txt" 'len(d) == 1 and d[0]["value"] == "5"'
expect_status 2 targets parse "$DATA/indicators/liwan_dept_indicators.csv" --format csv
expect_status 2 targets parse "$DATA/indicators/liwan_dept_indicators.csv" --fiscal-year 24
expect_status 2 targets parse
expect_status 2 targets
pass
