#include "reports/circular.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "reports/document.h"
#include "reports/execution_report.h"
#include "reports/html.h"
#include "reports/points.h"
#include "reports/xlsx.h"

namespace bw::reports {
namespace {

namespace json = boost::json;
using engine::format_pct;
using engine::format_wan;
using engine::Money;
using engine::Ratio;

// One department (or the district) as the circular shows it.
struct Entry {
  std::string code;
  std::string name;
  int rank = 0;
  engine::Amounts now;
  std::optional<Ratio> previous;     // execution at the previous month end
  std::vector<std::size_t> lagging;  // indexes into Model::points, most behind first
  int projects = 0;

  std::optional<Ratio> execution() const { return now.execution(); }
  std::optional<Ratio> expected() const { return now.expected(); }
  Money unspent() const { return now.adjusted - now.paid; }
  bool no_budget() const { return !execution() || !expected(); }
  bool behind() const { return !no_budget() && *execution() < *expected(); }
  const char* status() const {
    return no_budget() ? "no_budget" : behind() ? "below_expected" : "at_or_above_expected";
  }
};

struct Model {
  const engine::Snapshot* s = nullptr;
  std::string issuer;
  int month_index = 0;
  engine::CivilDate from;
  bool complete = false;
  std::optional<engine::CivilDate> previous_month_end;
  std::vector<LinePoint> points;  // snapshot line order
  Entry district;
  std::vector<Entry> departments;  // by rank, then code
  std::vector<UnspentItem> unspent;
  std::vector<ProgressPoint> progress;
  int lagging = 0;
  int above = 0;
  int below = 0;
  int no_budget = 0;
};

// The execution rate at the month end before the reported month, from a roll-up's month ends.
std::optional<Ratio> previous_of(const engine::Rollup& r, int month_index) {
  if (month_index < 1) return std::nullopt;
  const auto i = static_cast<std::size_t>(month_index - 1);
  if (i >= r.month_ends.size()) return std::nullopt;
  return r.month_ends[i].execution();
}

bool below_threshold(const LinePoint& p, const engine::Policy& policy) {
  return p.pace && p.pace->compare(policy.threshold_bp, 10000) < 0;
}

Model build(const engine::Snapshot& s, std::string_view issuer) {
  Model m;
  m.s = &s;
  m.issuer = std::string(issuer);
  m.month_index = std::clamp(s.fiscal_year.month_index(s.as_of), 0, 11);
  m.from = s.fiscal_year.month_start(m.month_index);
  m.complete = engine::is_month_end(s.as_of);
  if (m.month_index > 0) m.previous_month_end = s.fiscal_year.month_end(m.month_index - 1);
  m.points = points_of(s);

  m.district.now = s.department.all;
  m.district.previous = previous_of(s.department, m.month_index);
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& d : s.departments) {
    Entry e;
    e.code = d.code;
    e.name = d.name;
    e.rank = d.rank;
    e.now = d.rollup.all;
    e.previous = previous_of(d.rollup, m.month_index);
    m.departments.push_back(std::move(e));
  }
  std::sort(m.departments.begin(), m.departments.end(), [](const Entry& a, const Entry& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    return a.code < b.code;
  });
  for (std::size_t i = 0; i < m.departments.size(); ++i) index[m.departments[i].code] = i;

  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const LinePoint& p = m.points[i];
    if (p.eval->line.kind != engine::LineKind::project) continue;
    auto it = index.find(p.eval->line.department_code);
    if (it == index.end()) continue;  // cannot happen: every line's department is in s.departments
    Entry& d = m.departments[it->second];
    ++d.projects;
    ++m.district.projects;
    if (p.execution && p.expected && *p.execution < *p.expected) d.lagging.push_back(i);
  }
  for (auto& d : m.departments) {
    std::sort(d.lagging.begin(), d.lagging.end(), [&](std::size_t a, std::size_t b) {
      const auto ga = *gap_of(m.points[a].execution, m.points[a].expected);
      const auto gb = *gap_of(m.points[b].execution, m.points[b].expected);
      if (!(ga == gb)) return ga < gb;
      return m.points[a].eval->line.code < m.points[b].eval->line.code;
    });
    m.lagging += static_cast<int>(d.lagging.size());
    if (d.no_budget()) {
      ++m.no_budget;
    } else if (d.behind()) {
      ++m.below;
    } else {
      ++m.above;
    }
  }
  m.unspent = largest_unspent(m.points, 10);
  m.progress = progress_curve(s);
  return m;
}

std::string department_label(const Entry& d, Lang l) {
  if (!d.name.empty()) return d.name;
  if (!d.code.empty()) return d.code;
  return tr(l, "全部单位", "all units");
}

std::string title_of(const Model& m, Lang l) {
  const std::string month = month_label(m.from, l);
  if (l == Lang::zh) return m.issuer + "关于" + month + "预算执行进度情况的通报";
  return (m.issuer.empty() ? std::string() : m.issuer + ": ") +
         "Circular on budget execution progress, " + month;
}

json::object figures_json(const Entry& e) {
  json::object o;
  o["adjusted_fen"] = e.now.adjusted.fen;
  o["paid_fen"] = e.now.paid.fen;
  o["unspent_fen"] = e.unspent().fen;
  o["execution_rate_pct"] = pct(e.execution());
  o["expected_pct"] = pct(e.expected());
  o["gap_pp"] = gap_json(e.execution(), e.expected());
  o["previous_execution_rate_pct"] = pct(e.previous);
  o["mom_change_pp"] = gap_json(e.execution(), e.previous);
  return o;
}

json::value to_json(const Model& m) {
  const engine::Snapshot& s = *m.s;
  json::object o;
  o["kind"] = "circular";
  o["title"] = title_of(m, Lang::zh);
  o["issuer"] = m.issuer;
  o["as_of"] = engine::to_iso(s.as_of);
  o["fiscal_year"] = s.fiscal_year.year();
  json::object period;
  period["month"] = engine::to_iso(m.from).substr(0, 7);
  period["from"] = engine::to_iso(m.from);
  period["to"] = engine::to_iso(s.as_of);
  period["complete"] = m.complete;
  o["period"] = std::move(period);
  o["previous_month_end"] = m.previous_month_end
                                ? json::value(engine::to_iso(*m.previous_month_end))
                                : json::value(nullptr);
  o["threshold_pct"] = s.policy.threshold_bp / 100;
  json::object summary;
  summary["departments"] = static_cast<std::int64_t>(m.departments.size());
  summary["at_or_above_expected"] = m.above;
  summary["below_expected"] = m.below;
  summary["no_budget"] = m.no_budget;
  summary["lagging_projects"] = m.lagging;
  o["summary"] = std::move(summary);
  o["district"] = figures_json(m.district);
  json::array departments;
  for (const auto& d : m.departments) {
    json::object x;
    x["rank"] = d.rank;
    x["code"] = d.code;
    x["name"] = d.name;
    for (auto& kv : figures_json(d)) x[kv.key()] = kv.value();
    x["status"] = d.status();
    x["projects"] = d.projects;
    json::array lagging;
    for (std::size_t i : d.lagging) {
      const LinePoint& p = m.points[i];
      const engine::BudgetLine& line = p.eval->line;
      json::object l;
      l["code"] = line.code;
      l["name"] = line.name;
      l["unit_code"] = line.unit_code;
      l["unit_name"] = line.unit_name;
      l["owner"] = line.owner;
      l["adjusted_fen"] = p.amounts.adjusted.fen;
      l["paid_fen"] = p.amounts.paid.fen;
      l["unspent_fen"] = p.unspent().fen;
      l["execution_rate_pct"] = pct(p.execution);
      l["expected_pct"] = pct(p.expected);
      l["gap_pp"] = gap_json(p.execution, p.expected);
      l["pace"] = p.pace ? json::value(engine::format_decimal(*p.pace, 4)) : json::value(nullptr);
      l["band"] = engine::to_string(p.band);
      l["below_threshold"] = below_threshold(p, s.policy);
      lagging.push_back(std::move(l));
    }
    x["lagging_projects"] = std::move(lagging);
    departments.push_back(std::move(x));
  }
  o["departments"] = std::move(departments);
  json::array unspent;
  int rank = 0;
  for (const auto& u : m.unspent) {
    const engine::LineEval* e = s.find_line(u.code);
    json::object x;
    x["rank"] = ++rank;
    x["code"] = u.code;
    x["name"] = u.name;
    x["kind"] = engine::to_string(u.kind);
    x["department_code"] = e != nullptr ? e->line.department_code : "";
    x["department_name"] = e != nullptr ? e->line.department_name : "";
    x["unit_code"] = e != nullptr ? e->line.unit_code : "";
    x["adjusted_fen"] = u.adjusted.fen;
    x["paid_fen"] = u.paid.fen;
    x["unspent_fen"] = u.unspent.fen;
    x["execution_rate_pct"] = pct(Ratio::of(u.paid.fen, u.adjusted.fen));
    unspent.push_back(std::move(x));
  }
  o["largest_unspent"] = std::move(unspent);
  return o;
}

// "提高1.20个百分点" / "up 1.20 pp"; "—" parts when undefined.
std::string change_words(const std::optional<Ratio>& now, const std::optional<Ratio>& before,
                         Lang l) {
  const auto d = gap_of(now, before);
  if (!d) return "";
  const std::string text = gap_pp(now, before);
  const bool down = text.front() == '-';
  const std::string magnitude = text.substr(1);
  if (l == Lang::zh)
    return std::string("，较上月末") + (down ? "下降" : "提高") + magnitude + "个百分点";
  return std::string(", ") + (down ? "down " : "up ") + magnitude + " pp on the previous month end";
}

std::string summary_text(const Model& m, Lang l) {
  const engine::Snapshot& s = *m.s;
  const Entry& t = m.district;
  const std::string n = std::to_string(m.departments.size());
  const std::string date = l == Lang::zh
                               ? std::to_string(static_cast<int>(s.as_of.year())) + "年" +
                                     std::to_string(static_cast<unsigned>(s.as_of.month())) + "月" +
                                     std::to_string(static_cast<unsigned>(s.as_of.day())) + "日"
                               : engine::to_iso(s.as_of);
  std::string gap = gap_pp(t.execution(), t.expected());
  if (l == Lang::zh) {
    std::string out = "截至" + date + "，纳入通报的" + n + "个部门中，" + std::to_string(m.above) +
                      "个部门预算执行进度达到或超过序时进度，" + std::to_string(m.below) +
                      "个部门低于序时进度";
    if (m.no_budget > 0) out += "，" + std::to_string(m.no_budget) + "个部门无在用预算";
    out += "。全区调整后预算数" + format_wan(t.now.adjusted) + "万元，累计支出" +
           format_wan(t.now.paid) + "万元，执行率" + pct_or_dash(t.execution()) + "，序时进度" +
           pct_or_dash(t.expected()) + "，差距" + gap + "个百分点" +
           change_words(t.execution(), t.previous, l) + "。执行进度低于序时进度的项目共" +
           std::to_string(m.lagging) + "个。";
    if (!m.complete) out += "本月尚未结束，数据截至" + date + "。";
    return out;
  }
  std::string out = "As of " + date + ", of the " + n + " departments in this circular, " +
                    std::to_string(m.above) + " are at or above expected progress and " +
                    std::to_string(m.below) + " below it";
  if (m.no_budget > 0) out += "; " + std::to_string(m.no_budget) + " have no budget in force";
  out += ". District total: adjusted budget " + format_wan(t.now.adjusted) +
         " (10,000 yuan), paid " + format_wan(t.now.paid) + ", execution " +
         pct_or_dash(t.execution()) + " against expected progress " + pct_or_dash(t.expected()) +
         ", a gap of " + gap + " pp" + change_words(t.execution(), t.previous, l) + ". " +
         std::to_string(m.lagging) + " projects are behind expected progress.";
  if (!m.complete) out += " The month has not ended: figures to " + date + ".";
  return out;
}

Document document(const Model& m, Lang l) {
  const engine::Snapshot& s = *m.s;
  Document doc(title_of(m, l), s.as_of);
  doc.paragraph(tr(l, "各部门：", "To all departments:"));
  doc.paragraph(summary_text(m, l));
  doc.note(tr(l,
              "金额单位：万元。执行率 = 累计支出数 / 调整后预算数；差距 = 执行率 − "
              "序时进度（百分点，负数为滞后）；"
              "环比变化 = 本期执行率 − 上月末执行率（百分点）。",
              "Amounts in 10,000 yuan (万元). Execution = paid to date / adjusted budget; gap = "
              "execution − "
              "expected progress (percentage points, negative = behind); change = execution now − "
              "execution at "
              "the previous month end (percentage points)."));
  doc.html(html::charts(s, m.progress, bands_of(m.points), m.unspent, l));

  doc.heading(tr(l, "一、各部门预算执行进度排名", "1. Departments ranked by execution"));
  Table ranking{{{tr(l, "排名", "Rank"), true},
                 {tr(l, "部门编码", "Code")},
                 {tr(l, "部门名称", "Department")},
                 {tr(l, "调整后预算数", "Adjusted"), true},
                 {tr(l, "累计支出数", "Paid to date"), true},
                 {tr(l, "未支出数", "Unspent"), true},
                 {tr(l, "执行率", "Execution"), true},
                 {tr(l, "序时进度", "Expected"), true},
                 {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
                 {tr(l, "滞后项目数", "Lagging projects"), true}},
                {},
                "table-ranking"};
  for (const auto& d : m.departments) {
    ranking.rows.push_back(
        {{std::to_string(d.rank), d.code, department_label(d, l), format_wan(d.now.adjusted),
          format_wan(d.now.paid), format_wan(d.unspent()), pct_or_dash(d.execution()),
          pct_or_dash(d.expected()), gap_pp(d.execution(), d.expected()),
          std::to_string(d.lagging.size())},
         d.behind() ? "laggard" : ""});
  }
  const Entry& t = m.district;
  ranking.rows.push_back(
      {{"", "", tr(l, "全区合计", "District total"), format_wan(t.now.adjusted),
        format_wan(t.now.paid), format_wan(t.unspent()), pct_or_dash(t.execution()),
        pct_or_dash(t.expected()), gap_pp(t.execution(), t.expected()), std::to_string(m.lagging)},
       "total"});
  doc.table(std::move(ranking));

  doc.heading(tr(l, "二、执行进度环比变化", "2. Change since the previous month end"));
  const std::string previous_label =
      m.previous_month_end
          ? std::string(tr(l, "上月末执行率（", "Execution at ")) +
                engine::to_iso(*m.previous_month_end) + tr(l, "）", "")
          : std::string(tr(l, "上月末执行率", "Execution at the previous month end"));
  Table mom{{{tr(l, "排名", "Rank"), true},
             {tr(l, "部门名称", "Department")},
             {previous_label, true},
             {std::string(tr(l, "本期执行率（", "Execution at ")) + engine::to_iso(s.as_of) +
                  tr(l, "）", ""),
              true},
             {tr(l, "环比变化（百分点）", "Change (pp)"), true, true}},
            {},
            "table-mom"};
  for (const auto& d : m.departments) {
    mom.rows.push_back({{std::to_string(d.rank), department_label(d, l), pct_or_dash(d.previous),
                         pct_or_dash(d.execution()), gap_pp(d.execution(), d.previous)},
                        ""});
  }
  mom.rows.push_back({{"", tr(l, "全区合计", "District total"), pct_or_dash(t.previous),
                       pct_or_dash(t.execution()), gap_pp(t.execution(), t.previous)},
                      "total"});
  if (!m.previous_month_end) {
    doc.paragraph(tr(l, "本月为财政年度首月，无上月末数据。",
                     "This is the fiscal year's first month: there is no previous month end."));
  }
  doc.table(std::move(mom));

  doc.heading(
      tr(l, "三、各部门执行进度滞后项目", "3. Projects behind expected progress, by department"));
  if (m.lagging == 0) {
    doc.paragraph(
        tr(l, "各部门项目执行进度均已达到序时进度。", "No project is behind expected progress."));
  }
  for (const auto& d : m.departments) {
    if (d.lagging.empty()) continue;
    doc.heading(d.code + (d.code.empty() ? "" : " ") + department_label(d, l) + tr(l, "（", " (") +
                    std::to_string(d.lagging.size()) + tr(l, "个）", ")"),
                3);
    Table lag{{{tr(l, "项目编码", "Code")},
               {tr(l, "项目名称", "Name")},
               {tr(l, "预算单位", "Unit")},
               {tr(l, "负责人", "Owner")},
               {tr(l, "调整后预算数", "Adjusted"), true},
               {tr(l, "累计支出数", "Paid to date"), true},
               {tr(l, "执行率", "Execution"), true},
               {tr(l, "序时进度", "Expected"), true},
               {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
               {tr(l, "执行率区间", "Band")}},
              {},
              "table-lagging-" + d.code};
    for (std::size_t i : d.lagging) {
      const LinePoint& p = m.points[i];
      const engine::BudgetLine& line = p.eval->line;
      lag.rows.push_back(
          {{line.code, line.name, line.unit_name.empty() ? line.unit_code : line.unit_name,
            line.owner, format_wan(p.amounts.adjusted), format_wan(p.amounts.paid),
            pct_or_dash(p.execution), pct_or_dash(p.expected), gap_pp(p.execution, p.expected),
            band_label(p.band, s.policy, l)},
           below_threshold(p, s.policy) ? "laggard" : ""});
    }
    doc.table(std::move(lag));
  }

  doc.heading(tr(l, "四、未支出金额较大的项目（前10名）", "4. Largest unspent amounts (top 10)"));
  Table unspent{{{tr(l, "序号", "No."), true},
                 {tr(l, "项目编码", "Code")},
                 {tr(l, "项目名称", "Name")},
                 {tr(l, "部门", "Department")},
                 {tr(l, "支出类型", "Kind")},
                 {tr(l, "调整后预算数", "Adjusted"), true},
                 {tr(l, "累计支出数", "Paid to date"), true},
                 {tr(l, "未支出数", "Unspent"), true},
                 {tr(l, "执行率", "Execution"), true}},
                {},
                "table-unspent"};
  int rank = 0;
  for (const auto& u : m.unspent) {
    const engine::LineEval* e = s.find_line(u.code);
    std::string dept;
    if (e != nullptr)
      dept = e->line.department_name.empty() ? e->line.department_code : e->line.department_name;
    unspent.rows.push_back({{std::to_string(++rank), u.code, u.name, dept, kind_label(u.kind, l),
                             format_wan(u.adjusted), format_wan(u.paid), format_wan(u.unspent),
                             pct_or_dash(Ratio::of(u.paid.fen, u.adjusted.fen))},
                            ""});
  }
  if (m.unspent.empty()) {
    doc.paragraph(tr(l, "无未支出余额。", "Nothing is left unspent."));
  } else {
    doc.table(std::move(unspent));
  }

  doc.paragraph(
      tr(l,
         "请执行进度低于序时进度的部门认真分析原因，采取有效措施加快预算执行，"
         "对滞后项目逐项明确责任人和完成时限。",
         "Departments behind expected progress are asked to analyse the causes, take measures to "
         "speed "
         "up execution, and name an owner and a completion date for each lagging project."));
  return doc;
}

std::string to_csv(const Model& m, Lang l) {
  std::ostringstream out;
  out << (l == Lang::zh
              ? "排名,部门编码,部门名称,调整后预算数(元),累计支出数(元),未支出数(元),执行率(%),"
                "序时进度(%),差距(百分点),上月末执行率(%),环比变化(百分点),项目数,滞后项目数\r\n"
              : "rank,code,name,adjusted_yuan,paid_yuan,unspent_yuan,execution_rate_pct,expected_"
                "pct,"
                "gap_pp,previous_execution_rate_pct,mom_change_pp,projects,lagging_projects\r\n");
  auto rate = [](const std::optional<Ratio>& r) { return r ? format_pct(*r) : std::string(); };
  auto diff = [](const std::optional<Ratio>& a, const std::optional<Ratio>& b) {
    return a && b ? gap_pp(a, b) : std::string();
  };
  for (const auto& d : m.departments) {
    out << d.rank << ',' << csv_field(d.code) << ',' << csv_field(d.name) << ','
        << engine::format_yuan(d.now.adjusted, false) << ','
        << engine::format_yuan(d.now.paid, false) << ',' << engine::format_yuan(d.unspent(), false)
        << ',' << rate(d.execution()) << ',' << rate(d.expected()) << ','
        << diff(d.execution(), d.expected()) << ',' << rate(d.previous) << ','
        << diff(d.execution(), d.previous) << ',' << d.projects << ',' << d.lagging.size()
        << "\r\n";
  }
  return out.str();
}

}  // namespace

json::value circular_report_json(const engine::Snapshot& s, std::string_view issuer) {
  return to_json(build(s, issuer));
}

std::string render_circular_report(const engine::Snapshot& s, Format f, Lang l,
                                   std::string_view issuer) {
  const Model m = build(s, issuer);
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
