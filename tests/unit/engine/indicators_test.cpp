// Indicator completion as of a date: met, on track, behind, overdue, awaiting a judgement.
#include <gtest/gtest.h>

#include "engine/indicators.h"
#include "engine/messages.h"

namespace bw::engine {
namespace {

Snapshot snapshot(CivilDate as_of, const Policy& policy = Policy{}) {
  Inputs in;
  in.fiscal_year = FiscalYear(2021, 1);
  BudgetLine l;
  l.code = "P1";
  l.name = "科技项目";
  l.unit_code = "101001";
  l.initial = Money::from_yuan(1000);
  l.deadline = make_date(2021, 12, 31);
  in.lines = {l};
  return evaluate(in, as_of, policy);
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

ActualValue v(CivilDate d, std::string value) {
  return ActualValue{d, std::move(value), "", "test"};
}

TEST(IndicatorsTest, floor_targets_compare_progress_with_the_expected_share) {
  const auto i = ind(1, "≥40个");
  const auto mid = make_date(2021, 6, 30);  // about half the year
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "25")}, mid), IndicatorStatus::on_track);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "10")}, mid), IndicatorStatus::behind);
  EXPECT_EQ(status_of(i, {}, mid), IndicatorStatus::behind) << "nothing reported at mid-year";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "40")}, mid), IndicatorStatus::met);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 12, 1), "39")}, make_date(2022, 1, 5)),
            IndicatorStatus::overdue)
      << "the year is over";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 7, 1), "40")}, mid), IndicatorStatus::behind)
      << "values after the date are not seen";
}

TEST(IndicatorsTest, ceilings_hold_until_the_due_date) {
  const auto i = ind(2, "3个工作日内", "办理时限", "时效指标");
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "2")}, make_date(2021, 6, 30)),
            IndicatorStatus::on_track);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "5")}, make_date(2021, 6, 30)),
            IndicatorStatus::behind);
  EXPECT_EQ(status_of(i, {v(make_date(2021, 12, 1), "2")}, make_date(2022, 1, 1)),
            IndicatorStatus::met);
}

TEST(IndicatorsTest, dated_and_qualitative_targets) {
  const auto dated = ind(3, "2021年9月30日前完成验收", "验收完成时间", "时效指标");
  EXPECT_EQ(status_of(dated, {}, make_date(2021, 9, 30)), IndicatorStatus::on_track);
  EXPECT_EQ(status_of(dated, {}, make_date(2021, 10, 1)), IndicatorStatus::overdue);
  EXPECT_EQ(status_of(dated, {v(make_date(2021, 9, 20), "是")}, make_date(2021, 10, 1)),
            IndicatorStatus::met);
  EXPECT_EQ(status_of(dated, {v(make_date(2021, 10, 20), "完成")}, make_date(2021, 11, 1)),
            IndicatorStatus::overdue)
      << "done, but late";
  const auto q = ind(4, "有所提升", "服务水平", "效益指标");
  EXPECT_EQ(status_of(q, {}, make_date(2021, 6, 30)), IndicatorStatus::awaiting_judgement);
  EXPECT_EQ(status_of(q, {v(make_date(2021, 6, 1), "是")}, make_date(2021, 6, 30)),
            IndicatorStatus::met);
  EXPECT_EQ(status_of(q, {v(make_date(2021, 6, 1), "否")}, make_date(2021, 6, 30)),
            IndicatorStatus::behind);
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
  EXPECT_EQ(e[0].status, IndicatorStatus::behind) << "85% measured against 90%, not pro-rated";
}

// A rate target (in %) is measured, not accumulated: nothing reported before the due date is not
// behind (the survey comes at year end), a reported rate is compared with the target as it stands.
TEST(IndicatorsTest, rates_are_not_pro_rated) {
  const auto i = ind(6, "90%以上", "科技服务满意度", "社会效益指标");
  const auto mid = make_date(2021, 6, 30);
  EXPECT_EQ(status_of(i, {}, mid), IndicatorStatus::on_track)
      << "nothing reported yet is not a deviation";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "60")}, mid), IndicatorStatus::behind)
      << "60% would be 'ahead' pro-rated (60/90 > 49.6%), but it misses 90%";
  EXPECT_EQ(status_of(i, {v(make_date(2021, 6, 1), "90")}, mid), IndicatorStatus::met)
      << "以上 includes 90";
  EXPECT_EQ(status_of(i, {}, make_date(2022, 1, 1)), IndicatorStatus::overdue) << "never reported";
  // A count keeps its pro-rated progress: nothing reported at mid-year is behind.
  EXPECT_EQ(status_of(ind(7, "≥40个"), {}, mid), IndicatorStatus::behind);
}

// Evaluated as of an earlier day from a later snapshot: the same as a snapshot of that day, for
// every status and reason; values after that day unseen, due dates passing relative to it.
TEST(IndicatorsTest, as_of_an_earlier_day_equals_a_snapshot_of_that_day) {
  const std::vector<Indicator> inds = {
      ind(1, "≥40个"), ind(2, "3个工作日内", "办理时限", "时效指标"),
      ind(3, "2021年9月30日前完成验收", "验收完成时间", "时效指标"),
      ind(4, "有所提升", "服务水平", "效益指标"), ind(5, "90%以上", "满意度", "满意度指标")};
  std::map<std::int64_t, std::vector<ActualValue>> a;
  a[1] = {v(make_date(2021, 6, 1), "18"), v(make_date(2021, 12, 20), "42")};
  a[2] = {v(make_date(2021, 5, 1), "2")};
  a[3] = {v(make_date(2021, 8, 1), "是")};
  a[4] = {v(make_date(2021, 11, 1), "是")};
  a[5] = {v(make_date(2021, 12, 1), "93")};
  const auto june = make_date(2021, 6, 30);
  const auto then = evaluate_indicators(inds, a, snapshot(june));
  const auto from_december = evaluate_indicators(inds, a, snapshot(make_date(2021, 12, 31)), june);
  const auto december = evaluate_indicators(inds, a, snapshot(make_date(2021, 12, 31)));
  ASSERT_EQ(then.size(), 5u);
  ASSERT_EQ(from_december.size(), 5u);
  for (std::size_t k = 0; k < then.size(); ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(from_december[k].status, then[k].status);
    EXPECT_EQ(from_december[k].reason, then[k].reason);
    EXPECT_EQ(from_december[k].due, then[k].due);
    EXPECT_EQ(from_december[k].latest.has_value(), then[k].latest.has_value());
    if (then[k].latest) {
      EXPECT_EQ(from_december[k].latest->value, then[k].latest->value);
    }
  }
  // What June shows, checked by hand: 18 of 40 = 45% < 181/365 = 49.59%; 2 days within 3; the
  // acceptance (August) not seen; no judgement yet; no rate yet.
  EXPECT_EQ(then[0].status, IndicatorStatus::behind);
  EXPECT_EQ(then[0].latest->value, "18");
  // Its reason, in English for the API and in either language from the catalogue (issue 17).
  EXPECT_EQ(then[0].reason, "actual 18 of 40, expected 49.59% of the way by now");
  EXPECT_EQ(reason_text(then[0], Lang::en), then[0].reason);
  EXPECT_EQ(reason_text(then[0], Lang::zh), "实际完成值 18（指标值 40），按进度此时应完成 49.59%");
  EXPECT_EQ(reason_text(then[1], Lang::zh), "实际完成值 2，达到指标值 3");
  EXPECT_EQ(then[1].status, IndicatorStatus::on_track);
  EXPECT_EQ(then[2].status, IndicatorStatus::on_track);
  EXPECT_EQ(then[3].status, IndicatorStatus::awaiting_judgement);
  EXPECT_EQ(then[4].status, IndicatorStatus::on_track);
  // And December differs, so the comparison above can fail.
  EXPECT_EQ(december[0].status, IndicatorStatus::met);
  EXPECT_EQ(december[2].status, IndicatorStatus::met);
  EXPECT_EQ(december[3].status, IndicatorStatus::met);
  EXPECT_EQ(december[4].status, IndicatorStatus::met);
  // A later date than the snapshot's is clamped to it.
  EXPECT_EQ(evaluate_indicators(inds, a, snapshot(june), make_date(2021, 12, 31))[0].status,
            IndicatorStatus::behind);
}

// The expected share of an earlier day follows the line's curve, as evaluating that day would.
TEST(IndicatorsTest, as_of_an_earlier_day_uses_the_lines_curve) {
  Policy months;
  months.default_curve.kind = CurveKind::month_linear;
  // 15 June: month_linear 5/12 = 41.67%, linear by day 166/365 = 45.48%; 5.2 of 12 = 43.33%
  // between.
  const auto i = ind(1, "≥12公里", "养护里程");
  std::map<std::int64_t, std::vector<ActualValue>> a;
  a[1] = {v(make_date(2021, 6, 1), "5.2")};
  const auto day = make_date(2021, 6, 15);
  EXPECT_EQ(evaluate_indicators({i}, a, snapshot(make_date(2021, 12, 31), months), day)[0].status,
            IndicatorStatus::on_track);
  EXPECT_EQ(evaluate_indicators({i}, a, snapshot(day, months))[0].status,
            IndicatorStatus::on_track);
  EXPECT_EQ(evaluate_indicators({i}, a, snapshot(make_date(2021, 12, 31)), day)[0].status,
            IndicatorStatus::behind);
  EXPECT_EQ(evaluate_indicators({i}, a, snapshot(day))[0].status, IndicatorStatus::behind);
}

}  // namespace
}  // namespace bw::engine
