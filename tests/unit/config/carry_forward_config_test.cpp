// Issue 14: `fiscal_year: {deadline_after_year_end: fiscal_year_end | own_deadline}` — the policy
// for a line whose 完成时限 falls after its fiscal year — loads, prints back (with its default) and
// refuses other words.
#include <gtest/gtest.h>

#include <string>

#include "config/load.h"
#include "tests/support/test_support.h"

namespace bw::config {
namespace {

TEST(CarryForwardConfigTest, deadline_after_year_end_defaults_to_the_fiscal_years_end) {
  const test::TempDir dir;
  auto c = load_config_text("database: bw.db\n", "x.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->policy.deadline_after_year_end, engine::DeadlineAfterYearEnd::fiscal_year_end);
  EXPECT_NE(print_config(*c).find("  deadline_after_year_end: fiscal_year_end\n"),
            std::string::npos)
      << print_config(*c);
}

TEST(CarryForwardConfigTest, own_deadline_loads_and_prints_back) {
  const test::TempDir dir;
  auto c =
      load_config_text("database: bw.db\nfiscal_year: {deadline_after_year_end: own_deadline}\n",
                       "x.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->policy.deadline_after_year_end, engine::DeadlineAfterYearEnd::own_deadline);
  auto again = load_config_text(print_config(*c), "printed.yaml", dir.path());
  ASSERT_TRUE(again.has_value()) << again.error().to_string();
  EXPECT_EQ(again->policy.deadline_after_year_end, engine::DeadlineAfterYearEnd::own_deadline);
}

TEST(CarryForwardConfigTest, another_word_is_an_error_with_its_place) {
  const test::TempDir dir;
  auto c = load_config_text("database: bw.db\nfiscal_year:\n  deadline_after_year_end: next_year\n",
                            "x.yaml", dir.path());
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().to_string().rfind("x.yaml:3:28: fiscal_year.deadline_after_year_end: ", 0),
            0u)
      << c.error().to_string();
}

}  // namespace
}  // namespace bw::config
