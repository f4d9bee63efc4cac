// libFuzzer target: bytes → encoding detection (auto) → decoder → CSV reader. Besides crashes and
// sanitizer reports it checks that what inspect_bytes accepts always decodes (the validator agrees
// with iconv), that UTF-8 passes through unchanged, and that records do not depend on how the text
// is split into reads. Build: clang++ -std=c++20 -fsanitize=fuzzer,address -I.
// tests/fuzz/csv_reader_fuzz.cpp
//        collectors/encoding.cpp collectors/csv_reader.cpp -lcrypto
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/csv_reader.h"
#include "collectors/encoding.h"

namespace {

using namespace bw::collect;

void check(bool ok) {
  if (!ok) std::abort();
}

// Hands out text in reads of `first`, then 1-7 bytes (a fixed pattern, so runs are reproducible).
class SplitSource final : public TextSource {
 public:
  SplitSource(std::string_view text, std::size_t first) : text_(text), next_(first) {}
  bw::Result<std::size_t> read(std::string& out, std::size_t max) override {
    std::size_t n = next_ == 0 ? 1 + (pos_ * 7 + calls_++) % 7 : next_;
    next_ = 0;
    n = std::min({n, max, text_.size() - pos_});
    out.append(text_.substr(pos_, n));
    pos_ += n;
    return n;
  }

 private:
  std::string_view text_;
  std::size_t next_;
  std::size_t pos_ = 0;
  std::size_t calls_ = 0;
};

struct Rec {
  std::vector<std::string> fields;
  int line;
  std::string raw;
  bool ok;
  int column;
  std::string error;
  bool operator==(const Rec&) const = default;
};

std::vector<Rec> read_all(TextSource& src, CsvLimits limits) {
  CsvReader reader(src, ',', limits);
  CsvRecord rec;
  std::vector<Rec> out;
  int last_line = 0;
  while (reader.next(rec)) {
    check(rec.line > last_line);
    last_line = rec.line;
    check(rec.raw.size() <= max_raw_bytes);
    if (rec.ok) {
      check(rec.error.empty() && rec.error_column == 0 && !rec.fields.empty());
    } else {
      check(!rec.error.empty() && rec.error_column >= 1 && rec.fields.empty());
    }
    out.push_back({{rec.fields.begin(), rec.fields.end()},
                   rec.line,
                   std::string(rec.raw),
                   rec.ok,
                   rec.error_column,
                   rec.error});
  }
  check(reader.status().has_value());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto facts = inspect_bytes(bytes, EncodingChoice::auto_detect);
  if (!facts) return 0;
  check(facts->size_bytes == size && facts->sha256.size() == 64);

  // What inspect accepts decodes; UTF-8 comes through unchanged (minus the BOM).
  std::string text;
  {
    auto src = open_text_bytes(bytes, facts->encoding);
    for (;;) {
      auto n = src->read(text, 1 + size % 4096);
      check(n.has_value());
      if (*n == 0) break;
    }
  }
  if (facts->encoding == Encoding::utf8) check(text == bytes.substr(facts->bom ? 3 : 0));

  // The reader straight over the decoder, as ingest uses it.
  auto decoder = open_text_bytes(bytes, facts->encoding);
  const auto direct = read_all(*decoder, CsvLimits{});

  // The same text in one read and in tiny reads; default limits and tiny ones.
  SplitSource whole(text, text.size() + 1);
  check(read_all(whole, CsvLimits{}) == direct);
  SplitSource split(text, size % 5);
  check(read_all(split, CsvLimits{}) == direct);
  const CsvLimits tiny{size % 7, 1 + size % 31};
  SplitSource whole_tiny(text, text.size() + 1);
  SplitSource split_tiny(text, size % 3);
  check(read_all(whole_tiny, tiny) == read_all(split_tiny, tiny));
  return 0;
}
