#include "engine/snapshot.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

BudgetLine line(std::string code, std::string unit, LineKind kind, std::int64_t initial_yuan) {
  BudgetLine l;
  l.code = std::move(code);
  l.name = "name of " + l.code;
  l.unit_code = std::move(unit);
  l.unit_name = "unit " + l.unit_code;
  l.kind = kind;
  l.initial = Money::from_yuan(initial_yuan);
  return l;
}

PaymentSeries paid(std::string unit, std::string code, int month, std::int64_t yuan,
                   std::int64_t count = 1) {
  PaymentSeries p;
  p.unit_code = std::move(unit);
  p.project_code = std::move(code);
  p.project_name = "paid as " + p.project_code;
  p.month_paid[static_cast<std::size_t>(month)] = Money::from_yuan(yuan);
  p.month_count[static_cast<std::size_t>(month)] = count;
  return p;
}

Inputs sample() {
  Inputs in;
  in.fiscal_year = FiscalYear(2021, 1);
  in.lines = {line("P1", "U1", LineKind::project, 1000), line("P2", "U1", LineKind::project, 1000),
              line("B1", "U1", LineKind::basic, 500),    line("P3", "U2", LineKind::project, 100),
              line("B2", "U2", LineKind::basic, 100),    line("B3", "U2", LineKind::basic, 100)};
  in.adjustments = {
      {"P2", make_date(2021, 5, 10), Money::from_yuan(-500), "doc1", "cut"},
      {"N1", make_date(2021, 7, 1), Money::from_yuan(200), "doc2", "年中新增项目：下达新项目甲"}};
  in.payments = {paid("U1", "P1", 2, 900), paid("U1", "P2", 9, 300), paid("U1", "", 0, 250),
                 paid("U2", "", 1, 10),    paid("U9", "X9", 3, 77),  paid("U3", "N1", 8, 50)};
  return in;
}

TEST(SnapshotTest, attributes_payments_and_reports_orphans) {
  const Snapshot s = evaluate(sample(), make_date(2021, 12, 31), Policy{});
  const LineEval* b1 = s.find_line("B1");
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b1->amounts.paid, Money::from_yuan(250));  // blank code → the unit's only basic line
  ASSERT_EQ(s.unattributed.size(), 1u);                // U2 has two basic lines
  EXPECT_EQ(s.unattributed[0].reason, "unit U2 has 2 basic-expenditure lines");
  ASSERT_EQ(s.unregistered.size(), 1u);
  EXPECT_EQ(s.unregistered[0].project_code, "X9");
  EXPECT_EQ(s.unregistered_paid, Money::from_yuan(77));
  EXPECT_EQ(s.department.all.paid, Money::from_yuan(900 + 300 + 250 + 50));
}

TEST(SnapshotTest, line_known_only_from_adjustments_takes_names_from_payments) {
  const Snapshot s = evaluate(sample(), make_date(2021, 12, 31), Policy{});
  const LineEval* n1 = s.find_line("N1");
  ASSERT_NE(n1, nullptr);
  EXPECT_FALSE(n1->line.registered);
  EXPECT_TRUE(n1->mid_year_new);
  EXPECT_EQ(n1->line.unit_code, "U3");
  EXPECT_EQ(n1->line.name, "paid as N1");
  EXPECT_EQ(to_iso(n1->available_from), "2021-07-01");
  EXPECT_EQ(format_pct(*n1->execution), "25.00");
}

TEST(SnapshotTest, bands_and_rates_at_year_end) {
  const Snapshot s = evaluate(sample(), make_date(2021, 12, 31), Policy{});
  EXPECT_EQ(s.find_line("P1")->band, Band::on_track);  // 90%
  EXPECT_EQ(s.find_line("P2")->band, Band::below_80);  // 300 / 500 = 60%
  EXPECT_EQ(s.find_line("P3")->band, Band::zero);
  EXPECT_EQ(s.find_line("N1")->band, Band::below_50);  // 25%
  EXPECT_EQ(s.department.bands.on_track, 1);
  EXPECT_EQ(s.department.bands.below_80, 1);
  EXPECT_EQ(s.department.bands.below_50, 1);
  EXPECT_EQ(s.department.bands.zero, 1);
  EXPECT_EQ(format_pct(*s.find_line("P2")->execution), "60.00");
  EXPECT_EQ(format_pct(*s.find_line("P2")->pace), "60.00");  // expected 100% at the deadline
}

TEST(SnapshotTest, budget_in_force_follows_the_adjustment_dates) {
  const Snapshot s = evaluate(sample(), make_date(2021, 4, 30), Policy{});
  const LineEval* p2 = s.find_line("P2");
  EXPECT_EQ(p2->amounts.adjusted, Money::from_yuan(1000));  // cut on 10 May, not yet in force
  EXPECT_EQ(p2->amounts.paid, Money{0});                    // paid in October
  const LineEval* n1 = s.find_line("N1");
  EXPECT_EQ(n1->band, Band::no_budget);
  EXPECT_FALSE(n1->execution.has_value());
  EXPECT_EQ(s.department.month_ends.size(), 4u);
  EXPECT_EQ(s.find_line("P1")->month_end_paid[2], Money::from_yuan(900));
}

TEST(SnapshotTest, expected_progress_pace_and_forecast_mid_year) {
  const Snapshot s = evaluate(sample(), make_date(2021, 6, 30), Policy{});
  const LineEval* p1 = s.find_line("P1");
  EXPECT_EQ(format_pct(*p1->expected), "49.59");  // 181/365
  EXPECT_EQ(format_pct(*p1->execution), "90.00");
  // Forecast: 900 paid at 49.59% of the way → capped at the budget.
  EXPECT_EQ(p1->amounts.forecast_paid, Money::from_yuan(1000));
  const LineEval* p2 = s.find_line("P2");  // 500 in force, nothing paid yet
  EXPECT_EQ(format_pct(*p2->pace), "0.00");
  EXPECT_EQ(p2->amounts.forecast_paid, Money{0});
}

TEST(SnapshotTest, unit_roll_ups_and_filter) {
  const Snapshot s = evaluate(sample(), make_date(2021, 12, 31), Policy{});
  const UnitEval* u1 = s.find_unit("U1");
  ASSERT_NE(u1, nullptr);
  EXPECT_EQ(u1->rollup.all.adjusted, Money::from_yuan(1000 + 500 + 500));
  EXPECT_EQ(u1->rollup.basic.paid, Money::from_yuan(250));
  const Snapshot only = evaluate(filter_unit(sample(), "U1"), make_date(2021, 12, 31), Policy{});
  EXPECT_EQ(only.lines.size(), 3u);
  EXPECT_EQ(only.department.all.paid, Money::from_yuan(1450));
  EXPECT_TRUE(only.unregistered.empty());
}

TEST(SnapshotTest, scores_follow_the_rubric) {
  Policy p;
  Amounts a;
  a.initial = Money{17088410000};
  a.abs_adjustment = Money{6258210000};
  a.adjusted = Money{11915940000};
  a.paid = Money{10888890000};
  const std::vector<MonthEnd> months = {
      {make_date(2021, 10, 31), Money{11915940000}, Money{5658045790}},
      {make_date(2021, 11, 30), Money{11915940000}, Money{5764097656}},
  };
  const Scores sc = compute_scores(a, months, p);
  EXPECT_EQ(format_decimal(*sc.completion_score), "4.55");
  EXPECT_EQ(format_pct(*sc.adjustment_rate), "36.62");
  EXPECT_EQ(format_decimal(*sc.adjustment_score), "1.90");
  EXPECT_EQ(format_pct(*sc.balance_mean), "47.93");
  EXPECT_EQ(format_decimal(*sc.balance_score), "1.44");

  a.paid = Money{a.adjusted.fen / 2};  // 50% → no completion points
  EXPECT_EQ(format_decimal(*compute_scores(a, months, p).completion_score), "0.00");
  a.paid = a.adjusted;  // 100% → all 8
  EXPECT_EQ(format_decimal(*compute_scores(a, months, p).completion_score), "8.00");
  a.abs_adjustment = Money{a.initial.fen * 2};  // adjusted by 200% → 0, not negative
  EXPECT_EQ(format_decimal(*compute_scores(a, months, p).adjustment_score), "0.00");
}

}  // namespace
}  // namespace bw::engine
