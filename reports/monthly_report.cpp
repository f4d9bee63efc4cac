#include "reports/monthly_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "reports/document.h"
#include "reports/xlsx.h"
#include "reports/execution_report.h"
#include "reports/html.h"
#include "reports/points.h"

namespace bw::reports {
namespace {

namespace json = boost::json;
using engine::format_pct;
using engine::format_wan;
using engine::Money;
using engine::Ratio;

std::string gap_text(const std::optional<Ratio>& exec, const std::optional<Ratio>& expected) {
  return gap_pp(exec, expected);
}

// The month reported: the fiscal month of as_of, from its first day through as_of.
struct Period {
  int index = 0;
  engine::CivilDate from;
  engine::CivilDate to;
  bool complete = false;
};

Period period_of(const engine::Snapshot& s) {
  Period p;
  p.index = std::clamp(s.fiscal_year.month_index(s.as_of), 0, 11);
  p.from = s.fiscal_year.month_start(p.index);
  p.to = s.as_of;
  p.complete = engine::is_month_end(s.as_of);
  return p;
}

// A set of lines' figures: the amounts to date and what was paid in the month.
struct Totals {
  engine::Amounts amounts;
  Money paid_month;
  void add(const LinePoint& p, Money month) {
    amounts += p.amounts;
    paid_month += month;
  }
};

Money month_paid(const engine::LineEval& e, const Period& p) {
  return e.month_paid[static_cast<std::size_t>(p.index)];
}

json::object totals_json(const Totals& t) {
  const engine::Amounts& a = t.amounts;
  json::object o;
  o["initial_fen"] = a.initial.fen;
  o["initial_wan"] = format_wan(a.initial);
  o["adjusted_fen"] = a.adjusted.fen;
  o["adjusted_wan"] = format_wan(a.adjusted);
  o["paid_month_fen"] = t.paid_month.fen;
  o["paid_month_wan"] = format_wan(t.paid_month);
  o["paid_to_date_fen"] = a.paid.fen;
  o["paid_to_date_wan"] = format_wan(a.paid);
  o["execution_rate_pct"] = pct(a.execution());
  o["expected_pct"] = pct(a.expected());
  o["gap_pp"] = gap_json(a.execution(), a.expected());
  return o;
}

struct Model {
  const engine::Snapshot* s = nullptr;
  Period period;
  std::vector<LinePoint> points;  // snapshot line order
  Totals department, project, basic;
  Totals carried_forward, new_money;  // 上年结转 apart from the year's new money (issue 14)
  int carried_forward_lines = 0;
  struct Unit {
    std::string code;
    std::string name;
    Totals totals;
    std::vector<std::size_t> lines;  // indexes into points
  };
  std::vector<Unit> units;
  std::vector<ProgressPoint> progress;
};

Model build(const engine::Snapshot& s) {
  Model m;
  m.s = &s;
  m.period = period_of(s);
  m.points = points_of(s);
  std::map<std::string, std::size_t> unit_index;
  for (const auto& u : s.units) {
    unit_index[u.code] = m.units.size();
    m.units.push_back({u.code, u.name, {}, {}});
  }
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const LinePoint& p = m.points[i];
    const Money month = month_paid(*p.eval, m.period);
    m.department.add(p, month);
    (p.eval->line.kind == engine::LineKind::basic ? m.basic : m.project).add(p, month);
    const bool carried = p.eval->source == engine::LineSource::carried_forward;
    (carried ? m.carried_forward : m.new_money).add(p, month);
    m.carried_forward_lines += carried ? 1 : 0;
    auto it = unit_index.find(p.eval->line.unit_code);
    if (it == unit_index.end()) continue;  // cannot happen: every line's unit is in s.units
    Model::Unit& u = m.units[it->second];
    u.totals.add(p, month);
    u.lines.push_back(i);
  }
  m.progress = progress_curve(s);
  return m;
}

json::value to_json(const Model& m) {
  const engine::Snapshot& s = *m.s;
  json::object o;
  o["kind"] = "monthly";
  o["as_of"] = engine::to_iso(s.as_of);
  o["fiscal_year"] = s.fiscal_year.year();
  json::object period;
  period["month"] = engine::to_iso(m.period.from).substr(0, 7);
  period["from"] = engine::to_iso(m.period.from);
  period["to"] = engine::to_iso(m.period.to);
  period["complete"] = m.period.complete;
  o["period"] = std::move(period);
  o["default_curve"] = engine::to_string(s.policy.default_curve.kind);
  o["threshold_pct"] = s.policy.threshold_bp / 100;
  o["department"] = totals_json(m.department);
  o["project_total"] = totals_json(m.project);
  o["basic_total"] = totals_json(m.basic);
  // Carry-forward money (上年结转) apart from the year's new money (年初, 年中新增); zeros in a year without it.
  o["carry_forward"] = totals_json(m.carried_forward);
  o["carry_forward"].as_object()["lines"] = m.carried_forward_lines;
  o["new_money"] = totals_json(m.new_money);
  o["new_money"].as_object()["lines"] = static_cast<int>(m.points.size()) - m.carried_forward_lines;
  json::array months;
  for (const auto& p : m.progress) {
    json::object x;
    x["date"] = engine::to_iso(p.date);
    x["adjusted_fen"] = p.adjusted.fen;
    x["paid_fen"] = p.paid.fen;
    x["expected_paid_fen"] = p.expected_paid.fen;
    x["execution_rate_pct"] = pct(p.execution());
    x["expected_pct"] = pct(p.expected());
    x["gap_pp"] = gap_json(p.execution(), p.expected());
    months.push_back(std::move(x));
  }
  o["month_ends"] = std::move(months);
  json::array units;
  for (const auto& u : m.units) {
    json::object x;
    x["code"] = u.code;
    x["name"] = u.name;
    x["totals"] = totals_json(u.totals);
    json::array lines;
    for (std::size_t i : u.lines) {
      const LinePoint& p = m.points[i];
      const engine::LineEval& e = *p.eval;
      Totals t;
      t.add(p, month_paid(e, m.period));
      json::object l;
      l["code"] = e.line.code;
      l["name"] = e.line.name;
      l["kind"] = engine::to_string(e.line.kind);
      l["curve"] = engine::to_string(e.curve);
      l["deadline"] = engine::to_iso(e.deadline);
      for (auto& kv : totals_json(t)) l[kv.key()] = kv.value();
      l["payments_month"] = e.month_payments[static_cast<std::size_t>(m.period.index)];
      l["pace"] = p.pace ? json::value(engine::format_decimal(*p.pace, 4)) : json::value(nullptr);
      l["band"] = engine::to_string(p.band);
      l["source"] = engine::source_key(e.source);
      l["carry_age"] = e.carry_age;
      lines.push_back(std::move(l));
    }
    x["lines"] = std::move(lines);
    units.push_back(std::move(x));
  }
  o["units"] = std::move(units);
  return o;
}

std::string period_text(const Model& m, Lang l) {
  std::string s = month_label(m.period.from, l);
  if (!m.period.complete) {
    const unsigned d = static_cast<unsigned>(m.period.to.day());
    s += l == Lang::zh ? "（1日至" + std::to_string(d) + "日，月中数据）"
                       : " (days 1–" + std::to_string(d) + ", month to date)";
  }
  return s;
}

std::vector<std::string> totals_cells(const std::string& label, const Totals& t) {
  const engine::Amounts& a = t.amounts;
  return {label,
          format_wan(a.initial),
          format_wan(a.adjusted),
          format_wan(t.paid_month),
          format_wan(a.paid),
          pct_or_dash(a.execution()),
          pct_or_dash(a.expected()),
          gap_text(a.execution(), a.expected())};
}

Document document(const Model& m, Lang l) {
  const engine::Snapshot& s = *m.s;
  Document doc(tr(l, "预算执行月报", "Monthly budget execution report") +
                   std::string(tr(l, "（", " — ")) + month_label(m.period.from, l) +
                   tr(l, "）", ""),
               s.as_of);
  doc.paragraph(tr(l, "截至日期：", "As of: ") + engine::to_iso(s.as_of) +
                tr(l, "；报告月份：", "; month: ") + period_text(m, l) +
                tr(l, "；财政年度：", "; fiscal year: ") + std::to_string(s.fiscal_year.year()) +
                tr(l, "。", "."));
  doc.note(std::string(tr(l,
                          "金额单位：万元。执行率 = 累计支出数 / 调整后预算数；差距 = 执行率 − "
                          "序时进度（百分点，负数为滞后）。"
                          "序时进度曲线：默认",
                          "Amounts in 10,000 yuan (万元). Execution = paid to date / adjusted "
                          "budget; gap = execution − "
                          "expected progress (percentage points, negative = behind). "
                          "Expected-progress curve: default ")) +
           (l == Lang::zh ? std::string(curve_label(s.policy.default_curve.kind, l)) + "，各项目所用曲线见表中“曲线”列。"
                          : std::string(engine::to_string(s.policy.default_curve.kind)) + " (" +
                                curve_label(s.policy.default_curve.kind, l) +
                                "); the curve of each line is in the column \"Curve\"."));

  doc.heading(tr(l, "一、部门汇总", "1. Department"));
  const std::vector<Column> total_cols = {{tr(l, "项目", "")},
                                          {tr(l, "年初预算数", "Initial"), true},
                                          {tr(l, "调整后预算数", "Adjusted"), true},
                                          {tr(l, "本月支出", "Paid this month"), true},
                                          {tr(l, "累计支出", "Paid to date"), true},
                                          {tr(l, "执行率", "Execution"), true},
                                          {tr(l, "序时进度", "Expected"), true},
                                          {tr(l, "差距（百分点）", "Gap (pp)"), true, true}};
  Table totals{total_cols, {}, "table-department"};
  totals.rows.push_back({totals_cells(tr(l, "基本支出", "Basic expenditure"), m.basic), ""});
  totals.rows.push_back({totals_cells(tr(l, "项目支出", "Project expenditure"), m.project), ""});
  totals.rows.push_back({totals_cells(tr(l, "合计", "Total"), m.department), "total"});
  if (m.carried_forward_lines > 0) {  // the year's carry-forward money executed apart (上年结转)
    totals.rows.push_back({totals_cells(tr(l, "其中：上年结转资金", "of which carry-forward money (上年结转)"),
                                        m.carried_forward),
                           ""});
    totals.rows.push_back(
        {totals_cells(tr(l, "其中：当年资金", "of which the year's new money"), m.new_money), ""});
  }
  doc.table(std::move(totals));
  doc.html(html::charts(s, m.progress, bands_of(m.points), largest_unspent(m.points), l));

  doc.heading(tr(l, "二、月末累计执行进度", "2. Cumulative progress at month ends"));
  Table months{{{tr(l, "月末", "Month end")},
                {tr(l, "调整后预算数", "Adjusted"), true},
                {tr(l, "累计支出数", "Paid to date"), true},
                {tr(l, "执行率", "Execution"), true},
                {tr(l, "序时进度", "Expected"), true},
                {tr(l, "差距（百分点）", "Gap (pp)"), true, true}},
               {},
               "table-month-ends"};
  for (const auto& p : m.progress) {
    months.rows.push_back(
        {{engine::to_iso(p.date), format_wan(p.adjusted), format_wan(p.paid),
          pct_or_dash(p.execution()), pct_or_dash(p.expected()), gap_text(p.execution(), p.expected())},
         ""});
  }
  if (m.progress.empty()) {
    doc.paragraph(
        tr(l, "本财政年度尚无已过的月末。", "No month end of the fiscal year has passed yet."));
  } else {
    doc.table(std::move(months));
  }

  doc.heading(tr(l, "三、各单位项目执行情况", "3. Lines by budget unit"));
  const std::vector<Column> line_cols = {{tr(l, "项目编码", "Code")},
                                         {tr(l, "项目名称", "Name")},
                                         {tr(l, "支出类型", "Kind")},
                                         {tr(l, "年初预算数", "Initial"), true},
                                         {tr(l, "调整后预算数", "Adjusted"), true},
                                         {tr(l, "本月支出", "Paid this month"), true},
                                         {tr(l, "累计支出", "Paid to date"), true},
                                         {tr(l, "执行率", "Execution"), true},
                                         {tr(l, "序时进度", "Expected"), true},
                                         {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
                                         {tr(l, "曲线", "Curve")},
                                         {tr(l, "完成时限", "Deadline")}};
  for (const auto& u : m.units) {
    doc.heading(u.code + " " + u.name, 3);
    Table t{line_cols, {}, "table-unit-" + u.code};
    for (std::size_t i : u.lines) {
      const LinePoint& p = m.points[i];
      const engine::LineEval& e = *p.eval;
      const bool behind = p.execution && p.expected && *p.execution < *p.expected;
      t.rows.push_back(
          {{e.line.code, e.line.name, kind_label(e.line.kind, l), format_wan(p.amounts.initial),
            format_wan(p.amounts.adjusted), format_wan(month_paid(e, m.period)),
            format_wan(p.amounts.paid), pct_or_dash(p.execution), pct_or_dash(p.expected),
            gap_text(p.execution, p.expected), curve_label(e.curve, l),
            engine::to_iso(e.deadline)},
           behind ? "behind" : ""});
    }
    auto cells = totals_cells(tr(l, "小计", "Subtotal"), u.totals);
    t.rows.push_back({{"", cells[0], "", cells[1], cells[2], cells[3], cells[4], cells[5], cells[6],
                       cells[7], "", ""},
                      "total"});
    doc.table(std::move(t));
  }
  return doc;
}

std::string to_csv(const Model& m, Lang l) {
  std::ostringstream out;
  out << (l == Lang::zh
              ? "预算单位编码,预算单位名称,项目编码,项目名称,支出类型,年初预算数(元),调整后预算数("
                "元),本月支出(元),"
                "累计支出(元),执行率(%),序时进度(%),差距(百分点),序时进度曲线,完成时限,"
                "执行率区间,指标来源,结转年限\r\n"
              : "unit_code,unit_name,code,name,kind,initial_yuan,adjusted_yuan,paid_month_yuan,"
                "paid_to_date_yuan,execution_rate_pct,expected_pct,gap_pp,curve,deadline,band,source,"
                "carry_age\r\n");
  for (const auto& u : m.units) {
    for (std::size_t i : u.lines) {
      const LinePoint& p = m.points[i];
      const engine::LineEval& e = *p.eval;
      out << csv_field(u.code) << ',' << csv_field(u.name) << ',' << csv_field(e.line.code) << ','
          << csv_field(e.line.name) << ',' << kind_label(e.line.kind, l) << ','
          << engine::format_yuan(p.amounts.initial, false) << ','
          << engine::format_yuan(p.amounts.adjusted, false) << ','
          << engine::format_yuan(month_paid(e, m.period), false) << ','
          << engine::format_yuan(p.amounts.paid, false) << ','
          << (p.execution ? format_pct(*p.execution) : "") << ','
          << (p.expected ? format_pct(*p.expected) : "") << ','
          << (p.execution && p.expected ? gap_pp(p.execution, p.expected) : "") << ','
          << csv_curve(e.curve, l) << ',' << engine::to_iso(e.deadline) << ',' << csv_band(p.band, l)
          << ',' << (l == Lang::zh ? engine::to_string(e.source) : engine::source_key(e.source)) << ','
          << e.carry_age << "\r\n";
    }
  }
  return out.str();
}

}  // namespace

json::value monthly_report_json(const engine::Snapshot& s) { return to_json(build(s)); }

std::string render_monthly_report(const engine::Snapshot& s, Format f, Lang l) {
  const Model m = build(s);
  switch (f) {
    case Format::json:
      return pretty_json(to_json(m));
    case Format::csv:
      return to_csv(m, l);
    case Format::md:
      return document(m, l).markdown();
    case Format::html:
      return document(m, l).html_page(l);
    case Format::xlsx:
      return xlsx::workbook_bytes(xlsx::workbook_of(document(m, l), l));
  }
  return {};
}

}  // namespace bw::reports
