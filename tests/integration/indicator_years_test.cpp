// Issue 14: performance indicators (绩效指标) belong to a fiscal year, as their budget lines do. A
// 2022 target form for LW2021-P02, a code the 2022 register reuses, goes beside the 2021
// indicators: the 2021 indicators, their statuses and the 2021 mid-year review are what they were,
// and year 2022 is evaluated against 2022's targets with 2022's values only. On both engines.
#include <gtest/gtest.h>

#include <map>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "daemon/midyear_inputs.h"
#include "reports/report.h"
#include "store/indicators_repo.h"
#include "tests/support/store_engines.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;

class IndicatorYearsTest : public test::StoreEngineTest {
 protected:
  store::IngestReport ingest(const std::filesystem::path& path) {
    collect::IngestOptions o;
    o.received_at = "2022-06-01T00:00:00Z";
    auto r = collect::ingest_file(*db_, path, o);
    EXPECT_TRUE(r.has_value()) << path << ": " << (r ? "" : r.error().to_string());
    if (!r) return {};
    EXPECT_EQ(r->rejected, 0) << path;
    return *r;
  }
  void ingest_2021() {
    for (const char* rel : {"liwan2021/budget.csv", "liwan2021/adjustments.csv",
                            "liwan2021/payments.csv", "demo/indicators.csv", "demo/actuals.csv"}) {
      ingest(test::data_path(rel));
    }
  }
  // A 2022 target form and monitoring return for LW2021-P02 (the 2022 register's cross-year
  // project), without a 预算年度 column: its year is that of the code's latest line.
  void ingest_2022() {
    ingest(test::data_path("years/budget2022.csv"));
    test::write_file(dir_ / "indicators2022.csv",
                     "项目编码,序号,一级指标,二级指标,三级指标,年度指标值\n"
                     "LW2021-P02,1,产出指标,数量指标,科技计划项目验收个数,≥60个\n"
                     "LW2021-P02,3,产出指标,数量指标,新增孵化企业数,≥10家\n");
    const store::IngestReport r = ingest(dir_ / "indicators2022.csv");
    EXPECT_EQ(r.fiscal_years, std::vector<int>{2022});
    test::write_file(dir_ / "actuals2022.csv",
                     "项目编码,序号,日期,实际值,备注\n"
                     "LW2021-P02,1,2022-03-31,5,一季度验收5个\n");
    ingest(dir_ / "actuals2022.csv");
  }
  // "LW2021-P02#1" → "target status actual" of the evaluation as of `as_of`.
  std::map<std::string, std::string> indicators(engine::CivilDate as_of) {
    auto e = daemon::evaluate_at(*db_, as_of, engine::Policy{});
    EXPECT_TRUE(e.has_value());
    std::map<std::string, std::string> out;
    if (!e) return out;
    for (const auto& i : *e->indicators) {
      out[i.indicator.project_code + "#" + std::to_string(i.indicator.seq)] =
          i.indicator.target_raw + " " + engine::to_string(i.status) + " " +
          (i.latest ? i.latest->value : "-");
    }
    return out;
  }
  std::string midyear_review(engine::CivilDate as_of) {
    auto e = daemon::evaluate_at(*db_, as_of, engine::Policy{});
    EXPECT_TRUE(e.has_value());
    if (!e) return "";
    return reports::render_report(
        *e->snapshot, {reports::ReportKind::midyear, reports::Format::json, reports::Lang::zh, 6},
        daemon::midyear_inputs(*db_, *e->snapshot));
  }

  test::TempDir dir_;
};
BW_ON_BOTH_ENGINES(IndicatorYearsTest);

TEST_P(IndicatorYearsTest, a_2022_target_form_for_a_reused_code_leaves_2021_as_it_was) {
  ingest_2021();
  const auto before = indicators(make_date(2021, 12, 31));
  const std::string review_before = midyear_review(make_date(2021, 12, 31));
  ASSERT_EQ(before.size(), 8u);
  EXPECT_EQ(before.at("LW2021-P02#1"), "≥40个 met 42");
  ASSERT_NE(review_before.find("≥40个"), std::string::npos);

  ingest_2022();
  EXPECT_EQ(indicators(make_date(2021, 12, 31)), before);
  EXPECT_EQ(midyear_review(make_date(2021, 12, 31)), review_before);
  const auto y2021 = store::load_indicators(*db_, engine::FiscalYear(2021, 1));
  ASSERT_EQ(y2021.size(), 8u);
  for (const auto& i : y2021) EXPECT_EQ(i.fiscal_year, 2021);

  // 2022 has its own two, against the 2022 target with the 2022 value only (not 2021's 42).
  const auto y2022 = indicators(make_date(2022, 6, 30));
  ASSERT_EQ(y2022.size(), 2u);
  EXPECT_EQ(y2022.at("LW2021-P02#1"), "≥60个 behind 5");
  EXPECT_EQ(y2022.at("LW2021-P02#3"), "≥10家 behind -");
  std::int64_t unmatched = -1;
  const auto actuals = store::load_actuals(*db_, engine::FiscalYear(2022, 1), &unmatched);
  EXPECT_EQ(unmatched, 0);
  ASSERT_EQ(actuals.size(), 1u);
  EXPECT_EQ(actuals.begin()->second.size(), 1u);
}

TEST_P(IndicatorYearsTest, the_order_does_not_matter_and_a_fiscal_year_column_says_the_year) {
  // 2022 first, then the 2021 register: the 2021 form names its year, as the 2022 register came
  // first.
  ingest(test::data_path("years/budget2022.csv"));
  ingest(test::data_path("liwan2021/budget.csv"));
  test::write_file(dir_ / "indicators2021.csv",
                   "预算年度,项目编码,序号,一级指标,二级指标,三级指标,年度指标值\n"
                   "2021年,LW2021-P02,1,产出指标,数量指标,科技计划项目验收个数,≥40个\n");
  const store::IngestReport r = ingest(dir_ / "indicators2021.csv");
  EXPECT_EQ(r.fiscal_years, std::vector<int>{2021});
  EXPECT_EQ(r.fiscal_year_from, "预算年度");
  EXPECT_EQ(store::load_indicators(*db_, engine::FiscalYear(2022, 1)).size(), 0u);
  const auto y2021 = store::load_indicators(*db_, engine::FiscalYear(2021, 1));
  ASSERT_EQ(y2021.size(), 1u);
  EXPECT_EQ(y2021[0].target_raw, "≥40个");
  // The same form with --fiscal-year 2022 is 2022's, and 2021's stays.
  collect::IngestOptions o;
  o.received_at = "2022-06-01T00:00:00Z";
  o.fiscal_year = 2022;
  test::write_file(dir_ / "indicators_cli.csv",
                   "项目编码,序号,一级指标,二级指标,三级指标,年度指标值\n"
                   "LW2021-P02,1,产出指标,数量指标,科技计划项目验收个数,≥70个\n");
  auto cli = collect::ingest_file(*db_, dir_ / "indicators_cli.csv", o);
  ASSERT_TRUE(cli.has_value());
  EXPECT_EQ(cli->fiscal_year_from, "--fiscal-year");
  EXPECT_EQ(store::load_indicators(*db_, engine::FiscalYear(2022, 1)).at(0).target_raw, "≥70个");
  EXPECT_EQ(store::load_indicators(*db_, engine::FiscalYear(2021, 1)).at(0).target_raw, "≥40个");
}

}  // namespace
}  // namespace bw
