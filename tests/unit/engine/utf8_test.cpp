// engine/utf8: the strict sequence length, truncation by bytes and by characters, RFC 3339 UTC.
#include "engine/utf8.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

using namespace std::chrono;

TEST(Utf8Test, sequence_length_accepts_well_formed_and_refuses_the_rest) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);  // é
  EXPECT_EQ(utf8_sequence_length("预", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);  // U+1F600
  EXPECT_EQ(utf8_sequence_length("\xA9", 0), 0u);              // continuation
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF", 0), 0u);          // overlong
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\xAF", 0), 0u);      // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0u);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u);  // beyond U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE9\xA2", 0), 0u);          // cut short
}

TEST(Utf8Test, truncate_bytes_never_splits_a_character) {
  EXPECT_EQ(truncate_bytes_utf8("预算执行", 12), "预算执行");
  EXPECT_EQ(truncate_bytes_utf8("预算执行", 7), "预算");
  EXPECT_EQ(truncate_bytes_utf8("预算执行", 6), "预算");
  EXPECT_EQ(truncate_bytes_utf8("预算执行", 2), "");
  EXPECT_EQ(truncate_bytes_utf8("abc", 2), "ab");
}

TEST(Utf8Test, truncate_chars_counts_characters) {
  EXPECT_EQ(truncate_chars("预算执行监控", 4), "预算执行");
  EXPECT_EQ(truncate_chars("abc", 3), "abc");
  EXPECT_EQ(truncate_chars("a预b", 2), "a预");
  EXPECT_EQ(truncate_chars("", 0), "");
}

TEST(Utf8Test, rfc3339_is_utc_with_whole_seconds) {
  EXPECT_EQ(format_rfc3339_utc(sys_seconds{seconds{1625040000}}), "2021-06-30T08:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(sys_seconds{seconds{1640966399}}), "2021-12-31T15:59:59Z");
  EXPECT_EQ(format_rfc3339_utc(sys_seconds{seconds{0}}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(sys_seconds{seconds{951782400}}), "2000-02-29T00:00:00Z");
}

// The one decoder to UTF-32 (the target parser's) and back: every width round-trips, and each
// ill-formed kind is refused with the code points before it kept.
TEST(Utf8Test, decode_and_encode_utf32) {
  std::u32string out;
  const std::string text = "a\u00e9\u4e2d\U00020000z";  // 1, 2, 3 and 4 bytes
  ASSERT_TRUE(decode_utf8(text, out));
  EXPECT_EQ(out, std::u32string({U'a', U'\u00e9', U'\u4e2d', U'\U00020000', U'z'}));
  EXPECT_EQ(encode_utf8(out), text);
  EXPECT_FALSE(decode_utf8("ok\xC0\xAF", out));  // overlong '/'
  EXPECT_EQ(out, U"ok");
  EXPECT_FALSE(decode_utf8("\xED\xA0\x80", out));      // a UTF-16 surrogate
  EXPECT_FALSE(decode_utf8("\xF4\x90\x80\x80", out));  // beyond U+10FFFF
  EXPECT_FALSE(decode_utf8("\xE4\xB8", out));          // cut short
  EXPECT_TRUE(decode_utf8("", out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace bw::engine
