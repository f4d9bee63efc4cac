#!/usr/bin/env bash
# Issue 16, with LibreOffice as the other side (Debian's libreoffice-calc-nogui, a test dependency installed by
# deploy/install-deps.sh; not optional: the test fails without it):
# - the Liwan 2021 payments written as .xls (BIFF8) by LibreOffice headless, from the openpyxl workbook (a notes
#   sheet, a hidden sheet with an old payment, 明细 with a title, the unit line, dates as date cells, amounts as
#   numbers and some as text, 合计 and a footer) and from the plain CSV: each ingests to every figure and every
#   stored payment of the CSV path, and the hidden sheet is not read;
# - the year-end workbook budgetwatch writes is converted by LibreOffice without error, to .ods and to one CSV
#   per sheet (values as shown), and those show table 1-6's rows, table 1-5 and the scores as the JSON report.
# Each soffice runs with a private profile under $WORK (parallel runs do not share one) and a time-out.
source "$(dirname "$0")/common.sh"
command -v soffice > /dev/null || fail "LibreOffice (soffice) is not installed (deploy/install-deps.sh)"
"$PY" -c 'import openpyxl' 2>/dev/null || fail "python3-openpyxl is not installed (deploy/install-deps.sh)"
budget="$DATA/liwan2021/budget.csv"
adjustments="$DATA/liwan2021/adjustments.csv"
payments="$DATA/liwan2021/payments.csv"
export HOME="$WORK"  # soffice writes under $HOME too

# lo OUTDIR TARGET FILE [soffice options...]: one conversion, its output logged; fails the test on an error.
lo() {
  local out=$1 target=$2 file=$3
  shift 3
  local status=0
  timeout 300 soffice "-env:UserInstallation=file://$WORK/lo-profile" --headless --norestore "$@" \
    --convert-to "$target" --outdir "$out" "$file" > "$WORK/lo.log" 2>&1 || status=$?
  [[ $status -eq 0 ]] || fail "soffice --convert-to $target $(basename "$file"): exit $status: $(cat "$WORK/lo.log")"
  if grep -qi "error" "$WORK/lo.log"; then fail "soffice reported an error: $(cat "$WORK/lo.log")"; fi
}

report() { "$BW_BIN" report --db "$1" --as-of 2021-12-31 "${@:2}"; }

# The CSV path.
"$BW_BIN" ingest --db "$WORK/csv.db" "$budget" "$adjustments" "$payments" > /dev/null
report "$WORK/csv.db" --format json > "$WORK/csv.json"
check_json "$WORK/csv.json" 'd["department"]["paid_fen"] == 10888890000'

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
# ingest_xls NAME FILE.xls: a BIFF8 file, ingested with the register and adjustments; one line, no warning,
# the CSV path's figures and payments.
ingest_xls() {
  local name=$1 file=$2
  head -c 8 "$file" | od -An -tx1 | grep -q "d0 cf 11 e0 a1 b1 1a e1" || fail "$name: LibreOffice did not write OLE2"
  "$BW_BIN" ingest --db "$WORK/$name.db" "$budget" "$adjustments" "$file" > "$WORK/$name.out" 2> "$WORK/$name.err" \
    || fail "$name: $(cat "$WORK/$name.out" "$WORK/$name.err")"
  grep -q "$(basename "$file"): ingested kind=payments encoding=xls rows=2682 accepted=2682 duplicate=0 rejected=0 conflicts=0 revised=0 amount_yuan=108888900.00" \
    "$WORK/$name.out" || fail "$name ingest line: $(cat "$WORK/$name.out" "$WORK/$name.err")"
  [[ ! -s "$WORK/$name.err" ]] || fail "$name warned: $(cat "$WORK/$name.err")"
  report "$WORK/$name.db" --format json > "$WORK/$name.json"
  same_figures "$WORK/csv.json" "$WORK/$name.json" "$name"
  same_payments "$WORK/csv.db" "$WORK/$name.db" "$name"
  [[ $(sqlite3 "$WORK/$name.db" "SELECT count(*) FROM payments WHERE voucher_no = 'ZF2020-000001'") -eq 0 ]] \
    || fail "$name: the hidden sheet's payment was read"
}

# (a) The openpyxl workbook saved by LibreOffice as "MS Excel 97".
"$PY" "$BW_SOURCE_DIR/tests/tools/write_xlsx.py" payments "$payments" "$WORK/openpyxl.xlsx"
lo "$WORK/lo-xls" xls "$WORK/openpyxl.xlsx"
grep -q "using filter : MS Excel 97" "$WORK/lo.log" || fail "not written as BIFF8: $(cat "$WORK/lo.log")"
ingest_xls from-xlsx "$WORK/lo-xls/openpyxl.xls"
# The hidden sheet is there in LibreOffice's file (read when configured): the workbook keeps it hidden.
"$PY" - "$WORK/lo-xls/openpyxl.xls" <<'PYEOF' || fail "LibreOffice's .xls lost its hidden sheet"
import struct, sys
data = open(sys.argv[1], "rb").read()
name = "旧数据".encode("utf-16-le")
at = data.find(name)
assert at > 0, "no sheet 旧数据"
# BOUNDSHEET: header(4) lbPlyPos(4) hsState(1) dt(1) cch(1) fHighByte(1) name
assert data[at - 4] & 3 == 1, "旧数据 is not hidden"
PYEOF

# (a') The plain CSV opened by LibreOffice (UTF-8, comma, quoted "1,784.26") and saved as .xls.
cp "$payments" "$WORK/payments.csv"
lo "$WORK/lo-csv" xls "$WORK/payments.csv" --infilter="CSV:44,34,76,1"
ingest_xls from-csv "$WORK/lo-csv/payments.xls"

# (b) The year-end workbook budgetwatch writes, converted by LibreOffice: to .ods, and one CSV per sheet.
report "$WORK/csv.db" --kind yearend --format json > "$WORK/yearend.json"
report "$WORK/csv.db" --kind yearend --format xlsx --output "$WORK/yearend.xlsx" 2> /dev/null || fail "yearend xlsx"
lo "$WORK/lo-ods" ods "$WORK/yearend.xlsx"
[[ -s "$WORK/lo-ods/yearend.ods" ]] || fail "LibreOffice wrote no .ods: $(cat "$WORK/lo.log")"
"$PY" -c 'import sys, zipfile; assert "table:name=\"表1-6 项目支出\"" in zipfile.ZipFile(sys.argv[1]).read("content.xml").decode()' \
  "$WORK/lo-ods/yearend.ods" || fail "the .ods has no table 1-6"
# Every sheet as CSV, cells as shown (the 万元 and percentage formats applied): 44 comma, 34 quote, 76 UTF-8,
# line 1, …, "as shown" true, sheet -1 = each sheet to its own file.
lo "$WORK/lo-csv-out" 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' "$WORK/yearend.xlsx"
grep -q "Writing sheet 表1-6 项目支出" "$WORK/lo.log" || fail "no sheet 表1-6 written: $(cat "$WORK/lo.log")"
"$PY" - "$WORK/yearend.json" "$WORK/lo-csv-out" <<'PYEOF' || fail "the year-end workbook as LibreOffice shows it"
import csv, json, sys
from decimal import Decimal
report = json.load(open(sys.argv[1], encoding="utf-8"))
def sheet(name):
    with open(f"{sys.argv[2]}/yearend-{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))
def pct(v):  # the JSON's "93.95" as the cell shows it; "—" for an undefined rate
    return "—" if v in (None, "—") else v + "%"
def amounts(row):
    return [row["initial_wan"], row["adjustment_wan"], pct(row["net_adjustment_rate_pct"]), row["adjusted_wan"],
            row["paid_wan"], pct(row["execution_rate_pct"])]

t16 = sheet("表1-6 项目支出")
assert t16[0][0] == "表 1-6 项目支出资金执行情况", t16[0]
assert t16[2][:4] == ["序号", "项目编码", "项目名称", "预算数"], t16[2]
rows = report["table_1_6"]["rows"]
assert len(rows) > 0
for got, want in zip(t16[4:], rows):
    assert got[:3] == [str(want["seq"]), want["code"], want["name"]], (got, want)
    assert got[3:9] == amounts(want), (want["code"], got[3:9], amounts(want))
total = t16[4 + len(rows)]
assert total[2] == "合计" and total[3:9] == amounts(report["table_1_6"]["total"]), total
after = t16[5 + len(rows)] if len(t16) > 5 + len(rows) else []
assert len(after) < 3 or not after[2].strip(), f"a row after the total: {after}"

t15 = sheet("表1-5 部门整体支出")
for got, want in zip(t15[4:], report["table_1_5"]["rows"]):
    assert got[1:7] == amounts(want), (got, want)

sc = sheet("财务管理指标得分")
scores = report["scores"]
for got, key, rate in zip(sc[3:6], ("budget_completion", "budget_adjustment", "spending_balance"),
                          ("rate_pct", "rate_pct", "mean_pct")):
    want = scores[key]
    assert got[1] == pct(want[rate]), (key, got, want)
    assert Decimal(got[2]) == Decimal(str(want["max"])) and Decimal(got[3]) == Decimal(want["score"]), (key, got, want)
assert sc[6][0] == "合计" and Decimal(sc[6][3]) == Decimal(scores["total"]["score"]), (sc[6], scores["total"])
assert [r[0] for r in sc[3:7]] == ["预算完成率", "预算调整率", "支出均衡性（1-10月、1-11月）", "合计"], sc[3:7]
assert Decimal(sc[6][3]) == Decimal("7.89"), sc[6]  # the Liwan 2021 report's 7.89 of the financial scores
print(f"LibreOffice shows {len(rows)} table 1-6 rows and the scores {[r[3] for r in sc[3:7]]}")
PYEOF
pass
