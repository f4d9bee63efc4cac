// The monthly circular (预算执行进度通报) on a three-department district: the JSON's ranks, gaps to
// expected progress, month-over-month changes, lagging projects and largest unspent amounts equal
// figures computed here from the inputs alone; the Markdown and HTML tables show the JSON's
// figures; the fiscal year's first month has no previous month end; the kind parses and dispatches.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "reports/circular.h"
#include "reports/report.h"

namespace bw::reports {
namespace {

namespace json = boost::json;
using engine::make_date;
using engine::Money;

// One budget line of the fixture with its payments in January..June (yuan).
struct Row {
  const char* department;
  const char* department_name;
  const char* unit;
  const char* code;
  engine::LineKind kind;
  std::int64_t initial;
  std::int64_t adjustment;  // one adjustment dated adjustment_month/10 (0: none)
  unsigned adjustment_month;
  std::array<std::int64_t, 6> paid;
};

constexpr auto P = engine::LineKind::project;
constexpr auto B = engine::LineKind::basic;

// 教育局 (101), 卫健局 (102), 城管局 (103): twelve lines, every budget a multiple of 12 yuan so
// that the month_linear curve's expected progress is exactly m/12 on every line.
const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"101", "区教育局", "101001", "101-P01", P, 120000, 0, 0, {0, 10000, 20000, 0, 30000, 15000}},
      {"101",
       "区教育局",
       "101001",
       "101-B01",
       B,
       240000,
       0,
       0,
       {20000, 20000, 20000, 20000, 20000, 20000}},
      {"101", "区教育局", "101002", "101-P02", P, 60000, 0, 0, {0, 0, 0, 0, 0, 6000}},
      {"101", "区教育局", "101002", "101-P03", P, 36000, 12000, 3, {0, 0, 4000, 4000, 4000, 8000}},
      {"102",
       "区卫生健康局",
       "102001",
       "102-P01",
       P,
       300000,
       0,
       0,
       {30000, 30000, 30000, 30000, 30000, 30000}},
      {"102",
       "区卫生健康局",
       "102001",
       "102-B01",
       B,
       120000,
       0,
       0,
       {10000, 10000, 10000, 10000, 10000, 10000}},
      {"102", "区卫生健康局", "102001", "102-P02", P, 96000, 0, 0, {0, 0, 0, 0, 0, 0}},
      {"102",
       "区卫生健康局",
       "102001",
       "102-P03",
       P,
       72000,
       -24000,
       5,
       {0, 0, 12000, 0, 6000, 6000}},
      {"103",
       "区城市管理局",
       "103001",
       "103-P01",
       P,
       480000,
       0,
       0,
       {10000, 10000, 10000, 10000, 10000, 60000}},
      {"103",
       "区城市管理局",
       "103001",
       "103-B01",
       B,
       180000,
       0,
       0,
       {15000, 15000, 15000, 15000, 15000, 15000}},
      {"103",
       "区城市管理局",
       "103002",
       "103-P02",
       P,
       240000,
       0,
       0,
       {0, 0, 24000, 24000, 24000, 48000}},
      {"103", "区城市管理局", "103002", "103-P03", P, 12000, 0, 0, {0, 0, 0, 0, 0, 12000}},
  };
  return r;
}

engine::Policy policy() {
  engine::Policy p;
  p.default_curve.kind = engine::CurveKind::month_linear;
  return p;
}

// The inputs with payments through the end of fiscal month `months` (1..6).
engine::Inputs inputs(unsigned months) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  for (const Row& r : rows()) {
    engine::BudgetLine l;
    l.code = r.code;
    l.fiscal_year = 2021;
    l.department_code = r.department;
    l.department_name = r.department_name;
    l.name = std::string("项目 ") + r.code;
    l.unit_code = r.unit;
    l.unit_name = std::string("单位 ") + r.unit;
    l.kind = r.kind;
    l.initial = Money::from_yuan(r.initial);
    l.owner = std::string("owner of ") + r.code;
    in.lines.push_back(l);
    if (r.adjustment != 0) {
      in.adjustments.push_back({r.code, make_date(2021, r.adjustment_month, 10),
                                Money::from_yuan(r.adjustment), "doc", "调整"});
    }
    engine::PaymentSeries p;
    p.unit_code = r.unit;
    p.project_code = r.code;
    for (unsigned m = 0; m < months; ++m) {
      p.month_paid[m] = Money::from_yuan(r.paid[m]);
      p.month_count[m] = r.paid[m] != 0 ? 1 : 0;
    }
    in.payments.push_back(p);
  }
  return in;
}

engine::Snapshot snapshot(engine::CivilDate as_of) {
  return engine::evaluate(inputs(static_cast<unsigned>(as_of.month())), as_of, policy());
}

// num/den × 100 with two decimals, rounded half away from zero; `sign` adds "+" to a non-negative
// value.
std::string pct2(std::int64_t num, std::int64_t den, bool sign = false) {
  const bool negative = (num < 0) != (den < 0) && num != 0;
  const std::int64_t n = std::llabs(num) * 10000;
  const std::int64_t d = std::llabs(den);
  const std::int64_t v = (2 * n + d) / (2 * d);  // hundredths of a percent
  std::string frac = std::to_string(v % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::string(negative ? "-" : sign ? "+" : "") + std::to_string(v / 100) + "." + frac;
}

// What the inputs say about one department at the end of June 2021 (all figures in yuan).
struct Truth {
  std::int64_t adjusted = 0;
  std::int64_t paid = 0;                                      // through 30 June
  std::int64_t paid_may = 0;                                  // through 31 May
  std::vector<std::pair<std::string, std::int64_t>> lagging;  // code, 2·paid − adjusted (< 0)
};

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : "(not a string)";
}

std::int64_t adjusted_of(const Row& r) { return r.initial + r.adjustment; }
std::int64_t paid_through(const Row& r, unsigned months) {
  std::int64_t s = 0;
  for (unsigned m = 0; m < months; ++m) s += r.paid[m];
  return s;
}

std::map<std::string, Truth> truth() {
  std::map<std::string, Truth> t;
  for (const Row& r : rows()) {
    Truth& d = t[r.department];
    d.adjusted += adjusted_of(r);
    d.paid += paid_through(r, 6);
    d.paid_may += paid_through(r, 5);
    // Expected progress at 30 June is 6/12 on every line: behind when paid / adjusted < 1/2.
    if (r.kind == P && 2 * paid_through(r, 6) < adjusted_of(r)) {
      d.lagging.emplace_back(r.code, 2 * paid_through(r, 6) - adjusted_of(r));
    }
  }
  return t;
}

TEST(CircularTest, json_ranks_gaps_and_month_over_month_equal_the_inputs) {
  const json::value j = circular_report_json(snapshot(make_date(2021, 6, 30)), "荔湾区财政局");
  EXPECT_EQ(j.at("kind"), "circular");
  EXPECT_EQ(j.at("title"), "荔湾区财政局关于2021年6月预算执行进度情况的通报");
  EXPECT_EQ(j.at("period").at("month"), "2021-06");
  EXPECT_EQ(j.at("period").at("complete"), true);
  EXPECT_EQ(j.at("previous_month_end"), "2021-05-31");

  const auto t = truth();
  // Ranks: 1 + the number of departments with a strictly higher execution rate (paid/adjusted,
  // compared exactly).
  std::map<std::string, int> rank;
  for (const auto& [code, d] : t) {
    int higher = 0;
    for (const auto& [other, o] : t) {
      if (o.paid * d.adjusted > d.paid * o.adjusted) ++higher;
    }
    rank[code] = higher + 1;
  }
  const auto& departments = j.at("departments").as_array();
  ASSERT_EQ(departments.size(), 3U);
  int previous_rank = 0;
  int above = 0;
  int below = 0;
  int lagging_total = 0;
  for (const auto& v : departments) {
    const auto& d = v.as_object();
    const std::string code(d.at("code").as_string());
    SCOPED_TRACE(code);
    const Truth& x = t.at(code);
    EXPECT_EQ(d.at("rank").as_int64(), rank.at(code));
    EXPECT_GE(d.at("rank").as_int64(), previous_rank);  // listed by rank
    previous_rank = static_cast<int>(d.at("rank").as_int64());
    EXPECT_EQ(d.at("adjusted_fen").as_int64(), x.adjusted * 100);
    EXPECT_EQ(d.at("paid_fen").as_int64(), x.paid * 100);
    EXPECT_EQ(d.at("unspent_fen").as_int64(), (x.adjusted - x.paid) * 100);
    EXPECT_EQ(str(d.at("execution_rate_pct")), pct2(x.paid, x.adjusted));
    EXPECT_EQ(d.at("expected_pct"), "50.00");
    // gap = paid/adjusted − 1/2 = (2·paid − adjusted) / (2·adjusted)
    EXPECT_EQ(str(d.at("gap_pp")), pct2(2 * x.paid - x.adjusted, 2 * x.adjusted, true));
    // Budgets do not change between 31 May and 30 June here: the change is June's payments /
    // adjusted.
    EXPECT_EQ(str(d.at("previous_execution_rate_pct")), pct2(x.paid_may, x.adjusted));
    EXPECT_EQ(str(d.at("mom_change_pp")), pct2(x.paid - x.paid_may, x.adjusted, true));
    const bool behind = 2 * x.paid < x.adjusted;
    EXPECT_EQ(d.at("status"), behind ? "below_expected" : "at_or_above_expected");
    (behind ? below : above) += 1;

    std::vector<std::string> want_codes;
    for (const auto& [c, g] : x.lagging) want_codes.push_back(c);
    std::vector<std::string> got_codes;
    for (const auto& l : d.at("lagging_projects").as_array()) {
      const auto& o = l.as_object();
      got_codes.emplace_back(o.at("code").as_string());
      const auto r = std::find_if(rows().begin(), rows().end(),
                                  [&](const Row& row) { return got_codes.back() == row.code; });
      ASSERT_NE(r, rows().end());
      const std::int64_t adj = adjusted_of(*r);
      const std::int64_t paid = paid_through(*r, 6);
      EXPECT_EQ(str(o.at("execution_rate_pct")), pct2(paid, adj));
      EXPECT_EQ(str(o.at("gap_pp")), pct2(2 * paid - adj, 2 * adj, true));
      EXPECT_EQ(o.at("unspent_fen").as_int64(), (adj - paid) * 100);
      // pace = execution / (1/2) < 80% ⇔ 2·paid/adjusted < 0.8 ⇔ 20·paid < 8·adjusted
      EXPECT_EQ(o.at("below_threshold").as_bool(), 20 * paid < 8 * adj);
    }
    std::vector<std::string> sorted_want = want_codes;
    std::vector<std::string> sorted_got = got_codes;
    std::sort(sorted_want.begin(), sorted_want.end());
    std::sort(sorted_got.begin(), sorted_got.end());
    EXPECT_EQ(sorted_got, sorted_want);
    // Most behind first: the gaps (execution − 50%) ascend.
    for (std::size_t i = 1; i < got_codes.size(); ++i) {
      const auto& a = d.at("lagging_projects").as_array()[i - 1].at("gap_pp").as_string();
      const auto& b = d.at("lagging_projects").as_array()[i].at("gap_pp").as_string();
      EXPECT_LE(std::stod(std::string(a)), std::stod(std::string(b)));
    }
    lagging_total += static_cast<int>(got_codes.size());
  }
  // The fixture is made for 103 (20.83% on its biggest project) to come last and 102-P02 (nothing
  // paid) to lag.
  EXPECT_EQ(departments.back().at("code"), "103");
  EXPECT_EQ(lagging_total, 4);

  const auto& summary = j.at("summary").as_object();
  EXPECT_EQ(summary.at("departments").as_int64(), 3);
  EXPECT_EQ(summary.at("at_or_above_expected").as_int64(), above);
  EXPECT_EQ(summary.at("below_expected").as_int64(), below);
  EXPECT_EQ(summary.at("lagging_projects").as_int64(), lagging_total);

  // The district: every line summed.
  std::int64_t adjusted = 0, paid = 0, paid_may = 0;
  for (const auto& [code, d] : t) {
    adjusted += d.adjusted;
    paid += d.paid;
    paid_may += d.paid_may;
  }
  const auto& district = j.at("district").as_object();
  EXPECT_EQ(district.at("adjusted_fen").as_int64(), adjusted * 100);
  EXPECT_EQ(district.at("paid_fen").as_int64(), paid * 100);
  EXPECT_EQ(str(district.at("execution_rate_pct")), pct2(paid, adjusted));
  EXPECT_EQ(str(district.at("gap_pp")), pct2(2 * paid - adjusted, 2 * adjusted, true));
  EXPECT_EQ(str(district.at("mom_change_pp")), pct2(paid - paid_may, adjusted, true));

  // Largest unspent: the ten lines with the most left to spend (103-P03 is fully paid and not
  // listed).
  std::vector<std::pair<std::int64_t, std::string>> unspent;
  for (const Row& r : rows()) {
    const std::int64_t left = adjusted_of(r) - paid_through(r, 6);
    if (left > 0) unspent.emplace_back(-left, r.code);
  }
  std::sort(unspent.begin(), unspent.end());
  const auto& largest = j.at("largest_unspent").as_array();
  ASSERT_EQ(largest.size(), 10U);
  for (std::size_t i = 0; i < largest.size(); ++i) {
    EXPECT_EQ(str(largest[i].at("code")), unspent[i].second);
    EXPECT_EQ(largest[i].at("unspent_fen").as_int64(), -unspent[i].first * 100);
    EXPECT_EQ(largest[i].at("rank").as_int64(), static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(largest[0].at("department_name"), "区城市管理局");
}

TEST(CircularTest, month_over_month_equals_an_evaluation_at_the_previous_month_end) {
  const json::value june = circular_report_json(snapshot(make_date(2021, 6, 30)));
  const engine::Snapshot may = snapshot(make_date(2021, 5, 31));
  for (const auto& v : june.at("departments").as_array()) {
    const engine::DepartmentEval* d = may.find_department(std::string(v.at("code").as_string()));
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(str(v.at("previous_execution_rate_pct")),
              engine::format_pct(*d->rollup.all.execution()));
  }
}

// The cells of the Markdown table rows that start with `first` ("| 1 | 102 |").
std::vector<std::vector<std::string>> md_rows(const std::string& md) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(md);
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 2 || line[0] != '|') continue;
    std::vector<std::string> cells;
    std::size_t pos = 1;
    while (pos < line.size()) {
      const std::size_t next = line.find('|', pos);
      if (next == std::string::npos) break;
      std::string cell = line.substr(pos, next - pos);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
      pos = next + 1;
    }
    out.push_back(cells);
  }
  return out;
}

std::vector<std::vector<std::string>> html_rows(const std::string& html) {
  std::vector<std::vector<std::string>> out;
  static const std::regex tr_re(R"(<tr[^>]*>([\s\S]*?)</tr>)");
  static const std::regex td_re(R"(<t[dh][^>]*>([\s\S]*?)</t[dh]>)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tr_re);
       it != std::sregex_iterator(); ++it) {
    std::vector<std::string> cells;
    const std::string row = (*it)[1];
    for (auto c = std::sregex_iterator(row.begin(), row.end(), td_re); c != std::sregex_iterator();
         ++c) {
      cells.push_back((*c)[1]);
    }
    out.push_back(cells);
  }
  return out;
}

bool has_row(const std::vector<std::vector<std::string>>& rows,
             const std::vector<std::string>& want) {
  return std::any_of(rows.begin(), rows.end(), [&](const std::vector<std::string>& r) {
    return std::all_of(want.begin(), want.end(), [&](const std::string& w) {
      return std::find(r.begin(), r.end(), w) != r.end();
    });
  });
}

TEST(CircularTest, markdown_and_html_show_the_json_figures) {
  const engine::Snapshot s = snapshot(make_date(2021, 6, 30));
  const json::value j = circular_report_json(s);
  for (const Lang l : {Lang::zh, Lang::en}) {
    const std::string md = render_circular_report(s, Format::md, l);
    const std::string page = render_circular_report(s, Format::html, l);
    SCOPED_TRACE(l == Lang::zh ? "zh" : "en");
    for (const auto& rows : {md_rows(md), html_rows(page)}) {
      ASSERT_FALSE(rows.empty());
      for (const auto& v : j.at("departments").as_array()) {
        const auto& d = v.as_object();
        const std::string rank = std::to_string(d.at("rank").as_int64());
        const std::string name(d.at("name").as_string());
        // The ranking row and the month-over-month row of the department.
        EXPECT_TRUE(has_row(rows, {rank, std::string(d.at("code").as_string()), name,
                                   std::string(d.at("execution_rate_pct").as_string()) + "%",
                                   std::string(d.at("expected_pct").as_string()) + "%",
                                   std::string(d.at("gap_pp").as_string()),
                                   std::to_string(d.at("lagging_projects").as_array().size())}))
            << name;
        EXPECT_TRUE(has_row(
            rows, {rank, name, std::string(d.at("previous_execution_rate_pct").as_string()) + "%",
                   std::string(d.at("execution_rate_pct").as_string()) + "%",
                   std::string(d.at("mom_change_pp").as_string())}))
            << name;
        for (const auto& p : d.at("lagging_projects").as_array()) {
          EXPECT_TRUE(has_row(rows, {std::string(p.at("code").as_string()),
                                     std::string(p.at("execution_rate_pct").as_string()) + "%",
                                     std::string(p.at("gap_pp").as_string())}))
              << p.at("code");
        }
      }
      const auto& t = j.at("district").as_object();
      EXPECT_TRUE(has_row(rows, {std::string(t.at("execution_rate_pct").as_string()) + "%",
                                 std::string(t.at("gap_pp").as_string())}));
      for (const auto& u : j.at("largest_unspent").as_array()) {
        EXPECT_TRUE(has_row(
            rows, {std::to_string(u.at("rank").as_int64()), std::string(u.at("code").as_string()),
                   engine::format_wan(Money{u.at("unspent_fen").as_int64()})}))
            << u.at("code");
      }
    }
    // The summary paragraph counts the departments above and below expected progress.
    const auto& summary = j.at("summary").as_object();
    const std::string above = std::to_string(summary.at("at_or_above_expected").as_int64());
    const std::string below = std::to_string(summary.at("below_expected").as_int64());
    if (l == Lang::zh) {
      EXPECT_NE(md.find("# 关于2021年6月预算执行进度情况的通报"), std::string::npos);
      EXPECT_NE(md.find("3个部门中，" + above + "个部门预算执行进度达到或超过序时进度，" + below +
                        "个部门低于序时进度"),
                std::string::npos);
    } else {
      EXPECT_NE(md.find("of the 3 departments in this circular, " + above +
                        " are at or above expected progress and " + below + " below it"),
                std::string::npos);
    }
    EXPECT_NE(page.find("<html lang=\"" + std::string(lang_tag(l)) + "\""), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_NE(page.find("id=\"chart-unspent\""), std::string::npos);
  }
}

TEST(CircularTest, the_first_month_has_no_previous_month_end) {
  const json::value j = circular_report_json(snapshot(make_date(2021, 1, 31)));
  EXPECT_TRUE(j.at("previous_month_end").is_null());
  for (const auto& d : j.at("departments").as_array()) {
    EXPECT_TRUE(d.at("previous_execution_rate_pct").is_null());
    EXPECT_TRUE(d.at("mom_change_pp").is_null());
  }
  const std::string md =
      render_circular_report(snapshot(make_date(2021, 1, 31)), Format::md, Lang::zh);
  EXPECT_NE(md.find("本月为财政年度首月"), std::string::npos);
}

TEST(CircularTest, a_month_to_date_and_the_dispatch) {
  const engine::Snapshot s = snapshot(make_date(2021, 6, 15));
  const json::value j = circular_report_json(s);
  EXPECT_EQ(j.at("period").at("complete"), false);
  EXPECT_EQ(j.at("previous_month_end"), "2021-05-31");
  EXPECT_EQ(*parse_report_kind("circular"), ReportKind::circular);
  EXPECT_STREQ(to_string(ReportKind::circular), "circular");
  ReportRequest r{ReportKind::circular, Format::json, Lang::zh, 6, "荔湾区财政局"};
  EXPECT_EQ(json::parse(render_report(s, r)), circular_report_json(s, "荔湾区财政局"));
  r.format = Format::csv;
  const std::string csv = render_report(s, r);
  EXPECT_EQ(csv.rfind("排名,部门编码,部门名称,", 0), 0U);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // the header and three departments
  r.lang = Lang::en;
  r.format = Format::md;
  EXPECT_NE(
      render_report(s, r).find("# 荔湾区财政局: Circular on budget execution progress, June 2021"),
      std::string::npos);
}

// Two departments with the same execution rate share a rank; a department without budget in force
// comes last, counted apart in the summary, with dashes in the tables.
TEST(CircularTest, equal_rates_share_a_rank_and_a_department_without_budget_comes_last) {
  engine::Inputs in = inputs(6);
  // 104: one project of 0 yuan, never given money.
  engine::BudgetLine empty = in.lines.front();
  empty.code = "104-P01";
  empty.department_code = "104";
  empty.department_name = "区空部门";
  empty.unit_code = "104001";
  empty.initial = Money{};
  in.lines.push_back(empty);
  // 105: a copy of 101 (same budgets, same payments): the same rate as 101.
  const std::size_t n = in.lines.size() - 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (in.lines[i].department_code != "101") continue;
    engine::BudgetLine copy = in.lines[i];
    copy.code = "105" + copy.code.substr(3);
    copy.department_code = "105";
    copy.department_name = "区教育局副本";
    copy.unit_code = "105" + copy.unit_code.substr(3);
    in.lines.push_back(copy);
    for (const auto& a : std::vector<engine::Adjustment>(in.adjustments)) {
      if (a.project_code == in.lines[i].code)
        in.adjustments.push_back({copy.code, a.date, a.amount, "doc", "调整"});
    }
    for (const auto& p : std::vector<engine::PaymentSeries>(in.payments)) {
      if (p.project_code != in.lines[i].code) continue;
      engine::PaymentSeries q = p;
      q.project_code = copy.code;
      q.unit_code = copy.unit_code;
      in.payments.push_back(q);
    }
  }
  const engine::Snapshot s = engine::evaluate(in, make_date(2021, 6, 30), policy());
  const json::value j = circular_report_json(s);
  std::map<std::string, std::int64_t> rank;
  for (const auto& d : j.at("departments").as_array())
    rank[str(d.at("code"))] = d.at("rank").as_int64();
  EXPECT_EQ(rank.at("101"), rank.at("105"));
  EXPECT_EQ(str(j.at("departments").as_array().back().at("code")), "104");
  EXPECT_EQ(str(j.at("departments").as_array().back().at("status")), "no_budget");
  EXPECT_TRUE(j.at("departments").as_array().back().at("execution_rate_pct").is_null());
  EXPECT_EQ(j.at("summary").at("no_budget").as_int64(), 1);
  EXPECT_EQ(j.at("summary").at("departments").as_int64(), 5);
  const std::string md = render_circular_report(s, Format::md, Lang::zh);
  EXPECT_NE(md.find("| 区空部门 | 0.00 | 0.00 | 0.00 | — | — | — | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("1个部门无在用预算"), std::string::npos);
}

}  // namespace
}  // namespace bw::reports
