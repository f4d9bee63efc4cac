// Expected progress (序时进度): the share of a line's budget that should be paid by a date, by
// curve (DESIGN §5). Pure functions used by the engine's evaluation and by alert rules.
#pragma once

#include "engine/civil_date.h"
#include "engine/model.h"
#include "engine/ratio.h"

namespace bw::engine {

/// Where a line's curve starts and ends.
struct Span {
  CivilDate
      available_from;  ///< first day the line has budget (fiscal-year start unless added mid-year)
  CivilDate deadline;  ///< 完成时限; the curve reaches 100% there
};

/// The expected cumulative share (0..1) of the budget paid by the end of day `d`.
/// - linear_to_deadline: (days from available_from through d) / (days from available_from through
/// deadline).
/// - month_linear: month ends passed since available_from's month / months through the deadline's
/// month.
/// - by_days: days of the fiscal year through d / days in the fiscal year (the treasury's 时间进度;
/// ignores
///   availability and deadline).
/// - custom_monthly: the configured share at each month end, linear by day inside a month.
/// - milestones: the share of the latest milestone on or before d (0 before the first).
/// Every curve but by_days is 1 from the deadline on. Thread-safe (pure).
Ratio expected_share(const Curve& curve, const FiscalYear& fy, const Span& span, CivilDate d);

}  // namespace bw::engine
