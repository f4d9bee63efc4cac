#!/usr/bin/env bash
# Issue 16: the Liwan 2021 payments as officials have them, written by an independent writer (openpyxl): an
# .xlsx with a notes sheet, a hidden sheet, a title, a unit line, dates as date cells, amounts as numbers, a 合计
# row and a footer; and the same payments as CSV with a title, unit, total and footer lines. Both give every
# figure of the plain CSV path. Then the limits: each one clear error naming the file, nothing stored.
source "$(dirname "$0")/common.sh"
tool="$BW_SOURCE_DIR/tests/tools/write_xlsx.py"
"$PY" -c 'import openpyxl' 2>/dev/null || fail "python3-openpyxl is not installed (deploy/install-deps.sh)"
budget="$DATA/liwan2021/budget.csv"
adjustments="$DATA/liwan2021/adjustments.csv"
payments="$DATA/liwan2021/payments.csv"

report() {  # DB OUT
  "$BW_BIN" report --db "$1" --as-of 2021-12-31 --format json > "$2"
}
same_figures() {  # A.json B.json WHAT
  "$PY" - "$1" "$2" <<'PYEOF' || fail "$3: figures differ from the CSV path"
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for key in ("department", "project_total", "basic_total", "bands", "scores", "month_ends", "lines",
            "unregistered_paid_fen", "adjustment_rate_pct"):
    if a[key] != b[key]:
        print(f"{key}: {a[key]!r} != {b[key]!r}"[:2000], file=sys.stderr)
        sys.exit(1)
PYEOF
}

# The CSV path.
"$BW_BIN" ingest --db "$WORK/csv.db" "$budget" "$adjustments" "$payments" > /dev/null
report "$WORK/csv.db" "$WORK/csv.json"
check_json "$WORK/csv.json" 'd["department"]["paid_fen"] == 10888890000'

# The workbook, named .xlsx; then the same bytes named .csv are the same file (chosen by bytes, ingested once).
"$PY" "$tool" payments "$payments" "$WORK/payments.xlsx"
"$BW_BIN" ingest --db "$WORK/xlsx.db" "$budget" "$adjustments" "$WORK/payments.xlsx" > "$WORK/xlsx.out" 2> "$WORK/xlsx.err"
grep -q "payments.xlsx: ingested kind=payments encoding=xlsx rows=2682 accepted=2682 duplicate=0 rejected=0" \
  "$WORK/xlsx.out" || fail "xlsx ingest line: $(cat "$WORK/xlsx.out" "$WORK/xlsx.err")"
[[ ! -s "$WORK/xlsx.err" ]] || fail "xlsx ingest warned: $(cat "$WORK/xlsx.err")"
report "$WORK/xlsx.db" "$WORK/xlsx.json"
same_figures "$WORK/csv.json" "$WORK/xlsx.json" "xlsx"
cp "$WORK/payments.xlsx" "$WORK/looks_like.csv"
"$BW_BIN" ingest --db "$WORK/xlsx.db" "$WORK/looks_like.csv" > "$WORK/again.out"
grep -q "looks_like.csv: duplicate file, already ingested" "$WORK/again.out" || fail "re-ingest: $(cat "$WORK/again.out")"

# The 1904 date system gives the same dates.
"$PY" "$tool" payments "$payments" "$WORK/payments1904.xlsx" --date1904
"$BW_BIN" ingest --db "$WORK/x1904.db" "$budget" "$adjustments" "$WORK/payments1904.xlsx" > /dev/null
report "$WORK/x1904.db" "$WORK/x1904.json"
same_figures "$WORK/csv.json" "$WORK/x1904.json" "xlsx (1904 dates)"

# The CSV as saved from Excel: a title, the unit, the header, the rows, a blank row, the total and the footer.
{
  echo "国库集中支付明细表,,,,,,,,,,,,"
  echo "单位：元,,,,,,,,,,,,"
  cat "$payments"
  echo ",,,,,,,,,,,,"
  echo '合计,,,,,,,,,,,"108,888,900.00",'
  echo "制表人：张三,,,审核人：李四,,,,,,打印日期：2022-01-05,,,"
} > "$WORK/titled.csv"
"$BW_BIN" ingest --db "$WORK/titled.db" "$budget" "$adjustments" "$WORK/titled.csv" > "$WORK/titled.out"
grep -q "titled.csv: ingested kind=payments encoding=utf-8 rows=2682 accepted=2682 duplicate=0 rejected=0" \
  "$WORK/titled.out" || fail "titled csv: $(cat "$WORK/titled.out")"
report "$WORK/titled.db" "$WORK/titled.json"
same_figures "$WORK/csv.json" "$WORK/titled.json" "csv with title, unit, total and footer"

# The XML Excel writes (shared strings with rich text and a phonetic guide, styles with a custom date format,
# sparse cells, a cached formula, a number stored as text, a boolean, a hidden sheet that would fail).
"$PY" "$tool" excelstyle "$WORK/excel.xlsx"
"$BW_BIN" ingest --db "$WORK/excel.db" "$WORK/excel.xlsx" > "$WORK/excel.out" 2> "$WORK/excel.err"
grep -q "excel.xlsx: ingested kind=payments encoding=xlsx rows=2 accepted=2 duplicate=0 rejected=0 conflicts=0 revised=0 amount_yuan=3234.50" \
  "$WORK/excel.out" || fail "excel.xlsx: $(cat "$WORK/excel.out" "$WORK/excel.err")"
[[ ! -s "$WORK/excel.err" ]] || fail "excel.xlsx warned: $(cat "$WORK/excel.err")"
got=$(sqlite3 "$WORK/excel.db" "SELECT group_concat(voucher_no||' '||pay_date||' '||unit_code||' '||amount_fen||' '||econ_class||' '||memo||' '||line_no, '; ') FROM (SELECT * FROM payments ORDER BY voucher_no)")
[[ "$got" == "ZF2021-990001 2021-03-01 101001 123450 30201  3; ZF2021-990002 2021-03-02 101001 200000  TRUE 4" ]] \
  || fail "excel.xlsx payments: $got"

# A bad cell is rejected naming the sheet, its row (title 1, unit 2, header 3: the first payment is row 4) and
# column; the other rows are kept.
"$PY" "$tool" payments "$payments" "$WORK/bad.xlsx" --bad-amount
"$BW_BIN" ingest --db "$WORK/bad.db" "$WORK/bad.xlsx" > "$WORK/bad.out" 2> "$WORK/bad.err"
grep -q "rows=2682 accepted=2681 duplicate=0 rejected=1" "$WORK/bad.out" || fail "bad.xlsx: $(cat "$WORK/bad.out")"
grep -qF "bad.xlsx:明细:4:12: 金额: '12,3a4.00' is not an amount" "$WORK/bad.err" || fail "reject: $(cat "$WORK/bad.err")"
grep -qF "warning: bad.xlsx:明细:2687: the 合计 row says 108,888,900.00 but the rows above sum to 108,887,115.74" \
  "$WORK/bad.err" || fail "total warning: $(cat "$WORK/bad.err")"

# The limits: one clear error each, exit 1, nothing of the file stored.
"$PY" "$tool" formula "$WORK/formula.xlsx"
"$PY" "$tool" nosheet "$WORK/nosheet.xlsx"
"$PY" "$tool" bomb "$WORK/payments.xlsx" "$WORK/bomb.xlsx"
"$PY" "$tool" corrupt "$WORK/payments.xlsx" "$WORK/corrupt.xlsx"
"$PY" "$tool" ole2 "$WORK/old.xls"
"$PY" "$tool" ole2 "$WORK/locked.xlsx" --encrypted
refused() {  # FILE EXPECTED-TEXT
  local status=0
  "$BW_BIN" ingest --db "$WORK/limits.db" "$WORK/$1" > "$WORK/limit.out" 2>&1 || status=$?
  [[ $status -eq 1 ]] || fail "$1: exit status $status: $(cat "$WORK/limit.out")"
  grep -qF "$1: failed: $2" "$WORK/limit.out" || fail "$1: $(cat "$WORK/limit.out")"
}
refused formula.xlsx "sheet 明细, cell L2: a formula without a cached value (=100+23.45); open the workbook in Excel or LibreOffice and save it again so that the values are stored"
refused nosheet.xlsx "no sheet with a known header (sheets read: 封面, 附表): header has no known columns"
refused bomb.xlsx "zip bomb: xl/worksheets/sheet"
refused corrupt.xlsx "corrupt zip: the workbook's zip directory cannot be read"
refused old.xls "corrupt .xls: the file is damaged or cut short (an unknown sector size)"
refused locked.xlsx "encrypted workbook: the file is password-protected; save it without a password (or as CSV)"
[[ $(sqlite3 "$WORK/limits.db" "SELECT count(*) FROM payments") -eq 0 ]] || fail "a refused workbook stored payments"
pass
