#!/usr/bin/env bash
# Issue 16: the Liwan 2021 payments as treasury systems hand them out as ".xls": a real BIFF8 workbook written by
# an independent writer (python3-xlwt), an HTML table (UTF-8 and GB18030, with a two-row header of colspan and
# rowspan cells), an Excel 2003 XML workbook, and an .xlsx of one sheet per month with merged two-row headers
# and a hidden sheet. Each gives every figure of the plain CSV path to the fen. Then the hostile ones: an
# encrypted and a truncated .xls and an HTML page without a table, each one clear error, nothing stored.
source "$(dirname "$0")/common.sh"
xls="$BW_SOURCE_DIR/tests/tools/write_xls.py"
xlsx="$BW_SOURCE_DIR/tests/tools/write_xlsx.py"
"$PY" -c 'import xlwt' 2>/dev/null || fail "python3-xlwt is not installed (deploy/install-deps.sh)"
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
same_payments() {  # A.db B.db WHAT: every stored payment, field by field
  local q="SELECT group_concat(voucher_no||'|'||pay_date||'|'||unit_code||'|'||project_code||'|'||amount_fen||'|'||func_class||'|'||econ_class||'|'||pay_method||'|'||fund_type||'|'||payee||'|'||memo, char(10)) FROM (SELECT * FROM payments ORDER BY voucher_no)"
  [[ "$(sqlite3 "$1" "$q")" == "$(sqlite3 "$2" "$q")" ]] || fail "$3: the stored payments differ from the CSV path"
}

# The CSV path.
"$BW_BIN" ingest --db "$WORK/csv.db" "$budget" "$adjustments" "$payments" > /dev/null
report "$WORK/csv.db" "$WORK/csv.json"
check_json "$WORK/csv.json" 'd["department"]["paid_fen"] == 10888890000'

# ingest_as NAME FILE ENCODING: the register, the adjustments and the file; one ingest line, no warning.
ingest_as() {
  local name=$1 file=$2 encoding=$3
  "$BW_BIN" ingest --db "$WORK/$name.db" "$budget" "$adjustments" "$file" > "$WORK/$name.out" 2> "$WORK/$name.err" \
    || fail "$name: $(cat "$WORK/$name.out" "$WORK/$name.err")"
  grep -q "$(basename "$file"): ingested kind=payments encoding=$encoding rows=2682 accepted=2682 duplicate=0 rejected=0 conflicts=0 revised=0 amount_yuan=108888900.00" \
    "$WORK/$name.out" || fail "$name ingest line: $(cat "$WORK/$name.out" "$WORK/$name.err")"
  [[ ! -s "$WORK/$name.err" ]] || fail "$name warned: $(cat "$WORK/$name.err")"
  report "$WORK/$name.db" "$WORK/$name.json"
  same_figures "$WORK/csv.json" "$WORK/$name.json" "$name"
  same_payments "$WORK/csv.db" "$WORK/$name.db" "$name"
}

# A real .xls (BIFF8): a notes sheet, then 明细 with a merged title, the unit line, dates as date cells,
# amounts as numbers (every 100th as text), a blank row, the 合计 (which agrees) and a footer.
"$PY" "$xls" payments "$payments" "$WORK/payments.xls"
head -c 8 "$WORK/payments.xls" | od -An -tx1 | grep -q "d0 cf 11 e0 a1 b1 1a e1" || fail "not an OLE2 file"
ingest_as xls "$WORK/payments.xls" xls
# The same bytes under another name are the same file: chosen by its bytes, ingested once.
cp "$WORK/payments.xls" "$WORK/looks_like.csv"
"$BW_BIN" ingest --db "$WORK/xls.db" "$WORK/looks_like.csv" > "$WORK/again.out"
grep -q "looks_like.csv: duplicate file, already ingested" "$WORK/again.out" || fail "re-ingest: $(cat "$WORK/again.out")"

# The 1904 date system gives the same dates.
"$PY" "$xls" payments "$payments" "$WORK/payments1904.xls" --date1904
ingest_as xls1904 "$WORK/payments1904.xls" xls

# HTML tables saved as .xls, in UTF-8 and in GB18030 (meta charset=gb2312).
"$PY" "$xls" html "$payments" "$WORK/html.xls"
ingest_as html "$WORK/html.xls" html/utf-8
"$PY" "$xls" html "$payments" "$WORK/html-gb.xls" --gb18030
ingest_as html-gb "$WORK/html-gb.xls" html/gb18030

# Excel 2003 XML (SpreadsheetML) saved as .xls.
"$PY" "$xls" spreadsheetml "$payments" "$WORK/xml.xls"
ingest_as xml "$WORK/xml.xls" spreadsheetml/utf-8

# An .xlsx of one sheet per month, each under a two-row header of merged cells; the hidden sheet between them
# is not read.
"$PY" "$xlsx" months "$payments" "$WORK/months.xlsx"
ingest_as months "$WORK/months.xlsx" xlsx

# A bad cell in an .xls is rejected naming the sheet, its row (title 1, unit 2, header 3) and its column.
"$PY" "$xls" payments "$payments" "$WORK/bad.xls" --bad-amount
"$BW_BIN" ingest --db "$WORK/bad.db" "$WORK/bad.xls" > "$WORK/bad.out" 2> "$WORK/bad.err"
grep -q "rows=2682 accepted=2681 duplicate=0 rejected=1" "$WORK/bad.out" || fail "bad.xls: $(cat "$WORK/bad.out")"
grep -qF "bad.xls:明细:4:12: 金额: '12,3a4.00' is not an amount" "$WORK/bad.err" || fail "reject: $(cat "$WORK/bad.err")"
grep -qF "warning: bad.xls:明细:2687: the 合计 row says 108,888,900.00 but the rows above sum to 108,887,115.74" \
  "$WORK/bad.err" || fail "total warning: $(cat "$WORK/bad.err")"

# The hostile ones: one clear error each, exit 1, nothing of the file stored.
"$PY" "$xls" encrypted "$WORK/payments.xls" "$WORK/locked.xls"
"$PY" "$xls" truncated "$WORK/payments.xls" "$WORK/cut.xls"
"$PY" "$xls" notable "$WORK/login.xls"
refused() {  # FILE EXPECTED-TEXT
  local status=0
  "$BW_BIN" ingest --db "$WORK/limits.db" "$WORK/$1" > "$WORK/limit.out" 2>&1 || status=$?
  [[ $status -eq 1 ]] || fail "$1: exit status $status: $(cat "$WORK/limit.out")"
  grep -qF "$1: failed: $2" "$WORK/limit.out" || fail "$1: $(cat "$WORK/limit.out")"
}
refused locked.xls "encrypted workbook: the file is password-protected; save it without a password (or as CSV)"
refused cut.xls "corrupt .xls: the file is damaged or cut short (a sector lies past the end of the file)"
refused login.xls "an HTML page without a table: the file has no <tr> row to read (was the export a login or error page?)"
[[ $(sqlite3 "$WORK/limits.db" "SELECT count(*) FROM payments") -eq 0 ]] || fail "a refused file stored payments"
[[ $(sqlite3 "$WORK/limits.db" "SELECT count(*) FROM failed_files") -eq 3 ]] || fail "failed files not listed"
pass
