#include "reports/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

namespace bw::reports {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The eight-bytes-at-a-time scan must find a byte that needs escaping at every position of a word,
// next to multi-byte UTF-8 and bytes of 0x7f and above, as Boost.JSON's serializer escapes it.
TEST(AppendJsonString, EscapesAsBoostJsonAtEveryPosition) {
  const std::string specials[] = {"\"", "\\", "\n", "\t", "\x01", "\x1f", "\b", "\f", "\r"};
  const std::string plain[] = {"a", " ", "\x7f", "广", "州", "0", "/", "\xc2\xa0"};
  for (const std::string& special : specials) {
    for (std::size_t before = 0; before < 20; ++before) {
      for (const std::string& filler : plain) {
        std::string s;
        for (std::size_t i = 0; i < before; ++i) s += filler;
        s += special;
        s += "后缀tail";
        EXPECT_EQ(escaped(s), boost::json::serialize(boost::json::string(s)))
            << "special byte " << static_cast<int>(special[0]) << " after " << before << " × "
            << filler;
      }
    }
  }
}

TEST(AppendJsonString, RandomStringsEqualBoostJson) {
  std::mt19937 rng(20261203);
  const std::string alphabet[] = {"\"", "\\", "\n",   "\x02", "\x1f",        " ",  "a",
                                  "Z",  "~",  "\x7f", "预",   "算",          "执", "行",
                                  "率", "（", "）",   "%",    "\xe2\x80\x94"};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(alphabet) - 1);
  std::uniform_int_distribution<int> length(0, 60);
  for (int n = 0; n < 5000; ++n) {
    std::string s;
    for (int i = length(rng); i > 0; --i) s += alphabet[pick(rng)];
    ASSERT_EQ(escaped(s), boost::json::serialize(boost::json::string(s))) << s;
  }
  EXPECT_EQ(escaped(""), "\"\"");
  EXPECT_EQ(escaped("广州市荔湾区财政局"), "\"广州市荔湾区财政局\"");
}

}  // namespace
}  // namespace bw::reports
