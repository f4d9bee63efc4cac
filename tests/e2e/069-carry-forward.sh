#!/usr/bin/env bash
# Issue 14, carry-forward and cross-year projects: the Liwan 2021 data, a 2022 register whose 上年结转 rows
# reuse 2021 line codes (and one code 2021 does not have), payments in both years, and a 2023 register that
# carries one line a second time. The report gives the carry-forward money apart from the new money (to the
# fen, per department), each carry-forward line's age and last year's line; the 2021 figures stay as they
# were; a 完成时限 after the fiscal year is watched against the year's end (or its own, by policy); the rules
# select carry-forward money unspent at 30 June and money carried a second year, and a route sends them by
# their line_source label.
source "$(dirname "$0")/common.sh"
db="$WORK/bw.db"

"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > /dev/null
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format json > "$WORK/before2021.json"

# 2022: two carry-forward lines of 2021 codes (LW2021-P05's 完成时限 is in 2023: a cross-year project), one
# carry-forward line whose code 2021 does not have, and new money.
cat > "$WORK/budget2022.csv" <<'CSV'
预算年度,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,项目负责人,负责人邮箱,完成时限,指标来源
2022,LW2021-P02,科学技术支出（结转）,101001,广州市荔湾区科技工业和信息化局,项目支出,"500,000.00",陈志远,chenzhiyuan@example.gov.cn,2022-06-30,上年结转
2022,LW2021-P05,跨年度项目（结转）,101001,广州市荔湾区科技工业和信息化局,项目支出,"300,000.00",陈志远,chenzhiyuan@example.gov.cn,2023-03-31,上年结转
2022,LW2020-X01,以前年度结转项目,101001,广州市荔湾区科技工业和信息化局,项目支出,"200,000.00",陈志远,chenzhiyuan@example.gov.cn,2022-12-31,上年结转
2022,LW2022-P01,2022年度企业服务经费,101001,广州市荔湾区科技工业和信息化局,项目支出,"1,000,000.00",陈志远,chenzhiyuan@example.gov.cn,2022-12-31,年初
2022,LW2022-B01,人员经费,101001,广州市荔湾区科技工业和信息化局,基本支出,"2,000,000.00",冯丽华,fenglihua@example.gov.cn,2022-12-31,年初
CSV
cat > "$WORK/payments2022.csv" <<'CSV'
支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要
CF2022-0001,2022-03-15,101001,广州市荔湾区科技工业和信息化局,LW2021-P02,科学技术支出（结转）,2060199,30227,直接支付,一般公共预算,广州某某科技有限公司,"123,456.78",结转支出
CF2022-0002,2022-05-20,101001,广州市荔湾区科技工业和信息化局,LW2021-P02,科学技术支出（结转）,2060199,30227,直接支付,一般公共预算,广州某某科技有限公司,"100,000.01",结转支出
CF2022-0003,2022-04-10,101001,广州市荔湾区科技工业和信息化局,LW2021-P05,跨年度项目（结转）,2060199,30227,直接支付,一般公共预算,广州某某科技有限公司,"300,000.00",结转支出
CF2022-0004,2022-02-20,101001,广州市荔湾区科技工业和信息化局,LW2022-P01,2022年度企业服务经费,2150599,30227,直接支付,一般公共预算,广州某某科技有限公司,"250,000.00",服务费
CF2022-0005,2022-06-10,101001,广州市荔湾区科技工业和信息化局,LW2022-B01,人员经费,2150501,30101,直接支付,一般公共预算,广州市荔湾区科技工业和信息化局,"1,000,000.00",工资
CF2022-0006,2022-08-10,101001,广州市荔湾区科技工业和信息化局,LW2021-P02,科学技术支出（结转）,2060199,30227,直接支付,一般公共预算,广州某某科技有限公司,"76,543.21",结转支出
CSV
# 2023: LW2021-P02 carried a second time (age 2: the rules say such money is recovered).
cat > "$WORK/budget2023.csv" <<'CSV'
预算年度,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,完成时限,指标来源
2023,LW2021-P02,科学技术支出（再结转）,101001,广州市荔湾区科技工业和信息化局,项目支出,"50,000.00",2023-12-31,上年结转
2023,LW2023-P01,2023年度企业服务经费,101001,广州市荔湾区科技工业和信息化局,项目支出,"800,000.00",2023-12-31,年初
CSV
"$BW_BIN" ingest --db "$db" "$WORK/budget2022.csv" "$WORK/payments2022.csv" "$WORK/budget2023.csv" \
  > "$WORK/ingest.out" || fail "ingest: $(cat "$WORK/ingest.out")"

# 2021 unchanged, byte for byte, and it has no carry-forward money.
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format json > "$WORK/after2021.json"
cmp -s "$WORK/before2021.json" "$WORK/after2021.json" || fail "the 2021 report changed after the 2022 files"
check_json "$WORK/after2021.json" 'd["department"]["execution_rate_pct"] == "91.38" and d["department"]["paid_fen"] == 10888890000'
check_json "$WORK/after2021.json" 'd["carry_forward"]["lines"] == 0 and d["carry_forward"]["adjusted_fen"] == 0 and d["carry_forward"]["execution_rate_pct"] is None'
check_json "$WORK/after2021.json" 'd["new_money"]["adjusted_fen"] == 11915940000 and d["new_money"]["execution_rate_pct"] == "91.38"'

# 30 June 2022: carry-forward 1,000,000.00 adjusted, 523,456.79 paid (52.35%); new money 3,000,000.00 and
# 1,250,000.00 (41.67%); total 44.34%.
"$BW_BIN" report --db "$db" --as-of 2022-06-30 --format json > "$WORK/r0630.json"
check_json "$WORK/r0630.json" 'd["fiscal_year"] == 2022 and len(d["lines"]) == 5'
check_json "$WORK/r0630.json" 'd["carry_forward"] == {"lines": 3, "initial_fen": 100000000, "adjusted_fen": 100000000, "paid_fen": 52345679, "unspent_fen": 47654321, "execution_rate_pct": "52.35", "expected_pct": d["carry_forward"]["expected_pct"]}'
check_json "$WORK/r0630.json" 'd["new_money"]["lines"] == 2 and d["new_money"]["adjusted_fen"] == 300000000 and d["new_money"]["paid_fen"] == 125000000 and d["new_money"]["execution_rate_pct"] == "41.67"'
check_json "$WORK/r0630.json" 'd["department"]["adjusted_fen"] == 400000000 and d["department"]["paid_fen"] == 177345679 and d["department"]["execution_rate_pct"] == "44.34"'
check_json "$WORK/r0630.json" 'd["departments"][0]["carry_forward"]["paid_fen"] == 52345679 and d["departments"][0]["carry_forward"]["execution_rate_pct"] == "52.35" and d["departments"][0]["new_money"]["execution_rate_pct"] == "41.67" and d["departments"][0]["execution_rate_pct"] == "44.34"'
# Each line: its source, its age and last year's line.
check_json "$WORK/r0630.json" '{l["code"]: (l["source"], l["carry_age"], l["carried_from"]) for l in d["lines"]} == {"LW2021-P02": ("上年结转", 1, {"fiscal_year": 2021, "code": "LW2021-P02"}), "LW2021-P05": ("上年结转", 1, {"fiscal_year": 2021, "code": "LW2021-P05"}), "LW2020-X01": ("上年结转", 1, None), "LW2022-P01": ("年初", 0, None), "LW2022-B01": ("年初", 0, None)}'
# The cross-year project is watched against 31 December 2022, not its own 31 March 2023.
check_json "$WORK/r0630.json" '[(l["deadline"], l["registered_deadline"]) for l in d["lines"] if l["code"] == "LW2021-P05"] == [("2022-12-31", "2023-03-31")]'

# 31 December 2022: LW2021-P02 has 300,000.00 paid of 500,000.00, LW2021-P05 all 300,000.00: 60.00%.
"$BW_BIN" report --db "$db" --as-of 2022-12-31 --format json > "$WORK/r1231.json"
check_json "$WORK/r1231.json" 'd["carry_forward"]["paid_fen"] == 60000000 and d["carry_forward"]["execution_rate_pct"] == "60.00"'

# 2023: the second carry is age 2, linked to the 2022 line.
"$BW_BIN" report --db "$db" --as-of 2023-03-31 --format json > "$WORK/r2023.json"
check_json "$WORK/r2023.json" '[(l["carry_age"], l["carried_from"]) for l in d["lines"] if l["code"] == "LW2021-P02"] == [(2, {"fiscal_year": 2022, "code": "LW2021-P02"})]'
check_json "$WORK/r2023.json" 'd["carry_forward"]["adjusted_fen"] == 5000000 and d["new_money"]["adjusted_fen"] == 80000000'

# CSV and Markdown say the same.
"$BW_BIN" report --db "$db" --as-of 2022-06-30 --format csv --no-bom > "$WORK/r0630.csv"
head -1 "$WORK/r0630.csv" | grep -q ',指标来源,结转年限' || fail "CSV header: $(head -1 "$WORK/r0630.csv")"
grep -q '^LW2021-P02,.*,上年结转,1' "$WORK/r0630.csv" || fail "CSV row of LW2021-P02"
"$BW_BIN" report --db "$db" --as-of 2022-06-30 --format md > "$WORK/r0630.md"
grep -q '^### 上年结转资金执行情况' "$WORK/r0630.md" || fail "Markdown has no carry-forward section"
grep -qF '| 合计 | 100.00 | 52.35 | 52.35% | 41.67% | 44.34% |' "$WORK/r0630.md" \
  || fail "Markdown carry-forward totals: $(grep -A8 '上年结转资金' "$WORK/r0630.md")"
grep -qF '| LW2021-P02 | 科学技术支出（结转） | 1 | 2021 LW2021-P02 | 50.00 | 22.35 | 44.69% | 27.65 |' "$WORK/r0630.md" \
  || fail "Markdown carry-forward line: $(grep 'LW2021-P02' "$WORK/r0630.md")"
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format md > "$WORK/r2021.md"
! grep -q '上年结转资金' "$WORK/r2021.md" || fail "the 2021 Markdown has a carry-forward section"
"$BW_BIN" report --db "$db" --as-of 2022-06-30 --format html > "$WORK/r0630.html"
grep -q 'table-carry-forward-lines' "$WORK/r0630.html" || fail "HTML has no carry-forward table"

# The workbooks (the execution report's and the year-end's): 指标来源 and 结转年限 on every line, the sheets
# 上年结转资金 and 上年结转项目 equal to the JSON (age 2 in red in 2023), none in 2021; the monthly report has the
# carry-forward money's execution apart.
xlsx_check="$PY $BW_SOURCE_DIR/tests/tools/check_report_xlsx.py"
for when in 2022-06-30:r0630 2023-03-31:r2023 2021-12-31:after2021; do
  "$BW_BIN" report --db "$db" --as-of "${when%%:*}" --format xlsx --output "$WORK/${when#*:}.xlsx" 2> /dev/null \
    || fail "xlsx ${when%%:*}"
  $xlsx_check execution "$WORK/${when#*:}.json" "$WORK/${when#*:}.xlsx" || fail "workbook of ${when%%:*}"
done
"$BW_BIN" report --db "$db" --kind yearend --as-of 2022-12-31 --format xlsx --output "$WORK/y2022.xlsx" 2> /dev/null
"$PY" -c 'import openpyxl, sys; s = openpyxl.load_workbook(sys.argv[1]).sheetnames; assert "上年结转资金" in s and "上年结转项目" in s, s' \
  "$WORK/y2022.xlsx" || fail "year-end workbook without the carry-forward sheets"
"$BW_BIN" report --db "$db" --kind monthly --as-of 2022-06-30 --format md > "$WORK/m0630.md"
grep -qF '| 其中：上年结转资金 | 100.00 | 100.00 | 0.00 | 52.35 | 52.35% |' "$WORK/m0630.md" \
  || fail "monthly carry-forward row: $(grep -A8 '一、部门汇总' "$WORK/m0630.md")"
grep -qF '| 其中：当年资金 | 300.00 | 300.00 | 100.00 | 125.00 | 41.67% |' "$WORK/m0630.md" \
  || fail "monthly new-money row: $(grep -A8 '一、部门汇总' "$WORK/m0630.md")"
"$BW_BIN" report --db "$db" --kind monthly --as-of 2022-06-30 --format json > "$WORK/m0630.json"
check_json "$WORK/m0630.json" 'd["carry_forward"]["lines"] == 3 and d["carry_forward"]["paid_to_date_fen"] == 52345679 and d["new_money"]["paid_month_fen"] == 100000000'

# The policy: own_deadline watches the cross-year project against 31 March 2023.
"$BW_BIN" report --db "$db" --as-of 2022-06-30 --deadline-after-year-end own_deadline --format json > "$WORK/own.json"
check_json "$WORK/own.json" '[l["deadline"] for l in d["lines"] if l["code"] == "LW2021-P05"] == ["2023-03-31"]'

# Rules: carry-forward money unspent at 30 June (LW2021-P02 and LW2020-X01; LW2021-P05 is spent, the new
# money is not selected), and money carried a second year; a route by line_source.
cat > "$WORK/alerts.yaml" <<YAML
database: $db
evaluation:
  time_zone: Asia/Shanghai
alerts:
  rules:
    - {name: carry_forward_unspent_by_june, kind: below_threshold, threshold: 100%, checkpoints: ["06-30"],
       at_deadline: false, source: [carried_forward], severity: warning}
    - {name: carried_two_years, kind: below_threshold, threshold: 100%, checkpoints: ["01-01"],
       at_deadline: false, min_age: 2, severity: critical, labels: {action: recover}}
  receivers:
    - {name: finance, kind: email, smtp_host: 127.0.0.1, smtp_port: 9, to: [finance@example.gov.cn]}
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: 9, to_owner: true}
  routes:
    - {match: [line_source=carried_forward], receivers: [finance], group_by: [carry_age]}
    - {receivers: [owners]}
YAML
"$BW_BIN" check-config "$WORK/alerts.yaml" > "$WORK/check.out" || fail "check-config: $(cat "$WORK/check.out")"
"$BW_BIN" alerts replay --config "$WORK/alerts.yaml" --from 2022-05-01 --to 2022-06-30 > "$WORK/replay2022.out" \
  || fail "replay: $(cat "$WORK/replay2022.out")"
alerts_of() {
  "$PY" - "$db" "$1" <<'PYEOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT rule, state, labels FROM alerts WHERE rule = ? ORDER BY fingerprint", (sys.argv[2],))
for rule, state, labels in rows:
    l = json.loads(labels)
    print(state, l["fiscal_year"], l["project_code"], l["line_source"], l.get("carry_age", "-"))
PYEOF
}
alerts_of carry_forward_unspent_by_june | sort > "$WORK/june.txt"
printf 'firing 2022 LW2020-X01 carried_forward 1\nfiring 2022 LW2021-P02 carried_forward 1\n' > "$WORK/june.want"
diff -u "$WORK/june.want" "$WORK/june.txt" || fail "carry-forward alerts at 30 June 2022"
grep -q '^2022-05-31       0' "$WORK/replay2022.out" || fail "an alert before 30 June: $(cat "$WORK/replay2022.out")"
[[ -z $(alerts_of carried_two_years) ]] || fail "a second-year alert in 2022"
"$PY" - "$db" <<'PYEOF' || fail "the carry-forward alerts were not routed to finance"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
receivers = {r for (r,) in db.execute("SELECT DISTINCT receiver FROM alert_groups")}
assert receivers == {"finance"}, receivers
PYEOF
"$BW_BIN" alerts replay --config "$WORK/alerts.yaml" --from 2023-01-01 --to 2023-01-31 > /dev/null
alerts_of carried_two_years > "$WORK/second.txt"
[[ $(cat "$WORK/second.txt") == "firing 2023 LW2021-P02 carried_forward 2" ]] \
  || fail "second-year alert: $(cat "$WORK/second.txt")"
pass
