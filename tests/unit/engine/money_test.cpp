#include "engine/money.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

std::int64_t fen(std::string_view s, MoneyUnit u = MoneyUnit::yuan) {
  auto m = parse_money(s, u);
  EXPECT_TRUE(m.has_value()) << s << ": " << (m ? "" : m.error().message);
  return m ? m->fen : 0;
}

std::string error_of(std::string_view s, MoneyUnit u = MoneyUnit::yuan) {
  auto m = parse_money(s, u);
  EXPECT_FALSE(m.has_value()) << s << " parsed as " << (m ? m->fen : 0);
  return m ? "" : m.error().message;
}

TEST(MoneyTest, parses_plain_and_grouped_yuan_exactly) {
  EXPECT_EQ(fen("12345.60"), 1234560);
  EXPECT_EQ(fen("12,345.60"), 1234560);
  EXPECT_EQ(fen("118,300,000.00"), 11830000000);
  EXPECT_EQ(fen("0.01"), 1);
  EXPECT_EQ(fen("7"), 700);
  EXPECT_EQ(fen("7.5"), 750);
  EXPECT_EQ(fen("  1,784.26 "), 178426);
  EXPECT_EQ(fen("12.500"), 1250);  // extra zero decimals are exact
}

TEST(MoneyTest, parses_signs_and_accounting_negatives) {
  EXPECT_EQ(fen("-3.50"), -350);
  EXPECT_EQ(fen("-3.5"), -350);
  EXPECT_EQ(fen("+3"), 300);
  EXPECT_EQ(fen("(1,234.00)"), -123400);
  EXPECT_EQ(fen("-336,711.00"), -33671100);
}

TEST(MoneyTest, parses_full_width_digits_and_currency_signs) {
  EXPECT_EQ(fen("１２３"), 12300);
  EXPECT_EQ(fen("１２，３４５．６０"), 1234560);
  EXPECT_EQ(fen("－３．５"), -350);
  EXPECT_EQ(fen("¥1,000.00"), 100000);
  EXPECT_EQ(fen("￥ 88.80"), 8880);
  EXPECT_EQ(fen("\u3000１２３\u3000"), 12300);
}

TEST(MoneyTest, scales_wan_yuan_by_column_or_suffix) {
  EXPECT_EQ(fen("12,103.27万元"), 12103270000);
  EXPECT_EQ(fen("17,088.41", MoneyUnit::wan_yuan), 17088410000);
  EXPECT_EQ(fen("0.000001", MoneyUnit::wan_yuan), 1);  // one fen
  EXPECT_EQ(fen("3万"), 3000000);
  EXPECT_EQ(fen("500元", MoneyUnit::wan_yuan), 50000);  // the value's own unit wins
  EXPECT_EQ(fen("-5,172.47万元"), -5172470000);
}

TEST(MoneyTest, rejects_garbage_with_exact_messages) {
  EXPECT_EQ(error_of(""), "empty amount");
  EXPECT_EQ(error_of("   "), "empty amount");
  EXPECT_EQ(error_of("壹万贰仟元整"), "'壹万贰仟元整' is not an amount");
  EXPECT_EQ(error_of("12,3a4.00"), "'12,3a4.00' is not an amount");
  EXPECT_EQ(error_of("N/A"), "'N/A' is not an amount");
  EXPECT_EQ(error_of("#VALUE!"), "'#VALUE!' is not an amount");
  EXPECT_EQ(error_of("1.234.56"), "'1.234.56' is not an amount");
  EXPECT_EQ(error_of("--"), "'--' is not an amount");
  EXPECT_EQ(error_of("12345.6.7"), "'12345.6.7' is not an amount");
  EXPECT_EQ(error_of("金额待定"), "'金额待定' is not an amount");
  EXPECT_EQ(error_of("12.345"), "'12.345' is not an amount (more than 2 decimals)");
  EXPECT_EQ(error_of("1.2345678", MoneyUnit::wan_yuan),
            "'1.2345678' is not an amount (more than 6 decimals in 万元)");
  EXPECT_EQ(error_of("1,23,456.00"),
            "'1,23,456.00' is not an amount (misplaced thousands separator)");
  EXPECT_EQ(error_of("1234,567.00"),
            "'1234,567.00' is not an amount (misplaced thousands separator)");
  EXPECT_EQ(error_of("12,34"), "'12,34' is not an amount (misplaced thousands separator)");
  EXPECT_EQ(error_of("99999999999999999999"),
            "'99999999999999999999' is not an amount (too large)");
  EXPECT_EQ(error_of("-"), "'-' is not an amount");
  EXPECT_EQ(error_of("."), "'.' is not an amount");
  EXPECT_EQ(error_of("(-5)"), "'(-5)' is not an amount");
}

TEST(MoneyTest, header_declares_its_unit) {
  auto h = split_header_unit("年初预算数（万元）");
  EXPECT_EQ(h.name, "年初预算数");
  EXPECT_EQ(h.unit, MoneyUnit::wan_yuan);
  h = split_header_unit(" 金额(元) ");
  EXPECT_EQ(h.name, "金额");
  EXPECT_EQ(h.unit, MoneyUnit::yuan);
  h = split_header_unit("金额");
  EXPECT_EQ(h.name, "金额");
  EXPECT_FALSE(h.unit.has_value());
  h = split_header_unit("备注（其他）");  // a parenthesis that is not a unit stays in the name
  EXPECT_EQ(h.name, "备注(其他)");
  EXPECT_FALSE(h.unit.has_value());
}

TEST(MoneyTest, formats_yuan_and_wan) {
  EXPECT_EQ(format_yuan(Money{1234560}), "12,345.60");
  EXPECT_EQ(format_yuan(Money{1234560}, false), "12345.60");
  EXPECT_EQ(format_yuan(Money{-5}), "-0.05");
  EXPECT_EQ(format_yuan(Money{0}), "0.00");
  EXPECT_EQ(format_yuan(Money{100000000}), "1,000,000.00");
  EXPECT_EQ(format_wan(Money{17088410000}), "17,088.41");
  EXPECT_EQ(format_wan(Money{-5172470000}), "-5,172.47");
  EXPECT_EQ(format_wan(Money{5000}), "0.01");  // half rounds away from zero
  EXPECT_EQ(format_wan(Money{4999}), "0.00");
  EXPECT_EQ(format_wan(Money{-5000}), "-0.01");
  EXPECT_EQ(format_wan(Money{-4999}), "0.00");  // no negative zero
}

TEST(MoneyTest, parse_and_format_round_trip) {
  for (std::int64_t f : {0LL, 1LL, 99LL, 100LL, 123456789LL, -987654321LL, 4'000'000'000'000LL}) {
    EXPECT_EQ(fen(format_yuan(Money{f})), f);
    EXPECT_EQ(fen(format_yuan(Money{f}, false)), f);
  }
}

}  // namespace
}  // namespace bw::engine
