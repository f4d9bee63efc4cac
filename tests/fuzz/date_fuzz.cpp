// libFuzzer target: engine::parse_date. Besides crashes and sanitizer reports it checks that every
// accepted date is a real day of the years 1900-2999, that its ISO form parses back to the same
// day, and that the fiscal-year arithmetic used on it (month index, month ends) stays inside the
// year.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/civil_date.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bw::engine;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto d = parse_date(text);
  if (!d) {
    const std::string& msg = d.error().message;
    check(d.error().code == bw::Errc::invalid_input);
    check(msg == "empty date" || msg.rfind("'" + std::string(text) + "' is not a date", 0) == 0);
    return 0;
  }
  check(d->ok());
  const int y = static_cast<int>(d->year());
  check(y >= 1900 && y <= 2999);
  const std::string iso = to_iso(*d);
  check(iso.size() == 10);
  const auto again = parse_date(iso);
  check(again.has_value() && *again == *d);
  const FiscalYear fy = FiscalYear::containing(*d);
  check(fy.contains(*d));
  const int i = fy.month_index(*d);
  check(i >= 0 && i <= 11);
  check(fy.month_start(i) <= *d && *d <= fy.month_end(i));
  check(is_month_end(month_end(*d)));
  return 0;
}
