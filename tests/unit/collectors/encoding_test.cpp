#include "collectors/encoding.h"

#include <gtest/gtest.h>
#include <iconv.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bw::collect {
namespace {

using namespace std::string_literals;

// 金额 (amount) in both encodings.
const std::string jine_utf8 = "\xE9\x87\x91\xE9\xA2\x9D";
const std::string jine_gb = "\xBD\xF0\xB6\xEE";

// Converts with iconv (the test's own oracle for GB18030 bytes).
std::string convert(const std::string& in, const char* to, const char* from) {
  iconv_t cd = iconv_open(to, from);
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)));
  std::string out(in.size() * 4 + 16, '\0');
  char* ip = const_cast<char*>(in.data());
  std::size_t il = in.size();
  char* op = out.data();
  std::size_t ol = out.size();
  const std::size_t r = iconv(cd, &ip, &il, &op, &ol);
  EXPECT_NE(r, static_cast<std::size_t>(-1)) << "iconv failed";
  iconv_close(cd);
  out.resize(out.size() - ol);
  return out;
}
std::string to_gb18030(const std::string& utf8) { return convert(utf8, "GB18030", "UTF-8"); }

// True when glibc's iconv decodes `bytes` completely.
bool iconv_accepts(iconv_t cd, const std::string& bytes) {
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  char out[64];
  char* ip = const_cast<char*>(bytes.data());
  std::size_t il = bytes.size();
  char* op = out;
  std::size_t ol = sizeof out;
  return iconv(cd, &ip, &il, &op, &ol) != static_cast<std::size_t>(-1) && il == 0;
}

// Reads a text source to the end with reads of at most `max` bytes.
Result<std::string> drain(TextSource& src, std::size_t max) {
  std::string out;
  for (;;) {
    auto n = src.read(out, max);
    if (!n) return tl::unexpected(n.error());
    if (*n == 0) return out;
    EXPECT_LE(*n, max);
  }
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "bw_encoding_test.XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string message(const Result<FileFacts>& r) { return r ? "(ok)" : r.error().message; }

TEST(EncodingTest, names_and_choices) {
  EXPECT_EQ(to_string(Encoding::utf8), "utf-8");
  EXPECT_EQ(to_string(Encoding::gb18030), "gb18030");
  EXPECT_EQ(parse_encoding_choice("auto"), EncodingChoice::auto_detect);
  EXPECT_EQ(parse_encoding_choice("utf-8"), EncodingChoice::utf8);
  EXPECT_EQ(parse_encoding_choice("utf8"), EncodingChoice::utf8);
  EXPECT_EQ(parse_encoding_choice("UTF-8"), EncodingChoice::utf8);
  EXPECT_EQ(parse_encoding_choice("gb18030"), EncodingChoice::gb18030);
  EXPECT_EQ(parse_encoding_choice("GBK"), EncodingChoice::gb18030);
  EXPECT_EQ(parse_encoding_choice("gb2312"), EncodingChoice::gb18030);
  const auto bad = parse_encoding_choice("latin1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_input);
  EXPECT_EQ(bad.error().message,
            "unknown encoding 'latin1' (expected auto, utf-8, gb18030, gbk or gb2312)");
}

TEST(EncodingTest, sha256_and_size_of_abc) {
  const auto f = inspect_bytes("abc", EncodingChoice::auto_detect);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(f->size_bytes, 3u);
  EXPECT_EQ(f->encoding, Encoding::utf8);
  EXPECT_FALSE(f->bom);
}

TEST(EncodingTest, empty_input_is_not_an_error) {
  const auto f = inspect_bytes("", EncodingChoice::auto_detect);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(f->size_bytes, 0u);
  EXPECT_EQ(f->encoding, Encoding::utf8);
  EXPECT_EQ(inspect_bytes("", EncodingChoice::gb18030)->encoding, Encoding::gb18030);

  TempDir dir;
  const auto ff = inspect_file(dir.write("empty.csv", ""), EncodingChoice::auto_detect);
  ASSERT_TRUE(ff);
  EXPECT_EQ(ff->size_bytes, 0u);
  EXPECT_EQ(ff->sha256, f->sha256);
  auto src = open_text_file(dir.path() / "empty.csv", Encoding::gb18030);
  ASSERT_TRUE(src);
  EXPECT_EQ(drain(**src, 100).value(), "");
}

TEST(EncodingTest, utf8_bom_is_detected_and_skipped) {
  const std::string bytes = "\xEF\xBB\xBF" + jine_utf8 + ",12.00\n";
  const auto f = inspect_bytes(bytes, EncodingChoice::auto_detect);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->encoding, Encoding::utf8);
  EXPECT_TRUE(f->bom);
  EXPECT_EQ(f->size_bytes, bytes.size());
  EXPECT_EQ(drain(*open_text_bytes(bytes, Encoding::utf8), 1 << 20).value(),
            jine_utf8 + ",12.00\n");

  TempDir dir;
  auto src = open_text_file(dir.write("bom.csv", bytes), Encoding::utf8);
  ASSERT_TRUE(src);
  EXPECT_EQ(drain(**src, 2).value(), jine_utf8 + ",12.00\n");
}

TEST(EncodingTest, valid_utf8_chinese_is_utf8) {
  const std::string bytes = "支付凭证号,金额,摘要\nZF2021-000123,\"12,345.60\",第二季度服务费\n";
  const auto f = inspect_bytes(bytes, EncodingChoice::auto_detect);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->encoding, Encoding::utf8);
  EXPECT_FALSE(f->bom);
}

TEST(EncodingTest, gb18030_is_detected_and_decoded) {
  const std::string bytes = jine_gb + ",12.00\n";
  const auto f = inspect_bytes(bytes, EncodingChoice::auto_detect);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->encoding, Encoding::gb18030);
  EXPECT_FALSE(f->bom);
  EXPECT_EQ(drain(*open_text_bytes(bytes, Encoding::gb18030), 1 << 20).value(),
            jine_utf8 + ",12.00\n");

  // Two-byte, four-byte BMP and four-byte supplementary characters, read back in reads of 1..7
  // bytes.
  const std::string text = "支付凭证号,收款人全称\nZF1,广州某某科技有限公司 ¥€é\xF0\x9F\x98\x80\n";
  const std::string gb = to_gb18030(text);
  ASSERT_EQ(inspect_bytes(gb, EncodingChoice::auto_detect)->encoding, Encoding::gb18030);
  for (std::size_t max = 1; max <= 7; ++max) {
    auto src = open_text_bytes(gb, Encoding::gb18030);
    EXPECT_EQ(drain(*src, max).value(), text) << "max " << max;
  }
}

TEST(EncodingTest, invalid_in_both_names_line_and_offset) {
  // 0xFF is neither UTF-8 nor GB18030.
  const auto a = inspect_bytes("ab\ncd\n\xFF", EncodingChoice::auto_detect);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::invalid_input);
  EXPECT_EQ(a.error().message, "not valid UTF-8 or GB18030 text (line 3, byte offset 6)");
  EXPECT_EQ(a.error().where, "");

  // UTF-8 text broken at byte 6: GB18030 already fails at byte 2 (AD 2C), UTF-8 got further.
  const auto b = inspect_bytes("\xE4\xB8\xAD,x\n\xFF", EncodingChoice::auto_detect);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "not valid UTF-8 or GB18030 text (line 2, byte offset 6)");

  // GB18030 text broken at byte 5 (0x81 then a space): UTF-8 fails at byte 0.
  const auto c = inspect_bytes(jine_gb + "\n\x81 ", EncodingChoice::auto_detect);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "not valid UTF-8 or GB18030 text (line 2, byte offset 5)");

  // A sequence cut off at the end of input.
  const auto d = inspect_bytes("ok\n" + jine_gb.substr(0, 3), EncodingChoice::auto_detect);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "not valid UTF-8 or GB18030 text (line 2, byte offset 5)");
}

TEST(EncodingTest, explicit_choice_checks_only_that_encoding) {
  const auto a = inspect_bytes("ok\n" + jine_gb, EncodingChoice::utf8);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::invalid_input);
  EXPECT_EQ(a.error().message, "not valid UTF-8 text (line 2, byte offset 3)");

  const auto b = inspect_bytes("ok\n\xE4\xB8\xAD,", EncodingChoice::gb18030);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "not valid GB18030 text (line 2, byte offset 5)");

  // Plain ASCII is whatever was chosen.
  EXPECT_EQ(inspect_bytes("a,b\n", EncodingChoice::gb18030)->encoding, Encoding::gb18030);
  EXPECT_EQ(inspect_bytes(jine_gb, EncodingChoice::gb18030)->encoding, Encoding::gb18030);

  const auto c = inspect_bytes(
      "\xEF\xBB\xBF"
      "a,b\n",
      EncodingChoice::gb18030);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "starts with a UTF-8 byte order mark, but the encoding is set to GB18030");

  // After a BOM, auto mode does not fall back to GB18030.
  const auto d = inspect_bytes(
      "\xEF\xBB\xBF"
      "a\n" +
          jine_gb,
      EncodingChoice::auto_detect);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "not valid UTF-8 text (line 2, byte offset 5)");
}

TEST(EncodingTest, utf8_is_strict) {
  struct Case {
    std::string bytes;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"x\xC0\x80", "overlong NUL"},     {"x\xE0\x80\xAF", "overlong slash"},
      {"x\xED\xA0\x80", "surrogate"},    {"x\xF4\x90\x80\x80", "above U+10FFFF"},
      {"x\xF5\x80\x80\x80", "bad lead"}, {"x\x80", "lone continuation"},
      {"x\xE4\xB8", "cut at end"},       {"x\xF0\x9F\x98", "cut at end (4)"},
  };
  for (const Case& c : cases) {
    const auto r = inspect_bytes(c.bytes, EncodingChoice::utf8);
    ASSERT_FALSE(r) << c.why;
    EXPECT_EQ(r.error().message, "not valid UTF-8 text (line 1, byte offset 1)") << c.why;
  }
  EXPECT_TRUE(inspect_bytes("\xF4\x8F\xBF\xBF \xEF\xBF\xBF \xC2\x80", EncodingChoice::utf8));
}

TEST(EncodingTest, utf16_and_utf32_are_refused) {
  for (const std::string& bom : {"\xFF\xFE"s, "\xFE\xFF"s}) {
    const auto r = inspect_bytes(bom + "a\0,\0"s, EncodingChoice::auto_detect);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_EQ(r.error().message, "UTF-16 text is not supported; export as UTF-8 or GB18030");
  }
  EXPECT_EQ(message(inspect_bytes("\xFF\xFE\0\0a\0\0\0"s, EncodingChoice::utf8)),
            "UTF-32 text is not supported; export as UTF-8 or GB18030");
  EXPECT_EQ(message(inspect_bytes("\0\0\xFE\xFF\0\0\0a"s, EncodingChoice::auto_detect)),
            "UTF-32 text is not supported; export as UTF-8 or GB18030");
}

TEST(EncodingTest, missing_file_and_directory_are_io_errors) {
  TempDir dir;
  const auto missing = dir.path() / "nope.csv";
  const auto r = inspect_file(missing, EncodingChoice::auto_detect);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message, "cannot open file: No such file or directory");
  EXPECT_EQ(r.error().where, missing.string());

  const auto s = open_text_file(missing, Encoding::gb18030);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::io);

  const auto d = inspect_file(dir.path(), EncodingChoice::auto_detect);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::io);
  EXPECT_EQ(d.error().message, "cannot read file: Is a directory");
}

TEST(EncodingTest, file_errors_name_the_path) {
  TempDir dir;
  const auto p = dir.write("bad.csv", "a,b\n1,2\n\xFF\n");
  const auto r = inspect_file(p, EncodingChoice::auto_detect);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "not valid UTF-8 or GB18030 text (line 3, byte offset 8)");
  EXPECT_EQ(r.error().to_string(),
            p.string() + ": not valid UTF-8 or GB18030 text (line 3, byte offset 8)");
}

TEST(EncodingTest, inspect_file_matches_inspect_bytes) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 30000; ++i)
    text += "ZF2021-" + std::to_string(i) + ",广州市荔湾区科技工业和信息化局,\"1,234.50\"\n";
  const std::string gb = to_gb18030(text);
  const std::string* const inputs[] = {&text, &gb};
  for (const std::string* bytes : inputs) {
    const auto from_file = inspect_file(dir.write("x.csv", *bytes), EncodingChoice::auto_detect);
    const auto from_bytes = inspect_bytes(*bytes, EncodingChoice::auto_detect);
    ASSERT_TRUE(from_file);
    ASSERT_TRUE(from_bytes);
    EXPECT_GT(from_file->size_bytes, read_chunk_bytes);
    EXPECT_EQ(from_file->size_bytes, bytes->size());
    EXPECT_EQ(from_file->sha256, from_bytes->sha256);
    EXPECT_EQ(from_file->encoding, from_bytes->encoding);
  }
  EXPECT_EQ(inspect_file(dir.path() / "x.csv", EncodingChoice::auto_detect)->encoding,
            Encoding::gb18030);
}

// A GB18030 file where a two- or four-byte sequence straddles the 1 MiB read boundary, at every
// split.
TEST(EncodingTest, multibyte_sequence_split_across_chunk_boundary) {
  TempDir dir;
  const std::string line = "ZF2021-0000001,2021-03-15,LW2021-P02\n";
  const std::vector<std::string> chars = {"金", "¥",
                                          "\xF0\x9F\x98\x80"};  // 2-byte, 4-byte, 4-byte (U+1F600)
  for (const std::string& ch : chars) {
    const std::string ch_gb = to_gb18030(ch);
    for (std::size_t split = 1; split < ch_gb.size(); ++split) {
      // ASCII up to (boundary - split), then the character, then more text.
      const std::size_t head_size = read_chunk_bytes - split;
      std::string head;
      while (head.size() + line.size() <= head_size) head += line;
      head.append(head_size - head.size(), 'x');
      const std::string tail = "," + jine_utf8 + "\n" + line;
      const std::string text = head + ch + tail;
      const std::string gb = head + ch_gb + to_gb18030(tail);
      ASSERT_EQ(gb.substr(read_chunk_bytes - split, ch_gb.size()), ch_gb);

      const auto p = dir.write("split.csv", gb);
      const auto f = inspect_file(p, EncodingChoice::auto_detect);
      ASSERT_TRUE(f) << f.error().message;
      EXPECT_EQ(f->encoding, Encoding::gb18030);
      auto src = open_text_file(p, Encoding::gb18030);
      ASSERT_TRUE(src);
      const auto decoded = drain(**src, read_chunk_bytes);
      ASSERT_TRUE(decoded) << decoded.error().message;
      EXPECT_TRUE(*decoded == text) << "char " << ch << " split " << split;

      // The same text in UTF-8, split the same way, is UTF-8.
      const std::string u = head + ch + ch + tail;
      const auto fu = inspect_file(dir.write("split8.csv", u), EncodingChoice::auto_detect);
      ASSERT_TRUE(fu);
      EXPECT_EQ(fu->encoding, Encoding::utf8);
    }
  }
}

TEST(EncodingTest, bad_sequence_across_chunk_boundary_is_located) {
  TempDir dir;
  std::string bytes(read_chunk_bytes - 1, 'a');
  bytes[10] = '\n';
  bytes += "\xE4x\n";  // a three-byte lead cut by an ASCII byte, straddling the boundary
  const auto r = inspect_file(dir.write("bad.csv", bytes), EncodingChoice::utf8);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "not valid UTF-8 text (line 2, byte offset 1048575)");
}

TEST(EncodingTest, decoding_errors_name_line_and_offset) {
  // inspect would refuse these; the sources report them too (e.g. a file changed between the
  // passes).
  const std::string bad = jine_gb + "\n" + jine_gb + "\x81 ";
  auto src = open_text_bytes(bad, Encoding::gb18030);
  const auto r = drain(*src, 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_EQ(r.error().message, "not valid GB18030 text (line 2, byte offset 9)");

  const auto cut =
      drain(*open_text_bytes("ab\n" + jine_gb.substr(0, 3), Encoding::gb18030), 1 << 20);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message, "not valid GB18030 text (line 2, byte offset 5)");

  TempDir dir;
  const auto p = dir.write("bad.csv", bad);
  auto fsrc = open_text_file(p, Encoding::gb18030);
  ASSERT_TRUE(fsrc);
  const auto fr = drain(**fsrc, 1 << 20);
  ASSERT_FALSE(fr);
  EXPECT_EQ(fr.error().to_string(),
            p.string() + ": not valid GB18030 text (line 2, byte offset 9)");
}

// The validator accepts exactly what glibc's iconv decodes: every two-byte code, and every
// four-byte code whose first byte lies at or next to a boundary of the mapped ranges.
TEST(EncodingTest, gb18030_validator_agrees_with_iconv) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  ASSERT_NE(cd, reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)));
  int checked = 0;
  const auto check = [&](const std::string& seq) {
    const bool ours = inspect_bytes(seq, EncodingChoice::gb18030).has_value();
    ASSERT_EQ(ours, iconv_accepts(cd, seq))
        << std::hex << static_cast<unsigned>(static_cast<unsigned char>(seq[0])) << " "
        << static_cast<unsigned>(static_cast<unsigned char>(seq[1]));
    ++checked;
  };
  for (int b = 0x80; b <= 0xFF; ++b) check(std::string(1, static_cast<char>(b)) + " ");
  for (int b1 = 0x81; b1 <= 0xFE; ++b1) {
    for (int b2 = 0; b2 <= 0xFF; ++b2) {
      if (b2 >= 0x30 && b2 <= 0x39) continue;
      check(std::string{static_cast<char>(b1), static_cast<char>(b2)});
    }
  }
  for (int b1 : {0x81, 0x82, 0x83, 0x84, 0x85, 0x8F, 0x90, 0xA0, 0xE3, 0xE4, 0xFE}) {
    for (int b2 = 0x30; b2 <= 0x39; ++b2) {
      for (int b3 = 0x80; b3 <= 0xFF; ++b3) {
        for (int b4 = 0x2F; b4 <= 0x3A; ++b4) {
          check(std::string{static_cast<char>(b1), static_cast<char>(b2), static_cast<char>(b3),
                            static_cast<char>(b4)});
        }
      }
    }
  }
  iconv_close(cd);
  EXPECT_GT(checked, 150000);
}

}  // namespace
}  // namespace bw::collect
