// Execution (执行率) arithmetic shared by lines and roll-ups: amounts, bands, pace. Pure.
#pragma once

#include <optional>

#include "engine/model.h"
#include "engine/ratio.h"

namespace bw::engine {

/// The report's execution bands, exclusive (Liwan 2021: 19 on track, 5 below 80%, 2 below 50%, 4 at
/// zero).
enum class Band {
  on_track,   ///< execution ≥ threshold (80%)
  below_80,   ///< low edge (50%) ≤ execution < threshold
  below_50,   ///< 0 < execution < low edge
  zero,       ///< nothing paid (or net refunds)
  no_budget,  ///< no budget in force: a rate is undefined; counted in no band
};

/// "on_track" | "below_80" | "below_50" | "zero" | "no_budget" (JSON, metrics label `band`).
const char* to_string(Band b);

/// The band of an execution rate under a policy's threshold and low edge.
Band band_of(const std::optional<Ratio>& execution, const Policy& p);

/// Counts of project lines per band.
struct BandCounts {
  int on_track = 0;
  int below_80 = 0;
  int below_50 = 0;
  int zero = 0;
  int no_budget = 0;
  void add(Band b);
  int at(Band b) const;
};

/// Money of a set of lines as of a date. Rates are exact ratios of these sums.
struct Amounts {
  Money initial;         ///< 年初预算数
  Money adjustment;      ///< net adjustments dated on or before the date
  Money abs_adjustment;  ///< Σ over lines of |the line's net adjustment| (预算调整率 numerator)
  Money adjusted;        ///< initial + adjustment: the budget in force
  Money paid;            ///< payments on or before the date, refunds netted
  Money
      expected_paid;  ///< Σ over lines of budget in force × expected share, rounded to fen per line
  Money forecast_paid;  ///< Σ over lines of the year-end forecast of payments

  Amounts& operator+=(const Amounts& o);
  /// 执行率 = paid / adjusted; nullopt without budget.
  std::optional<Ratio> execution() const { return Ratio::of(paid.fen, adjusted.fen); }
  /// 序时进度 of the set = expected_paid / adjusted.
  std::optional<Ratio> expected() const { return Ratio::of(expected_paid.fen, adjusted.fen); }
  /// Pace = paid / expected_paid (= execution / expected progress).
  std::optional<Ratio> pace() const { return Ratio::of(paid.fen, expected_paid.fen); }
  /// Forecast year-end execution = forecast_paid / adjusted.
  std::optional<Ratio> forecast() const { return Ratio::of(forecast_paid.fen, adjusted.fen); }
  /// 预算调整率 = Σ|net adjustment| / Σ initial.
  std::optional<Ratio> adjustment_rate() const {
    return Ratio::of(abs_adjustment.fen, initial.fen);
  }
};

}  // namespace bw::engine
