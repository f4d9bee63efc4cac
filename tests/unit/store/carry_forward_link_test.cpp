// Issue 14: a carry-forward line (上年结转) is linked at load time to last year's line of the same
// code, with its age in years; nothing is stored for it (no schema change).
#include <gtest/gtest.h>

#include "store/inputs.h"
#include "store/ledger.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::store {
namespace {

using engine::LineSource;
using engine::make_date;
using engine::Money;

class CarryForwardLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(Database::open(dir_ / "t.db"));
    migrate(*db_);
  }
  // One register of `year` with these (code, source) lines.
  void registers(int year,
                 const std::vector<std::pair<std::string, std::optional<LineSource>>>& lines) {
    Ledger ledger(*db_);
    auto txn = ledger.begin(FileRecord{"sha" + std::to_string(year),
                                       "budget" + std::to_string(year) + ".csv", "test",
                                       FileKind::budget, "utf-8", 10, "2023-01-01T00:00:00Z"});
    ASSERT_TRUE(txn.has_value());
    int row = 2;
    for (const auto& [code, source] : lines) {
      engine::BudgetLine l;
      l.code = code;
      l.name = "项目" + code;
      l.unit_code = "101001";
      l.initial = Money{100};
      l.fiscal_year = year;
      l.source = source;
      ASSERT_TRUE(txn->add_budget_line(l, row++).has_value());
    }
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  const engine::BudgetLine& line_of(const engine::Inputs& in, const std::string& code) {
    for (const auto& l : in.lines) {
      if (l.code == code) return l;
    }
    ADD_FAILURE() << "no line " << code;
    return in.lines.front();
  }
  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(CarryForwardLinkTest, age_and_link_come_from_the_earlier_years_lines_of_the_same_code) {
  registers(2021,
            {{"A", LineSource::initial}, {"B", LineSource::carried_forward}, {"C", std::nullopt}});
  registers(2022, {{"A", LineSource::carried_forward},
                   {"B", LineSource::carried_forward},
                   {"C", LineSource::carried_forward},
                   {"D", LineSource::carried_forward},
                   {"E", LineSource::initial}});
  registers(2023, {{"B", LineSource::carried_forward},
                   {"A", LineSource::carried_forward},
                   {"E", LineSource::initial}});
  const auto y2022 = load_inputs(*db_, make_date(2022, 12, 31), engine::FiscalYear(2022, 1));
  EXPECT_EQ(line_of(y2022, "A").carry_age, 1);  // 2021's A was new money
  EXPECT_EQ(line_of(y2022, "A").carried_from_year, 2021);
  EXPECT_EQ(line_of(y2022, "B").carry_age, 2);  // 2021's B was itself carried forward
  EXPECT_EQ(line_of(y2022, "C").carry_age, 1);  // 2021's C gave no source: new money
  EXPECT_EQ(line_of(y2022, "D").carry_age, 1);  // no 2021 line: carried from a year not held
  EXPECT_EQ(line_of(y2022, "D").carried_from_year, 0);
  EXPECT_EQ(line_of(y2022, "E").carry_age, 0);
  const auto y2023 = load_inputs(*db_, make_date(2023, 12, 31), engine::FiscalYear(2023, 1));
  EXPECT_EQ(line_of(y2023, "A").carry_age, 2);
  EXPECT_EQ(line_of(y2023, "B").carry_age, 3);
  EXPECT_EQ(line_of(y2023, "B").carried_from_year, 2022);
  // 2021 is untouched by the later years.
  const auto y2021 = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  EXPECT_EQ(line_of(y2021, "A").carry_age, 0);
  EXPECT_EQ(line_of(y2021, "B").carry_age, 1);
  EXPECT_EQ(line_of(y2021, "B").carried_from_year, 0);
}

TEST_F(CarryForwardLinkTest, a_gap_year_breaks_the_chain) {
  registers(2020, {{"A", LineSource::carried_forward}});
  registers(2022, {{"A", LineSource::carried_forward}});  // no 2021 line of A
  const auto in = load_inputs(*db_, make_date(2022, 12, 31), engine::FiscalYear(2022, 1));
  EXPECT_EQ(line_of(in, "A").carry_age, 1);
  EXPECT_EQ(line_of(in, "A").carried_from_year, 0);
}

}  // namespace
}  // namespace bw::store
