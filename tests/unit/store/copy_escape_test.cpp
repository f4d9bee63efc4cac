// copy_escape (store/pg_copy.cpp): a field in PostgreSQL COPY's text format, as the server reads it
// back.
#include <gtest/gtest.h>

#include <string>

#include "store/database.h"

namespace bw::store {
namespace {

std::string escaped(std::string_view v) {
  std::string out = "[";
  copy_escape(out, v);
  return out + "]";
}

TEST(CopyEscapeTest, fields_without_specials_are_copied_as_they_are) {
  EXPECT_EQ(escaped(""), "[]");
  EXPECT_EQ(escaped("ZF2021-0000001"), "[ZF2021-0000001]");
  EXPECT_EQ(escaped("广州市荔湾区中医医院（收款人全称）"), "[广州市荔湾区中医医院（收款人全称）]");
}

TEST(CopyEscapeTest, backslash_tab_newline_and_return_are_escaped_anywhere_in_the_field) {
  EXPECT_EQ(escaped("\\"), "[\\\\]");
  EXPECT_EQ(escaped("a\tb\nc\rd\\e"), "[a\\tb\\nc\\rd\\\\e]");
  // In and across the 8-byte words the scan reads at once, and in the tail after them.
  EXPECT_EQ(escaped("1234567\t9"), "[1234567\\t9]");
  EXPECT_EQ(escaped("12345678\n"), "[12345678\\n]");
  EXPECT_EQ(escaped("退回\\更正\r\n摘要：第二行"), "[退回\\\\更正\\r\\n摘要：第二行]");
  // Other control characters and the bytes near the specials pass as they are.
  EXPECT_EQ(escaped(std::string("\x01\x0b\x0c\x0e\x1f[]]^_", 10)),
            "[" + std::string("\x01\x0b\x0c\x0e\x1f[]]^_", 10) + "]");
}

}  // namespace
}  // namespace bw::store
