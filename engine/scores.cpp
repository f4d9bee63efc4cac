#include "engine/scores.h"

#include <algorithm>

namespace bw::engine {

Scores compute_scores(const Amounts& as_of, const std::vector<MonthEnd>& month_ends, const Policy& p) {
  Scores s;
  // 预算完成率 score = clamp((rate − floor) / (100% − floor), 0, 1) × points — DESIGN §5, Liwan 2021 report:
  // "本指标得分=（预算支出执行率-80%）/(100%-80%)×8".
  s.completion_rate = as_of.execution();
  if (s.completion_rate) {
    const Ratio& r = *s.completion_rate;
    const int128 floor_bp = p.completion_floor_bp;
    // (r − f) / (1 − f) with f = floor_bp / 10000:  (10000·num − f_bp·den) / ((10000 − f_bp)·den)
    Ratio q{10000 * r.num - floor_bp * r.den, (10000 - floor_bp) * r.den};
    if (q.den <= 0) q = Ratio{r.num >= r.den ? 1 : 0, 1};
    q = clamp(q, 0, 1, 1, 1);
    s.completion_score = Ratio{q.num * p.completion_points, q.den};
  }

  // 预算调整率 score = max(0, 1 − rate) × points — "本指标得分=（1-预算调整率）×3".
  s.adjustment_rate = as_of.adjustment_rate();
  if (s.adjustment_rate) {
    const Ratio& r = *s.adjustment_rate;
    Ratio left{r.den - r.num, r.den};
    if (left.num < 0) left.num = 0;
    s.adjustment_score = Ratio{left.num * p.adjustment_points, left.den};
  }

  // 支出均衡性 = mean of the cumulative execution rates at the checkpoint month ends; score = min(mean, 100%) ×
  // points — "本指标得分=全年平均执行率×3。全年平均执行率>100%的，按100%计算".
  std::vector<Ratio> rates;
  for (const MonthEnd& m : month_ends) {
    const auto month = static_cast<unsigned>(m.date.month());
    if (std::find(p.balance_checkpoint_months.begin(), p.balance_checkpoint_months.end(), month) ==
        p.balance_checkpoint_months.end()) {
      continue;
    }
    s.balance_checkpoints.push_back(m);
    if (auto r = m.execution()) rates.push_back(*r);
  }
  if (!rates.empty()) {
    s.balance_mean = mean(rates);
    const Ratio capped = s.balance_mean->compare(1, 1) > 0 ? Ratio{1, 1} : *s.balance_mean;
    s.balance_score = Ratio{capped.num * p.balance_points, capped.den};
  }
  return s;
}

}  // namespace bw::engine
