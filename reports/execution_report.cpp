#include "reports/execution_report.h"

#include <cmath>
#include <vector>

#include <boost/json.hpp>

#include "reports/carry_forward.h"
#include "reports/document.h"
#include "reports/html.h"
#include "reports/points.h"
#include "reports/risk.h"
#include "reports/xlsx.h"

namespace bw::reports {
namespace json = boost::json;
using engine::format_pct;
using engine::format_wan;
using engine::format_yuan;
using engine::Money;
using engine::Ratio;

namespace {

// ---- Carry-forward money (上年结转) -----------------------------------------------------------------------

// The carry-forward part of the report, only when the year has 上年结转 lines (issue 14): per department the
// carry-forward money's execution beside the new money's and the total's (auditors judge them apart), then
// each carry-forward line with its age.
void add_carry_forward(Document& doc, const engine::Snapshot& s, Lang l) {
  if (s.department.carried_forward_lines == 0) return;
  doc.heading(tr(l, "上年结转资金执行情况", "Carry-forward money (上年结转)"), 3);
  doc.note(tr(l,
              "上年结转资金单独反映：结转资金执行率 = 结转资金支出数 / 结转资金调整后预算数；当年资金为年初预算和年中新增。"
              "结转满两年（结转年限 ≥ 2）的资金按规定收回。",
              "Carry-forward money is reported apart: its execution = its paid / its adjusted budget; the year's "
              "new money is the initial budget and mid-year additions. Money carried for two years (age ≥ 2) is "
              "recovered under the rules."));
  Table depts{{{tr(l, "部门", "Department")},
               {tr(l, "结转资金调整后预算数", "Carry-forward adjusted"), true},
               {tr(l, "结转资金支出数", "Carry-forward paid"), true},
               {tr(l, "结转资金执行率", "Carry-forward execution"), true},
               {tr(l, "当年资金执行率", "New-money execution"), true},
               {tr(l, "合计执行率", "Total execution"), true}},
              {},
              "table-carry-forward-departments"};
  auto dept_row = [&](const std::string& label, const engine::Rollup& r, const char* cls) {
    depts.rows.push_back({{label, format_wan(r.carried_forward.adjusted), format_wan(r.carried_forward.paid),
                           pct_or_dash(r.carried_forward.execution()), pct_or_dash(r.new_money.execution()),
                           pct_or_dash(r.all.execution())},
                          cls});
  };
  for (const auto& d : s.departments) {
    if (d.rollup.carried_forward_lines == 0) continue;
    dept_row(d.name.empty() ? (d.code.empty() ? std::string(tr(l, "本部门", "This department")) : d.code) : d.name,
             d.rollup, "");
  }
  dept_row(tr(l, "合计", "Total"), s.department, "total");
  doc.table(std::move(depts));
  Table lines{{{tr(l, "项目编码", "Code")},
               {tr(l, "项目名称", "Name")},
               {tr(l, "结转年限", "Years carried"), true},
               {tr(l, "上年项目", "Last year's line")},
               {tr(l, "调整后预算数", "Adjusted"), true},
               {tr(l, "支出数", "Paid"), true},
               {tr(l, "执行率", "Execution"), true},
               {tr(l, "未支出", "Unspent"), true}},
              {},
              "table-carry-forward-lines"};
  for (const auto& e : s.lines) {
    if (e.source != engine::LineSource::carried_forward) continue;
    lines.rows.push_back(
        {{e.line.code, e.line.name, std::to_string(e.carry_age),
          e.line.carried_from_year != 0 ? std::to_string(e.line.carried_from_year) + " " + e.line.code : "—",
          format_wan(e.amounts.adjusted), format_wan(e.amounts.paid), pct_or_dash(e.execution),
          format_wan(e.amounts.adjusted - e.amounts.paid)},
         e.carry_age >= 2 ? "laggard" : ""});
  }
  doc.table(std::move(lines));
}

// The carry-forward part as Markdown ("" when the year has no 上年结转 line).
std::string carry_forward_md(const engine::Snapshot& s, Lang l) {
  Document doc("", s.as_of);
  add_carry_forward(doc, s, l);
  std::string md = doc.markdown();
  const auto body = md.find("###");
  return body == std::string::npos ? std::string() : md.substr(body);
}

// ---- Markdown -------------------------------------------------------------------------------------------

void md_totals_row(StringOut& out, const std::string& label, const engine::Amounts& a) {
  out << "| " << md_cell(label) << " | " << format_wan(a.initial) << " | " << format_wan(a.adjustment) << " | "
      << pct_or_dash(table_adjustment_rate(a)) << " | " << format_wan(a.adjusted) << " | "
      << format_wan(a.paid) << " | " << pct_or_dash(a.execution()) << " | " << pct_or_dash(a.expected())
      << " |\n";
}

// Appended to the sink's text, each line of the tables a row_done() (handed on as it goes when the sink
// streams).
void write_md(const engine::Snapshot& s, Lang l, TextSink& sink) {
  StringOut out(sink.text());
  const auto& d = s.department;
  out << "# " << tr(l, "预算执行情况报告", "Budget execution report") << "\n\n";
  out << tr(l, "截至日期：", "As of: ") << engine::to_iso(s.as_of) << tr(l, "；财政年度：", "; fiscal year: ")
      << s.fiscal_year.year() << tr(l, "；预算单位 ", "; budget units: ") << s.units.size()
      << tr(l, " 个；预算项目 ", "; budget lines: ") << s.lines.size() << tr(l, " 个。", ".") << "\n\n";
  out << tr(l, "金额单位：万元。执行率 = 支出数 / 调整后预算数；序时进度按各项目完成时限计算。",
            "Amounts in 10,000 yuan (万元). Execution = paid / adjusted budget; expected progress runs to "
            "each line's deadline.")
      << " " << adjustment_rates_note(l) << "\n\n";

  out << "## " << tr(l, "一、总体执行情况", "1. Overall execution") << "\n\n";
  out << tr(l, "| 项目 | 年初预算数 | 调整 | 净调整率 | 调整后预算数 | 支出数 | 执行率 | 序时进度 |\n",
            "| | Initial | Adjustment | Net adj. rate | Adjusted | Paid | Execution | Expected |\n");
  out << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  md_totals_row(out, tr(l, "基本支出", "Basic expenditure"), d.basic);
  md_totals_row(out, tr(l, "项目支出", "Project expenditure"), d.project);
  md_totals_row(out, tr(l, "合计", "Total"), d.all);
  out << "\n";
  if (const std::string cf = carry_forward_md(s, l); !cf.empty()) out << cf << (cf.ends_with("\n\n") ? "" : "\n");
  if (!s.unregistered.empty() || !s.unattributed.empty()) {
    out << tr(l, "未计入任何预算项目的支付：", "Payments counted in no budget line: ")
        << format_wan(s.unregistered_paid + s.unattributed_paid) << tr(l, " 万元（见第六部分）。\n\n",
                                                                        " (see section 6).\n\n");
  }

  out << "## " << tr(l, "二、项目执行率分布", "2. Projects by execution band") << "\n\n";
  const auto& b = d.bands;
  const std::string thr = std::to_string(s.policy.threshold_bp / 100);
  const std::string low = std::to_string(s.policy.low_bp / 100);
  out << "| " << tr(l, "区间", "Band") << " | " << tr(l, "项目数", "Projects") << " |\n|---|---:|\n";
  out << "| ≥ " << thr << "% | " << b.on_track << " |\n";
  out << "| " << low << "% – " << thr << "% | " << b.below_80 << " |\n";
  out << "| 0 – " << low << "% | " << b.below_50 << " |\n";
  out << "| = 0% | " << b.zero << " |\n\n";
  const int below = b.below_80 + b.below_50 + b.zero;
  if (below > 0) {
    out << tr(l, "执行率低于 ", "Projects below ") << thr << tr(l, "% 的项目（", "% (")
        << below << tr(l, " 个）：\n\n", "):\n\n");
    out << tr(l, "| 项目编码 | 项目名称 | 调整后预算数 | 支出数 | 执行率 | 未支出 |\n",
              "| Code | Name | Adjusted | Paid | Execution | Unspent |\n");
    out << "|---|---|---:|---:|---:|---:|\n";
    for (const engine::LineEval* ep : lines_by_risk(s)) {
      const engine::LineEval& e = *ep;
      if (e.line.kind != engine::LineKind::project) continue;
      if (e.band != engine::Band::below_80 && e.band != engine::Band::below_50 && e.band != engine::Band::zero) {
        continue;
      }
      out << "| " << md_cell(e.line.code) << " | " << md_cell(e.line.name) << " | "
          << format_wan(e.amounts.adjusted) << " | " << format_wan(e.amounts.paid) << " | "
          << pct_or_dash(e.execution) << " | " << format_wan(e.amounts.adjusted - e.amounts.paid) << " |\n";
      sink.row_done();
    }
    out << "\n";
  }

  out << "## " << tr(l, "三、财务管理指标得分", "3. Financial-management scores") << "\n\n";
  const auto& sc = d.scores;
  auto sc_str = [](const std::optional<Ratio>& r) { return r ? engine::format_decimal(*r, 2) : "—"; };
  out << tr(l, "| 指标 | 数值 | 得分 | 分值 | 公式 |\n", "| Indicator | Value | Score | Max | Formula |\n");
  out << "|---|---:|---:|---:|---|\n";
  out << tr(l, "| 预算完成率 | ", "| Budget completion | ") << pct_or_dash(sc.completion_rate) << " | "
      << sc_str(sc.completion_score) << " | " << s.policy.completion_points << " | "
      << tr(l, "（执行率 − 80%）/ 20% × ", "(rate − 80%) / 20% × ") << s.policy.completion_points << " |\n";
  out << tr(l, "| 预算调整率 | ", "| Budget adjustment | ") << pct_or_dash(sc.adjustment_rate) << " | "
      << sc_str(sc.adjustment_score) << " | " << s.policy.adjustment_points << " | "
      << tr(l, "（1 − 预算调整率）× ", "(1 − budget adjustment rate) × ") << s.policy.adjustment_points << " |\n";
  out << tr(l, "| 支出均衡性 | ", "| Spending balance | ") << pct_or_dash(sc.balance_mean) << " | "
      << sc_str(sc.balance_score) << " | " << s.policy.balance_points << " | ";
  for (std::size_t i = 0; i < sc.balance_checkpoints.size(); ++i) {
    const auto& m = sc.balance_checkpoints[i];
    out << (i == 0 ? tr(l, "平均（", "mean(") : tr(l, "、", ", "))
        << static_cast<unsigned>(m.date.month()) << tr(l, "月末 ", "/end ") << pct_or_dash(m.execution());
  }
  if (!sc.balance_checkpoints.empty()) out << tr(l, "）", ")");
  out << " × " << s.policy.balance_points << " |\n\n";

  out << "## " << tr(l, "四、月末累计执行进度", "4. Cumulative execution at month ends") << "\n\n";
  out << tr(l, "| 月末 | 调整后预算数 | 累计支出数 | 执行率 |\n", "| Month end | Adjusted | Paid | Execution |\n");
  out << "|---|---:|---:|---:|\n";
  for (const auto& m : d.month_ends) {
    out << "| " << engine::to_iso(m.date) << " | " << format_wan(m.adjusted) << " | " << format_wan(m.paid)
        << " | " << pct_or_dash(m.execution()) << " |\n";
  }
  out << "\n";

  out << "## " << tr(l, "五、项目支出执行情况", "5. Budget lines") << "\n\n";
  out << tr(l, "按风险排序：低于序时进度最多者在前，其次未支出金额大者在前。\n\n",
            "By risk: most behind expected progress first, then the largest unspent amount.\n\n");
  out << tr(l,
            "| 序号 | 项目编码 | 项目名称 | 预算单位 | 年初预算数 | 调整 | 净调整率 | 调整后预算数 | 支出数 | 执行率 | "
            "序时进度 | 差距（百分点） | 未支出 | 完成时限 |\n",
            "| # | Code | Name | Unit | Initial | Adjustment | Net adj. rate | Adjusted | Paid | Execution | Expected | "
            "Gap (pp) | Unspent | Deadline |\n");
  out << "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  int seq = 0;
  for (const engine::LineEval* ep : lines_by_risk(s)) {
    const engine::LineEval& e = *ep;
    const std::string name = line_display_name(s, e, l) + (overspent(e) ? tr(l, "（超预算）", " (overspent)") : "");
    out << "| " << ++seq << " | " << md_cell(e.line.code) << " | " << md_cell(name) << " | "
        << md_cell(e.line.unit_name.empty() ? e.line.unit_code : e.line.unit_name) << " | "
        << format_wan(e.amounts.initial) << " | " << format_wan(e.amounts.adjustment) << " | "
        << pct_or_dash(table_adjustment_rate(e.amounts)) << " | " << format_wan(e.amounts.adjusted) << " | "
        << format_wan(e.amounts.paid) << " | " << pct_or_dash(e.execution) << " | " << pct_or_dash(e.expected)
        << " | " << gap_pp(e.execution, e.expected) << " | " << format_wan(e.amounts.adjusted - e.amounts.paid)
        << " | " << engine::to_iso(e.deadline) << " |\n";
    sink.row_done();
  }
  out << "\n";

  if (!s.unregistered.empty() || !s.unattributed.empty()) {
    out << "## " << tr(l, "六、未计入预算项目的支付", "6. Payments counted in no line") << "\n\n";
    out << tr(l, "| 预算单位 | 项目编码 | 项目名称 | 金额（元） | 笔数 | 原因 |\n",
              "| Unit | Code | Name | Amount (yuan) | Payments | Reason |\n");
    out << "|---|---|---|---:|---:|---|\n";
    for (const auto* list : {&s.unregistered, &s.unattributed}) {
      for (const auto& o : *list) {
        out << "| " << md_cell(o.unit_code) << " | " << md_cell(o.project_code) << " | "
            << md_cell(o.project_name) << " | " << format_yuan(o.paid) << " | " << o.payments << " | "
            << md_cell(o.reason) << " |\n";
        sink.row_done();
      }
    }
    out << "\n";
  }
}

void write_csv(const engine::Snapshot& s, Lang l, TextSink& sink) {
  StringOut out(sink.text());
  out << (l == Lang::zh
              ? "项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数(元),调整(元),调整后预算数(元),"
                "支出数(元),执行率(%),序时进度(%),执行进度比,执行率区间,完成时限,项目负责人,超预算,指标来源,结转年限\r\n"
              : "code,name,unit_code,unit_name,kind,initial_yuan,adjustment_yuan,adjusted_yuan,paid_yuan,"
                "execution_rate_pct,expected_pct,pace,band,deadline,owner,overspent,source,carry_age\r\n");
  // By risk (issue 17); basic lines named with their unit where their name alone is ambiguous.
  for (const engine::LineEval* ep : lines_by_risk(s)) {
    const engine::LineEval& e = *ep;
    const bool basic = e.line.kind == engine::LineKind::basic;
    out << csv_field(e.line.code) << ',' << csv_field(line_display_name(s, e, l)) << ',' << csv_field(e.line.unit_code) << ','
        << csv_field(e.line.unit_name) << ','
        << (l == Lang::zh ? (basic ? "基本支出" : "项目支出") : engine::to_string(e.line.kind)) << ','
        << format_yuan(e.amounts.initial, false) << ',' << format_yuan(e.amounts.adjustment, false) << ','
        << format_yuan(e.amounts.adjusted, false) << ',' << format_yuan(e.amounts.paid, false) << ','
        << (e.execution ? format_pct(*e.execution) : "") << ',' << (e.expected ? format_pct(*e.expected) : "")
        << ',' << (e.pace ? engine::format_decimal(*e.pace, 4) : "") << ',' << csv_band(e.band, l) << ','
        << engine::to_iso(e.deadline) << ',' << csv_field(e.line.owner) << ','
        << (overspent(e) ? tr(l, "是", "true") : tr(l, "", "false")) << ','
        << (l == Lang::zh ? engine::to_string(e.source) : engine::source_key(e.source)) << ',' << e.carry_age
        << "\r\n";
    sink.row_done();
  }
}


// The execution report as one HTML page: the Markdown's sections as tables, with the charts.
void write_html(const engine::Snapshot& s, Lang l, TextSink& sink) {
  const auto& d = s.department;
  Document doc(tr(l, "预算执行情况报告", "Budget execution report"), s.as_of);
  doc.paragraph(tr(l, "截至日期：", "As of: ") + engine::to_iso(s.as_of) + tr(l, "；财政年度：", "; fiscal year: ") +
                std::to_string(s.fiscal_year.year()) + tr(l, "；预算单位 ", "; budget units: ") +
                std::to_string(s.units.size()) + tr(l, " 个；预算项目 ", "; budget lines: ") +
                std::to_string(s.lines.size()) + tr(l, " 个。", "."));
  doc.note(tr(l, "金额单位：万元。执行率 = 支出数 / 调整后预算数；序时进度按各项目完成时限计算。",
              "Amounts in 10,000 yuan (万元). Execution = paid / adjusted budget; expected progress runs to each "
              "line's deadline.") +
           std::string(" ") + adjustment_rates_note(l));
  doc.heading(tr(l, "一、总体执行情况", "1. Overall execution"));
  const std::vector<Column> cols = {{tr(l, "项目", "")},
                                    {tr(l, "年初预算数", "Initial"), true},
                                    {tr(l, "调整", "Adjustment"), true},
                                    {tr(l, "净调整率", "Net adj. rate"), true},
                                    {tr(l, "调整后预算数", "Adjusted"), true},
                                    {tr(l, "支出数", "Paid"), true},
                                    {tr(l, "执行率", "Execution"), true},
                                    {tr(l, "序时进度", "Expected"), true}};
  Table totals{cols, {}, "table-overall"};
  auto total_row = [&](const char* zh, const char* en, const engine::Amounts& a, const char* cls) {
    totals.rows.push_back({{tr(l, zh, en), format_wan(a.initial), format_wan(a.adjustment),
                            pct_or_dash(table_adjustment_rate(a)), format_wan(a.adjusted), format_wan(a.paid),
                            pct_or_dash(a.execution()), pct_or_dash(a.expected())},
                           cls});
  };
  total_row("基本支出", "Basic expenditure", d.basic, "");
  total_row("项目支出", "Project expenditure", d.project, "");
  total_row("合计", "Total", d.all, "total");
  doc.table(std::move(totals));
  add_carry_forward(doc, s, l);
  const std::vector<LinePoint> points = points_of(s);
  doc.html(html::charts(s, progress_curve(s), d.bands, largest_unspent(points), l));

  doc.heading(tr(l, "二、财务管理指标得分", "2. Financial-management scores"));
  Table scores{{{tr(l, "指标", "Indicator")},
                {tr(l, "数值", "Value"), true},
                {tr(l, "得分", "Score"), true},
                {tr(l, "分值", "Max"), true}},
               {},
               "table-scores"};
  const auto& sc = d.scores;
  scores.rows.push_back({{tr(l, "预算完成率", "Budget completion"), pct_or_dash(sc.completion_rate),
                          score_or_dash(sc.completion_score), std::to_string(s.policy.completion_points)},
                         ""});
  scores.rows.push_back({{tr(l, "预算调整率", "Budget adjustment"), pct_or_dash(sc.adjustment_rate),
                          score_or_dash(sc.adjustment_score), std::to_string(s.policy.adjustment_points)},
                         ""});
  scores.rows.push_back({{tr(l, "支出均衡性", "Spending balance"), pct_or_dash(sc.balance_mean),
                          score_or_dash(sc.balance_score), std::to_string(s.policy.balance_points)},
                         ""});
  doc.table(std::move(scores));

  doc.heading(tr(l, "三、预算项目", "3. Budget lines"));
  doc.note(tr(l, "按风险排序：低于序时进度最多者在前，其次未支出金额大者在前；超预算支出（支出数大于调整后预算数）的行以红色标出。",
              "By risk: most behind expected progress first, then the largest unspent amount; overspent rows (paid "
              "more than the budget in force) in red."));
  Table lines{{{tr(l, "项目编码", "Code")},
               {tr(l, "项目名称", "Name")},
               {tr(l, "预算单位", "Unit")},
               {tr(l, "调整后预算数", "Adjusted"), true},
               {tr(l, "支出数", "Paid"), true},
               {tr(l, "执行率", "Execution"), true},
               {tr(l, "序时进度", "Expected"), true},
               {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
               {tr(l, "未支出", "Unspent"), true, true},
               {tr(l, "完成时限", "Deadline")}},
              {},
              "table-lines"};
  // The lines' table is the page's last block: written row by row after the others, no row held.
  doc.write_html_begin(l, sink);
  std::string& out = sink.text();
  html::append_table_head(out, lines);
  for (const engine::LineEval* ep : lines_by_risk(s)) {
    const engine::LineEval& e = *ep;
    const bool over = overspent(e);
    html::append_table_row(out, lines,
                           {{e.line.code,
                             line_display_name(s, e, l) + (over ? tr(l, "（超预算）", " (overspent)") : ""),
                             e.line.unit_name.empty() ? e.line.unit_code : e.line.unit_name,
                             format_wan(e.amounts.adjusted), format_wan(e.amounts.paid), pct_or_dash(e.execution),
                             pct_or_dash(e.expected), gap_pp(e.execution, e.expected),
                             format_wan(e.amounts.adjusted - e.amounts.paid), engine::to_iso(e.deadline)},
                            over ? "overspend" : ""});
    sink.row_done();
  }
  html::append_table_end(out);
  doc.write_html_end(l, sink);
}

bool lagging(engine::Band b) {
  return b == engine::Band::below_80 || b == engine::Band::below_50 || b == engine::Band::zero;
}

// The execution report as a workbook: the totals, the scores, every line in yuan (exact to the fen) and the
// month ends, each on its own sheet.
xlsx::Workbook workbook(const engine::Snapshot& s, Lang l) {
  using xlsx::Cell;
  const auto& d = s.department;
  const std::string title = tr(l, "预算执行情况报告", "Budget execution report");
  const std::string as_of = tr(l, "截至日期：", "As of: ") + engine::to_iso(s.as_of) +
                            tr(l, "；财政年度：", "; fiscal year: ") + std::to_string(s.fiscal_year.year());
  xlsx::Workbook w{title, {}};

  xlsx::Sheet overall;
  overall.name = tr(l, "总体执行情况", "Overall");
  overall.title = title;
  overall.subtitle = as_of + tr(l, "　金额单位：万元", "   Amounts in 10,000 yuan (万元)");
  const char* budget = tr(l, "预算数", "Budget");
  overall.header = {{tr(l, "项目", "Item"), budget, budget, budget, budget, tr(l, "支出数", "Paid"),
                     tr(l, "执行率", "Execution"), tr(l, "序时进度", "Expected")},
                    {"", tr(l, "年初预算数", "Initial"), tr(l, "调整", "Adjustment"),
                     tr(l, "净调整率", "Net adj. rate"), tr(l, "调整后预算数", "Adjusted"), "", "", ""}};
  overall.widths = {16, 16, 16, 12, 16, 16, 12, 12};
  auto total_row = [&](const char* zh, const char* en, const engine::Amounts& a, xlsx::RowStyle style) {
    overall.rows.push_back({{Cell::str(tr(l, zh, en)), Cell::wan(a.initial), Cell::wan(a.adjustment),
                             Cell::pct(table_adjustment_rate(a)), Cell::wan(a.adjusted), Cell::wan(a.paid),
                             Cell::pct(a.execution()), Cell::pct(a.expected())},
                            style});
  };
  total_row("基本支出", "Basic expenditure", d.basic, xlsx::RowStyle::normal);
  total_row("项目支出", "Project expenditure", d.project, xlsx::RowStyle::normal);
  total_row("合计", "Total", d.all, xlsx::RowStyle::total);
  overall.notes.push_back(tr(l, "执行率 = 支出数 / 调整后预算数；序时进度按各项目完成时限计算。",
                             "Execution = paid / adjusted budget; expected progress runs to each line's deadline."));
  overall.notes.push_back(adjustment_rates_note(l));
  if (s.unregistered_paid.fen != 0 || s.unattributed_paid.fen != 0) {
    overall.notes.push_back(tr(l, "未计入任何预算项目的支付：", "Payments counted in no budget line: ") +
                            format_wan(s.unregistered_paid + s.unattributed_paid) + tr(l, " 万元。", " 万元."));
  }
  w.sheets.push_back(std::move(overall));

  xlsx::Sheet scores;
  scores.name = tr(l, "财务管理指标得分", "Scores");
  scores.title = title + tr(l, " — 财务管理指标得分", " — financial-management scores");
  scores.subtitle = as_of;
  scores.header = {{tr(l, "指标", "Indicator"), tr(l, "数值", "Value"), tr(l, "得分", "Score"),
                    tr(l, "分值", "Max")}};
  scores.widths = {20, 12, 12, 12};
  const auto& sc = d.scores;
  scores.rows.push_back({{Cell::str(tr(l, "预算完成率", "Budget completion")), Cell::pct(sc.completion_rate),
                          Cell::decimal(sc.completion_score), Cell::integer(s.policy.completion_points)}});
  scores.rows.push_back({{Cell::str(tr(l, "预算调整率", "Budget adjustment")), Cell::pct(sc.adjustment_rate),
                          Cell::decimal(sc.adjustment_score), Cell::integer(s.policy.adjustment_points)}});
  scores.rows.push_back({{Cell::str(tr(l, "支出均衡性", "Spending balance")), Cell::pct(sc.balance_mean),
                          Cell::decimal(sc.balance_score), Cell::integer(s.policy.balance_points)}});
  w.sheets.push_back(std::move(scores));

  xlsx::Sheet lines;
  lines.name = tr(l, "预算项目", "Budget lines");
  lines.title = title + tr(l, " — 预算项目", " — budget lines");
  lines.subtitle = as_of + tr(l, "　金额单位：元", "   Amounts in yuan");
  const char* budget_yuan = tr(l, "预算数（元）", "Budget (yuan)");
  lines.header = {{tr(l, "项目编码", "Code"), tr(l, "项目名称", "Name"), tr(l, "预算单位", "Unit"),
                   tr(l, "支出类型", "Kind"), budget_yuan, budget_yuan, budget_yuan, tr(l, "支出数（元）", "Paid (yuan)"),
                   tr(l, "执行率", "Execution"), tr(l, "序时进度", "Expected"), tr(l, "差距（百分点）", "Gap (pp)"),
                   tr(l, "执行区间", "Band"), tr(l, "完成时限", "Deadline"), tr(l, "指标来源", "Source"),
                   tr(l, "结转年限", "Years carried")},
                  {"", "", "", "", tr(l, "年初预算数", "Initial"), tr(l, "调整", "Adjustment"),
                   tr(l, "调整后预算数", "Adjusted"), "", "", "", "", "", "", "", ""}};
  lines.widths = {14, 36, 12, 10, 16, 16, 16, 16, 10, 10, 12, 12, 12, 10, 10};
  lines.freeze_columns = 2;
  for (const engine::LineEval* ep : lines_by_risk(s)) {
    const engine::LineEval& e = *ep;
    const auto gap = gap_of(e.execution, e.expected);
    lines.rows.push_back(
        {{Cell::str(e.line.code), Cell::str(line_display_name(s, e, l)), Cell::str(e.line.unit_code),
          Cell::str(kind_label(e.line.kind, l)), Cell::yuan(e.amounts.initial), Cell::yuan(e.amounts.adjustment),
          Cell::yuan(e.amounts.adjusted), Cell::yuan(e.amounts.paid), Cell::pct(e.execution), Cell::pct(e.expected),
          gap ? Cell::hundredths(static_cast<std::int64_t>(engine::round_scaled(*gap, 4))) : Cell::str("—"),
          Cell::str(band_label(e.band, s.policy, l)), Cell::str(engine::to_iso(e.deadline)),
          Cell::str(l == Lang::zh ? engine::to_string(e.source) : engine::source_key(e.source)),
          Cell::integer(e.carry_age)},
         lagging(e.band) || overspent(e) ? xlsx::RowStyle::lagging : xlsx::RowStyle::normal});
  }
  lines.notes.push_back(tr(l, "低于 ", "Rows below ") + std::to_string(s.policy.threshold_bp / 100) +
                        tr(l, "% 的行以红色标出。", "% are shown in red."));
  w.sheets.push_back(std::move(lines));

  xlsx::Sheet months;
  months.name = tr(l, "月末累计执行进度", "Month ends");
  months.title = title + tr(l, " — 月末累计执行进度", " — cumulative execution at month ends");
  months.subtitle = as_of + tr(l, "　金额单位：万元", "   Amounts in 10,000 yuan (万元)");
  months.header = {{tr(l, "月末", "Month end"), tr(l, "调整后预算数", "Adjusted"), tr(l, "累计支出数", "Paid"),
                    tr(l, "执行率", "Execution")}};
  months.widths = {12, 16, 16, 12};
  for (const auto& m : d.month_ends) {
    months.rows.push_back({{Cell::str(engine::to_iso(m.date)), Cell::wan(m.adjusted), Cell::wan(m.paid),
                            Cell::pct(m.execution())}});
  }
  w.sheets.push_back(std::move(months));
  for (auto& sheet : carry_forward_sheets(s, l, as_of)) w.sheets.push_back(std::move(sheet));
  return w;
}
}  // namespace

std::string render_execution_report(const engine::Snapshot& s, Format f, Lang lang) {
  if (f == Format::xlsx) return xlsx::workbook_bytes(workbook(s, lang));
  TextSink sink;
  write_execution_report(s, f, lang, sink);
  return sink.take();
}

void write_execution_report(const engine::Snapshot& s, Format f, Lang lang, TextSink& sink) {
  switch (f) {
    case Format::json: write_execution_report_json(s, sink); return;
    case Format::csv: write_csv(s, lang, sink); return;
    case Format::md: write_md(s, lang, sink); return;
    case Format::html: write_html(s, lang, sink); return;
    case Format::xlsx:
      sink.text() += xlsx::workbook_bytes(workbook(s, lang));
      sink.row_done();
      return;
  }
}

xlsx::Workbook execution_workbook(const engine::Snapshot& s, Lang lang) { return workbook(s, lang); }

}  // namespace bw::reports
