#include "daemon/web/auth.h"

#include <algorithm>

namespace bw::web {

bool same_secret(std::string_view presented, std::string_view expected) {
  const std::size_t n = std::max(presented.size(), expected.size());
  // A volatile accumulator keeps the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < presented.size() ? presented[i] : 0);
    const auto y = static_cast<unsigned char>(i < expected.size() ? expected[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

}  // namespace bw::web
