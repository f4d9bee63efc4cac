#include "reports/points.h"

#include <algorithm>
#include <cassert>

#include "engine/schedule.h"

namespace bw::reports {
namespace {

using engine::Money;
using engine::Ratio;

// amount × share rounded half away from zero to fen, as the engine's expected_paid.
Money apply_share(Money amount, const Ratio& share) {
  const Ratio r{static_cast<engine::int128>(amount.fen) * share.num, share.den};
  return Money{static_cast<std::int64_t>(engine::round_scaled(r, 0))};
}

// Rates of a point from its amounts and the expected share of its date.
void finish(LinePoint& p, const Ratio& share, const engine::Policy& policy) {
  const engine::Amounts& m = p.amounts;
  if (m.adjusted.fen > 0) {
    p.execution = Ratio{m.paid.fen, m.adjusted.fen};
    p.expected = share;
    if (share.num > 0) {
      p.pace = Ratio{static_cast<engine::int128>(m.paid.fen) * share.den,
                     static_cast<engine::int128>(m.adjusted.fen) * share.num};
    }
  }
  p.band = engine::band_of(p.execution, policy);
}

}  // namespace

LinePoint point_now(const engine::Snapshot& s, const engine::LineEval& e) {
  LinePoint p;
  p.eval = &e;
  p.date = s.as_of;
  p.amounts = e.amounts;
  finish(p, e.expected.value_or(Ratio{0, 1}), s.policy);
  return p;
}

LinePoint point_at_month_end(const engine::Snapshot& s, const engine::LineEval& e,
                             int month_index) {
  assert(month_index >= 0 && month_index < e.month_ends);
  const auto k = static_cast<std::size_t>(month_index);
  LinePoint p;
  p.eval = &e;
  p.date = s.fiscal_year.month_end(month_index);
  engine::Amounts& m = p.amounts;
  m.initial = e.line.initial;
  m.adjusted = e.month_end_adjusted[k];
  m.adjustment = m.adjusted - m.initial;
  m.abs_adjustment = engine::abs(m.adjustment);
  m.paid = e.month_end_paid[k];
  const engine::Span span{e.available_from, e.deadline};
  const Ratio share =
      engine::expected_share(engine::curve_for(s.policy, e.line), s.fiscal_year, span, p.date);
  if (m.adjusted.fen > 0) m.expected_paid = apply_share(m.adjusted, share);
  finish(p, share, s.policy);
  return p;
}

std::vector<LinePoint> points_of(const engine::Snapshot& s, std::optional<int> month_index) {
  std::vector<LinePoint> out;
  out.reserve(s.lines.size());
  for (const auto& e : s.lines) {
    out.push_back(month_index ? point_at_month_end(s, e, *month_index) : point_now(s, e));
  }
  return out;
}

engine::Amounts sum_amounts(const std::vector<LinePoint>& points) {
  engine::Amounts a;
  for (const auto& p : points) a += p.amounts;
  return a;
}

engine::Amounts sum_amounts(const std::vector<LinePoint>& points, engine::LineKind kind) {
  engine::Amounts a;
  for (const auto& p : points) {
    if (p.eval->line.kind == kind) a += p.amounts;
  }
  return a;
}

engine::BandCounts bands_of(const std::vector<LinePoint>& points) {
  engine::BandCounts b;
  for (const auto& p : points) {
    if (p.eval->line.kind == engine::LineKind::project) b.add(p.band);
  }
  return b;
}

std::vector<ProgressPoint> progress_curve(const engine::Snapshot& s, int months) {
  const int n = std::min(months, static_cast<int>(s.department.month_ends.size()));
  std::vector<ProgressPoint> out;
  for (int i = 0; i < n; ++i) {
    ProgressPoint pt;
    pt.date = s.fiscal_year.month_end(i);
    for (const auto& e : s.lines) {
      if (i >= e.month_ends) continue;
      const LinePoint p = point_at_month_end(s, e, i);
      pt.adjusted += p.amounts.adjusted;
      pt.paid += p.amounts.paid;
      pt.expected_paid += p.amounts.expected_paid;
    }
    out.push_back(pt);
  }
  return out;
}

std::vector<UnspentItem> largest_unspent(const std::vector<LinePoint>& points, std::size_t n) {
  std::vector<UnspentItem> all;
  for (const auto& p : points) {
    if (p.unspent().fen <= 0) continue;
    all.push_back({p.eval->line.code, p.eval->line.name, p.eval->line.kind, p.amounts.adjusted,
                   p.amounts.paid, p.unspent()});
  }
  std::stable_sort(all.begin(), all.end(), [](const UnspentItem& a, const UnspentItem& b) {
    if (a.unspent != b.unspent) return a.unspent > b.unspent;
    return a.code < b.code;
  });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace bw::reports
