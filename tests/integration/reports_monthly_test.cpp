// Issue #5: the monthly report and the mid-year review of Liwan 2021, from the fixtures ingested
// into SQLite, checked figure by figure against tests/data/liwan2021/expected.json (not against
// golden files): at every month end the department's paid to date, its split into basic and project
// lines, the budget in force and the rate against it, what was paid in the month, every line's
// cumulative and monthly payments; at the year end every line's budget, rate and band; and the same
// month-end figures in the 1-6 and 1-7 reviews run on 31 December, in JSON, CSV and the Markdown
// tables a reader sees.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "reports/report.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/integration/liwan_db.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;
using reports::Format;
using reports::Lang;
using reports::ReportKind;

std::string str(const json::value& v) { return std::string(v.as_string()); }

// Thousands separators: "1234567" → "1,234,567".
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

// Fen as 万元 with two decimals, rounded half up (1 万元 = 1,000,000 fen; 0.01 万元 = 10,000 fen).
std::string wan(std::int64_t fen) {
  const std::int64_t hundredths = (fen + 5000) / 10000;
  const std::int64_t frac = hundredths % 100;
  return grouped(hundredths / 100) + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
}

// Fen as yuan with two decimals and no separators (the CSV's amounts).
std::string yuan(std::int64_t fen) {
  const std::int64_t frac = fen % 100;
  return std::to_string(fen / 100) + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
}

// The Markdown row whose first cell is `label` in the table that follows `heading`.
std::string md_row(const std::string& md, const std::string& heading, const std::string& label) {
  const auto at = md.find(heading);
  if (at == std::string::npos) return "heading not found: " + heading;
  std::istringstream in(md.substr(at));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| " + label + " |", 0) == 0) return line;
  }
  return "row not found: " + label;
}

class ReportsMonthlyTest : public test::LiwanDbTest {
 protected:
  static std::string render(const engine::Snapshot& s, ReportKind k, Format f, int window = 6) {
    return reports::render_report(s, {k, f, Lang::zh, window});
  }
  // expected.json's monthly_department entry of month `i` (0 = January).
  const json::value& month(std::size_t i) const {
    return want_.at("monthly_department").as_array().at(i);
  }
  std::int64_t fen(const json::value& v, const char* k) const {
    return v.at(k).at("fen").as_int64();
  }
  // expected.json's cumulative paid of a line at month end `i`.
  std::int64_t line_paid(const std::string& code, std::size_t i) const {
    return want_.at("line_month_end_paid_fen").at(code).as_array().at(i).as_int64();
  }
  json::value want_ = json::parse(test::read_file(test::data_path("liwan2021/expected.json")));
};

TEST_F(ReportsMonthlyTest, department_paid_and_rate_at_every_month_end) {
  ASSERT_EQ(want_.at("monthly_department").as_array().size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    const json::value& m = month(i);
    const engine::CivilDate end =
        engine::month_end(make_date(2021, static_cast<unsigned>(i + 1), 1));
    SCOPED_TRACE(engine::to_iso(end));
    ASSERT_EQ(str(m.at("month_end")), engine::to_iso(end));
    const engine::Snapshot s = snapshot(end);
    const json::value got = json::parse(render(s, ReportKind::monthly, Format::json));
    EXPECT_EQ(str(got.at("period").at("month")), engine::to_iso(end).substr(0, 7));
    EXPECT_EQ(got.at("period").at("complete"), true);
    const auto& d = got.at("department");
    EXPECT_EQ(d.at("paid_to_date_fen"), fen(m, "paid"));
    EXPECT_EQ(str(d.at("paid_to_date_wan")), wan(fen(m, "paid")));
    EXPECT_EQ(d.at("adjusted_fen"), fen(m, "budget_in_force"));
    EXPECT_EQ(d.at("execution_rate_pct"), m.at("rate_vs_budget_in_force_pct"));
    EXPECT_EQ(d.at("initial_fen"), want_.at("department").at("initial").at("fen"));
    const std::int64_t before = i == 0 ? 0 : fen(month(i - 1), "paid");
    EXPECT_EQ(d.at("paid_month_fen"), fen(m, "paid") - before);
    EXPECT_EQ(got.at("project_total").at("paid_to_date_fen"), fen(m, "paid_project"));
    EXPECT_EQ(got.at("basic_total").at("paid_to_date_fen"), fen(m, "paid_basic"));
    const std::int64_t basic_before = i == 0 ? 0 : fen(month(i - 1), "paid_basic");
    EXPECT_EQ(got.at("basic_total").at("paid_month_fen"), fen(m, "paid_basic") - basic_before);

    // The month-end table: one row per month end so far, each as expected.json has it.
    const auto& ends = got.at("month_ends").as_array();
    ASSERT_EQ(ends.size(), i + 1);
    for (std::size_t j = 0; j <= i; ++j) {
      EXPECT_EQ(ends[j].at("date"), month(j).at("month_end"));
      EXPECT_EQ(ends[j].at("paid_fen"), fen(month(j), "paid"));
      EXPECT_EQ(ends[j].at("adjusted_fen"), fen(month(j), "budget_in_force"));
      EXPECT_EQ(ends[j].at("execution_rate_pct"), month(j).at("rate_vs_budget_in_force_pct"));
    }

    // What a reader sees: the 合计 row of the summary table and the month's row of the month-end
    // table.
    const std::string md = render(s, ReportKind::monthly, Format::md);
    const std::string total = md_row(md, "一、部门汇总", "合计");
    EXPECT_NE(total.find(" | " + wan(fen(m, "budget_in_force")) + " | " +
                         wan(fen(m, "paid") - before) + " | " + wan(fen(m, "paid")) + " | " +
                         str(m.at("rate_vs_budget_in_force_pct")) + "% |"),
              std::string::npos)
        << total;
    const std::string row = md_row(md, "二、月末累计执行进度", engine::to_iso(end));
    EXPECT_EQ(row.rfind("| " + engine::to_iso(end) + " | " + wan(fen(m, "budget_in_force")) +
                            " | " + wan(fen(m, "paid")) + " | " +
                            str(m.at("rate_vs_budget_in_force_pct")) + "% |",
                        0),
              0u)
        << row;
  }
  // The two month ends of 支出均衡性, as the report states them.
  EXPECT_EQ(month(9).at("rate_vs_budget_in_force_pct"), "47.48");
  EXPECT_EQ(month(10).at("rate_vs_budget_in_force_pct"), "48.37");
}

TEST_F(ReportsMonthlyTest, every_line_paid_this_month_and_to_date_in_json_and_csv) {
  for (std::size_t i : {std::size_t{0}, std::size_t{5}, std::size_t{6}, std::size_t{9},
                        std::size_t{10}, std::size_t{11}}) {
    const engine::CivilDate end =
        engine::month_end(make_date(2021, static_cast<unsigned>(i + 1), 1));
    SCOPED_TRACE(engine::to_iso(end));
    const engine::Snapshot s = snapshot(end);
    const json::value got = json::parse(render(s, ReportKind::monthly, Format::json));
    std::set<std::string> seen;
    for (const auto& u : got.at("units").as_array()) {
      for (const auto& l : u.at("lines").as_array()) {
        const std::string code = str(l.at("code"));
        SCOPED_TRACE(code);
        seen.insert(code);
        const std::int64_t before = i == 0 ? 0 : line_paid(code, i - 1);
        EXPECT_EQ(l.at("paid_to_date_fen"), line_paid(code, i));
        EXPECT_EQ(l.at("paid_month_fen"), line_paid(code, i) - before);
      }
    }
    EXPECT_EQ(seen.size(), want_.at("line_month_end_paid_fen").as_object().size());
    // The CSV: 本月支出(元), 累计支出(元) of every line.
    const std::string csv = render(s, ReportKind::monthly, Format::csv);
    for (const auto& [code, _] : want_.at("line_month_end_paid_fen").as_object()) {
      const std::string c(code);
      const std::int64_t before = i == 0 ? 0 : line_paid(c, i - 1);
      const auto at = csv.find("," + c + ",");
      ASSERT_NE(at, std::string::npos) << c;
      const std::string row = csv.substr(at, csv.find("\r\n", at) - at);
      EXPECT_NE(row.find("," + yuan(line_paid(c, i) - before) + "," + yuan(line_paid(c, i)) + ","),
                std::string::npos)
          << row;
    }
  }
}

TEST_F(ReportsMonthlyTest, december_lines_budget_rate_and_band_as_table_1_6) {
  const json::value got =
      json::parse(render(snapshot(make_date(2021, 12, 31)), ReportKind::monthly, Format::json));
  std::map<std::string, const json::value*> lines;
  for (const auto& u : got.at("units").as_array())
    for (const auto& l : u.at("lines").as_array()) lines[str(l.at("code"))] = &l;
  for (const auto& want : want_.at("lines").as_array()) {
    const std::string code = str(want.at("code"));
    SCOPED_TRACE(code);
    ASSERT_TRUE(lines.count(code));
    const json::value& l = *lines[code];
    EXPECT_EQ(l.at("initial_fen"), want.at("initial").at("fen"));
    EXPECT_EQ(l.at("adjusted_fen"), want.at("adjusted").at("fen"));
    EXPECT_EQ(l.at("adjusted_wan"), want.at("adjusted").at("wan"));
    EXPECT_EQ(l.at("paid_to_date_fen"), want.at("actual").at("fen"));
    EXPECT_EQ(l.at("execution_rate_pct"), want.at("execution_rate_pct"));
  }
  // Bands of the projects: the report's 11 below 80% (4 at zero, 2 more below 50%).
  auto codes = [&](const char* key) {
    std::set<std::string> out;
    for (const auto& b : want_.at("bands").at(key).as_array()) out.insert(str(b.at("code")));
    return out;
  };
  std::set<std::string> not_on_track, below_50, zero;
  for (const auto& [code, l] : lines) {
    if (l->at("kind") != "project") continue;
    const std::string band = str(l->at("band"));
    if (band != "on_track") not_on_track.insert(code);
    if (band == "below_50") below_50.insert(code);
    if (band == "zero") zero.insert(code);
  }
  EXPECT_EQ(not_on_track, codes("below_80"));
  EXPECT_EQ(below_50, codes("below_50_excluding_zero"));
  EXPECT_EQ(zero, codes("zero"));
  const auto& d = got.at("department");
  EXPECT_EQ(d.at("adjusted_fen"), want_.at("department").at("adjusted").at("fen"));
  EXPECT_EQ(d.at("paid_to_date_fen"), want_.at("department").at("actual").at("fen"));
  EXPECT_EQ(d.at("execution_rate_pct"), want_.at("department").at("execution_rate_pct"));
  EXPECT_EQ(got.at("project_total").at("execution_rate_pct"),
            want_.at("projects_total").at("execution_rate_pct"));
  EXPECT_EQ(got.at("basic_total").at("execution_rate_pct"),
            want_.at("basic_total").at("execution_rate_pct"));
}

// The 1-6 and 1-7 reviews run on 31 December: the department, its project and basic totals and
// every project at 30 June / 31 July as expected.json has them, in JSON, the CSV and the Markdown
// 合计 row.
TEST_F(ReportsMonthlyTest, midyear_reviews_show_the_month_end_figures_of_their_window) {
  const engine::Snapshot december = snapshot(make_date(2021, 12, 31));
  for (int window : {6, 7}) {
    const auto i = static_cast<std::size_t>(window - 1);
    const json::value& m = month(i);
    SCOPED_TRACE("1-" + std::to_string(window));
    const json::value got =
        json::parse(render(december, ReportKind::midyear, Format::json, window));
    EXPECT_EQ(got.at("evaluated_at"), m.at("month_end"));
    const auto& d = got.at("department");
    EXPECT_EQ(d.at("paid_fen"), fen(m, "paid"));
    EXPECT_EQ(d.at("adjusted_fen"), fen(m, "budget_in_force"));
    EXPECT_EQ(d.at("unspent_fen"), fen(m, "budget_in_force") - fen(m, "paid"));
    EXPECT_EQ(d.at("execution_rate_pct"), m.at("rate_vs_budget_in_force_pct"));
    EXPECT_EQ(got.at("project_total").at("paid_fen"), fen(m, "paid_project"));
    EXPECT_EQ(got.at("basic_total").at("paid_fen"), fen(m, "paid_basic"));
    const auto& projects = got.at("projects").as_array();
    ASSERT_EQ(projects.size(), 30u) << "projects only, as table 1-6";
    for (const auto& p : projects) {
      const std::string code = str(p.at("code"));
      SCOPED_TRACE(code);
      EXPECT_EQ(p.at("paid_fen"), line_paid(code, i));
    }
    for (const auto& want : want_.at("lines").as_array()) {
      if (want.at("table_seq").is_null()) continue;
      EXPECT_EQ(
          projects.at(static_cast<std::size_t>(want.at("table_seq").as_int64() - 1)).at("code"),
          want.at("code"));
    }
    const std::string csv = render(december, ReportKind::midyear, Format::csv, window);
    for (const auto& p : projects) {
      const std::string code = str(p.at("code"));
      const auto at = csv.find("," + code + ",");
      ASSERT_NE(at, std::string::npos) << code;
      const std::string row = csv.substr(at, csv.find("\r\n", at) - at);
      EXPECT_NE(row.find("," + yuan(line_paid(code, i)) + ","), std::string::npos) << row;
    }
    const std::string md = render(december, ReportKind::midyear, Format::md, window);
    const std::string total = md_row(md, "一、总体执行情况", "合计");
    EXPECT_EQ(
        total.rfind("| 合计 | " + wan(fen(m, "budget_in_force")) + " | " + wan(fen(m, "paid")) +
                        " | " + str(m.at("rate_vs_budget_in_force_pct")) + "% |",
                    0),
        0u)
        << total;
  }
}

}  // namespace
}  // namespace bw
