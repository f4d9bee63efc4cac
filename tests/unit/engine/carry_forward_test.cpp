// Carry-forward lines (上年结转, issue 14): apart from the year's new money in every roll-up, with
// their age; a 完成时限 after the fiscal year is watched against the year's end unless the policy
// says own_deadline.
#include <gtest/gtest.h>

#include "engine/snapshot.h"

namespace bw::engine {
namespace {

BudgetLine line(std::string code, std::string department, std::int64_t initial_fen,
                std::optional<LineSource> source, int carry_age = 0) {
  BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = department + "001";
  l.department_code = std::move(department);
  l.initial = Money{initial_fen};
  l.source = source;
  l.carry_age = carry_age;
  l.fiscal_year = 2022;
  return l;
}

PaymentSeries paid(const BudgetLine& l, int month, std::int64_t fen) {
  PaymentSeries p;
  p.unit_code = l.unit_code;
  p.project_code = l.code;
  p.month_paid[static_cast<std::size_t>(month)] = Money{fen};
  p.month_count[static_cast<std::size_t>(month)] = 1;
  return p;
}

Inputs two_departments() {
  Inputs in;
  in.fiscal_year = FiscalYear(2022, 1);
  in.lines = {line("C1", "101", 50'000'000, LineSource::carried_forward, 1),
              line("C2", "101", 30'000'000, LineSource::carried_forward, 2),
              line("N1", "101", 100'000'000, LineSource::initial),
              line("N2", "102", 20'000'000, std::nullopt),
              line("C3", "102", 7'000'001, LineSource::carried_forward)};
  in.adjustments = {
      {"M1", make_date(2022, 3, 1), Money{10'000'000}, "doc", "年中新增项目：下达新项目"}};
  in.payments = {paid(in.lines[0], 2, 22'345'679), paid(in.lines[1], 3, 30'000'000),
                 paid(in.lines[2], 4, 41'666'667), paid(in.lines[4], 1, 1)};
  return in;
}

TEST(CarryForwardTest, carry_forward_money_is_rolled_up_apart_from_new_money) {
  const Snapshot s = evaluate(two_departments(), make_date(2022, 6, 30), Policy{});
  const Rollup& all = s.department;
  EXPECT_EQ(all.carried_forward_lines, 3);
  EXPECT_EQ(all.carried_forward.adjusted.fen, 50'000'000 + 30'000'000 + 7'000'001);
  EXPECT_EQ(all.carried_forward.paid.fen, 22'345'679 + 30'000'000 + 1);
  EXPECT_EQ(all.new_money.adjusted.fen, 100'000'000 + 20'000'000 + 10'000'000);
  EXPECT_EQ(all.new_money.paid.fen, 41'666'667);
  EXPECT_EQ(all.carried_forward.adjusted + all.new_money.adjusted, all.all.adjusted);
  EXPECT_EQ(all.carried_forward.paid + all.new_money.paid, all.all.paid);
  // Per department: 101 has 80,000,000 carried (52,345,679 paid: 65.43%), 100,000,000 new (41.67%).
  const DepartmentEval* d101 = s.find_department("101");
  ASSERT_NE(d101, nullptr);
  EXPECT_EQ(d101->rollup.carried_forward_lines, 2);
  EXPECT_EQ(format_pct(*d101->rollup.carried_forward.execution()), "65.43");
  EXPECT_EQ(format_pct(*d101->rollup.new_money.execution()), "41.67");
  EXPECT_EQ(format_pct(*d101->rollup.all.execution()), "52.23");
  const DepartmentEval* d102 = s.find_department("102");
  ASSERT_NE(d102, nullptr);
  EXPECT_EQ(d102->rollup.carried_forward.adjusted.fen, 7'000'001);
  EXPECT_EQ(d102->rollup.carried_forward.paid.fen, 1);
  // A department without carry-forward money has no carry-forward rate.
  Inputs only_new = two_departments();
  only_new.lines.resize(4);
  only_new.payments.resize(3);
  const Snapshot n = evaluate(only_new, make_date(2022, 6, 30), Policy{});
  EXPECT_FALSE(n.find_department("102")->rollup.carried_forward.execution().has_value());
  EXPECT_EQ(n.find_department("102")->rollup.new_money.adjusted.fen, 20'000'000);
}

TEST(CarryForwardTest, lines_carry_their_source_and_age) {
  const Snapshot s = evaluate(two_departments(), make_date(2022, 6, 30), Policy{});
  EXPECT_EQ(s.find_line("C1")->source, LineSource::carried_forward);
  EXPECT_EQ(s.find_line("C1")->carry_age, 1);
  EXPECT_EQ(s.find_line("C2")->carry_age, 2);
  EXPECT_EQ(s.find_line("C3")->carry_age,
            1);  // not given: a carry-forward line is at least a year old
  EXPECT_EQ(s.find_line("N1")->carry_age, 0);
  EXPECT_EQ(s.find_line("N2")->source, LineSource::initial);
  EXPECT_EQ(s.find_line("M1")->source, LineSource::mid_year);
  EXPECT_EQ(s.find_line("M1")->carry_age, 0);
  EXPECT_STREQ(source_key(LineSource::carried_forward), "carried_forward");
  EXPECT_STREQ(source_key(LineSource::mid_year), "mid_year");
}

TEST(CarryForwardTest,
     a_deadline_after_the_fiscal_year_is_the_years_end_unless_the_policy_says_own) {
  Inputs in;
  in.fiscal_year = FiscalYear(2022, 1);
  BudgetLine cross = line("X1", "101", 36'500'000, LineSource::carried_forward, 1);
  cross.deadline = make_date(2023, 3, 31);
  BudgetLine inside = line("X2", "101", 1'000, LineSource::initial);
  inside.deadline = make_date(2022, 9, 30);
  in.lines = {cross, inside};
  const Snapshot year_end = evaluate(in, make_date(2022, 12, 31), Policy{});
  EXPECT_EQ(to_iso(year_end.find_line("X1")->deadline), "2022-12-31");
  EXPECT_EQ(*year_end.find_line("X1")->expected, (Ratio{1, 1}));  // all of it due by the year's end
  EXPECT_EQ(year_end.find_line("X1")->days_to_deadline, 0);
  EXPECT_EQ(to_iso(year_end.find_line("X2")->deadline),
            "2022-09-30");  // a deadline inside the year stays
  Policy own;
  own.deadline_after_year_end = DeadlineAfterYearEnd::own_deadline;
  const Snapshot o = evaluate(in, make_date(2022, 12, 31), own);
  EXPECT_EQ(to_iso(o.find_line("X1")->deadline), "2023-03-31");
  EXPECT_EQ(o.find_line("X1")->days_to_deadline, 90);
  EXPECT_LT(*o.find_line("X1")->expected, (Ratio{1, 1}));
  EXPECT_EQ(to_iso(o.find_line("X2")->deadline), "2022-09-30");
  EXPECT_EQ(parse_deadline_after_year_end("own_deadline"), DeadlineAfterYearEnd::own_deadline);
  EXPECT_EQ(parse_deadline_after_year_end("fiscal_year_end"),
            DeadlineAfterYearEnd::fiscal_year_end);
  EXPECT_FALSE(parse_deadline_after_year_end("year_end").has_value());
}

}  // namespace
}  // namespace bw::engine
