// Issue 14: the config keys of fiscal years and departments — a source's `fiscal_year:` and
// `departments: {from_unit_code_digits: N}` — load, print back and refuse bad values with
// file:line:col.
#include <gtest/gtest.h>

#include <string>

#include "config/load.h"
#include "tests/support/test_support.h"

namespace bw::config {
namespace {

const char* const base =
    "database: bw.db\n"
    "sources:\n"
    "  - name: registers\n"
    "    kind: drop_folder\n"
    "    path: inbox\n";

TEST(YearsConfigTest, a_sources_fiscal_year_and_the_department_rule_load_and_print_back) {
  const test::TempDir dir;
  const std::string yaml = std::string(base) +
                           "    fiscal_year: 2022\n"
                           "departments:\n"
                           "  from_unit_code_digits: 3\n";
  auto c = load_config_text(yaml, "x.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  ASSERT_EQ(c->sources.size(), 1u);
  EXPECT_EQ(c->sources[0].fiscal_year, 2022);
  EXPECT_EQ(c->policy.department_unit_code_digits, 3);
  const std::string printed = print_config(*c);
  EXPECT_NE(printed.find("    fiscal_year: 2022\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("departments:\n  from_unit_code_digits: 3\n"), std::string::npos)
      << printed;
  auto again = load_config_text(printed, "printed.yaml", dir.path());
  ASSERT_TRUE(again.has_value()) << again.error().to_string();
  EXPECT_EQ(again->sources[0].fiscal_year, 2022);
  EXPECT_EQ(again->policy.department_unit_code_digits, 3);
}

TEST(YearsConfigTest, by_default_no_fiscal_year_and_one_department) {
  const test::TempDir dir;
  auto c = load_config_text(base, "x.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_FALSE(c->sources[0].fiscal_year.has_value());
  EXPECT_EQ(c->policy.department_unit_code_digits, 0);
}

TEST(YearsConfigTest, a_year_out_of_range_and_a_negative_digit_count_are_errors) {
  const test::TempDir dir;
  auto year = load_config_text(std::string(base) + "    fiscal_year: 22\n", "x.yaml", dir.path());
  ASSERT_FALSE(year.has_value());
  EXPECT_EQ(year.error().to_string().rfind("x.yaml:6:18: sources[0].fiscal_year: ", 0), 0u)
      << year.error().to_string();
  auto digits = load_config_text(std::string(base) + "departments: {from_unit_code_digits: -1}\n",
                                 "x.yaml", dir.path());
  ASSERT_FALSE(digits.has_value());
  EXPECT_NE(digits.error().to_string().find("departments.from_unit_code_digits"), std::string::npos)
      << digits.error().to_string();
}

}  // namespace
}  // namespace bw::config
