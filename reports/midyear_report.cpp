#include "reports/midyear_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "engine/text.h"
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

std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }

struct IndicatorCounts {
  int total = 0;
  int met = 0;
  int on_track = 0;
  int behind = 0;
  int overdue = 0;
  int awaiting_judgement = 0;
  void add(const std::string& status) {
    ++total;
    if (status == "met") ++met;
    if (status == "on_track") ++on_track;
    if (status == "behind") ++behind;
    if (status == "overdue") ++overdue;
    if (status == "awaiting_judgement") ++awaiting_judgement;
  }
};

const char* status_label(const std::string& status, Lang l) {
  for (engine::IndicatorStatus s : engine::all_indicator_statuses)
    if (status == engine::to_string(s)) return engine::text(s, l).data();
  return nullptr;
}

// "共3项：已完成1、滞后2" / "3: met 1, behind 2"; "—" without indicators.
std::string counts_text(const IndicatorCounts& c, Lang l) {
  if (c.total == 0) return "—";
  std::string out =
      l == Lang::zh ? "共" + std::to_string(c.total) + "项：" : std::to_string(c.total) + ": ";
  bool first = true;
  for (const auto& [status, n] : {std::pair<const char*, int>{"met", c.met},
                                  {"on_track", c.on_track},
                                  {"behind", c.behind},
                                  {"overdue", c.overdue},
                                  {"awaiting_judgement", c.awaiting_judgement}}) {
    if (n == 0) continue;
    if (!first) out += tr(l, "、", ", ");
    first = false;
    out += status_label(status, l);
    out += l == Lang::zh ? std::to_string(n) : " " + std::to_string(n);
  }
  if (first) out += tr(l, "其他", "other");
  return out;
}

struct Project {
  std::size_t point = 0;  // index into Model::points
  std::optional<Ratio> gap;
  bool laggard = false;
  bool below_threshold = false;
  IndicatorCounts indicators;
  std::optional<OwnerNote> note;
};

struct Model {
  const engine::Snapshot* s = nullptr;
  int window = 6;
  engine::CivilDate window_end;
  engine::CivilDate evaluated_at;
  bool closed = false;
  std::vector<LinePoint> points;
  engine::Amounts department, project, basic;
  engine::BandCounts bands;
  std::vector<Project> projects;
  std::vector<std::size_t> laggards;  // indexes into projects
  std::vector<IndicatorProgress> indicators;
  int unmatched_indicators = 0;
  std::vector<ProgressPoint> progress;
  std::vector<UnspentItem> unspent;
};

Model build(const engine::Snapshot& s, int window, const std::vector<IndicatorProgress>& indicators,
            const std::vector<OwnerNote>& notes) {
  Model m;
  m.s = &s;
  m.window = std::clamp(window, 1, 12);
  m.window_end = s.fiscal_year.month_end(m.window - 1);
  m.closed = s.as_of >= m.window_end;
  m.evaluated_at = midyear_evaluated_at(s, m.window);
  m.points = m.closed ? points_of(s, m.window - 1) : points_of(s);
  m.department = sum_amounts(m.points);
  m.project = sum_amounts(m.points, engine::LineKind::project);
  m.basic = sum_amounts(m.points, engine::LineKind::basic);
  m.bands = bands_of(m.points);
  m.progress = progress_curve(s, m.window);
  m.unspent = largest_unspent(m.points);

  std::map<std::string, std::size_t> by_code;
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const LinePoint& p = m.points[i];
    if (p.eval->line.kind != engine::LineKind::project) continue;
    Project pr;
    pr.point = i;
    pr.gap = gap_of(p.execution, p.expected);
    pr.laggard = pr.gap && pr.gap->num < 0;
    pr.below_threshold = pr.laggard && p.pace && p.pace->compare(s.policy.threshold_bp, 10000) < 0;
    by_code.emplace(p.eval->line.code, m.projects.size());
    m.projects.push_back(std::move(pr));
  }
  for (const IndicatorProgress& ind : indicators) {
    auto it = by_code.find(ind.project_code);
    if (it == by_code.end()) {
      ++m.unmatched_indicators;
      continue;
    }
    m.projects[it->second].indicators.add(ind.status);
    m.indicators.push_back(ind);
  }
  std::stable_sort(m.indicators.begin(), m.indicators.end(), [&](const auto& a, const auto& b) {
    const std::size_t ia = by_code.at(a.project_code);
    const std::size_t ib = by_code.at(b.project_code);
    return ia != ib ? ia < ib : a.seq < b.seq;
  });
  for (const OwnerNote& n : notes) {
    auto it = by_code.find(n.project_code);
    if (it == by_code.end()) continue;
    auto& slot = m.projects[it->second].note;
    if (!slot || n.at >= slot->at) slot = n;
  }
  for (std::size_t i = 0; i < m.projects.size(); ++i) {
    if (m.projects[i].laggard) m.laggards.push_back(i);
  }
  std::stable_sort(m.laggards.begin(), m.laggards.end(), [&](std::size_t a, std::size_t b) {
    return *m.projects[a].gap < *m.projects[b].gap;
  });
  return m;
}

std::string window_text(const Model& m) { return "1-" + std::to_string(m.window); }

json::object totals_json(const engine::Amounts& a) {
  json::object o;
  o["adjusted_fen"] = a.adjusted.fen;
  o["adjusted_wan"] = format_wan(a.adjusted);
  o["paid_fen"] = a.paid.fen;
  o["paid_wan"] = format_wan(a.paid);
  o["unspent_fen"] = (a.adjusted - a.paid).fen;
  o["execution_rate_pct"] = pct(a.execution());
  o["expected_pct"] = pct(a.expected());
  o["gap_pp"] = gap_json(a.execution(), a.expected());
  return o;
}

json::value to_json(const Model& m) {
  const engine::Snapshot& s = *m.s;
  json::object o;
  o["kind"] = "midyear";
  o["as_of"] = engine::to_iso(s.as_of);
  o["fiscal_year"] = s.fiscal_year.year();
  o["window"] = window_text(m);
  o["window_end"] = engine::to_iso(m.window_end);
  o["evaluated_at"] = engine::to_iso(m.evaluated_at);
  o["window_closed"] = m.closed;
  o["threshold_pct"] = s.policy.threshold_bp / 100;
  o["department"] = totals_json(m.department);
  o["project_total"] = totals_json(m.project);
  o["basic_total"] = totals_json(m.basic);
  o["bands"] = bands_json(m.bands);
  json::array projects;
  int seq = 0;
  for (const Project& pr : m.projects) {
    const LinePoint& p = m.points[pr.point];
    const engine::LineEval& e = *p.eval;
    json::object x;
    x["seq"] = ++seq;
    x["code"] = e.line.code;
    x["name"] = e.line.name;
    x["unit_code"] = e.line.unit_code;
    x["unit_name"] = e.line.unit_name;
    x["owner"] = e.line.owner;
    x["deadline"] = engine::to_iso(e.deadline);
    x["curve"] = engine::to_string(e.curve);
    x["adjusted_fen"] = p.amounts.adjusted.fen;
    x["adjusted_wan"] = format_wan(p.amounts.adjusted);
    x["paid_fen"] = p.amounts.paid.fen;
    x["paid_wan"] = format_wan(p.amounts.paid);
    x["unspent_fen"] = p.unspent().fen;
    x["execution_rate_pct"] = pct(p.execution);
    x["expected_pct"] = pct(p.expected);
    x["gap_pp"] = gap_json(p.execution, p.expected);
    x["pace"] = p.pace ? json::value(engine::format_decimal(*p.pace, 4)) : json::value(nullptr);
    x["band"] = engine::to_string(p.band);
    x["laggard"] = pr.laggard;
    x["below_threshold"] = pr.below_threshold;
    json::object c;
    c["total"] = pr.indicators.total;
    c["met"] = pr.indicators.met;
    c["on_track"] = pr.indicators.on_track;
    c["behind"] = pr.indicators.behind;
    c["overdue"] = pr.indicators.overdue;
    c["awaiting_judgement"] = pr.indicators.awaiting_judgement;
    x["indicators"] = std::move(c);
    if (pr.note) {
      json::object n;
      n["reason"] = pr.note->reason;
      n["measures"] = pr.note->measures;
      n["by"] = pr.note->by;
      n["at"] = pr.note->at;
      x["owner_note"] = std::move(n);
    } else {
      x["owner_note"] = nullptr;
    }
    projects.push_back(std::move(x));
  }
  o["projects"] = std::move(projects);
  json::array laggards;
  for (std::size_t i : m.laggards)
    laggards.push_back(json::string(m.points[m.projects[i].point].eval->line.code));
  o["laggards"] = std::move(laggards);
  json::array inds;
  for (const auto& ind : m.indicators) {
    json::object x;
    x["project_code"] = ind.project_code;
    x["seq"] = ind.seq;
    x["name"] = ind.name;
    x["target_raw"] = ind.target_raw;
    x["status"] = ind.status;
    x["actual"] = ind.actual ? json::value(*ind.actual) : json::value(nullptr);
    x["deadline"] =
        ind.deadline ? json::value(engine::to_iso(*ind.deadline)) : json::value(nullptr);
    inds.push_back(std::move(x));
  }
  o["indicators"] = std::move(inds);
  o["unmatched_indicators"] = m.unmatched_indicators;
  return o;
}

// "1-6月" for a calendar fiscal year; the calendar months otherwise ("4-9月").
std::string months_text(const Model& m, Lang l) {
  static constexpr const char* en[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
  const unsigned first = static_cast<unsigned>(m.s->fiscal_year.month_start(0).month());
  const unsigned last = static_cast<unsigned>(m.window_end.month());
  if (l == Lang::zh) return std::to_string(first) + "-" + std::to_string(last) + "月";
  return std::string(en[first - 1]) + "–" + en[last - 1];
}

Document document(const Model& m, Lang l) {
  const engine::Snapshot& s = *m.s;
  const std::string year = std::to_string(s.fiscal_year.year());
  Document doc(l == Lang::zh ? year + "年" + months_text(m, l) + "预算执行与绩效运行监控报告"
                             : "Mid-year review: budget execution and performance monitoring, " +
                                   months_text(m, l) + " " + year,
               s.as_of);
  doc.paragraph(tr(l, "监控期：", "Window: ") + months_text(m, l) + tr(l, "（截至 ", " (to ") +
                engine::to_iso(m.window_end) + tr(l, "）；数据截至：", "); figures as of: ") +
                engine::to_iso(m.evaluated_at) + tr(l, "；项目 ", "; projects: ") +
                std::to_string(m.projects.size()) +
                tr(l, " 个，其中低于序时进度 ", ", behind expected progress: ") +
                std::to_string(m.laggards.size()) + tr(l, " 个。", "."));
  if (!m.closed) {
    doc.note(tr(l, "监控期尚未结束：数据为截至日期的实时数。",
                "The window has not ended yet: figures are as of today's data."));
  }
  const std::string thr = std::to_string(s.policy.threshold_bp / 100) + "%";
  doc.note(
      std::string(
          tr(l,
             "金额单位：万元。执行率 = 支出数 / 调整后预算数；差距 = 执行率 − "
             "序时进度（百分点）。低于序时进度的项目列为滞后项目；进度比（执行率 / 序时进度）低于 ",
             "Amounts in 10,000 yuan (万元). Execution = paid / adjusted budget; gap = execution − "
             "expected "
             "progress (percentage points). Projects behind expected progress are laggards; those "
             "whose "
             "pace (execution / expected) is under ")) +
      thr + tr(l, " 的为严重滞后。", " are seriously behind."));

  doc.heading(tr(l, "一、总体执行情况", "1. Overall execution"));
  Table totals{{{tr(l, "项目", "")},
                {tr(l, "调整后预算数", "Adjusted"), true},
                {tr(l, "支出数", "Paid"), true},
                {tr(l, "执行率", "Execution"), true},
                {tr(l, "序时进度", "Expected"), true},
                {tr(l, "差距（百分点）", "Gap (pp)"), true, true}},
               {},
               "table-overall"};
  auto total_row = [&](const char* zh, const char* en, const engine::Amounts& a, const char* cls) {
    totals.rows.push_back(
        {{tr(l, zh, en), format_wan(a.adjusted), format_wan(a.paid), pct_or_dash(a.execution()),
          pct_or_dash(a.expected()), gap_pp(a.execution(), a.expected())},
         cls});
  };
  total_row("基本支出", "Basic expenditure", m.basic, "");
  total_row("项目支出", "Project expenditure", m.project, "");
  total_row("合计", "Total", m.department, "total");
  doc.table(std::move(totals));
  doc.html(html::charts(s, m.progress, m.bands, m.unspent, l));

  doc.heading(tr(l, "二、项目执行与绩效指标进展", "2. Projects: execution and indicators"));
  Table projects{{{tr(l, "序号", "#"), true},
                  {tr(l, "项目编码", "Code")},
                  {tr(l, "项目名称", "Name")},
                  {tr(l, "项目负责人", "Owner")},
                  {tr(l, "调整后预算数", "Adjusted"), true},
                  {tr(l, "支出数", "Paid"), true},
                  {tr(l, "执行率", "Execution"), true},
                  {tr(l, "序时进度", "Expected"), true},
                  {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
                  {tr(l, "绩效指标进展", "Indicators")},
                  {tr(l, "偏差原因", "Reason")},
                  {tr(l, "整改措施", "Corrective measures")}},
                 {},
                 "table-projects"};
  int seq = 0;
  for (const Project& pr : m.projects) {
    const LinePoint& p = m.points[pr.point];
    const auto& line = p.eval->line;
    projects.rows.push_back(
        {{std::to_string(++seq), line.code, line.name, or_dash(line.owner),
          format_wan(p.amounts.adjusted), format_wan(p.amounts.paid), pct_or_dash(p.execution),
          pct_or_dash(p.expected), gap_pp(p.execution, p.expected), counts_text(pr.indicators, l),
          pr.note ? or_dash(pr.note->reason) : "—", pr.note ? or_dash(pr.note->measures) : "—"},
         pr.laggard ? "laggard" : ""});
  }
  doc.table(std::move(projects));

  doc.heading(tr(l, "三、滞后项目", "3. Laggards"));
  if (m.laggards.empty()) {
    doc.paragraph(tr(l, "没有低于序时进度的项目。", "No project is behind its expected progress."));
  } else {
    Table lag{{{tr(l, "项目编码", "Code")},
               {tr(l, "项目名称", "Name")},
               {tr(l, "项目负责人", "Owner")},
               {tr(l, "执行率", "Execution"), true},
               {tr(l, "序时进度", "Expected"), true},
               {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
               {tr(l, "进度比", "Pace"), true},
               {tr(l, "未支出", "Unspent"), true},
               {tr(l, "严重滞后", "Seriously behind")},
               {tr(l, "偏差原因", "Reason")},
               {tr(l, "整改措施", "Corrective measures")},
               {tr(l, "填报", "Written by")}},
              {},
              "table-laggards"};
    for (std::size_t i : m.laggards) {
      const Project& pr = m.projects[i];
      const LinePoint& p = m.points[pr.point];
      const auto& line = p.eval->line;
      std::string written = "—";
      if (pr.note && !(pr.note->by.empty() && pr.note->at.empty())) {
        written =
            pr.note->by + (pr.note->by.empty() || pr.note->at.empty() ? "" : " ") + pr.note->at;
      }
      lag.rows.push_back(
          {{line.code, line.name, or_dash(line.owner), pct_or_dash(p.execution), pct_or_dash(p.expected),
            gap_pp(p.execution, p.expected), p.pace ? format_pct(*p.pace) + "%" : "—",
            format_wan(p.unspent()), pr.below_threshold ? tr(l, "是", "yes") : tr(l, "否", "no"),
            pr.note ? or_dash(pr.note->reason) : "—", pr.note ? or_dash(pr.note->measures) : "—",
            written},
           "laggard"});
    }
    doc.table(std::move(lag));
  }

  doc.heading(tr(l, "四、绩效指标完成情况", "4. Performance indicators"));
  if (m.indicators.empty()) {
    doc.paragraph(tr(l, "—（暂无绩效指标进展数据）", "— (no indicator progress recorded)"));
  } else {
    Table inds{{{tr(l, "项目编码", "Project")},
                {tr(l, "序号", "#"), true},
                {tr(l, "指标名称", "Indicator")},
                {tr(l, "指标值", "Target")},
                {tr(l, "实际完成值", "Actual")},
                {tr(l, "完成时限", "Due")},
                {tr(l, "状态", "Status")},
                {tr(l, "说明", "Why")}},
               {},
               "table-indicators"};
    for (const auto& ind : m.indicators) {
      const char* st = status_label(ind.status, l);
      inds.rows.push_back(
          {{ind.project_code, std::to_string(ind.seq), ind.name, or_dash(ind.target_raw),
            ind.actual ? or_dash(*ind.actual) : "—",
            ind.deadline ? engine::to_iso(*ind.deadline) : "—", st ? st : or_dash(ind.status),
            ind.reason_id.empty() ? "—" : engine::format_message(ind.reason_id, l, ind.reason_args)},
           ind.status == "behind" || ind.status == "overdue" ? "laggard" : ""});
    }
    doc.table(std::move(inds));
  }
  if (m.unmatched_indicators > 0) {
    doc.note(tr(l, "另有 ", "") + std::to_string(m.unmatched_indicators) +
             tr(l, " 项指标所属项目不在本报告范围内。",
                " more indicators belong to projects outside this report."));
  }
  return doc;
}

std::string to_csv(const Model& m, Lang l) {
  std::ostringstream out;
  out << (l == Lang::zh
              ? "序号,项目编码,项目名称,预算单位编码,预算单位名称,项目负责人,调整后预算数(元),"
                "支出数(元),执行率(%),"
                "序时进度(%),差距(百分点),进度比,执行率区间,滞后,严重滞后,指标数,已完成,按进度,"
                "滞后指标,逾期,待判定,"
                "偏差原因,整改措施,填报人,填报时间\r\n"
              : "seq,code,name,unit_code,unit_name,owner,adjusted_yuan,paid_yuan,execution_rate_"
                "pct,expected_pct,"
                "gap_pp,pace,band,laggard,below_threshold,indicators,met,on_track,behind,overdue,"
                "awaiting_judgement,reason,measures,note_by,note_at\r\n");
  int seq = 0;
  for (const Project& pr : m.projects) {
    const LinePoint& p = m.points[pr.point];
    const auto& line = p.eval->line;
    const auto& c = pr.indicators;
    out << ++seq << ',' << csv_field(line.code) << ',' << csv_field(line.name) << ','
        << csv_field(line.unit_code) << ',' << csv_field(line.unit_name) << ','
        << csv_field(line.owner) << ',' << engine::format_yuan(p.amounts.adjusted, false) << ','
        << engine::format_yuan(p.amounts.paid, false) << ','
        << (p.execution ? format_pct(*p.execution) : "") << ','
        << (p.expected ? format_pct(*p.expected) : "") << ','
        << (pr.gap ? gap_pp(p.execution, p.expected) : "") << ','
        << (p.pace ? engine::format_decimal(*p.pace, 4) : "") << ',' << csv_band(p.band, l)
        << ',' << (pr.laggard ? "1" : "0") << ',' << (pr.below_threshold ? "1" : "0") << ','
        << c.total << ',' << c.met << ',' << c.on_track << ',' << c.behind << ',' << c.overdue
        << ',' << c.awaiting_judgement << ',' << csv_field(pr.note ? pr.note->reason : "") << ','
        << csv_field(pr.note ? pr.note->measures : "") << ','
        << csv_field(pr.note ? pr.note->by : "") << ',' << csv_field(pr.note ? pr.note->at : "")
        << "\r\n";
  }
  return out.str();
}

}  // namespace

Result<int> parse_window(std::string_view s) {
  std::string_view t = engine::trim(s);
  if (engine::ends_with(t, "月")) t.remove_suffix(std::string_view("月").size());
  if (engine::starts_with(t, "1-")) t.remove_prefix(2);
  int n = 0;
  bool ok = !t.empty() && t.size() <= 2;
  for (char c : t) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if (!ok || n < 1 || n > 12) {
    return fail(Errc::invalid_input, "window '" + std::string(s) +
                                         "' must be 1-N with N from 1 to 12 (e.g. 1-6 or 1-7)");
  }
  return n;
}

engine::CivilDate midyear_evaluated_at(const engine::Snapshot& s, int window_months) {
  const engine::CivilDate end = s.fiscal_year.month_end(std::clamp(window_months, 1, 12) - 1);
  return s.as_of >= end ? end : s.as_of;
}

std::vector<IndicatorProgress> indicator_progress(const std::vector<engine::IndicatorEval>& evals) {
  std::vector<IndicatorProgress> out;
  out.reserve(evals.size());
  for (const auto& e : evals) {
    IndicatorProgress p;
    p.project_code = e.indicator.project_code;
    p.seq = e.indicator.seq;
    p.name = e.indicator.name;
    p.target_raw = e.indicator.target_raw;
    p.status = engine::to_string(e.status);
    if (e.latest) p.actual = e.latest->value;
    p.deadline = e.target.deadline;
    p.reason_id = e.reason_id;
    p.reason_args = e.reason_args;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<IndicatorProgress> midyear_indicator_progress(const engine::Snapshot& s,
                                                          int window_months,
                                                          const MidyearInputs& in) {
  if (!in.records) return in.indicators;
  return indicator_progress(engine::evaluate_indicators(in.records->indicators, in.records->actuals,
                                                        s, midyear_evaluated_at(s, window_months)));
}

json::value midyear_report_json(const engine::Snapshot& s, int window_months,
                                const MidyearInputs& in) {
  return to_json(
      build(s, window_months, midyear_indicator_progress(s, window_months, in), in.notes));
}

std::string render_midyear_report(const engine::Snapshot& s, int window_months,
                                  const MidyearInputs& in, Format f, Lang l) {
  return render_midyear_report(s, window_months, midyear_indicator_progress(s, window_months, in),
                               in.notes, f, l);
}

json::value midyear_report_json(const engine::Snapshot& s, int window_months,
                                const std::vector<IndicatorProgress>& indicators,
                                const std::vector<OwnerNote>& notes) {
  return to_json(build(s, window_months, indicators, notes));
}

std::string render_midyear_report(const engine::Snapshot& s, int window_months,
                                  const std::vector<IndicatorProgress>& indicators,
                                  const std::vector<OwnerNote>& notes, Format f, Lang l) {
  const Model m = build(s, window_months, indicators, notes);
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
