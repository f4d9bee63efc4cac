// libFuzzer target: the reading of an old .xls before FreeXL opens it (collectors/xls_probe.cpp)
// over arbitrary bytes: the compound file's header, DIFAT, FAT, directory and mini stream chains,
// and the Workbook stream's BIFF records (BOUNDSHEET, BOF, DIMENSIONS). The only outcomes are the
// facts or a clear error, never a crash, a hang on a looping chain or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/xls_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto facts = bw::collect::probe_xls(bytes);
  if (!facts && facts.error().message.empty()) std::abort();
  return 0;
}
