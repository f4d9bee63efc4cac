// The auditor's financial-management scores (部门整体支出绩效评价) of a department or unit, with
// the formulas of the Liwan 2021 evaluation report (DESIGN §5). Pure.
#pragma once

#include <optional>
#include <vector>

#include "engine/execution.h"

namespace bw::engine {

/// Cumulative position at a fiscal month end: the budget in force that day and what was paid
/// through it.
struct MonthEnd {
  CivilDate date;
  Money adjusted;
  Money paid;
  std::optional<Ratio> execution() const { return Ratio::of(paid.fen, adjusted.fen); }
};

/// Scores with the rates they come from; a score is nullopt when its rate is undefined (no budget,
/// no checkpoint passed yet).
struct Scores {
  std::optional<Ratio> completion_rate;  ///< 预算完成率 = execution at the as-of date
  std::optional<Ratio> completion_score;  ///< clamp((rate − 80%) / 20%, 0, 1) × 8 → 4.55 for 91.38%
  std::optional<Ratio> adjustment_rate;  ///< 预算调整率 = Σ|net adjustment| / Σ initial → 36.62%
  std::optional<Ratio> adjustment_score;      ///< max(0, 1 − rate) × 3 → 1.90
  std::vector<MonthEnd> balance_checkpoints;  ///< the checkpoint month ends passed so far
  std::optional<Ratio> balance_mean;  ///< 支出均衡性 = mean of their execution rates → 47.93%
  std::optional<Ratio> balance_score;  ///< min(mean, 100%) × 3 → 1.44
};

/// Computes the scores from the amounts at the as-of date and the month ends passed so far.
Scores compute_scores(const Amounts& as_of, const std::vector<MonthEnd>& month_ends,
                      const Policy& p);

}  // namespace bw::engine
