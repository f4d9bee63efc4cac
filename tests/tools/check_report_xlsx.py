#!/usr/bin/env python3
"""Checks a budgetwatch report workbook against the same report's JSON, as a user opening it in Excel would.

  check_report_xlsx.py yearend REPORT.json REPORT.xlsx [--lang en]
      sheet 表1-6 项目支出 (Table 1-6): a row per JSON table_1_6 row with its 序号, code, name and amounts
      (万元 as printed, rates to 0.01 %), the total row; projects below the threshold filled red, the others
      not; merged two-row header, frozen panes below it; sheet 表1-5 部门整体支出; sheet 财务管理指标得分
      (Scores): the three rates and scores and the total equal the JSON's.
  check_report_xlsx.py execution REPORT.json REPORT.xlsx [--lang en]
      sheet 预算项目 (Budget lines): every JSON line with initial, adjusted and paid in yuan equal to its fen
      exactly, its 指标来源 and 结转年限; the totals sheet's rows equal the department, project and basic
      totals; with carry-forward lines (上年结转), sheet 上年结转资金 (Carry-forward money): each department's
      and the total carry-forward adjusted, paid and execution equal the JSON's carry_forward, the new money's
      and the total's execution; sheet 上年结转项目 (Carry-forward lines): each carry-forward line's age, last
      year's line and amounts to the fen, age ≥ 2 in red; a year without such lines has neither sheet.

Uses python3-openpyxl (an independent reader). Exits 1 with the first difference on stderr.
"""
import json
import sys
from decimal import Decimal

import openpyxl

LAGGING_FILL = "FFC7CE"


def fail(msg):
    print("check_report_xlsx: " + msg, file=sys.stderr)
    sys.exit(1)


def wan_text(v):
    """A 万元 cell as the report prints it: "11,830.00"."""
    return f"{Decimal(repr(v)):,.2f}"


def pct_text(v):
    """A percentage cell (0.9395) as the JSON's "93.95"; None for the "—" of an undefined rate."""
    if v == "—":
        return None
    return f"{Decimal(repr(v)) * 100:.2f}"


def wan_hundredths(v):
    """A 万元 cell (100.0) as hundredths of 万元 (10000)."""
    return int((Decimal(repr(v)) * 100).to_integral_value())


def wan_hundredths_of_fen(fen):
    """Fen as hundredths of 万元, rounded half away from zero as the reports print them."""
    q, r = divmod(abs(fen), 10000)
    return (q + (1 if r >= 5000 else 0)) * (1 if fen >= 0 else -1)


def fen_of(v):
    """A yuan cell as integer fen, exactly (the cell holds fen / 100 as a double)."""
    d = Decimal(repr(v)) * 100
    if d != d.to_integral_value():
        fail(f"{v!r} yuan is not a whole number of fen")
    return int(d)


def filled(cell):
    return (cell.fill.fgColor.rgb or "")[-6:].upper() == LAGGING_FILL


def sheet(wb, zh, en, lang):
    name = en if lang == "en" else zh
    if name not in wb.sheetnames:
        fail(f"no sheet {name!r} in {wb.sheetnames}")
    return wb[name]


def check_row_amounts(cells, row, what):
    got = (wan_text(cells[0]), wan_text(cells[1]), pct_text(cells[2]), wan_text(cells[3]), wan_text(cells[4]),
           pct_text(cells[5]))
    want = (row["initial_wan"], row["adjustment_wan"], row["net_adjustment_rate_pct"], row["adjusted_wan"],
            row["paid_wan"], row["execution_rate_pct"])
    if got != want:
        fail(f"{what}: {got} != {want}")


def yearend(report, wb, lang):
    t16 = sheet(wb, "表1-6 项目支出", "Table 1-6", lang)
    if t16.freeze_panes != "D5":
        fail(f"table 1-6 panes frozen at {t16.freeze_panes}, not below the two-row header (D5)")
    merged = {str(r) for r in t16.merged_cells.ranges}
    for r in ("A1:I1", "A3:A4", "B3:B4", "C3:C4", "D3:G3", "H3:I3"):
        if r not in merged:
            fail(f"table 1-6: {r} not merged ({sorted(merged)})")
    rows = list(t16.iter_rows(min_row=5, max_row=4 + len(report["table_1_6"]["rows"]) + 1))
    below = {x["code"] for x in report["bands"]["below_threshold"]}
    for cells, want in zip(rows, report["table_1_6"]["rows"]):
        values = [c.value for c in cells]
        if values[0] != want["seq"] or values[1] != want["code"] or values[2] != want["name"]:
            fail(f"table 1-6 row {cells[0].row}: {values[:3]} != {[want['seq'], want['code'], want['name']]}")
        check_row_amounts(values[3:9], want, f"table 1-6 {want['code']}")
        if cells[3].number_format != "#,##0.00" or cells[8].number_format != "0.00%":
            fail(f"table 1-6 {want['code']}: formats {cells[3].number_format!r}, {cells[8].number_format!r}")
        if filled(cells[2]) != (want["code"] in below):
            fail(f"table 1-6 {want['code']}: highlighted={filled(cells[2])}, below threshold={want['code'] in below}")
    total = [c.value for c in rows[-1]]
    if total[2] not in ("合计", "Total"):
        fail(f"table 1-6 total row: {total}")
    check_row_amounts(total[3:9], report["table_1_6"]["total"], "table 1-6 total")
    after = t16.cell(row=rows[-1][0].row + 1, column=3).value
    if after not in (None, ""):
        fail(f"table 1-6 has a row after the total: {after!r}")

    t15 = sheet(wb, "表1-5 部门整体支出", "Table 1-5", lang)
    rows15 = list(t15.iter_rows(min_row=5, max_row=4 + len(report["table_1_5"]["rows"]), values_only=True))
    for values, want in zip(rows15, report["table_1_5"]["rows"]):
        check_row_amounts(values[1:7], want, f"table 1-5 {values[0]}")

    sc = sheet(wb, "财务管理指标得分", "Scores", lang)
    rows = list(sc.iter_rows(min_row=4, max_row=7, values_only=True))
    scores = report["scores"]
    for values, key, rate in zip(rows, ("budget_completion", "budget_adjustment", "spending_balance"),
                                 ("rate_pct", "rate_pct", "mean_pct")):
        want = (scores[key][rate], scores[key]["max"], scores[key]["score"])
        got = (pct_text(values[1]), values[2], f"{Decimal(repr(values[3])):.2f}")
        if got != want:
            fail(f"score {key}: {got} != {want}")
    if f"{Decimal(repr(rows[3][3])):.2f}" != scores["total"]["score"] or rows[3][2] != scores["total"]["max"]:
        fail(f"score total: {rows[3]} != {scores['total']}")


def execution(report, wb, lang):
    ws = sheet(wb, "预算项目", "Budget lines", lang)
    if ws.freeze_panes != "C5":
        fail(f"lines: panes frozen at {ws.freeze_panes}, not C5")
    # The sheet lists the lines by risk (issue 17): the JSON's risk_rank; named as the JSON's display_name (a
    # basic line whose name another shares is named with its unit; " (unit)" in English).
    lines = sorted(report["lines"], key=lambda line: line.get("risk_rank", 0))
    rows = list(ws.iter_rows(min_row=5, max_row=4 + len(lines), values_only=True))
    if len(rows) != len(lines) or ws.cell(row=5 + len(lines), column=1).value not in (None, ""):
        fail(f"lines: {len(rows)} rows for {len(lines)} lines")
    for values, line in zip(rows, lines):
        name = line.get("display_name", line["name"]) if lang != "en" else line["name"]
        if values[0] != line["code"] or not values[1].startswith(name) or values[2] != line["unit_code"]:
            fail(f"line {line['code']}: {values[:3]}")
        got = (fen_of(values[4]), fen_of(values[5]), fen_of(values[6]), fen_of(values[7]))
        want = (line["initial_fen"], line["adjustment_fen"], line["adjusted_fen"], line["paid_fen"])
        if got != want:
            fail(f"line {line['code']}: initial, adjustment, adjusted, paid fen {got} != {want}")
        if pct_text(values[8]) != line["execution_rate_pct"]:
            fail(f"line {line['code']}: execution {values[8]!r} != {line['execution_rate_pct']}")
        source = line["source"] if lang != "en" else SOURCE_KEYS[line["source"]]
        if (values[13], values[14]) != (source, line["carry_age"]):
            fail(f"line {line['code']}: source, carry_age {values[13:15]} != {(source, line['carry_age'])}")
    overall = sheet(wb, "总体执行情况", "Overall", lang)
    rows = list(overall.iter_rows(min_row=5, max_row=7, values_only=True))
    for values, key in zip(rows, ("basic_total", "project_total", "department")):
        want = report[key]
        if (wan_text(values[4]), wan_text(values[5])) != (want["adjusted_wan"], want["paid_wan"]):
            fail(f"overall {key}: {values} != {want}")


SOURCE_KEYS = {"年初": "initial", "年中新增": "mid_year", "上年结转": "carried_forward"}


def carry_forward(report, wb, lang):
    names = ("上年结转资金", "Carry-forward money"), ("上年结转项目", "Carry-forward lines")
    if report["carry_forward"]["lines"] == 0:
        if any(n in wb.sheetnames for pair in names for n in pair):
            fail(f"carry-forward sheets in a year without carry-forward lines: {wb.sheetnames}")
        return
    ws = sheet(wb, *names[0], lang)
    depts = [d for d in report["departments"] if d["carry_forward"]["lines"] > 0]
    rows = list(ws.iter_rows(min_row=5, max_row=5 + len(depts), values_only=True))
    for values, d in zip(rows, depts + [dict(report["department"], carry_forward=report["carry_forward"],
                                             new_money=report["new_money"])]):
        cf = d["carry_forward"]
        got = (wan_hundredths(values[1]), wan_hundredths(values[2]), pct_text(values[4]), pct_text(values[5]),
               pct_text(values[6]))
        want = (wan_hundredths_of_fen(cf["adjusted_fen"]), wan_hundredths_of_fen(cf["paid_fen"]), cf["execution_rate_pct"],
                d["new_money"]["execution_rate_pct"], d["execution_rate_pct"])
        if got != want:
            fail(f"carry-forward {d.get('code', 'total')}: {got} != {want}")
    if rows[-1][0] not in ("合计", "Total") or not ws.cell(row=5 + len(depts), column=1).font.b:
        fail(f"carry-forward total row: {rows[-1]}")
    ws = sheet(wb, *names[1], lang)
    lines = [l for l in report["lines"] if l["carry_age"] > 0]
    rows = list(ws.iter_rows(min_row=4, max_row=3 + len(lines), values_only=True))
    for i, (values, line) in enumerate(zip(rows, lines)):
        last = f"{line['carried_from']['fiscal_year']} {line['code']}" if line["carried_from"] else "—"
        got = (values[0], values[3], values[4], fen_of(values[5]), fen_of(values[6]), fen_of(values[7]),
               pct_text(values[8]))
        want = (line["code"], line["carry_age"], last, line["adjusted_fen"], line["paid_fen"],
                line["adjusted_fen"] - line["paid_fen"], line["execution_rate_pct"])
        if got != want:
            fail(f"carry-forward line {line['code']}: {got} != {want}")
        if filled(ws.cell(row=4 + i, column=1)) != (line["carry_age"] >= 2):
            fail(f"carry-forward line {line['code']}: red fill is not age >= 2")
    if len(rows) != len(lines) or ws.cell(row=4 + len(lines), column=1).value not in (None, ""):
        fail(f"carry-forward lines: {len(rows)} rows for {len(lines)} lines")


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("yearend", "execution"):
        fail(__doc__)
    lang = "en" if sys.argv[4:] == ["--lang", "en"] else "zh-CN"
    with open(sys.argv[2], encoding="utf-8") as f:
        report = json.load(f)
    wb = openpyxl.load_workbook(sys.argv[3])
    (yearend if sys.argv[1] == "yearend" else execution)(report, wb, lang)
    if sys.argv[1] == "execution":
        carry_forward(report, wb, lang)


if __name__ == "__main__":
    main()
