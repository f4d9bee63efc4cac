#!/usr/bin/env bash
# Issue 14 from the command line: the Liwan 2021 data, then a 2022 register reusing three 2021 line codes with
# its adjustment and payments. The 2021 year-end report stays at 91.38% (it was 1,902.62%); the 2022 report
# holds the 2022 lines only; each register's ingest line says its fiscal year and what decided it; a register
# whose year nobody says is refused whole; --department gives one department.
source "$(dirname "$0")/common.sh"
db="$WORK/bw.db"

"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > "$WORK/ingest2021.out"
grep -q "budget.csv: ingested kind=budget .* fiscal_year=2021 (from 完成时限)$" "$WORK/ingest2021.out" \
  || fail "2021 register line: $(cat "$WORK/ingest2021.out")"
"$BW_BIN" ingest --db "$db" "$DATA/years/budget2022.csv" "$DATA/years/adjustments2022.csv" \
  "$DATA/years/payments2022.csv" > "$WORK/ingest2022.out"
grep -q "budget2022.csv: ingested kind=budget .* accepted=4 .* revised=0 .* fiscal_year=2022 (from 完成时限)$" \
  "$WORK/ingest2022.out" || fail "2022 register line: $(cat "$WORK/ingest2022.out")"

"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format json > "$WORK/r2021.json"
check_json "$WORK/r2021.json" 'd["fiscal_year"] == 2021 and d["department"]["execution_rate_pct"] == "91.38"'
check_json "$WORK/r2021.json" 'd["department"]["adjusted_fen"] == 11915940000 and d["department"]["paid_fen"] == 10888890000'
check_json "$WORK/r2021.json" 'len(d["lines"]) == 32 and all(l["fiscal_year"] == 2021 for l in d["lines"])'
check_json "$WORK/r2021.json" 'len(d["departments"]) == 1 and d["departments"][0]["execution_rate_pct"] == "91.38" and d["departments"][0]["rank"] == 1'
check_json "$WORK/r2021.json" '{l["source"] for l in d["lines"]} == {"年初", "年中新增"}'

"$BW_BIN" report --db "$db" --as-of 2022-12-31 --format json > "$WORK/r2022.json"
check_json "$WORK/r2022.json" 'd["fiscal_year"] == 2022 and len(d["lines"]) == 4'
check_json "$WORK/r2022.json" 'd["department"]["adjusted_fen"] == 4270000000 and d["department"]["paid_fen"] == 40000000'

# No year anywhere: refused, exit 1, nothing stored; --fiscal-year takes it.
printf '项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\nLW2023-P01,新项目,101001,科工信局,项目支出,9.00\n' \
  > "$WORK/no_year.csv"
set +e
"$BW_BIN" ingest --db "$db" "$WORK/no_year.csv" > "$WORK/no_year.out" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] || fail "exit status $status for a register without a year"
grep -q "no_year.csv: failed: cannot tell the fiscal year of this budget register" "$WORK/no_year.out" \
  || fail "refusal: $(cat "$WORK/no_year.out")"
"$BW_BIN" ingest --db "$db" --fiscal-year 2023 "$WORK/no_year.csv" > "$WORK/year.out"
grep -q "fiscal_year=2023 (from --fiscal-year)$" "$WORK/year.out" || fail "--fiscal-year: $(cat "$WORK/year.out")"

# Departments by the unit-code rule, one of them on its own.
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --department-unit-code-digits 6 --department 101002 \
  > "$WORK/dept.json"
check_json "$WORK/dept.json" 'len(d["departments"]) == 1 and d["departments"][0]["code"] == "101002"'
check_json "$WORK/dept.json" 'd["lines"] and all(l["department_code"] == "101002" and l["unit_code"] == "101002" for l in d["lines"])'
set +e
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --department 999 > /dev/null 2> "$WORK/nodept.err"
status=$?
set -e
[[ $status -eq 1 ]] || fail "exit status $status for an unknown department"
grep -q "no department '999' in fiscal year 2021" "$WORK/nodept.err" || fail "$(cat "$WORK/nodept.err")"

# A year without lines: the report says which years have them (2023 came from --fiscal-year above).
"$BW_BIN" report --db "$db" --as-of 2019-06-30 > /dev/null 2> "$WORK/noyear.err"
grep -q "fiscal year 2019 has no budget lines in the database (fiscal years with lines: 2021, 2022, 2023)" \
  "$WORK/noyear.err" || fail "$(cat "$WORK/noyear.err")"
pass
