#include <gtest/gtest.h>

#include <string>

#include "daemon/log.h"

namespace bw::daemon {
namespace {

TEST(KvTest, plain_values_are_unchanged) {
  EXPECT_EQ(kv("payments_202103.csv"), "payments_202103.csv");
  EXPECT_EQ(kv("42"), "42");
  EXPECT_EQ(kv("/var/lib/budgetwatch/db.sqlite"), "/var/lib/budgetwatch/db.sqlite");
}

TEST(KvTest, spaces_quotes_equals_and_backslashes_are_quoted_and_escaped) {
  EXPECT_EQ(kv(""), "\"\"");
  EXPECT_EQ(kv("a b.csv"), "\"a b.csv\"");
  EXPECT_EQ(kv("a=b"), "\"a=b\"");
  EXPECT_EQ(kv("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(kv("C:\\exports"), "\"C:\\\\exports\"");
  // A value cannot close its quotes and start a key of its own.
  EXPECT_EQ(kv("x\" error=\"forged"), "\"x\\\" error=\\\"forged\"");
}

TEST(KvTest, control_characters_never_end_the_line) {
  EXPECT_EQ(kv("a\ninfo forged"), "\"a\\ninfo forged\"");
  EXPECT_EQ(kv("a\r\nb"), "\"a\\r\\nb\"");
  EXPECT_EQ(kv("a\tb"), "\"a\\tb\"");
  EXPECT_EQ(kv(std::string("a\0b", 3)), "\"a\\x00b\"");
  EXPECT_EQ(kv("\x1b[31mred"), "\"\\x1b[31mred\"");  // a terminal escape
  EXPECT_EQ(kv("a\x7f"), "\"a\\x7f\"");
  EXPECT_EQ(kv("\x0b\x0c"), "\"\\x0b\\x0c\"");
}

TEST(KvTest, unicode_line_breaks_and_c1_controls_are_escaped) {
  EXPECT_EQ(kv("a\u2028b"), "\"a\\u2028b\"");
  EXPECT_EQ(kv("a\u2029b"), "\"a\\u2029b\"");
  EXPECT_EQ(kv("a\xc2\x85"
               "b"),
            "\"a\\u0085b\"");  // NEL
  EXPECT_EQ(kv("a\xc2\x9b"
               "b"),
            "\"a\\u009bb\"");  // CSI
  EXPECT_EQ(kv("a\x85"
               "b"),
            "\"a\\x85b\"");                     // a lone byte that is not UTF-8
  EXPECT_EQ(kv("\xe2\x80"), "\"\\xe2\\x80\"");  // a truncated sequence
  EXPECT_EQ(kv("\xc0\x8a"), "\"\\xc0\\x8a\"");  // an overlong newline
}

TEST(KvTest, utf8_text_stays_readable) {
  EXPECT_EQ(kv("支付明细.csv"), "支付明细.csv");
  EXPECT_EQ(kv("金额 12,3x"), "\"金额 12,3x\"");
  EXPECT_EQ(kv("\u00e9\u2027\U0001F600"), "\u00e9\u2027\U0001F600");  // U+2027 is not a break
}

TEST(KvTest, every_value_is_one_line) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string out = kv(all);
  for (char c : out) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7F) << "byte " << static_cast<int>(u);
  }
}

}  // namespace
}  // namespace bw::daemon
