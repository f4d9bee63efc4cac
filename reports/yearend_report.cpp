#include "reports/yearend_report.h"

#include <sstream>

#include <boost/json.hpp>

#include "reports/carry_forward.h"
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
using engine::Ratio;

// The report's columns of a row, in 万元 with separators (the report's own figures: "11,830.00").
json::object row_json(const engine::Amounts& a) {
  json::object o;
  o["initial_wan"] = format_wan(a.initial);
  o["adjustment_wan"] = format_wan(a.adjustment);
  o["net_adjustment_rate_pct"] = pct(table_adjustment_rate(a));
  o["adjusted_wan"] = format_wan(a.adjusted);
  o["paid_wan"] = format_wan(a.paid);
  o["execution_rate_pct"] = pct(a.execution());
  o["initial_fen"] = a.initial.fen;
  o["adjustment_fen"] = a.adjustment.fen;
  o["adjusted_fen"] = a.adjusted.fen;
  o["paid_fen"] = a.paid.fen;
  return o;
}

std::vector<std::string> row_cells(std::vector<std::string> head, const engine::Amounts& a) {
  for (std::string c :
       {format_wan(a.initial), format_wan(a.adjustment), pct_or_dash(table_adjustment_rate(a)),
        format_wan(a.adjusted), format_wan(a.paid), pct_or_dash(a.execution())}) {
    head.push_back(std::move(c));
  }
  return head;
}

bool below_threshold(engine::Band b) {
  return b == engine::Band::below_80 || b == engine::Band::below_50 || b == engine::Band::zero;
}

// The three scores: rate, score, formula and the working with this snapshot's figures.
struct ScoreText {
  std::string formula;
  std::string working;
};

std::string pts(int points) { return std::to_string(points); }

ScoreText completion_text(const engine::Snapshot& s, Lang l) {
  const auto& sc = s.department.scores;
  const std::string floor = std::to_string(s.policy.completion_floor_bp / 100) + "%";
  const std::string span = std::to_string((10000 - s.policy.completion_floor_bp) / 100) + "%";
  ScoreText t;
  t.formula = l == Lang::zh ? "（执行率 − " + floor + "）/（100% − " + floor + "）× " +
                                  pts(s.policy.completion_points) + "，低于 " + floor + " 得 0 分"
                            : "(rate − " + floor + ") / (100% − " + floor + ") × " +
                                  pts(s.policy.completion_points) + ", 0 below " + floor;
  if (sc.completion_rate && sc.completion_score) {
    t.working = "(" + format_pct(*sc.completion_rate) + "% − " + floor + ") / " + span + " × " +
                pts(s.policy.completion_points) + " = " + score_or_dash(sc.completion_score);
  } else {
    t.working = "—";
  }
  return t;
}

ScoreText adjustment_text(const engine::Snapshot& s, Lang l) {
  const auto& sc = s.department.scores;
  const auto& a = s.department.all;
  ScoreText t;
  t.formula = l == Lang::zh
                  ? "（1 − 预算调整率）× " + pts(s.policy.adjustment_points) +
                        "；预算调整率 = Σ|各项目预算调整金额| / Σ年初预算"
                  : "(1 − budget adjustment rate) × " + pts(s.policy.adjustment_points) +
                        "; budget adjustment rate = Σ|net adjustment of each line| / Σ initial budgets";
  if (sc.adjustment_rate && sc.adjustment_score) {
    t.working = format_wan(a.abs_adjustment) + " / " + format_wan(a.initial) + " = " +
                format_pct(*sc.adjustment_rate) + "%" + tr(l, "；", "; ") + "(1 − " +
                format_pct(*sc.adjustment_rate) + "%) × " + pts(s.policy.adjustment_points) +
                " = " + score_or_dash(sc.adjustment_score);
  } else {
    t.working = "—";
  }
  return t;
}

std::string checkpoint_label(const engine::Snapshot& s, engine::CivilDate d, Lang l) {
  const unsigned first = static_cast<unsigned>(s.fiscal_year.month_start(0).month());
  const unsigned last = static_cast<unsigned>(d.month());
  if (l == Lang::zh) return std::to_string(first) + "-" + std::to_string(last) + "月";
  return engine::to_iso(d);
}

ScoreText balance_text(const engine::Snapshot& s, Lang l) {
  const auto& sc = s.department.scores;
  ScoreText t;
  t.formula = l == Lang::zh
                  ? "全年平均执行率 × " + pts(s.policy.balance_points) +
                        "（平均执行率超过 100% 按 100% 计）"
                  : "mean execution at the checkpoints × " + pts(s.policy.balance_points) +
                        " (a mean above 100% counts as 100%)";
  if (sc.balance_mean && sc.balance_score && !sc.balance_checkpoints.empty()) {
    std::string sum;
    for (const auto& m : sc.balance_checkpoints) {
      if (!sum.empty()) sum += " + ";
      sum += pct_or_dash(m.execution());
    }
    t.working = "(" + sum + ") / " + std::to_string(sc.balance_checkpoints.size()) + " = " +
                format_pct(*sc.balance_mean) + "%" + tr(l, "；", "; ") +
                format_pct(*sc.balance_mean) + "% × " + pts(s.policy.balance_points) + " = " +
                score_or_dash(sc.balance_score);
  } else {
    t.working = "—";
  }
  return t;
}

// Σ of the scores as printed (two decimals each), "—" when none is defined.
std::optional<engine::int128> total_score_cents(const engine::Scores& sc) {
  std::optional<engine::int128> total;
  for (const auto* r : {&sc.completion_score, &sc.adjustment_score, &sc.balance_score}) {
    if (!*r) continue;
    total = total.value_or(0) + engine::round_scaled(**r, 2);
  }
  return total;
}

std::string cents_text(engine::int128 cents) {
  return engine::format_decimal(Ratio{cents, 100}, 2);
}

struct Model {
  const engine::Snapshot* s = nullptr;
  bool final = false;
  std::vector<LinePoint> points;
  std::vector<ProgressPoint> progress;
  std::vector<UnspentItem> unspent;
};

Model build(const engine::Snapshot& s) {
  Model m;
  m.s = &s;
  m.final = s.as_of >= s.fiscal_year.last_day();
  m.points = points_of(s);
  m.progress = progress_curve(s);
  m.unspent = largest_unspent(m.points);
  return m;
}

json::value to_json(const Model& m) {
  const engine::Snapshot& s = *m.s;
  const auto& d = s.department;
  json::object o;
  o["kind"] = "yearend";
  o["as_of"] = engine::to_iso(s.as_of);
  o["fiscal_year"] = s.fiscal_year.year();
  o["final"] = m.final;
  o["amount_unit"] = "万元";

  json::array t15;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::basic) continue;
    json::object r = row_json(p.amounts);
    r["row"] = "line";
    r["label"] = p.eval->line.name;
    r["code"] = p.eval->line.code;
    t15.push_back(std::move(r));
  }
  for (const auto& [row, label, a] : {std::tuple<const char*, const char*, const engine::Amounts*>{
                                          "basic_total", "小计", &d.basic},
                                      {"project_total", "项目支出", &d.project},
                                      {"total", "合计", &d.all}}) {
    json::object r = row_json(*a);
    r["row"] = row;
    r["label"] = label;
    r["code"] = nullptr;
    t15.push_back(std::move(r));
  }
  json::object table15;
  table15["rows"] = std::move(t15);
  o["table_1_5"] = std::move(table15);

  json::array t16;
  int seq = 0;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::project) continue;
    json::object r;
    r["seq"] = ++seq;
    r["code"] = p.eval->line.code;
    r["name"] = p.eval->line.name;
    r["mid_year_new"] = p.eval->mid_year_new;
    for (auto& kv : row_json(p.amounts)) r[kv.key()] = kv.value();
    t16.push_back(std::move(r));
  }
  json::object table16;
  table16["rows"] = std::move(t16);
  table16["total"] = row_json(d.project);
  o["table_1_6"] = std::move(table16);
  o["department"] = row_json(d.all);
  o["project_total"] = row_json(d.project);
  o["basic_total"] = row_json(d.basic);

  json::object bands = bands_json(d.bands);
  json::array below;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::project || !below_threshold(p.band)) continue;
    json::object x;
    x["code"] = p.eval->line.code;
    x["name"] = p.eval->line.name;
    x["execution_rate_pct"] = pct(p.execution);
    x["band"] = engine::to_string(p.band);
    below.push_back(std::move(x));
  }
  bands["below_threshold"] = std::move(below);
  o["bands"] = std::move(bands);

  const auto& sc = d.scores;
  json::object scores;
  {
    const ScoreText t = completion_text(s, Lang::en);
    json::object x;
    x["rate_pct"] = pct(sc.completion_rate);
    x["score"] = sc.completion_score ? json::value(score_or_dash(sc.completion_score))
                                     : json::value(nullptr);
    x["max"] = s.policy.completion_points;
    x["formula"] = t.formula;
    x["working"] = t.working;
    scores["budget_completion"] = std::move(x);
  }
  {
    const ScoreText t = adjustment_text(s, Lang::en);
    json::object x;
    x["rate_pct"] = pct(sc.adjustment_rate);
    x["numerator_wan"] = format_wan(d.all.abs_adjustment);
    x["denominator_wan"] = format_wan(d.all.initial);
    x["score"] = sc.adjustment_score ? json::value(score_or_dash(sc.adjustment_score))
                                     : json::value(nullptr);
    x["max"] = s.policy.adjustment_points;
    x["formula"] = t.formula;
    x["working"] = t.working;
    scores["budget_adjustment"] = std::move(x);
  }
  {
    const ScoreText t = balance_text(s, Lang::en);
    json::object x;
    json::array cps;
    for (const auto& c : sc.balance_checkpoints) {
      json::object y;
      y["date"] = engine::to_iso(c.date);
      y["execution_rate_pct"] = pct(c.execution());
      cps.push_back(std::move(y));
    }
    x["checkpoints"] = std::move(cps);
    x["mean_pct"] = pct(sc.balance_mean);
    x["score"] =
        sc.balance_score ? json::value(score_or_dash(sc.balance_score)) : json::value(nullptr);
    x["max"] = s.policy.balance_points;
    x["formula"] = t.formula;
    x["working"] = t.working;
    scores["spending_balance"] = std::move(x);
  }
  {
    json::object x;
    const auto total = total_score_cents(sc);
    x["score"] = total ? json::value(cents_text(*total)) : json::value(nullptr);
    x["max"] = s.policy.completion_points + s.policy.adjustment_points + s.policy.balance_points;
    scores["total"] = std::move(x);
  }
  o["scores"] = std::move(scores);

  json::array months;
  for (const auto& p : m.progress) {
    json::object x;
    x["date"] = engine::to_iso(p.date);
    x["adjusted_fen"] = p.adjusted.fen;
    x["paid_fen"] = p.paid.fen;
    x["expected_paid_fen"] = p.expected_paid.fen;
    x["execution_rate_pct"] = pct(p.execution());
    x["expected_pct"] = pct(p.expected());
    months.push_back(std::move(x));
  }
  o["month_ends"] = std::move(months);
  json::array unspent;
  for (const auto& u : m.unspent) {
    json::object x;
    x["code"] = u.code;
    x["name"] = u.name;
    x["kind"] = engine::to_string(u.kind);
    x["adjusted_wan"] = format_wan(u.adjusted);
    x["paid_wan"] = format_wan(u.paid);
    x["unspent_wan"] = format_wan(u.unspent);
    x["unspent_fen"] = u.unspent.fen;
    unspent.push_back(std::move(x));
  }
  o["largest_unspent"] = std::move(unspent);
  return o;
}

Document document(const Model& m, Lang l) {
  const engine::Snapshot& s = *m.s;
  const auto& d = s.department;
  const std::string year = std::to_string(s.fiscal_year.year());
  Document doc(l == Lang::zh
                   ? year + "年度部门预算执行情况与财务管理评价"
                   : "Year-end budget execution and financial-management evaluation, " + year,
               s.as_of);
  doc.paragraph(tr(l, "截至日期：", "As of: ") + engine::to_iso(s.as_of) +
                (m.final ? tr(l, "（年终数）", " (year end)")
                         : tr(l, "（财政年度尚未结束，为截至当日数，非年终决算数）",
                              " (the fiscal year has not ended: figures to date, not final)")) +
                tr(l, "；预算项目 ", "; budget lines: ") + std::to_string(s.lines.size()) +
                tr(l, " 个。", "."));
  doc.note(tr(l, "金额单位：万元。执行率 = 支出数 / 调整后预算数。",
              "Amounts in 10,000 yuan (万元). Execution = paid / adjusted budget.") +
           std::string(" ") + adjustment_rates_note(l));

  const std::vector<Column> cols15 = {{tr(l, "项目", "Item")},
                                      {tr(l, "年初预算数", "Initial budget"), true},
                                      {tr(l, "调整", "Adjustment"), true},
                                      {tr(l, "净调整率", "Net adj. rate"), true},
                                      {tr(l, "调整后预算数", "Adjusted budget"), true},
                                      {tr(l, "支出数", "Paid"), true},
                                      {tr(l, "执行率", "Execution"), true}};
  doc.heading(tr(l, "一、部门整体支出执行情况（表 1-5）", "1. Department expenditure (table 1-5)"));
  Table t15{cols15, {}, "table-1-5"};
  for (const auto& p : m.points) {
    if (p.eval->line.kind == engine::LineKind::basic)
      t15.rows.push_back({row_cells({p.eval->line.name}, p.amounts), ""});
  }
  t15.rows.push_back(
      {row_cells({tr(l, "基本支出小计", "Basic expenditure subtotal")}, d.basic), "total"});
  t15.rows.push_back({row_cells({tr(l, "项目支出", "Project expenditure")}, d.project), ""});
  t15.rows.push_back({row_cells({tr(l, "合计", "Total")}, d.all), "total"});
  doc.table(std::move(t15));

  doc.heading(tr(l, "二、项目支出资金执行情况（表 1-6）", "2. Project expenditure (table 1-6)"));
  Table t16{{{tr(l, "序号", "#"), true},
             {tr(l, "项目名称", "Project")},
             {tr(l, "年初预算数", "Initial budget"), true},
             {tr(l, "调整", "Adjustment"), true},
             {tr(l, "净调整率", "Net adj. rate"), true},
             {tr(l, "调整后预算数", "Adjusted budget"), true},
             {tr(l, "支出数", "Paid"), true},
             {tr(l, "执行率", "Execution"), true}},
            {},
            "table-1-6"};
  int seq = 0;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::project) continue;
    t16.rows.push_back({row_cells({std::to_string(++seq), p.eval->line.name}, p.amounts),
                        below_threshold(p.band) ? "behind" : ""});
  }
  t16.rows.push_back({row_cells({"", tr(l, "合计", "Total")}, d.project), "total"});
  doc.table(std::move(t16));

  doc.heading(tr(l, "三、项目执行率分布", "3. Projects by execution band"));
  doc.html(html::charts(s, m.progress, d.bands, m.unspent, l));
  Table bands{{{tr(l, "区间", "Band")}, {tr(l, "项目数", "Projects"), true}}, {}, "table-bands"};
  for (engine::Band b : {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50,
                         engine::Band::zero}) {
    bands.rows.push_back({{band_label(b, s.policy, l), std::to_string(d.bands.at(b))}, ""});
  }
  doc.table(std::move(bands));
  const int below = d.bands.below_80 + d.bands.below_50 + d.bands.zero;
  const std::string thr = std::to_string(s.policy.threshold_bp / 100) + "%";
  if (below > 0) {
    doc.paragraph(tr(l, "执行率低于 ", "Projects below ") + thr + tr(l, " 的项目 ", ": ") +
                  std::to_string(below) + tr(l, " 个，其中低于 ", ", of which below ") +
                  std::to_string(s.policy.low_bp / 100) + tr(l, "% 的 ", "%: ") +
                  std::to_string(d.bands.below_50) + tr(l, " 个，执行率为 0 的 ", "; at 0%: ") +
                  std::to_string(d.bands.zero) + tr(l, " 个：", "."));
    Table lows{{{tr(l, "项目编码", "Code")},
                {tr(l, "项目名称", "Project")},
                {tr(l, "调整后预算数", "Adjusted budget"), true},
                {tr(l, "支出数", "Paid"), true},
                {tr(l, "执行率", "Execution"), true},
                {tr(l, "未支出", "Unspent"), true}},
               {},
               "table-below-threshold"};
    for (const auto& p : m.points) {
      if (p.eval->line.kind != engine::LineKind::project || !below_threshold(p.band)) continue;
      lows.rows.push_back(
          {{p.eval->line.code, p.eval->line.name, format_wan(p.amounts.adjusted),
            format_wan(p.amounts.paid), pct_or_dash(p.execution), format_wan(p.unspent())},
           "behind"});
    }
    doc.table(std::move(lows));
  }

  doc.heading(tr(l, "四、财务管理指标得分", "4. Financial-management scores"));
  const auto& sc = d.scores;
  Table scores{{{tr(l, "指标", "Indicator")},
                {tr(l, "数值", "Value"), true},
                {tr(l, "分值", "Points"), true},
                {tr(l, "得分", "Score"), true},
                {tr(l, "计算公式", "Formula")},
                {tr(l, "计算过程", "Working")}},
               {},
               "table-scores"};
  const ScoreText c = completion_text(s, l);
  const ScoreText a = adjustment_text(s, l);
  const ScoreText b = balance_text(s, l);
  std::string checkpoints;
  for (const auto& cp : sc.balance_checkpoints) {
    checkpoints += (checkpoints.empty() ? "" : tr(l, "、", ", ")) + checkpoint_label(s, cp.date, l);
  }
  scores.rows.push_back(
      {{tr(l, "预算完成率", "Budget completion"), pct_or_dash(sc.completion_rate),
        pts(s.policy.completion_points), score_or_dash(sc.completion_score), c.formula, c.working},
       ""});
  scores.rows.push_back(
      {{tr(l, "预算调整率", "Budget adjustment"), pct_or_dash(sc.adjustment_rate),
        pts(s.policy.adjustment_points), score_or_dash(sc.adjustment_score), a.formula, a.working},
       ""});
  scores.rows.push_back(
      {{tr(l, "支出均衡性", "Spending balance") +
            (checkpoints.empty() ? std::string()
                                 : std::string(tr(l, "（", " (")) + checkpoints + tr(l, "）", ")")),
        pct_or_dash(sc.balance_mean), pts(s.policy.balance_points), score_or_dash(sc.balance_score),
        b.formula, b.working},
       ""});
  const auto total = total_score_cents(sc);
  scores.rows.push_back(
      {{tr(l, "合计", "Total"), "",
        pts(s.policy.completion_points + s.policy.adjustment_points + s.policy.balance_points),
        total ? cents_text(*total) : "—", "", ""},
       "total"});
  doc.table(std::move(scores));

  doc.heading(tr(l, "五、月末累计执行进度", "5. Cumulative progress at month ends"));
  Table months{{{tr(l, "月末", "Month end")},
                {tr(l, "调整后预算数", "Adjusted budget"), true},
                {tr(l, "累计支出数", "Paid to date"), true},
                {tr(l, "执行率", "Execution"), true},
                {tr(l, "序时进度", "Expected"), true},
                {tr(l, "差距（百分点）", "Gap (pp)"), true, true}},
               {},
               "table-month-ends"};
  for (const auto& p : m.progress) {
    months.rows.push_back(
        {{engine::to_iso(p.date), format_wan(p.adjusted), format_wan(p.paid),
          pct_or_dash(p.execution()), pct_or_dash(p.expected()), gap_pp(p.execution(), p.expected())},
         ""});
  }
  doc.table(std::move(months));

  doc.heading(tr(l, "六、未支出余额最大的十个项目", "6. Ten largest unspent balances"));
  Table unspent{{{tr(l, "项目编码", "Code")},
                 {tr(l, "项目名称", "Name")},
                 {tr(l, "支出类型", "Kind")},
                 {tr(l, "调整后预算数", "Adjusted budget"), true},
                 {tr(l, "支出数", "Paid"), true},
                 {tr(l, "未支出", "Unspent"), true}},
                {},
                "table-unspent"};
  for (const auto& u : m.unspent) {
    unspent.rows.push_back({{u.code, u.name, kind_label(u.kind, l), format_wan(u.adjusted),
                             format_wan(u.paid), format_wan(u.unspent)},
                            ""});
  }
  if (m.unspent.empty()) {
    doc.paragraph(tr(l, "没有未支出的余额。", "Nothing is left unspent."));
  } else {
    doc.table(std::move(unspent));
  }
  return doc;
}

// The year-end report as a workbook: tables 1-5 and 1-6, the scores, the bands, the month ends and the
// largest unspent balances, each on its own sheet, amounts in 万元 as the report prints them.
xlsx::Workbook workbook(const Model& m, Lang l) {
  using xlsx::Cell;
  const engine::Snapshot& s = *m.s;
  const auto& d = s.department;
  const std::string year = std::to_string(s.fiscal_year.year());
  const std::string title = l == Lang::zh
                                ? year + "年度部门预算执行情况与财务管理评价"
                                : "Year-end budget execution and financial-management evaluation, " + year;
  const std::string as_of =
      tr(l, "截至日期：", "As of: ") + engine::to_iso(s.as_of) +
      (m.final ? tr(l, "（年终数）", " (year end)") : tr(l, "（截至当日数，非年终决算数）", " (to date, not final)"));
  const std::string wan_unit = tr(l, "　金额单位：万元", "   Amounts in 10,000 yuan (万元)");
  xlsx::Workbook w{title, {}};
  const char* budget = tr(l, "预算数", "Budget");
  const char* spent = tr(l, "执行情况", "Execution");
  const std::vector<std::string> upper = {budget, budget, budget, budget, spent, spent};
  const std::vector<std::string> lower = {tr(l, "年初预算数", "Initial budget"), tr(l, "调整", "Adjustment"),
                                          tr(l, "净调整率", "Net adj. rate"), tr(l, "调整后预算数", "Adjusted budget"),
                                          tr(l, "支出数", "Paid"), tr(l, "执行率", "Execution")};
  auto amounts = [](std::vector<Cell> head, const engine::Amounts& a) {
    for (Cell c : {Cell::wan(a.initial), Cell::wan(a.adjustment), Cell::pct(table_adjustment_rate(a)),
                   Cell::wan(a.adjusted), Cell::wan(a.paid), Cell::pct(a.execution())}) {
      head.push_back(std::move(c));
    }
    return head;
  };
  auto header = [&](std::vector<std::string> first) {
    std::vector<std::vector<std::string>> h{first, std::vector<std::string>(first.size())};
    h[0].insert(h[0].end(), upper.begin(), upper.end());
    h[1].insert(h[1].end(), lower.begin(), lower.end());
    return h;
  };

  xlsx::Sheet t15;
  t15.name = tr(l, "表1-5 部门整体支出", "Table 1-5");
  t15.title = tr(l, "表 1-5 ", "Table 1-5 ") + std::string(tr(l, "部门整体支出执行情况", "Department expenditure"));
  t15.subtitle = as_of + wan_unit;
  t15.header = header({tr(l, "项目", "Item")});
  t15.widths = {30, 14, 14, 12, 14, 14, 12};
  for (const auto& p : m.points) {
    if (p.eval->line.kind == engine::LineKind::basic)
      t15.rows.push_back({amounts({Cell::str(p.eval->line.name)}, p.amounts)});
  }
  t15.rows.push_back(
      {amounts({Cell::str(tr(l, "基本支出小计", "Basic expenditure subtotal"))}, d.basic), xlsx::RowStyle::total});
  t15.rows.push_back({amounts({Cell::str(tr(l, "项目支出", "Project expenditure"))}, d.project)});
  t15.rows.push_back({amounts({Cell::str(tr(l, "合计", "Total"))}, d.all), xlsx::RowStyle::total});
  t15.notes.push_back(adjustment_rates_note(l));
  w.sheets.push_back(std::move(t15));

  xlsx::Sheet t16;
  t16.name = tr(l, "表1-6 项目支出", "Table 1-6");
  t16.title = tr(l, "表 1-6 项目支出资金执行情况", "Table 1-6 Project expenditure");
  t16.subtitle = as_of + wan_unit;
  t16.header = header({tr(l, "序号", "#"), tr(l, "项目编码", "Code"), tr(l, "项目名称", "Project")});
  t16.widths = {6, 14, 40, 14, 14, 12, 14, 14, 12};
  t16.freeze_columns = 3;
  int seq = 0;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::project) continue;
    t16.rows.push_back(
        {amounts({Cell::integer(++seq), Cell::str(p.eval->line.code), Cell::str(p.eval->line.name)}, p.amounts),
         below_threshold(p.band) ? xlsx::RowStyle::lagging : xlsx::RowStyle::normal});
  }
  t16.rows.push_back(
      {amounts({Cell::blank(), Cell::blank(), Cell::str(tr(l, "合计", "Total"))}, d.project), xlsx::RowStyle::total});
  t16.notes.push_back(tr(l, "执行率低于 ", "Projects below ") + std::to_string(s.policy.threshold_bp / 100) +
                      tr(l, "% 的项目以红色标出。", "% are shown in red."));
  t16.notes.push_back(adjustment_rates_note(l));
  w.sheets.push_back(std::move(t16));

  xlsx::Sheet scores;
  scores.name = tr(l, "财务管理指标得分", "Scores");
  scores.title = tr(l, "财务管理指标得分", "Financial-management scores");
  scores.subtitle = as_of;
  scores.header = {{tr(l, "指标", "Indicator"), tr(l, "数值", "Value"), tr(l, "分值", "Points"), tr(l, "得分", "Score"),
                    tr(l, "计算公式", "Formula"), tr(l, "计算过程", "Working")}};
  scores.widths = {24, 12, 8, 10, 50, 50};
  const auto& sc = d.scores;
  const ScoreText c = completion_text(s, l);
  const ScoreText a = adjustment_text(s, l);
  const ScoreText b = balance_text(s, l);
  std::string checkpoints;
  for (const auto& cp : sc.balance_checkpoints) {
    checkpoints += (checkpoints.empty() ? "" : tr(l, "、", ", ")) + checkpoint_label(s, cp.date, l);
  }
  scores.rows.push_back({{Cell::str(tr(l, "预算完成率", "Budget completion")), Cell::pct(sc.completion_rate),
                          Cell::integer(s.policy.completion_points), Cell::decimal(sc.completion_score),
                          Cell::str(c.formula), Cell::str(c.working)}});
  scores.rows.push_back({{Cell::str(tr(l, "预算调整率", "Budget adjustment")), Cell::pct(sc.adjustment_rate),
                          Cell::integer(s.policy.adjustment_points), Cell::decimal(sc.adjustment_score),
                          Cell::str(a.formula), Cell::str(a.working)}});
  scores.rows.push_back(
      {{Cell::str(tr(l, "支出均衡性", "Spending balance") +
                  (checkpoints.empty() ? std::string()
                                       : std::string(tr(l, "（", " (")) + checkpoints + tr(l, "）", ")"))),
        Cell::pct(sc.balance_mean), Cell::integer(s.policy.balance_points), Cell::decimal(sc.balance_score),
        Cell::str(b.formula), Cell::str(b.working)}});
  const auto total = total_score_cents(sc);
  scores.rows.push_back(
      {{Cell::str(tr(l, "合计", "Total")), Cell::blank(),
        Cell::integer(s.policy.completion_points + s.policy.adjustment_points + s.policy.balance_points),
        total ? Cell::hundredths(static_cast<std::int64_t>(*total)) : Cell::str("—"), Cell::blank(), Cell::blank()},
       xlsx::RowStyle::total});
  w.sheets.push_back(std::move(scores));

  xlsx::Sheet bands;
  bands.name = tr(l, "项目执行率分布", "Bands");
  bands.title = tr(l, "项目执行率分布", "Projects by execution band");
  bands.subtitle = as_of;
  bands.header = {{tr(l, "区间", "Band"), tr(l, "项目数", "Projects")}};
  bands.widths = {16, 10};
  for (engine::Band band :
       {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50, engine::Band::zero}) {
    bands.rows.push_back({{Cell::str(band_label(band, s.policy, l)), Cell::integer(d.bands.at(band))},
                          below_threshold(band) && d.bands.at(band) > 0 ? xlsx::RowStyle::lagging
                                                                        : xlsx::RowStyle::normal});
  }
  w.sheets.push_back(std::move(bands));

  xlsx::Sheet months;
  months.name = tr(l, "月末累计执行进度", "Month ends");
  months.title = tr(l, "月末累计执行进度", "Cumulative progress at month ends");
  months.subtitle = as_of + wan_unit;
  months.header = {{tr(l, "月末", "Month end"), tr(l, "调整后预算数", "Adjusted budget"),
                    tr(l, "累计支出数", "Paid to date"), tr(l, "执行率", "Execution"), tr(l, "序时进度", "Expected"),
                    tr(l, "差距（百分点）", "Gap (pp)")}};
  months.widths = {12, 16, 16, 12, 12, 14};
  for (const auto& p : m.progress) {
    const auto gap = gap_of(p.execution(), p.expected());
    months.rows.push_back(
        {{Cell::str(engine::to_iso(p.date)), Cell::wan(p.adjusted), Cell::wan(p.paid), Cell::pct(p.execution()),
          Cell::pct(p.expected()),
          gap ? Cell::hundredths(static_cast<std::int64_t>(engine::round_scaled(*gap, 4))) : Cell::str("—")},
         gap && gap->num < 0 ? xlsx::RowStyle::lagging : xlsx::RowStyle::normal});
  }
  w.sheets.push_back(std::move(months));

  xlsx::Sheet unspent;
  unspent.name = tr(l, "未支出余额", "Unspent");
  unspent.title = tr(l, "未支出余额最大的十个项目", "Ten largest unspent balances");
  unspent.subtitle = as_of + wan_unit;
  unspent.header = {{tr(l, "项目编码", "Code"), tr(l, "项目名称", "Name"), tr(l, "支出类型", "Kind"),
                     tr(l, "调整后预算数", "Adjusted budget"), tr(l, "支出数", "Paid"), tr(l, "未支出", "Unspent")}};
  unspent.widths = {14, 40, 10, 16, 16, 16};
  for (const auto& u : m.unspent) {
    unspent.rows.push_back({{Cell::str(u.code), Cell::str(u.name), Cell::str(kind_label(u.kind, l)),
                             Cell::wan(u.adjusted), Cell::wan(u.paid), Cell::wan(u.unspent)}});
  }
  w.sheets.push_back(std::move(unspent));
  for (auto& sheet : carry_forward_sheets(*m.s, l, as_of)) w.sheets.push_back(std::move(sheet));
  return w;
}

std::string to_csv(const Model& m, Lang l) {
  std::ostringstream out;
  out << (l == Lang::zh ? "序号,项目编码,项目名称,年初预算数(万元),调整(万元),净调整率(%),"
                          "调整后预算数(万元),支出数(万元),执行率(%)\r\n"
                        : "seq,code,name,initial_wan,adjustment_wan,net_adjustment_rate_pct,adjusted_"
                          "wan,paid_wan,"
                          "execution_rate_pct\r\n");
  auto amounts = [&](const engine::Amounts& a) {
    const auto adj = table_adjustment_rate(a);
    const auto exec = a.execution();
    out << ',' << format_wan(a.initial, false) << ',' << format_wan(a.adjustment, false) << ','
        << (adj ? format_pct(*adj) : "") << ',' << format_wan(a.adjusted, false) << ','
        << format_wan(a.paid, false) << ',' << (exec ? format_pct(*exec) : "") << "\r\n";
  };
  int seq = 0;
  for (const auto& p : m.points) {
    if (p.eval->line.kind != engine::LineKind::project) continue;
    out << ++seq << ',' << csv_field(p.eval->line.code) << ',' << csv_field(p.eval->line.name);
    amounts(p.amounts);
  }
  out << ",," << tr(l, "合计", "Total");
  amounts(m.s->department.project);
  return out.str();
}

}  // namespace

json::value yearend_report_json(const engine::Snapshot& s) { return to_json(build(s)); }

std::string render_yearend_report(const engine::Snapshot& s, Format f, Lang l) {
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
      return xlsx::workbook_bytes(workbook(m, l));
  }
  return {};
}

xlsx::Workbook yearend_workbook(const engine::Snapshot& s, Lang l) { return workbook(build(s), l); }

}  // namespace bw::reports
