#include "engine/ratio.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

TEST(RatioTest, percentages_round_half_up_once) {
  EXPECT_EQ(format_pct(Ratio{10888890000, 11915940000}), "91.38");
  EXPECT_EQ(format_pct(Ratio{7516970000, 8495680000}), "88.48");
  EXPECT_EQ(format_pct(Ratio{1, 8}), "12.50");
  EXPECT_EQ(format_pct(Ratio{1, 3}), "33.33");
  EXPECT_EQ(format_pct(Ratio{2, 3}), "66.67");
  EXPECT_EQ(format_pct(Ratio{5, 100000}), "0.01");  // 0.005% is a tie: half up
  EXPECT_EQ(format_pct(Ratio{4, 100000}), "0.00");
  EXPECT_EQ(format_pct(Ratio{-5, 100000}), "-0.01");  // half away from zero
  EXPECT_EQ(format_pct(Ratio{0, 7}), "0.00");
  EXPECT_EQ(format_pct(Ratio{3, 2}), "150.00");
  EXPECT_EQ(format_pct(Ratio{1, 3}, 4), "33.3333");
}

TEST(RatioTest, undefined_without_denominator) {
  EXPECT_FALSE(Ratio::of(5, 0).has_value());
  auto r = Ratio::of(1, -4);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(format_pct(*r), "-25.00");
}

TEST(RatioTest, mean_is_exact_for_a_common_denominator) {
  // Liwan 2021: end of October 47.48% and end of November 48.37% of the same budget → 47.93%
  // (47.928%).
  const Ratio oct{5658045790, 11915940000};
  const Ratio nov{5764097656, 11915940000};
  const Ratio both[] = {oct, nov};
  EXPECT_EQ(format_pct(mean(both)), "47.93");
  EXPECT_EQ(format_pct(mean(both), 4), "47.9280");
  // A printed tie (47.925%) rounds up, as the report prints it.
  const Ratio tie[] = {Ratio{4748, 10000}, Ratio{4837, 10000}};
  EXPECT_EQ(format_pct(mean(tie)), "47.93");
}

TEST(RatioTest, mean_of_different_denominators) {
  const Ratio rs[] = {Ratio{1, 4}, Ratio{1, 2}};
  EXPECT_EQ(format_pct(mean(rs)), "37.50");
}

TEST(RatioTest, decimals_and_comparison) {
  EXPECT_EQ(format_decimal(Ratio{4552, 1000}), "4.55");
  EXPECT_EQ(format_decimal(Ratio{1905, 1000}), "1.91");
  const Ratio third{1, 3};
  const Ratio half{1, 2};
  const Ratio two_quarters{2, 4};
  EXPECT_TRUE(third < half);
  EXPECT_EQ(two_quarters.compare(1, 2), 0);
  EXPECT_DOUBLE_EQ((Ratio{1, 4}).to_double(), 0.25);
}

}  // namespace
}  // namespace bw::engine
