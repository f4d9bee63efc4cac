#include "engine/schedule.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

const FiscalYear fy2021(2021, 1);
const Span full_year{make_date(2021, 1, 1), make_date(2021, 12, 31)};

std::string pct_at(const Curve& c, const Span& s, CivilDate d) {
  return format_pct(expected_share(c, fy2021, s, d));
}

TEST(ScheduleTest, linear_to_deadline_counts_days_inclusively) {
  const Curve c{};
  EXPECT_EQ(pct_at(c, full_year, make_date(2020, 12, 31)), "0.00");
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 1, 1)), "0.27");    // 1/365
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 6, 30)), "49.59");  // 181/365
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 12, 31)), "100.00");
  // A deadline of 30 June: 100% from that day on, half way on 31 March (90/181).
  const Span june{make_date(2021, 1, 1), make_date(2021, 6, 30)};
  EXPECT_EQ(pct_at(c, june, make_date(2021, 3, 31)), "49.72");
  EXPECT_EQ(pct_at(c, june, make_date(2021, 6, 30)), "100.00");
  EXPECT_EQ(pct_at(c, june, make_date(2021, 9, 1)), "100.00");
}

TEST(ScheduleTest, linear_starts_when_a_mid_year_line_gets_its_money) {
  const Span mid{make_date(2021, 10, 15), make_date(2021, 12, 31)};  // 78 days
  const Curve c{};
  EXPECT_EQ(pct_at(c, mid, make_date(2021, 10, 14)), "0.00");
  EXPECT_EQ(pct_at(c, mid, make_date(2021, 10, 15)), "1.28");   // 1/78
  EXPECT_EQ(pct_at(c, mid, make_date(2021, 11, 30)), "60.26");  // 47/78
}

TEST(ScheduleTest, month_linear_is_m_over_12_at_month_ends) {
  Curve c;
  c.kind = CurveKind::month_linear;
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 11, 30)), "91.67");  // the treasury's 91.7%
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 11, 29)), "83.33");  // steps at month ends
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 1, 15)), "0.00");
  const Span sept{make_date(2021, 1, 1), make_date(2021, 9, 30)};
  EXPECT_EQ(pct_at(c, sept, make_date(2021, 6, 30)), "66.67");  // 6/9
}

TEST(ScheduleTest, by_days_is_the_fiscal_years_time_progress) {
  Curve c;
  c.kind = CurveKind::by_days;
  const Span june{make_date(2021, 1, 1), make_date(2021, 6, 30)};
  EXPECT_EQ(pct_at(c, june, make_date(2021, 9, 30)), "74.79");  // 273/365, deadline ignored
}

TEST(ScheduleTest, custom_monthly_interpolates_inside_a_month) {
  Curve c;
  c.kind = CurveKind::custom_monthly;
  c.monthly_bp = {500, 1000, 2000, 3000, 4000, 5000, 5500, 6000, 7000, 8000, 9000, 10000};
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 3, 31)), "20.00");
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 4, 15)), "25.00");  // 20% + 10% × 15/30
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 1, 31)), "5.00");
}

TEST(ScheduleTest, milestones_are_steps) {
  Curve c;
  c.kind = CurveKind::milestones;
  c.milestones = {{make_date(2021, 6, 30), 3000}, {make_date(2021, 9, 30), 6000}};
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 6, 29)), "0.00");
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 6, 30)), "30.00");
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 10, 1)), "60.00");
  EXPECT_EQ(pct_at(c, full_year, make_date(2021, 12, 31)), "100.00");  // the deadline
}

}  // namespace
}  // namespace bw::engine
