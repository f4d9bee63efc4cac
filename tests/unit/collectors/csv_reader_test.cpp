#include "collectors/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "collectors/encoding.h"

namespace bw::collect {
namespace {

using namespace std::string_literals;

// Hands out its text 1-7 bytes at a time (seeded), to put record and field ends on every read
// boundary.
class ChunkySource final : public TextSource {
 public:
  ChunkySource(std::string text, std::uint32_t seed) : text_(std::move(text)), rng_(seed) {}
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    const std::size_t n = std::min(
        {max, text_.size() - pos_, std::uniform_int_distribution<std::size_t>(1, 7)(rng_)});
    out.append(text_, pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string text_;
  std::size_t pos_ = 0;
  std::mt19937 rng_;
};

// Returns its text, then fails.
class FailingSource final : public TextSource {
 public:
  explicit FailingSource(std::string text) : text_(std::move(text)) {}
  Result<std::size_t> read(std::string& out, std::size_t) override {
    if (done_) return fail(Errc::io, "cannot read file: Input/output error", "x.csv");
    done_ = true;
    out += text_;
    return text_.size();
  }

 private:
  std::string text_;
  bool done_ = false;
};

// A record copied out of the reader (its views die at the next call).
struct Rec {
  std::vector<std::string> fields;
  int line = 0;
  std::string raw;
  bool ok = true;
  int column = 0;
  std::string error;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  os << "{line " << r.line
     << (r.ok ? " ok" : " BAD col " + std::to_string(r.column) + " '" + r.error + "'") << " raw '"
     << r.raw << "' fields [";
  for (const auto& f : r.fields) os << "'" << f << "' ";
  return os << "]}";
}

std::vector<Rec> read_all(TextSource& src, CsvLimits limits = {}, char delim = ',') {
  CsvReader reader(src, delim, limits);
  CsvRecord rec;
  std::vector<Rec> out;
  while (reader.next(rec)) {
    out.push_back({{rec.fields.begin(), rec.fields.end()},
                   rec.line,
                   std::string(rec.raw),
                   rec.ok,
                   rec.error_column,
                   rec.error});
  }
  EXPECT_TRUE(reader.status());
  return out;
}

std::vector<Rec> parse(const std::string& text, CsvLimits limits = {}, char delim = ',') {
  auto src = open_text_bytes(text, Encoding::utf8);
  return read_all(*src, limits, delim);
}

Rec good(int line, std::vector<std::string> fields, std::string raw) {
  return {std::move(fields), line, std::move(raw), true, 0, ""};
}
Rec bad(int line, int column, std::string error, std::string raw) {
  return {{}, line, std::move(raw), false, column, std::move(error)};
}

TEST(CsvReaderTest, simple_rows) {
  EXPECT_EQ(parse("支付凭证号,金额\nZF1,12.50\nZF2,-3.00\n"),
            (std::vector<Rec>{good(1, {"支付凭证号", "金额"}, "支付凭证号,金额"),
                              good(2, {"ZF1", "12.50"}, "ZF1,12.50"),
                              good(3, {"ZF2", "-3.00"}, "ZF2,-3.00")}));
  EXPECT_EQ(parse(""), std::vector<Rec>{});
  EXPECT_EQ(parse("a"), std::vector<Rec>{good(1, {"a"}, "a")});
  EXPECT_EQ(parse(",\n"), std::vector<Rec>{good(1, {"", ""}, ",")});
  EXPECT_EQ(parse("a,b,\n"), std::vector<Rec>{good(1, {"a", "b", ""}, "a,b,")});
}

TEST(CsvReaderTest, crlf_line_ends) {
  EXPECT_EQ(parse("a,b\r\n1,2\r\n"),
            (std::vector<Rec>{good(1, {"a", "b"}, "a,b"), good(2, {"1", "2"}, "1,2")}));
  EXPECT_EQ(parse("a,\"b\"\r\n1,2\r"),
            (std::vector<Rec>{good(1, {"a", "b"}, "a,\"b\""), good(2, {"1", "2"}, "1,2")}));
  // A CR elsewhere is data.
  EXPECT_EQ(parse("a\rb,c\r\r\n"), std::vector<Rec>{good(1, {"a\rb", "c\r"}, "a\rb,c\r")});
}

TEST(CsvReaderTest, quoted_fields_hold_delimiters_quotes_and_line_breaks) {
  const std::string text =
      "ZF1,\"12,345.60\",\"say \"\"hi\"\"\",\"line1\nline2\r\nline3\rend\"\n"
      "ZF2,\"\",\"\"\"\"\n";
  EXPECT_EQ(
      parse(text),
      (std::vector<Rec>{good(1, {"ZF1", "12,345.60", "say \"hi\"", "line1\nline2\r\nline3\rend"},
                             "ZF1,\"12,345.60\",\"say \"\"hi\"\"\",\"line1\nline2\r\nline3\rend\""),
                        good(4, {"ZF2", "", "\""}, "ZF2,\"\",\"\"\"\"")}));
}

TEST(CsvReaderTest, empty_lines_are_skipped_and_counted) {
  EXPECT_EQ(parse("\n\na,b\n\r\n\nc,d\n\n"),
            (std::vector<Rec>{good(3, {"a", "b"}, "a,b"), good(6, {"c", "d"}, "c,d")}));
  EXPECT_EQ(parse("\r\n\r"), std::vector<Rec>{});
  // Whitespace is data: the parsers trim.
  EXPECT_EQ(parse(" \n a , b \n"),
            (std::vector<Rec>{good(1, {" "}, " "), good(2, {" a ", " b "}, " a , b ")}));
}

TEST(CsvReaderTest, final_line_without_line_break) {
  EXPECT_EQ(parse("a,b\nc,d"),
            (std::vector<Rec>{good(1, {"a", "b"}, "a,b"), good(2, {"c", "d"}, "c,d")}));
  EXPECT_EQ(parse("a,b\n\"c\",\"d\""),
            (std::vector<Rec>{good(1, {"a", "b"}, "a,b"), good(2, {"c", "d"}, "\"c\",\"d\"")}));
}

TEST(CsvReaderTest, stray_quote_in_unquoted_field) {
  const std::string text =
      "支付凭证号,收款人全称,金额\n"
      "ZF1,广州\"某某科技有限公司,100\n"
      "ZF2,广州某某科技有限公司,200\n";
  EXPECT_EQ(parse(text),
            (std::vector<Rec>{
                good(1, {"支付凭证号", "收款人全称", "金额"}, "支付凭证号,收款人全称,金额"),
                bad(2, 2, "stray quote in an unquoted field", "ZF1,广州\"某某科技有限公司,100"),
                good(3, {"ZF2", "广州某某科技有限公司", "200"}, "ZF2,广州某某科技有限公司,200")}));
}

TEST(CsvReaderTest, text_after_a_closing_quote) {
  const std::string text =
      "ZF1,\"广州某某\"科技有限公司,100\r\n"
      "ZF2,\"x\nmultiline\" ,1\r\n"
      "ZF3,x,1\r\n";
  EXPECT_EQ(
      parse(text),
      (std::vector<Rec>{bad(1, 2, "text after a closing quote", "ZF1,\"广州某某\"科技有限公司,100"),
                        bad(2, 2, "text after a closing quote", "ZF2,\"x\nmultiline\" ,1"),
                        good(4, {"ZF3", "x", "1"}, "ZF3,x,1")}));
}

TEST(CsvReaderTest, unclosed_quote_at_end_of_file) {
  const std::string text = "a,b\nZF1,\"广州某某,100\nZF2,x,1\n";
  EXPECT_EQ(parse(text),
            (std::vector<Rec>{good(1, {"a", "b"}, "a,b"), bad(2, 2, "unclosed quote at end of file",
                                                              "ZF1,\"广州某某,100\nZF2,x,1")}));
}

TEST(CsvReaderTest, unclosed_quote_longer_than_1_mib_resyncs_after_its_first_line) {
  std::string text = "h1,h2,h3\nZF0,\"unclosed,1\n";
  int rows = 0;
  while (text.size() < (std::size_t{3} << 20))
    text += "ZF" + std::to_string(++rows) + ",广州某某科技有限公司,1\n";
  for (bool chunky : {false, true}) {
    ChunkySource small_reads(text, 7);
    auto whole = open_text_bytes(text, Encoding::utf8);
    const auto recs = read_all(chunky ? static_cast<TextSource&>(small_reads) : *whole);
    ASSERT_EQ(recs.size(), static_cast<std::size_t>(rows) + 2);
    EXPECT_EQ(recs[1], bad(2, 2, "unclosed quote (field longer than 1 MiB)", "ZF0,\"unclosed,1"));
    EXPECT_EQ(recs[2], good(3, {"ZF1", "广州某某科技有限公司", "1"}, "ZF1,广州某某科技有限公司,1"));
    EXPECT_EQ(recs.back().line, rows + 2);
    EXPECT_TRUE(std::all_of(recs.begin() + 2, recs.end(), [](const Rec& r) { return r.ok; }));
  }
}

TEST(CsvReaderTest, limits_are_configurable) {
  const CsvLimits limits{8, 32};
  EXPECT_EQ(
      parse("a,\"123456789\"\nb\n", limits),
      (std::vector<Rec>{bad(1, 2, "unclosed quote (field longer than 8 bytes)", "a,\"123456789\""),
                        good(2, {"b"}, "b")}));
  EXPECT_EQ(parse("a,\"12345678\"\n", limits),
            (std::vector<Rec>{good(1, {"a", "12345678"}, "a,\"12345678\"")}));
  const std::string line31 = std::string(30, 'x') + "\n";
  const std::string line33 = std::string(32, 'x') + "\n";
  EXPECT_EQ(parse(line31 + line33 + "ok\n", limits),
            (std::vector<Rec>{good(1, {std::string(30, 'x')}, std::string(30, 'x')),
                              bad(2, 1, "record longer than 32 bytes", std::string(32, 'x')),
                              good(3, {"ok"}, "ok")}));
  // The 1 MiB / 8 MiB defaults read as such.
  EXPECT_EQ(parse("\"" + std::string((1 << 20) + 1, 'x') + "\"\n")[0].error,
            "unclosed quote (field longer than 1 MiB)");
  EXPECT_EQ(parse("\"" + std::string(1 << 20, 'x') + "\"\n")[0].ok, true);
  EXPECT_EQ(parse(std::string(8 << 20, 'x') + "\nok\n")[0].error, "record longer than 8 MiB");
}

TEST(CsvReaderTest, raw_text_is_capped_at_4_kib_on_a_character_boundary) {
  std::string long_field;
  for (int i = 0; i < 2000; ++i) long_field += "中";
  const auto recs = parse("ZF12," + long_field + "\nZF2,\"x\"y" + long_field + "\r\nZF3\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].fields[1], long_field);
  EXPECT_EQ(recs[0].raw,
            ("ZF12," + long_field).substr(0, 5 + 4089));  // 5 + 1363 characters of 3 bytes
  EXPECT_EQ(recs[1].raw, ("ZF2,\"x\"y" + long_field).substr(0, 8 + 4086));
  EXPECT_FALSE(recs[1].ok);
  EXPECT_EQ(recs[2], good(3, {"ZF3"}, "ZF3"));
}

TEST(CsvReaderTest, many_escaped_fields_stay_valid) {
  std::string line, expected_raw;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    const std::string value =
        "v" + std::to_string(i) + std::string(static_cast<std::size_t>(i), 'y');
    line += std::string(i ? "," : "") + "\"" + value + "\"\"q\"\"\"";
    expected.push_back(value + "\"q\"");
  }
  const auto recs = parse(line + "\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_TRUE(recs[0].fields == expected);
  EXPECT_GT(line.size(), max_raw_bytes);
  EXPECT_TRUE(recs[0].raw == line.substr(0, max_raw_bytes));
}

TEST(CsvReaderTest, other_delimiters) {
  EXPECT_EQ(parse("a;\"b;c\";d,e\n", {}, ';'),
            std::vector<Rec>{good(1, {"a", "b;c", "d,e"}, "a;\"b;c\";d,e")});
  EXPECT_EQ(parse("a\tb\n", {}, '\t'), std::vector<Rec>{good(1, {"a", "b"}, "a\tb")});
  auto src = open_text_bytes("", Encoding::utf8);
  EXPECT_THROW(CsvReader(*src, '"'), std::invalid_argument);
  EXPECT_THROW(CsvReader(*src, '\n'), std::invalid_argument);
}

TEST(CsvReaderTest, gb18030_text_through_the_decoder) {
  // 金额,"1,234.50" / 摘要 in GB18030.
  const std::string gb = "\xBD\xF0\xB6\xEE,\"1,234.50\"\r\n\xD5\xAA\xD2\xAA\r\n";
  auto src = open_text_bytes(gb, Encoding::gb18030);
  EXPECT_EQ(read_all(*src), (std::vector<Rec>{good(1, {"金额", "1,234.50"}, "金额,\"1,234.50\""),
                                              good(2, {"摘要"}, "摘要")}));
}

TEST(CsvReaderTest, source_failure_stops_reading) {
  FailingSource src("a,b\nc,d\ne,");
  CsvReader reader(src);
  CsvRecord rec;
  ASSERT_TRUE(reader.next(rec));
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.fields[0], "c");
  EXPECT_FALSE(reader.next(rec));
  ASSERT_FALSE(reader.status());
  EXPECT_EQ(reader.status().error().code, Errc::io);
  EXPECT_EQ(reader.status().error().to_string(), "x.csv: cannot read file: Input/output error");
  EXPECT_FALSE(reader.next(rec));
}

TEST(CsvReaderTest, decoding_failure_is_the_status) {
  auto src = open_text_bytes("a,b\n\xBD\xF0\n\x81 \n", Encoding::gb18030);
  const CsvLimits limits;
  CsvReader reader(*src, ',', limits);
  CsvRecord rec;
  EXPECT_FALSE(reader.next(rec));  // the first read already fails
  ASSERT_FALSE(reader.status());
  EXPECT_EQ(reader.status().error().message, "not valid GB18030 text (line 3, byte offset 7)");
}

// ------------------------------------------------------------------------------------------------------------
// Differential tests: a naive character-by-character reader as the oracle, and reads of 1-7 bytes
// against one read of everything.

// At most max_raw_bytes, backing off over UTF-8 continuation bytes.
std::string cap_raw(std::string raw) {
  if (raw.size() <= max_raw_bytes) return raw;
  std::size_t n = max_raw_bytes;
  while (n > 0 && (static_cast<unsigned char>(raw[n]) & 0xC0) == 0x80) --n;
  return raw.substr(0, n);
}

std::vector<Rec> oracle(const std::string& s, char d = ',') {
  std::vector<Rec> out;
  const std::size_t n = s.size();
  std::size_t p = 0;
  int line = 1;
  const auto strip_cr = [](std::string t) {
    if (!t.empty() && t.back() == '\r') t.pop_back();
    return t;
  };
  for (;;) {
    while (p < n) {
      if (s[p] == '\n') {
        ++p, ++line;
      } else if (s[p] == '\r' && p + 1 == n) {
        ++p;
      } else if (s[p] == '\r' && s[p + 1] == '\n') {
        p += 2, ++line;
      } else {
        break;
      }
    }
    if (p == n) return out;
    const std::size_t start = p;
    int nl = 0, col = 0;
    Rec r;
    r.line = line;
    std::optional<std::string> error;
    std::size_t error_at = 0;
    bool done = false;
    while (!done && !error) {
      ++col;
      std::string v;
      if (p < n && s[p] == '"') {
        ++p;
        for (;;) {
          if (p == n) {
            error = "unclosed quote at end of file", error_at = n;
            break;
          }
          if (s[p] == '"') {
            if (p + 1 < n && s[p + 1] == '"') {
              v += '"', p += 2;
              continue;
            }
            ++p;
            break;
          }
          nl += s[p] == '\n';
          v += s[p++];
        }
        if (error) break;
        r.fields.push_back(v);
        if (p == n) {
          done = true;
        } else if (s[p] == d) {
          ++p;
        } else if (s[p] == '\n') {
          ++p, ++nl, done = true;
        } else if (s[p] == '\r' && p + 1 == n) {
          ++p, done = true;
        } else if (s[p] == '\r' && s[p + 1] == '\n') {
          p += 2, ++nl, done = true;
        } else {
          error = "text after a closing quote", error_at = p;
        }
      } else {
        while (p < n && s[p] != d && s[p] != '"' && s[p] != '\n') v += s[p++];
        if (p < n && s[p] == '"') {
          error = "stray quote in an unquoted field", error_at = p;
        } else if (p < n && s[p] == d) {
          r.fields.push_back(v);
          ++p;
        } else {
          r.fields.push_back(strip_cr(v));
          if (p < n) ++p, ++nl;
          done = true;
        }
      }
    }
    if (error) {
      const std::size_t lf = s.find('\n', error_at);
      std::string raw = s.substr(start, (lf == std::string::npos ? n : lf) - start);
      if (lf == std::string::npos && !raw.empty() && raw.back() == '\n') raw.pop_back();
      r = bad(line, col, *error, cap_raw(strip_cr(raw)));
      line += nl + (lf == std::string::npos ? 0 : 1);
      p = lf == std::string::npos ? n : lf + 1;
    } else {
      std::string raw = s.substr(start, p - start);
      if (!raw.empty() && raw.back() == '\n') raw.pop_back();
      r.raw = cap_raw(strip_cr(raw));
      line += nl;
    }
    out.push_back(r);
  }
}

std::string random_csv(std::mt19937& rng, std::size_t max_len) {
  static const std::vector<std::string> pieces = {"a",  "b",  "7",  ",", ",", "\"",
                                                  "\"", "\n", "\r", " ", "中"};
  std::string s;
  const std::size_t len = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
  while (s.size() < len)
    s += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
  return s;
}

TEST(CsvReaderTest, differential_against_oracle_and_small_reads) {
  std::mt19937 rng(20210315);
  for (int i = 0; i < 4000; ++i) {
    const std::string text = random_csv(rng, 120);
    const auto expected = oracle(text);
    ASSERT_EQ(parse(text), expected) << "input: '" << text << "'";
    ChunkySource src(text, static_cast<std::uint32_t>(i));
    ASSERT_EQ(read_all(src), expected) << "input: '" << text << "'";
  }
}

TEST(CsvReaderTest, limits_do_not_depend_on_read_boundaries) {
  std::mt19937 rng(7);
  for (int i = 0; i < 4000; ++i) {
    const std::string text = random_csv(rng, 200);
    const CsvLimits limits{std::uniform_int_distribution<std::size_t>(0, 12)(rng),
                           std::uniform_int_distribution<std::size_t>(1, 40)(rng)};
    const auto whole = parse(text, limits);
    ChunkySource src(text, static_cast<std::uint32_t>(i));
    ASSERT_EQ(read_all(src, limits), whole)
        << "input: '" << text << "' limits " << limits.max_quoted_field_bytes << "/"
        << limits.max_record_bytes;
  }
}

// Bigger records straddling the reader's own 1 MiB refills.
TEST(CsvReaderTest, records_straddling_refills) {
  std::mt19937 rng(99);
  std::string text;
  while (text.size() < (std::size_t{5} << 20)) {
    text += random_csv(rng, 3000);
    text += "\n";
  }
  const auto expected = oracle(text);
  EXPECT_EQ(parse(text), expected);
  ChunkySource src(text, 1);
  EXPECT_EQ(read_all(src), expected);
}

}  // namespace
}  // namespace bw::collect
