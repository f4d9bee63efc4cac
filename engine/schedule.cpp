#include "engine/schedule.h"

#include <algorithm>

namespace bw::engine {
namespace {

Ratio linear(CivilDate from, CivilDate to, CivilDate d) {
  if (d < from) return Ratio{0, 1};
  if (d >= to) return Ratio{1, 1};
  return Ratio{days_between(from, d) + 1, days_between(from, to) + 1};
}

Ratio month_linear(const FiscalYear& fy, const Span& span, CivilDate d) {
  const int first = std::clamp(fy.month_index(span.available_from), 0, 11);
  const int last = std::clamp(fy.month_index(span.deadline), first, 11);
  const int total = last - first + 1;
  int passed = 0;
  for (int i = first; i <= last; ++i) {
    if (fy.month_end(i) <= d) ++passed;
  }
  return Ratio{passed, total};
}

Ratio custom_monthly(const Curve& c, const FiscalYear& fy, CivilDate d) {
  const int i = fy.month_index(d);
  if (i < 0) return Ratio{0, 1};
  if (i > 11) return Ratio{c.monthly_bp[11], 10000};
  const int prev = i == 0 ? 0 : c.monthly_bp[static_cast<std::size_t>(i - 1)];
  const int next = c.monthly_bp[static_cast<std::size_t>(i)];
  const int dim = static_cast<int>(static_cast<unsigned>(month_end(d).day()));
  const int day = static_cast<int>(static_cast<unsigned>(d.day()));
  return Ratio{static_cast<int128>(prev) * dim + static_cast<int128>(next - prev) * day,
               static_cast<int128>(10000) * dim};
}

Ratio milestones(const Curve& c, CivilDate d) {
  int bp = 0;
  for (const Milestone& m : c.milestones) {
    if (m.date <= d) bp = std::max(bp, m.share_bp);
  }
  return Ratio{bp, 10000};
}

}  // namespace

Ratio expected_share(const Curve& curve, const FiscalYear& fy, const Span& span, CivilDate d) {
  if (curve.kind == CurveKind::by_days) return linear(fy.first_day(), fy.last_day(), d);
  if (d >= span.deadline) return Ratio{1, 1};
  switch (curve.kind) {
    case CurveKind::linear_to_deadline: return linear(span.available_from, span.deadline, d);
    case CurveKind::month_linear: return month_linear(fy, span, d);
    case CurveKind::custom_monthly: return custom_monthly(curve, fy, d);
    case CurveKind::milestones: return milestones(curve, d);
    case CurveKind::by_days: break;
  }
  return linear(span.available_from, span.deadline, d);
}

}  // namespace bw::engine
