#include "engine/execution.h"

namespace bw::engine {

const char* to_string(Band b) {
  switch (b) {
    case Band::on_track: return "on_track";
    case Band::below_80: return "below_80";
    case Band::below_50: return "below_50";
    case Band::zero: return "zero";
    case Band::no_budget: return "no_budget";
  }
  return "no_budget";
}

Band band_of(const std::optional<Ratio>& execution, const Policy& p) {
  if (!execution) return Band::no_budget;
  if (execution->num <= 0) return Band::zero;
  if (execution->compare(p.threshold_bp, 10000) >= 0) return Band::on_track;
  if (execution->compare(p.low_bp, 10000) >= 0) return Band::below_80;
  return Band::below_50;
}

void BandCounts::add(Band b) {
  switch (b) {
    case Band::on_track: ++on_track; break;
    case Band::below_80: ++below_80; break;
    case Band::below_50: ++below_50; break;
    case Band::zero: ++zero; break;
    case Band::no_budget: ++no_budget; break;
  }
}

int BandCounts::at(Band b) const {
  switch (b) {
    case Band::on_track: return on_track;
    case Band::below_80: return below_80;
    case Band::below_50: return below_50;
    case Band::zero: return zero;
    case Band::no_budget: return no_budget;
  }
  return 0;
}

Amounts& Amounts::operator+=(const Amounts& o) {
  initial += o.initial;
  adjustment += o.adjustment;
  abs_adjustment += o.abs_adjustment;
  adjusted += o.adjusted;
  paid += o.paid;
  expected_paid += o.expected_paid;
  forecast_paid += o.forecast_paid;
  return *this;
}

}  // namespace bw::engine
