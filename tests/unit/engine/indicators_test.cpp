// Indicator completion as of a date: met, on track, behind, overdue, awaiting a judgement.
#include <gtest/gtest.h>

#include "engine/indicators.h"

namespace bw::engine {
namespace {

Snapshot snapshot(CivilDate as_of) {
  Inputs in;
  in.fiscal_year = FiscalYear(2021, 1);
  BudgetLine l;
  l.code = "P1";
  l.name = "科技项目";
  l.unit_code = "101001";
  l.initial = Money::from_yuan(1000);
  l.deadline = make_date(2021, 12, 31);
  in.lines = {l};
  return evaluate(in, as_of, Policy{});
}

Indicator ind(std::int64_t id, std::string target, std::string name = "验收项目个数",
              std::string subclass = "数量指标") {
  Indicator i;
  i.id = id;
  i.project_code = "P1";
  i.seq = static_cast<int>(id);
  i.name = std::move(name);
  i.indicator_class = "产出指标";
  i.indicator_subclass = std::move(subclass);
  i.target_raw = std::move(target);
  return i;
}

IndicatorStatus status_of(const Indicator& i, std::vector<ActualValue> actuals, CivilDate as_of) {
  std::map<std::int64_t, std::vector<ActualValue>> a;
  if (!actuals.empty()) a[i.id] = std::move(actuals);
  const auto e = evaluate_indicators({i}, a, snapshot(as_of));
  EXPECT_EQ(e.size(), 1u);
  return e.at(0).status;
}

ActualValue v(CivilDate d, std::string value) { return ActualValue{d, std::move(value), "", "test"}; }

TEST(IndicatorsTest, floor_targets_compare_progress_with_the_expected_share) {
  const auto i = ind(1, "≥40个");
  const auto mid = make_date(2021, 6, 30);  // about half the year
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "25")}, mid), IndicatorStatus::on_track);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "10")}, mid), IndicatorStatus::behind);
  EXPECT_EQ(status_of(i, {}, mid), IndicatorStatus::behind) << "nothing reported at mid-year";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "40")}, mid), IndicatorStatus::met);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 12, 1), "39")}, make_date(2022, 1, 5)), IndicatorStatus::overdue)
      << "the year is over";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 7, 1), "40")}, mid), IndicatorStatus::behind)
      << "values after the date are not seen";
}

TEST(IndicatorsTest, ceilings_hold_until_the_due_date) {
  const auto i = ind(2, "3个工作日内", "办理时限", "时效指标");
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "2")}, make_date(2021, 6, 30)), IndicatorStatus::on_track);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "5")}, make_date(2021, 6, 30)), IndicatorStatus::behind);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 12, 1), "2")}, make_date(2022, 1, 1)), IndicatorStatus::met);
}

TEST(IndicatorsTest, dated_and_qualitative_targets) {
  const auto dated = ind(3, "2021年9月30日前完成验收", "验收完成时间", "时效指标");
  EXPECT_EQ(status_of(dated, {}, make_date(2021, 9, 30)), IndicatorStatus::on_track);
  EXPECT_EQ(status_of(dated, {}, make_date(2021, 10, 1)), IndicatorStatus::overdue);
  EXPECT_EQ(status_of(dated, {v(make_date(2021, 9, 20), "是")}, make_date(2021, 10, 1)), IndicatorStatus::met);
  EXPECT_EQ(status_of(dated, {v(make_date(2021, 10, 20), "完成")}, make_date(2021, 11, 1)),
            IndicatorStatus::overdue)
      << "done, but late";
  const auto q = ind(4, "有所提升", "服务水平", "效益指标");
  EXPECT_EQ(status_of(q, {}, make_date(2021, 6, 30)), IndicatorStatus::awaiting_judgement);
  EXPECT_EQ(status_of(q, {v(make_date(2021, 6, 1), "是")}, make_date(2021, 6, 30)), IndicatorStatus::met);
  EXPECT_EQ(status_of(q, {v(make_date(2021, 6, 1), "否")}, make_date(2021, 6, 30)), IndicatorStatus::behind);
}

TEST(IndicatorsTest, the_latest_value_counts_and_units_come_from_the_line) {
  const auto i = ind(5, "90%以上", "满意度", "满意度指标");
  std::map<std::int64_t, std::vector<ActualValue>> a;
  a[5] = {v(make_date(2021, 3, 1), "95"), v(make_date(2021, 5, 1), "85")};
  const auto e = evaluate_indicators({i}, a, snapshot(make_date(2021, 6, 30)));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].latest->value, "85");
  EXPECT_EQ(e[0].unit_code, "101001");
  EXPECT_EQ(e[0].due, make_date(2021, 12, 31));
  EXPECT_NE(e[0].status, IndicatorStatus::met);
}

}  // namespace
}  // namespace bw::engine
