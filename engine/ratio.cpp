#include "engine/ratio.h"

#include <cassert>

namespace bw::engine {
namespace {

int128 pow10(int n) {
  int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Digits of |v| with `decimals` of them after a point, and a sign; built back to front in a buffer (GCC 12
// warns falsely about std::string::insert here).
std::string format_scaled(int128 scaled, int decimals) {
  const bool negative = scaled < 0;
  unsigned __int128 u = negative ? static_cast<unsigned __int128>(-(scaled + 1)) + 1
                                 : static_cast<unsigned __int128>(scaled);
  char buf[96];
  char* end = buf + sizeof buf;
  char* p = end;
  int written = 0;
  while (u > 0 || written <= decimals) {
    if (written == decimals && decimals > 0) *--p = '.';
    *--p = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
    ++written;
  }
  if (negative) *--p = '-';
  return std::string(p, static_cast<std::size_t>(end - p));
}

}  // namespace

std::optional<Ratio> Ratio::of(int128 num, int128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) return Ratio{-num, -den};
  return Ratio{num, den};
}

double Ratio::to_double() const { return static_cast<double>(num) / static_cast<double>(den); }

int Ratio::compare(int128 a, int128 b) const {
  // num/den vs a/b with den, b > 0: compare num*b with a*den.
  const int128 l = num * b;
  const int128 r = a * den;
  return l < r ? -1 : (l > r ? 1 : 0);
}

int128 round_scaled(const Ratio& r, int decimals) {
  assert(r.den > 0);
  const int128 scaled = r.num * pow10(decimals);
  const int128 q = scaled / r.den;
  const int128 rem = scaled % r.den;
  const int128 twice = (rem < 0 ? -rem : rem) * 2;
  if (twice >= r.den) return scaled < 0 ? q - 1 : q + 1;
  return q;
}

std::string format_pct(const Ratio& r, int decimals) {
  return format_scaled(round_scaled(Ratio{r.num * 100, r.den}, decimals), decimals);
}

std::string format_decimal(const Ratio& r, int decimals) {
  return format_scaled(round_scaled(r, decimals), decimals);
}

Ratio mean(std::span<const Ratio> rs) {
  assert(!rs.empty());
  bool same_den = true;
  for (const Ratio& r : rs) same_den = same_den && r.den == rs.front().den;
  const auto n = static_cast<int128>(rs.size());
  int128 sum = 0;
  if (same_den) {
    for (const Ratio& r : rs) sum += r.num;
    return Ratio{sum, rs.front().den * n};
  }
  const int128 scale = pow10(15);
  for (const Ratio& r : rs) sum += r.num * scale / r.den;
  return Ratio{sum, scale * n};
}

Ratio clamp(const Ratio& r, int128 lo_num, int128 lo_den, int128 hi_num, int128 hi_den) {
  if (r.compare(lo_num, lo_den) < 0) return Ratio{lo_num, lo_den};
  if (r.compare(hi_num, hi_den) > 0) return Ratio{hi_num, hi_den};
  return r;
}

}  // namespace bw::engine
