#include "reports/carry_forward.h"

namespace bw::reports {

std::vector<xlsx::Sheet> carry_forward_sheets(const engine::Snapshot& s, Lang l,
                                              const std::string& subtitle) {
  using xlsx::Cell;
  std::vector<xlsx::Sheet> out;
  if (s.department.carried_forward_lines == 0) return out;

  xlsx::Sheet depts;
  depts.name = tr(l, "上年结转资金", "Carry-forward money");
  depts.title = tr(l, "上年结转资金执行情况", "Carry-forward money (上年结转)");
  depts.subtitle = subtitle + tr(l, "　金额单位：万元", "   Amounts in 10,000 yuan (万元)");
  const char* cf = tr(l, "上年结转资金", "Carry-forward money");
  depts.header = {
      {tr(l, "部门", "Department"), cf, cf, cf, cf, tr(l, "当年资金执行率", "New-money execution"),
       tr(l, "合计执行率", "Total execution")},
      {"", tr(l, "调整后预算数（万元）", "Adjusted (万元)"), tr(l, "支出数（万元）", "Paid (万元)"),
       tr(l, "未支出（万元）", "Unspent (万元)"), tr(l, "结转资金执行率", "Execution"), "", ""}};
  depts.widths = {28, 16, 16, 16, 14, 14, 14};
  depts.freeze_columns = 1;
  auto row = [&](const std::string& label, const engine::Rollup& r, xlsx::RowStyle style) {
    const engine::Amounts& c = r.carried_forward;
    depts.rows.push_back({{Cell::str(label), Cell::wan(c.adjusted), Cell::wan(c.paid),
                           Cell::wan(c.adjusted - c.paid), Cell::pct(c.execution()),
                           Cell::pct(r.new_money.execution()), Cell::pct(r.all.execution())},
                          style});
  };
  for (const auto& d : s.departments) {
    if (d.rollup.carried_forward_lines == 0) continue;
    const std::string label =
        d.name.empty() ? (d.code.empty() ? std::string(tr(l, "本部门", "This department")) : d.code)
                       : d.name;
    row(label, d.rollup, xlsx::RowStyle::normal);
  }
  row(tr(l, "合计", "Total"), s.department, xlsx::RowStyle::total);
  depts.notes.push_back(tr(
      l,
      "上年结转资金单独反映：结转资金执行率 = 结转资金支出数 / "
      "结转资金调整后预算数；当年资金为年初预算和"
      "年中新增。",
      "Carry-forward money is reported apart: its execution = its paid / its adjusted budget; the "
      "year's new money is the initial budget and mid-year additions."));
  out.push_back(std::move(depts));

  xlsx::Sheet lines;
  lines.name = tr(l, "上年结转项目", "Carry-forward lines");
  lines.title = tr(l, "上年结转项目", "Carry-forward lines (上年结转)");
  lines.subtitle = subtitle + tr(l, "　金额单位：元", "   Amounts in yuan");
  lines.header = {{tr(l, "项目编码", "Code"), tr(l, "项目名称", "Name"), tr(l, "预算单位", "Unit"),
                   tr(l, "结转年限", "Years carried"), tr(l, "上年项目", "Last year's line"),
                   tr(l, "调整后预算数（元）", "Adjusted (yuan)"),
                   tr(l, "支出数（元）", "Paid (yuan)"), tr(l, "未支出（元）", "Unspent (yuan)"),
                   tr(l, "执行率", "Execution")}};
  lines.widths = {14, 36, 12, 10, 18, 16, 16, 16, 10};
  lines.freeze_columns = 2;
  for (const auto& e : s.lines) {
    if (e.source != engine::LineSource::carried_forward) continue;
    lines.rows.push_back(
        {{Cell::str(e.line.code), Cell::str(e.line.name), Cell::str(e.line.unit_code),
          Cell::integer(e.carry_age),
          Cell::str(e.line.carried_from_year != 0
                        ? std::to_string(e.line.carried_from_year) + " " + e.line.code
                        : "—"),
          Cell::yuan(e.amounts.adjusted), Cell::yuan(e.amounts.paid),
          Cell::yuan(e.amounts.adjusted - e.amounts.paid), Cell::pct(e.execution)},
         e.carry_age >= 2 ? xlsx::RowStyle::lagging : xlsx::RowStyle::normal});
  }
  lines.notes.push_back(
      tr(l, "结转满两年（结转年限 ≥ 2）的资金按规定收回，以红色标出。",
         "Money carried for two years (age ≥ 2) is recovered under the rules; shown in red."));
  out.push_back(std::move(lines));
  return out;
}

}  // namespace bw::reports
