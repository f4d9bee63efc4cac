// Issue #5 acceptance: the year-end report of Liwan 2021, from the fixtures ingested into SQLite,
// reproduces table 1-6 of the evaluation report row by row (and the basic lines of table 1-5), the
// bands 19/5/2/4 and the financial-management scores 4.55 / 1.90 / 1.44, in JSON and in the
// Markdown tables.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "reports/report.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;

std::string str(const json::value& v) { return std::string(v.as_string()); }

class ReportsYearendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    store::Database db = store::Database::open(*dir_ / "liwan.db");
    store::migrate(db);
    for (const char* rel :
         {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv"}) {
      collect::IngestOptions o;
      o.received_at = "2022-01-01T00:00:00Z";
      auto r = collect::ingest_file(db, test::data_path(rel), o);
      ASSERT_TRUE(r.has_value()) << rel;
    }
    const auto as_of = make_date(2021, 12, 31);
    snap_ = new engine::Snapshot(engine::evaluate(
        store::load_inputs(db, as_of, engine::FiscalYear::containing(as_of)), as_of, {}));
  }
  static void TearDownTestSuite() {
    delete snap_;
    delete dir_;
  }
  static std::string render(reports::Format f, reports::Lang l = reports::Lang::zh) {
    return reports::render_report(*snap_, {reports::ReportKind::yearend, f, l, 6});
  }
  // The rows of the Markdown table that follows `heading`, each as its cells joined by single
  // spaces (the form of the report's rows quoted in expected.json).
  static std::vector<std::string> md_rows(const std::string& md, const std::string& heading) {
    std::vector<std::string> out;
    std::istringstream in(md.substr(md.find(heading)));
    std::string line;
    int table_lines = 0;
    while (std::getline(in, line)) {
      if (line.empty() && table_lines > 0) break;
      if (line.rfind("|", 0) != 0) continue;
      if (++table_lines <= 2) continue;  // header and alignment rows
      std::string joined;
      std::size_t pos = 1;
      while (pos < line.size()) {
        const std::size_t end = line.find(" |", pos);
        std::string cell = line.substr(pos + 1, end - pos - 1);
        if (!joined.empty() && !cell.empty()) joined += ' ';
        joined += cell;
        pos = end + 2;
      }
      out.push_back(joined);
    }
    return out;
  }
  static test::TempDir* dir_;
  static engine::Snapshot* snap_;
  json::value want_ = json::parse(test::read_file(test::data_path("liwan2021/expected.json")));
};
test::TempDir* ReportsYearendTest::dir_ = nullptr;
engine::Snapshot* ReportsYearendTest::snap_ = nullptr;

TEST_F(ReportsYearendTest, json_table_1_6_row_by_row) {
  const json::value got = json::parse(render(reports::Format::json));
  EXPECT_EQ(got.at("kind"), "yearend");
  EXPECT_EQ(got.at("final"), true);
  const auto& rows = got.at("table_1_6").at("rows").as_array();
  std::size_t projects = 0;
  for (const auto& want : want_.at("lines").as_array()) {
    if (want.at("table_seq").is_null()) continue;
    const auto seq = want.at("table_seq").as_int64();
    SCOPED_TRACE("table 1-6 row " + std::to_string(seq));
    ASSERT_LT(static_cast<std::size_t>(seq - 1), rows.size());
    const auto& row = rows[static_cast<std::size_t>(seq - 1)];
    EXPECT_EQ(row.at("seq"), seq);
    EXPECT_EQ(row.at("code"), want.at("code"));
    EXPECT_EQ(row.at("name"), want.at("name"));
    EXPECT_EQ(row.at("initial_wan"), want.at("initial").at("wan"));
    EXPECT_EQ(row.at("adjustment_wan"), want.at("adjustment").at("wan"));
    EXPECT_EQ(row.at("net_adjustment_rate_pct"), want.at("adjustment_rate_pct"));
    EXPECT_EQ(row.at("adjusted_wan"), want.at("adjusted").at("wan"));
    EXPECT_EQ(row.at("paid_wan"), want.at("actual").at("wan"));
    EXPECT_EQ(row.at("execution_rate_pct"), want.at("execution_rate_pct"));
    EXPECT_EQ(row.at("initial_fen"), want.at("initial").at("fen"));
    EXPECT_EQ(row.at("paid_fen"), want.at("actual").at("fen"));
    EXPECT_EQ(row.at("mid_year_new"), want.at("mid_year_new"));
    ++projects;
  }
  EXPECT_EQ(projects, 30u);
  EXPECT_EQ(rows.size(), 30u);
  const auto& total = got.at("table_1_6").at("total");
  const auto& pt = want_.at("projects_total");
  EXPECT_EQ(total.at("initial_wan"), pt.at("initial").at("wan"));
  EXPECT_EQ(total.at("adjustment_wan"), pt.at("adjustment").at("wan"));
  EXPECT_EQ(total.at("net_adjustment_rate_pct"),
            "36.38");  // "合计 13,354.78 -4,859.10 36.38% 8,495.68 7,516.97 88.48%"
  EXPECT_EQ(total.at("adjusted_wan"), pt.at("adjusted").at("wan"));
  EXPECT_EQ(total.at("paid_wan"), pt.at("actual").at("wan"));
  EXPECT_EQ(total.at("execution_rate_pct"), pt.at("execution_rate_pct"));
}

TEST_F(ReportsYearendTest, json_table_1_5_and_department_totals) {
  const json::value got = json::parse(render(reports::Format::json));
  const auto& rows = got.at("table_1_5").at("rows").as_array();
  ASSERT_EQ(rows.size(), 5u);  // 人员经费, 日常公用经费, 小计, 项目支出, 合计
  std::size_t i = 0;
  for (const auto& want : want_.at("lines").as_array()) {
    if (!want.at("table_seq").is_null()) continue;
    SCOPED_TRACE(str(want.at("code")));
    EXPECT_EQ(rows[i].at("code"), want.at("code"));
    EXPECT_EQ(rows[i].at("label"), want.at("name"));
    EXPECT_EQ(rows[i].at("adjusted_wan"), want.at("adjusted").at("wan"));
    EXPECT_EQ(rows[i].at("net_adjustment_rate_pct"), want.at("adjustment_rate_pct"));
    EXPECT_EQ(rows[i].at("execution_rate_pct"), want.at("execution_rate_pct"));
    ++i;
  }
  EXPECT_EQ(rows[2].at("net_adjustment_rate_pct"),
            "8.39");  // "小计 3,733.63 -313.37 8.39% 3,420.26 3,371.92 98.59%"
  EXPECT_EQ(rows[2].at("execution_rate_pct"), "98.59");
  const auto& total = rows[4];
  EXPECT_EQ(total.at("row"), "total");
  EXPECT_EQ(total.at("initial_wan"),
            "17,088.41");  // "合计 17,088.41 -5,172.47 30.27% 11,915.94 10,888.89 91.38%"
  EXPECT_EQ(total.at("adjustment_wan"), "-5,172.47");
  EXPECT_EQ(total.at("net_adjustment_rate_pct"),
            want_.at("department").at("adjustment_rate_pct_table_1_5"));
  EXPECT_EQ(total.at("adjusted_wan"), "11,915.94");
  EXPECT_EQ(total.at("paid_wan"), "10,888.89");
  EXPECT_EQ(total.at("execution_rate_pct"), "91.38");
}

TEST_F(ReportsYearendTest, json_scores_4_55_1_90_1_44_with_their_formulas) {
  const json::value got = json::parse(render(reports::Format::json));
  const auto& sc = got.at("scores");
  EXPECT_EQ(sc.at("budget_completion").at("rate_pct"), "91.38");
  EXPECT_EQ(sc.at("budget_completion").at("score"), "4.55");
  EXPECT_EQ(sc.at("budget_completion").at("max"), 8);
  EXPECT_EQ(sc.at("budget_completion").at("working"), "(91.38% − 80%) / 20% × 8 = 4.55");
  EXPECT_EQ(sc.at("budget_adjustment").at("rate_pct"), "36.62");
  EXPECT_EQ(sc.at("budget_adjustment").at("numerator_wan"), "6,258.21");
  EXPECT_EQ(sc.at("budget_adjustment").at("denominator_wan"), "17,088.41");
  EXPECT_EQ(sc.at("budget_adjustment").at("score"), "1.90");
  EXPECT_EQ(sc.at("budget_adjustment").at("working"),
            "6,258.21 / 17,088.41 = 36.62%; (1 − 36.62%) × 3 = 1.90");
  const auto& bal = sc.at("spending_balance");
  ASSERT_EQ(bal.at("checkpoints").as_array().size(), 2u);
  EXPECT_EQ(bal.at("checkpoints").as_array()[0].at("execution_rate_pct"), "47.48");
  EXPECT_EQ(bal.at("checkpoints").as_array()[1].at("execution_rate_pct"), "48.37");
  EXPECT_EQ(bal.at("mean_pct"), "47.93");
  EXPECT_EQ(bal.at("score"), "1.44");
  EXPECT_EQ(bal.at("working"), "(47.48% + 48.37%) / 2 = 47.93%; 47.93% × 3 = 1.44");
  EXPECT_EQ(sc.at("total").at("score"), "7.89");
  EXPECT_EQ(sc.at("total").at("max"), 14);
  for (const char* k : {"budget_completion", "budget_adjustment", "spending_balance"}) {
    EXPECT_EQ(sc.at(k).at("score"), want_.at("scores").at(k).at("score")) << k;
  }
}

TEST_F(ReportsYearendTest, json_bands_19_5_2_4_and_the_projects_below_80) {
  const json::value got = json::parse(render(reports::Format::json));
  const auto& b = got.at("bands");
  EXPECT_EQ(b.at("on_track"), 19);
  EXPECT_EQ(b.at("below_80"), 5);
  EXPECT_EQ(b.at("below_50"), 2);
  EXPECT_EQ(b.at("zero"), 4);
  std::set<std::string> got_codes, want_codes;
  for (const auto& x : b.at("below_threshold").as_array()) got_codes.insert(str(x.at("code")));
  for (const auto& x : want_.at("bands").at("below_80").as_array())
    want_codes.insert(str(x.at("code")));
  EXPECT_EQ(got_codes, want_codes);
  EXPECT_EQ(got.at("month_ends").as_array().size(), 12u);
  EXPECT_EQ(got.at("largest_unspent").as_array().size(), 10u);
  EXPECT_EQ(got.at("largest_unspent").as_array()[0].at("code"),
            "LW2021-P02");  // 6,550.33 − 6,154.23
}

TEST_F(ReportsYearendTest, markdown_tables_print_the_reports_rows) {
  const std::string md = render(reports::Format::md);
  const auto t16 = md_rows(md, "（表 1-6）");
  std::vector<std::string> want16, want15;
  for (const auto& want : want_.at("lines").as_array()) {
    (want.at("table_seq").is_null() ? want15 : want16).push_back(str(want.at("source_row")));
  }
  ASSERT_EQ(t16.size(), want16.size() + 1);
  for (std::size_t i = 0; i < want16.size(); ++i) EXPECT_EQ(t16[i], want16[i]);
  EXPECT_EQ(t16.back(), "合计 13,354.78 -4,859.10 36.38% 8,495.68 7,516.97 88.48%");
  const auto t15 = md_rows(md, "（表 1-5）");
  ASSERT_EQ(t15.size(), 5u);
  EXPECT_EQ(t15[0], want15[0]);
  EXPECT_EQ(t15[1], want15[1]);
  EXPECT_EQ(t15[2], "基本支出小计 3,733.63 -313.37 8.39% 3,420.26 3,371.92 98.59%");
  EXPECT_EQ(t15[4], "合计 17,088.41 -5,172.47 30.27% 11,915.94 10,888.89 91.38%");
  EXPECT_NE(md.find("| 预算完成率 | 91.38% | 8 | 4.55 |"), std::string::npos);
  EXPECT_NE(md.find("| 预算调整率 | 36.62% | 3 | 1.90 |"), std::string::npos);
  EXPECT_NE(md.find("| 支出均衡性（1-10月、1-11月） | 47.93% | 3 | 1.44 |"), std::string::npos);
}

}  // namespace
}  // namespace bw
