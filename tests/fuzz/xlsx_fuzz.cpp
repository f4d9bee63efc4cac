// libFuzzer target: the .xlsx reader (collectors/xlsx_reader.cpp) over arbitrary bytes — the zip
// directory and members (minizip), the workbook, relationships, shared strings, styles and sheet
// XML (expat). Every sheet is read to its end; the only outcomes are records or a clear error,
// never a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/xlsx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bw::collect;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  XlsxLimits limits;
  limits.max_member_bytes = std::uint64_t{8} << 20;  // keep each run small
  auto src = open_xlsx_bytes(bytes, limits);
  if (!src) {
    if (src.error().message.empty()) std::abort();
    return 0;
  }
  CsvRecord rec;
  for (;;) {
    while ((*src)->next(rec)) {
      if (rec.raw.size() > max_raw_bytes) std::abort();
    }
    auto more = (*src)->next_sheet();
    if (!more || !*more) break;
  }
  return 0;
}
