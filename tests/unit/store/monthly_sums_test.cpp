#include "store/monthly_sums.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace bw::store {
namespace {

TEST(MonthlySumsTest, matches_a_plain_map_over_many_series_months_and_long_keys) {
  MonthlySums sums;
  std::map<std::tuple<std::string, std::string, int>, std::pair<std::int64_t, std::int64_t>> want;
  std::mt19937 rng(42);
  const std::string long_code(60, 'X');  // longer than a slot's inline key
  for (int i = 0; i < 50000; ++i) {
    const std::string unit = "U" + std::to_string(rng() % 20);
    std::string code = "P" + std::to_string(rng() % 500);
    if (rng() % 100 == 0) code = long_code + std::to_string(rng() % 3);
    // Mostly one fiscal year; a few rows years away (outside the flat window).
    const int year = rng() % 500 == 0 ? 2019 : 2021;
    const int yyyymm = year * 100 + static_cast<int>(rng() % 12) + 1;
    const std::int64_t fen = static_cast<std::int64_t>(rng() % 100000) - 1000;
    sums.add(unit, code, "单位", "项目", yyyymm, fen);
    auto& w = want[{unit, code, yyyymm}];
    w.first += fen;
    w.second += 1;
  }
  std::map<std::tuple<std::string, std::string, int>, std::pair<std::int64_t, std::int64_t>> got;
  for (std::size_t i = 0; i < sums.series().size(); ++i) {
    const auto& s = sums.series()[i];
    int last = 0;
    for (const auto& m : sums.months(i)) {
      EXPECT_GT(m.yyyymm, last);
      last = m.yyyymm;
      got[{s.unit_code, s.project_code, m.yyyymm}] = {m.fen, m.count};
    }
  }
  EXPECT_EQ(got, want);
}

TEST(MonthlySumsTest, keeps_the_first_names_of_a_series) {
  MonthlySums sums;
  sums.add("U1", "", "单位一", "基本支出", 202103, 100);
  sums.add("U1", "", "单位一（改名）", "其他", 202104, 50);
  ASSERT_EQ(sums.series().size(), 1u);
  EXPECT_EQ(sums.series()[0].unit_name, "单位一");
  EXPECT_EQ(sums.series()[0].project_name, "基本支出");
  ASSERT_EQ(sums.months(0).size(), 2u);
  EXPECT_EQ(sums.months(0)[1].fen, 50);
}

}  // namespace
}  // namespace bw::store
