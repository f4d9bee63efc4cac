// libFuzzer target: the readers of ".xls" files that are really markup (collectors/xls_reader.cpp)
// over arbitrary bytes: the HTML table tokenizer (tags, comments, scripts, entities, colspan and
// rowspan) and the SpreadsheetML reader (expat). The first byte chooses the reader; every sheet is
// read to its end; the only outcomes are records or a clear error, never a crash or a sanitizer
// report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/encoding.h"
#include "collectors/xls_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bw::collect;
  if (size == 0) return 0;
  const bool html = (data[0] & 1U) == 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto text = open_text_bytes(bytes, Encoding::utf8);
  auto src = html ? open_html_table(std::move(text)) : open_spreadsheetml(std::move(text));
  CsvRecord rec;
  for (;;) {
    while (src->next(rec)) {
      if (rec.raw.size() > max_raw_bytes) std::abort();
    }
    if (!src->status() && src->status().error().message.empty()) std::abort();
    auto more = src->next_sheet();
    if (!more || !*more) break;
  }
  return 0;
}
