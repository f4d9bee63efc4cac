// The figures of budget lines at a date the reports need: the snapshot's own date, or one of the
// fiscal month ends it has passed (a mid-year review as of 30 June read from a December snapshot).
// Also the department's cumulative execution vs expected progress by month, bands and the largest
// unspent balances: the data of the charts. Pure functions of a snapshot; used by the monthly,
// mid-year, year-end and execution reports.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/snapshot.h"

namespace bw::reports {

/// One line at a date. `amounts` holds initial, adjustment (net, dated on or before the date),
/// abs_adjustment, adjusted (the budget in force), paid (cumulative) and expected_paid;
/// forecast_paid only for the snapshot's own date. Rates follow the engine: execution = paid /
/// adjusted and expected progress (序时进度) are defined only while the line has budget in force
/// (adjusted > 0); pace = execution / expected when expected > 0.
struct LinePoint {
  const engine::LineEval* eval =
      nullptr;  ///< the line in the snapshot (never null in a built point)
  engine::CivilDate date;
  engine::Amounts amounts;
  std::optional<engine::Ratio> execution;
  std::optional<engine::Ratio> expected;
  std::optional<engine::Ratio> pace;
  engine::Band band = engine::Band::no_budget;

  /// adjusted − paid: what is left to spend (negative when overspent).
  engine::Money unspent() const { return amounts.adjusted - amounts.paid; }
};

/// The line at the snapshot's own date (its as_of).
LinePoint point_now(const engine::Snapshot& s, const engine::LineEval& e);

/// The line at the end of fiscal month `month_index` (0..11), which the snapshot must have passed
/// (month_index < e.month_ends): budget in force and cumulative payments that day, expected
/// progress on the line's curve (the policy's line, unit or default curve) that day. Equal to what
/// evaluating as of that month end gives. Precondition (assert): 0 ≤ month_index < e.month_ends.
LinePoint point_at_month_end(const engine::Snapshot& s, const engine::LineEval& e, int month_index);

/// Every line of the snapshot, at its date (`month_index` = nullopt) or at a passed month end.
std::vector<LinePoint> points_of(const engine::Snapshot& s,
                                 std::optional<int> month_index = std::nullopt);

/// Σ of the points' amounts (rates of the sum are exact ratios of the sums).
engine::Amounts sum_amounts(const std::vector<LinePoint>& points);
/// Σ over project lines (项目支出) only / basic lines (基本支出) only.
engine::Amounts sum_amounts(const std::vector<LinePoint>& points, engine::LineKind kind);

/// Band counts of the project lines among the points (the report counts projects only).
engine::BandCounts bands_of(const std::vector<LinePoint>& points);

/// One month end of the department's cumulative progress: the budget in force, what was paid
/// through it and Σ per line of (budget in force × expected share that day), rounded to fen per
/// line as the engine does.
struct ProgressPoint {
  engine::CivilDate date;
  engine::Money adjusted;
  engine::Money paid;
  engine::Money expected_paid;
  std::optional<engine::Ratio> execution() const {
    return engine::Ratio::of(paid.fen, adjusted.fen);
  }
  std::optional<engine::Ratio> expected() const {
    return engine::Ratio::of(expected_paid.fen, adjusted.fen);
  }
};

/// The first `months` fiscal month ends the snapshot has passed (all of them when `months` is
/// larger), summed over every line in the snapshot. Execution there equals the snapshot's
/// department.month_ends.
std::vector<ProgressPoint> progress_curve(const engine::Snapshot& s, int months = 12);

/// A line with what is left to spend.
struct UnspentItem {
  std::string code;
  std::string name;
  engine::LineKind kind = engine::LineKind::project;
  engine::Money adjusted;
  engine::Money paid;
  engine::Money unspent;  ///< adjusted − paid, > 0
};

/// The `n` lines (projects and basic) with the largest positive unspent balance, largest first,
/// ties by code.
std::vector<UnspentItem> largest_unspent(const std::vector<LinePoint>& points, std::size_t n = 10);

}  // namespace bw::reports
