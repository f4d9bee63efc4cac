// Exact ratios of integers for every rate budgetwatch shows (执行率, 序时进度, 调整率, scores):
// computed from fen, rounded once, half up, only when displayed (DESIGN §6). Doubles appear only at
// the edges (metrics, pace).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace bw::engine {

/// 128-bit integer for exact products of amounts in fen.
__extension__ typedef __int128 int128;

/// num / den with den > 0. A value type; no reduction is done (none is needed for exactness).
struct Ratio {
  int128 num = 0;
  int128 den = 1;

  /// num / den, or nullopt when den == 0 (a rate of a zero budget is undefined, not 0).
  static std::optional<Ratio> of(int128 num, int128 den);
  double to_double() const;
  /// Compares with a / b exactly (b > 0).
  int compare(int128 a, int128 b) const;
  bool operator<(const Ratio& o) const { return compare(o.num, o.den) < 0; }
  bool operator==(const Ratio& o) const { return compare(o.num, o.den) == 0; }
};

/// r × 10^decimals rounded half away from zero ("half up" for the positive rates of the reports).
int128 round_scaled(const Ratio& r, int decimals);

/// r as a percentage with `decimals` decimals, rounded half up once: 10888890000/11915940000 →
/// "91.38".
std::string format_pct(const Ratio& r, int decimals = 2);

/// r as a plain number with `decimals` decimals, rounded half up: a score 4.552… → "4.55".
std::string format_decimal(const Ratio& r, int decimals = 2);

/// The arithmetic mean of ratios. Exact when all denominators are equal (the usual case: the budget
/// in force does not change between checkpoints); otherwise each term is taken to 1e-15 first (an
/// error far below the 1e-4 of a displayed percentage, which can flip a rounding only on a value
/// within 1e-15 of a tie). Precondition: !rs.empty().
Ratio mean(std::span<const Ratio> rs);

/// min(max(r, lo), hi) for lo = lo_num/lo_den etc.
Ratio clamp(const Ratio& r, int128 lo_num, int128 lo_den, int128 hi_num, int128 hi_den);

}  // namespace bw::engine
