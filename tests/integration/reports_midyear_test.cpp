// Issue #5: the mid-year review of Liwan 2021 with the demo indicators and actual values ingested
// into SQLite and read back as the CLI and the daemon read them (daemon::midyear_inputs). A 1-6
// review run on 31 December equals the one run on 30 June, indicator progress included: money and
// indicators are both those of the window's end. Actual values given by the indicator's name
// instead of its seq count for that indicator.
#include <gtest/gtest.h>

#include <map>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "daemon/midyear_inputs.h"
#include "engine/snapshot.h"
#include "reports/report.h"
#include "store/indicators_repo.h"
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

class ReportsMidyearTest : public test::LiwanDbTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // A monitoring return that names its indicators (三级指标) instead of giving their 序号: P06's
    // second indicator 战备演练次数, and one name that is on no form.
    test::write_file(*dir_ / "actuals_by_name.csv",
                     "项目编码,三级指标,日期,实际值,备注\n"
                     "LW2021-P06,战备演练次数,2021-06-25,4,上半年完成四次演练\n"
                     "LW2021-P06,不存在的指标,2021-06-25,1,\n");
    open_liwan({test::data_path("demo/indicators.csv"), test::data_path("demo/actuals.csv"),
                *dir_ / "actuals_by_name.csv"});
    store::put_owner_note(*db_, {"LW2021-P10", "2021-midyear", "检查企业名单年中才确定",
                                 "下半年每月检查20家", "梁淑仪", "2021-07-05T02:00:00Z"});
  }
  static std::string render(const engine::Snapshot& s, Format f, int window) {
    return reports::render_report(s, {ReportKind::midyear, f, Lang::zh, window},
                                  daemon::midyear_inputs(*db_, s));
  }
  static json::value review(const engine::Snapshot& s, int window) {
    return json::parse(render(s, Format::json, window));
  }
  // "LW2021-P02#1" → {status, actual} of the review's indicator list.
  static std::map<std::string, std::pair<std::string, json::value>> statuses(const json::value& j) {
    std::map<std::string, std::pair<std::string, json::value>> out;
    for (const auto& i : j.at("indicators").as_array()) {
      out[str(i.at("project_code")) + "#" + std::to_string(i.at("seq").as_int64())] = {
          str(i.at("status")), i.at("actual")};
    }
    return out;
  }
};

TEST_F(ReportsMidyearTest, a_december_run_of_the_1_6_review_equals_the_run_on_30_june) {
  const engine::Snapshot december = snapshot(make_date(2021, 12, 31));
  const engine::Snapshot june = snapshot(make_date(2021, 6, 30));
  json::value later = review(december, 6);
  json::value then = review(june, 6);
  EXPECT_EQ(later.at("evaluated_at"), "2021-06-30");
  EXPECT_EQ(later.at("as_of"), "2021-12-31");

  // The indicators as they stood on 30 June, worked out by hand: P02#1 18 of 40 (45%) is behind the
  // line's 序时进度 181/365 = 49.59% (December's 42 unseen); P02#2 a rate not reported yet; P06#1
  // due 30 September; P06#2 4 of 4 by name on 25 June; P10#1 60 of 200; P10#2 a ceiling with
  // nothing reported; P16#1 qualitative; P20#1 第三季度前.
  const std::map<std::string, std::pair<std::string, json::value>> want = {
      {"LW2021-P02#1", {"behind", "18"}},
      {"LW2021-P02#2", {"on_track", nullptr}},
      {"LW2021-P06#1", {"on_track", nullptr}},
      {"LW2021-P06#2", {"met", "4"}},
      {"LW2021-P10#1", {"behind", "60"}},
      {"LW2021-P10#2", {"on_track", nullptr}},
      {"LW2021-P16#1", {"awaiting_judgement", nullptr}},
      {"LW2021-P20#1", {"on_track", nullptr}}};
  EXPECT_EQ(statuses(later), want);

  // Everything else too: the whole review, but for the day it was run.
  later.as_object().erase("as_of");
  then.as_object().erase("as_of");
  EXPECT_EQ(json::serialize(later), json::serialize(then));
  EXPECT_EQ(render(december, Format::csv, 6), render(june, Format::csv, 6));

  // The December run is not just the June one whatever the date: as of 31 December the year's
  // values count and the dated targets have passed.
  const auto year = statuses(review(december, 12));
  EXPECT_EQ(year.at("LW2021-P02#1"), (std::pair<std::string, json::value>{"met", "42"}));
  EXPECT_EQ(year.at("LW2021-P06#1").first, "overdue");
  EXPECT_EQ(year.at("LW2021-P20#1").first, "overdue");
}

TEST_F(ReportsMidyearTest, the_1_7_review_run_in_december_equals_the_run_on_31_july) {
  json::value later = review(snapshot(make_date(2021, 12, 31)), 7);
  json::value then = review(snapshot(make_date(2021, 7, 31)), 7);
  EXPECT_EQ(later.at("evaluated_at"), "2021-07-31");
  later.as_object().erase("as_of");
  then.as_object().erase("as_of");
  EXPECT_EQ(json::serialize(later), json::serialize(then));
}

TEST_F(ReportsMidyearTest, the_owners_note_shows_in_the_reason_and_measures_columns) {
  const engine::Snapshot december = snapshot(make_date(2021, 12, 31));
  const json::value j = review(december, 6);
  const json::value* p10 = nullptr;
  for (const auto& p : j.at("projects").as_array())
    if (p.at("code") == "LW2021-P10") p10 = &p;
  ASSERT_NE(p10, nullptr);
  EXPECT_EQ(p10->at("owner_note").at("reason"), "检查企业名单年中才确定");
  EXPECT_EQ(p10->at("owner_note").at("measures"), "下半年每月检查20家");
  EXPECT_EQ(p10->at("indicators").at("behind"), 1);
  const std::string md = render(december, Format::md, 6);
  EXPECT_NE(md.find("| 共2项：按进度1、滞后1 | 检查企业名单年中才确定 | 下半年每月检查20家 |"),
            std::string::npos)
      << md;
}

TEST_F(ReportsMidyearTest, actuals_given_by_indicator_name_count_for_that_indicator) {
  std::int64_t unmatched = 0;
  const auto actuals = store::load_actuals(*db_, engine::FiscalYear(2021, 1), &unmatched);
  EXPECT_EQ(unmatched, 1) << "the name on no form";
  const auto indicators = store::load_indicators(*db_, engine::FiscalYear(2021, 1));
  std::map<std::string, std::int64_t> id;
  for (const auto& i : indicators) id[i.project_code + "#" + std::to_string(i.seq)] = i.id;
  ASSERT_TRUE(actuals.count(id.at("LW2021-P06#2")));
  const auto& p06_2 = actuals.at(id.at("LW2021-P06#2"));
  ASSERT_EQ(p06_2.size(), 2u)
      << "the demo's 2 on 30 November (by seq) and the 4 on 25 June (by name)";
  EXPECT_EQ(p06_2[1].value, "4");
  EXPECT_EQ(p06_2[1].date, make_date(2021, 6, 25));
  EXPECT_EQ(actuals.count(id.at("LW2021-P06#1")), 0u) << "P06's other indicator got nothing";
  // As of 31 December the latest value is the demo's 2 of 4 on 30 November: behind, by seq.
  const auto evals =
      engine::evaluate_indicators(indicators, actuals, snapshot(make_date(2021, 12, 31)));
  for (const auto& e : evals) {
    if (e.indicator.id != id.at("LW2021-P06#2")) continue;
    EXPECT_EQ(e.latest->value, "2");
    EXPECT_EQ(e.status, engine::IndicatorStatus::behind);
  }
}

}  // namespace
}  // namespace bw
