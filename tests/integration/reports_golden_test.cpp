// Golden files of the monthly, mid-year and year-end reports and the monthly circular of Liwan 2021
// in JSON, CSV and Markdown (tests/data/golden/liwan2021/), compared byte for byte. After an
// intended change of a report, regenerate them with
//   BW_UPDATE_GOLDEN=1 build/test/tests/bw_integration_tests --gtest_filter='ReportsGoldenTest.*'
// and review the diff (git diff tests/data/golden) before committing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "reports/report.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/integration/liwan_db.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

using engine::make_date;
using reports::Format;
using reports::Lang;
using reports::ReportKind;

// Illustrative indicator progress and owner notes for some Liwan 2021 projects (the fixtures have
// no 2021 target forms): what the indicators part of the store hands the mid-year review.
reports::MidyearInputs midyear_inputs() {
  reports::MidyearInputs in;
  in.indicators = {
      {"LW2021-P27",
       1,
       "服务企业数量",
       "≥150家",
       "behind",
       "62家",
       make_date(2021, 12, 31),
       "indicator.reason.of_target",
       {{"actual", "62"}, {"target", "150"}, {"share", "53.42"}}},
      {"LW2021-P27",
       2,
       "新增挂牌企业",
       "不少于5家",
       "on_track",
       "3家",
       make_date(2021, 12, 31),
       "",
       {}},
      {"LW2021-P30",
       1,
       "平台上线时间",
       "2021年6月30日前完成",
       "overdue",
       std::nullopt,
       make_date(2021, 6, 30),
       "indicator.reason.not_done_by",
       {{"due", "2021-06-30"}}},
      {"LW2021-P02", 1, "科技项目验收率", "90%以上", "met", "96%", std::nullopt, "", {}},
      {"LW2021-P21",
       1,
       "活动满意度",
       "有所提升",
       "awaiting_judgement",
       std::nullopt,
       std::nullopt,
       "",
       {}},
  };
  in.notes = {
      {"LW2021-P30", "平台建设方案调整，招标延后", "7月底前完成招标，9月上线", "张三",
       "2021-07-08T10:00:00+08:00"},
      {"LW2021-P27", "服务合同按季度结算，第二季度款项7月支付", "督促服务商按月提交结算资料",
       "李四", "2021-07-06T09:30:00+08:00"},
  };
  return in;
}

class ReportsGoldenTest : public test::LiwanDbTest {
 protected:
  // Renders and compares with tests/data/golden/liwan2021/<name>, or rewrites it under
  // BW_UPDATE_GOLDEN=1.
  static void check(const std::string& name, const engine::Snapshot& s, reports::ReportRequest r,
                    const reports::MidyearInputs& midyear = {}) {
    SCOPED_TRACE(name);
    const std::string got = reports::render_report(s, r, midyear);
    const std::filesystem::path path = test::data_path("golden/liwan2021/" + name);
    const char* update = std::getenv("BW_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
      std::filesystem::create_directories(path.parent_path());
      test::write_file(path, got);
      return;
    }
    ASSERT_TRUE(std::filesystem::exists(path))
        << path << " is missing: run with BW_UPDATE_GOLDEN=1";
    const std::string want = test::read_file(path);
    if (got != want) {
      std::size_t i = 0;
      while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
      const std::size_t from = i < 200 ? 0 : i - 200;
      ADD_FAILURE() << path << " differs at byte " << i << " (got " << got.size() << " bytes, want "
                    << want.size() << ")\n--- got:\n"
                    << got.substr(from, 400) << "\n--- want:\n"
                    << want.substr(from, 400)
                    << "\nIf the change is intended: BW_UPDATE_GOLDEN=1 and review git diff "
                       "tests/data/golden";
    }
  }
};

TEST_F(ReportsGoldenTest, monthly_june_2021) {
  const auto s = snapshot(make_date(2021, 6, 30));
  check("monthly-2021-06-30.json", s, {ReportKind::monthly, Format::json, Lang::zh, 6});
  check("monthly-2021-06-30.zh-CN.csv", s, {ReportKind::monthly, Format::csv, Lang::zh, 6});
  check("monthly-2021-06-30.zh-CN.md", s, {ReportKind::monthly, Format::md, Lang::zh, 6});
  check("monthly-2021-06-30.en.md", s, {ReportKind::monthly, Format::md, Lang::en, 6});
}

TEST_F(ReportsGoldenTest, monthly_mid_november_2021_is_month_to_date) {
  const auto s = snapshot(make_date(2021, 11, 15));
  check("monthly-2021-11-15.zh-CN.md", s, {ReportKind::monthly, Format::md, Lang::zh, 6});
}

TEST_F(ReportsGoldenTest, midyear_1_6_with_indicators_and_owner_notes) {
  // As of 15 July, the review of January–June reads the figures of 30 June.
  const auto s = snapshot(make_date(2021, 7, 15));
  const auto in = midyear_inputs();
  check("midyear-1-6-2021-07-15.json", s, {ReportKind::midyear, Format::json, Lang::zh, 6}, in);
  check("midyear-1-6-2021-07-15.zh-CN.csv", s, {ReportKind::midyear, Format::csv, Lang::zh, 6}, in);
  check("midyear-1-6-2021-07-15.zh-CN.md", s, {ReportKind::midyear, Format::md, Lang::zh, 6}, in);
  check("midyear-1-6-2021-07-15.en.md", s, {ReportKind::midyear, Format::md, Lang::en, 6}, in);
}

TEST_F(ReportsGoldenTest, midyear_1_7_without_indicators_or_notes) {
  const auto s = snapshot(make_date(2021, 7, 31));
  check("midyear-1-7-2021-07-31.zh-CN.md", s, {ReportKind::midyear, Format::md, Lang::zh, 7});
  check("midyear-1-7-2021-07-31.zh-CN.csv", s, {ReportKind::midyear, Format::csv, Lang::zh, 7});
}

TEST_F(ReportsGoldenTest, yearend_2021) {
  const auto s = snapshot(make_date(2021, 12, 31));
  check("yearend-2021-12-31.json", s, {ReportKind::yearend, Format::json, Lang::zh, 6});
  check("yearend-2021-12-31.zh-CN.csv", s, {ReportKind::yearend, Format::csv, Lang::zh, 6});
  check("yearend-2021-12-31.zh-CN.md", s, {ReportKind::yearend, Format::md, Lang::zh, 6});
  check("yearend-2021-12-31.en.md", s, {ReportKind::yearend, Format::md, Lang::en, 6});
}

// The monthly circular of June 2021, its three units taken as departments (the first six digits of
// the unit code), issued by the district bureau.
TEST_F(ReportsGoldenTest, circular_june_2021) {
  engine::Policy policy;
  policy.department_unit_code_digits = 6;
  const auto as_of = make_date(2021, 6, 30);
  const auto s = engine::evaluate(
      store::load_inputs(*db_, as_of, engine::FiscalYear::containing(as_of)), as_of, policy);
  ASSERT_EQ(s.departments.size(), 3U);
  const std::string issuer = "广州市荔湾区财政局";
  check("circular-2021-06-30.json", s, {ReportKind::circular, Format::json, Lang::zh, 6, issuer});
  check("circular-2021-06-30.zh-CN.csv", s,
        {ReportKind::circular, Format::csv, Lang::zh, 6, issuer});
  check("circular-2021-06-30.zh-CN.md", s, {ReportKind::circular, Format::md, Lang::zh, 6, issuer});
  check("circular-2021-06-30.en.md", s, {ReportKind::circular, Format::md, Lang::en, 6, issuer});
}

}  // namespace
}  // namespace bw
