// libFuzzer target: engine::parse_money in yuan and in 万元, and split_header_unit. Besides crashes
// and sanitizer reports it checks that every accepted amount formats back to text that parses to
// the same fen (with and without thousands separators), and that errors quote the input as the
// contract says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/money.h"

namespace {

using namespace bw::engine;

void check(bool ok) {
  if (!ok) std::abort();
}

void round_trip(std::string_view text, MoneyUnit unit) {
  const auto m = parse_money(text, unit);
  if (!m) {
    const std::string& msg = m.error().message;
    check(m.error().code == bw::Errc::invalid_input);
    check(msg == "empty amount" ||
          msg.rfind("'" + std::string(text) + "' is not an amount", 0) == 0);
    return;
  }
  // Whatever was accepted is exact: it prints as yuan and reads back to the same fen.
  for (bool separators : {true, false}) {
    const std::string yuan = format_yuan(*m, separators);
    const auto again = parse_money(yuan, MoneyUnit::yuan);
    check(again.has_value() && *again == *m);
  }
  (void)format_wan(*m, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  round_trip(text, MoneyUnit::yuan);
  round_trip(text, MoneyUnit::wan_yuan);
  const HeaderUnit h = split_header_unit(text);
  check(h.name.size() <= text.size());
  return 0;
}
