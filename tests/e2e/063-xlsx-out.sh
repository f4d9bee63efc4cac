#!/usr/bin/env bash
# Issue 16, workbooks out: the Liwan 2021 reports as .xlsx, opened by an independent reader (openpyxl). The
# year-end workbook has table 1-6's rows and the scores with the JSON report's values (lagging rows red, the
# header merged over two rows, the panes frozen below it); the execution workbook every line with its amounts
# equal to the JSON's fen; English on request; a workbook is refused on a terminal but written to a pipe; the
# API serves it with its content type and file name; no temporary file is left behind. LibreOffice (a test
# dependency) converts it without error (071 checks the values LibreOffice shows).
source "$(dirname "$0")/common.sh"
"$PY" -c 'import openpyxl' 2>/dev/null || fail "python3-openpyxl is not installed (deploy/install-deps.sh)"
check="$PY $BW_SOURCE_DIR/tests/tools/check_report_xlsx.py"
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"  # the workbooks' private temporary folders go here (checked empty at the end)

"$BW_BIN" ingest --db "$WORK/l.db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > /dev/null
report() { "$BW_BIN" report --db "$WORK/l.db" --as-of 2021-12-31 "$@"; }

# The year-end and execution workbooks against their JSON, in Chinese (the default) and English.
for kind in yearend execution; do
  report --kind "$kind" > "$WORK/$kind.json"
  report --kind "$kind" --format xlsx --output "$WORK/$kind.xlsx" 2> "$WORK/$kind.err" || fail "$kind xlsx: $(cat "$WORK/$kind.err")"
  grep -q "budgetwatch report: $kind report (xlsx, [0-9]* bytes) written to $WORK/$kind.xlsx" "$WORK/$kind.err" \
    || fail "$kind: $(cat "$WORK/$kind.err")"
  [[ $(head -c 2 "$WORK/$kind.xlsx") == "PK" ]] || fail "$kind.xlsx is not a zip"
  $check "$kind" "$WORK/$kind.json" "$WORK/$kind.xlsx" || fail "$kind workbook"
  report --kind "$kind" --format xlsx --lang en --output "$WORK/$kind-en.xlsx" 2> /dev/null
  $check "$kind" "$WORK/$kind.json" "$WORK/$kind-en.xlsx" --lang en || fail "$kind workbook in English"
done
"$PY" - "$WORK/yearend.xlsx" <<'PYEOF' || fail "year-end sheets"
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames[:3] == ["表1-5 部门整体支出", "表1-6 项目支出", "财务管理指标得分"], wb.sheetnames
ws = wb["表1-6 项目支出"]
assert ws["A1"].value == "表 1-6 项目支出资金执行情况", ws["A1"].value
assert "金额单位：万元" in ws["A2"].value, ws["A2"].value
assert [c.value for c in ws[3]][:4] == ["序号", "项目编码", "项目名称", "预算数"], [c.value for c in ws[3]]
sc = wb["财务管理指标得分"]
assert [(r[0], r[3]) for r in sc.iter_rows(min_row=4, max_row=7, values_only=True)] == [
    ("预算完成率", 4.55), ("预算调整率", 1.9), ("支出均衡性（1-10月、1-11月）", 1.44), ("合计", 7.89)], \
    list(sc.iter_rows(min_row=4, max_row=7, values_only=True))
PYEOF

# The monthly report, the mid-year review and the circular are workbooks too (each table on its sheet).
for kind in monthly midyear circular; do
  report --kind "$kind" --format xlsx --output "$WORK/$kind.xlsx" 2> /dev/null || fail "$kind xlsx"
  "$PY" -c 'import openpyxl, sys; wb = openpyxl.load_workbook(sys.argv[1]); assert len(wb.sheetnames) >= 2, wb.sheetnames' \
    "$WORK/$kind.xlsx" || fail "$kind workbook"
  # Every sheet: a title, a subtitle, one header row in Chinese with every column labelled (money columns name
  # their unit), the panes frozen below it, and every number with its format (万元, percentages, points).
  "$PY" - "$WORK/$kind.xlsx" <<'PYEOF' || fail "$kind: sheet layout"
import openpyxl, re, sys
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    header = [c.value for c in ws[3]]
    assert header and all(isinstance(h, str) and h for h in header), (ws.title, header)
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header), (ws.title, header)
    assert re.match(r"^[A-D]4$", ws.freeze_panes or ""), (ws.title, ws.freeze_panes)
    for i, h in enumerate(header):
        cells = [r[i] for r in ws.iter_rows(min_row=4) if i < len(r) and isinstance(r[i].value, (int, float))]
        formats = {c.number_format for c in cells}
        if "万元" in h:
            assert formats <= {"#,##0.00"}, (ws.title, h, formats)
        if h in ("执行率", "序时进度"):
            assert formats <= {"0.00%"}, (ws.title, h, formats)
        if "百分点" in h:
            assert formats <= {"0.00"}, (ws.title, h, formats)
        assert "General" not in formats, (ws.title, h)
PYEOF
done

# Binary on stdout: refused on a terminal (exit 2, nothing written), written to a pipe or a file.
script -qec "$BW_BIN report --db $WORK/l.db --as-of 2021-12-31 --format xlsx" /dev/null > "$WORK/tty.out" \
  && fail "a workbook was written to a terminal"
grep -q "an .xlsx workbook is binary and is not written to a terminal: add --output FILE.xlsx" "$WORK/tty.out" \
  || fail "terminal refusal: $(cat "$WORK/tty.out")"
grep -q "PK" "$WORK/tty.out" && fail "workbook bytes on the terminal"
report --kind yearend --format xlsx 2> /dev/null | cat > "$WORK/piped.xlsx"
$check yearend "$WORK/yearend.json" "$WORK/piped.xlsx" || fail "piped workbook"

# The API: content type, a download name (RFC 5987 filename* in Chinese, ASCII fallback), a workbook openpyxl
# opens with the figures of the API's own JSON.
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
start_daemon "$WORK/bw.yaml"
wait_for 30 "department paid amount" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
curl -sf -D "$WORK/api.headers" -o "$WORK/api.xlsx" "$DAEMON_URL/api/v1/reports/yearend?format=xlsx" || fail "GET xlsx"
tr -d '\r' < "$WORK/api.headers" > "$WORK/h"
grep -qi '^content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet$' "$WORK/h" \
  || fail "content type: $(cat "$WORK/h")"
# 年度预算执行情况与财务管理评价_2021-12-31.xlsx
grep -qi "^content-disposition: attachment; filename=\"budgetwatch-yearend-2021-12-31.xlsx\"; filename\*=UTF-8''%E5%B9%B4%E5%BA%A6%E9%A2%84%E7%AE%97%E6%89%A7%E8%A1%8C%E6%83%85%E5%86%B5%E4%B8%8E%E8%B4%A2%E5%8A%A1%E7%AE%A1%E7%90%86%E8%AF%84%E4%BB%B7_2021-12-31.xlsx$" \
  "$WORK/h" || fail "content disposition: $(cat "$WORK/h")"
curl -sf "$DAEMON_URL/api/v1/reports/yearend" > "$WORK/api.json"
$check yearend "$WORK/api.json" "$WORK/api.xlsx" || fail "API workbook"
curl -sf -o "$WORK/api-exec.xlsx" "$DAEMON_URL/api/v1/reports/execution?format=xlsx&lang=en" || fail "GET execution xlsx"
curl -sf "$DAEMON_URL/api/v1/reports/execution" > "$WORK/api-exec.json"
$check execution "$WORK/api-exec.json" "$WORK/api-exec.xlsx" --lang en || fail "API execution workbook"
unit=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["units"][0]["code"])' "$WORK/api-exec.json")
curl -sf -D "$WORK/unit.headers" -o "$WORK/unit.xlsx" "$DAEMON_URL/api/v1/reports/monthly?format=xlsx&unit=$unit" \
  || fail "GET monthly xlsx of unit $unit"
grep -qi "filename=\"budgetwatch-monthly-$unit-2021-12-31.xlsx\"" "$WORK/unit.headers" || fail "unit file name"

# Nothing of the workbooks is left in the temporary folder (CLI and daemon alike).
[[ -z "$(ls -A "$WORK/tmp")" ]] || fail "temporary files left: $(ls -A "$WORK/tmp")"

# LibreOffice converts the year-end workbook without error (a private profile: parallel runs do not share one).
command -v soffice > /dev/null || fail "LibreOffice (soffice) is not installed (deploy/install-deps.sh)"
HOME="$WORK" timeout 300 soffice "-env:UserInstallation=file://$WORK/lo-profile" --headless --convert-to csv \
  --outdir "$WORK/lo" "$WORK/yearend.xlsx" > "$WORK/lo.log" 2>&1 || fail "soffice: $(cat "$WORK/lo.log")"
[[ -s "$WORK/lo/yearend.csv" ]] || fail "soffice wrote nothing: $(cat "$WORK/lo.log")"
pass
