#include "reports/risk.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace bw::reports {

std::vector<const engine::LineEval*> lines_by_risk(const engine::Snapshot& s,
                                                   std::string_view unit_code) {
  // The sort keys once per line (the gap is two 128-bit products), not once per comparison.
  struct Keyed {
    const engine::LineEval* line;
    std::optional<engine::Ratio> gap;
    engine::Money unspent;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(s.lines.size());
  for (const auto& e : s.lines) {
    if (unit_code.empty() || e.line.unit_code == unit_code) {
      keyed.push_back({&e, gap_of(e.execution, e.expected), e.amounts.adjusted - e.amounts.paid});
    }
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.gap.has_value() != b.gap.has_value()) return a.gap.has_value();
    if (a.gap && *a.gap < *b.gap) return true;
    if (a.gap && *b.gap < *a.gap) return false;
    if (a.unspent != b.unspent) return a.unspent > b.unspent;
    return a.line->line.code < b.line->line.code;
  });
  std::vector<const engine::LineEval*> out;
  out.reserve(keyed.size());
  for (const Keyed& k : keyed) out.push_back(k.line);
  return out;
}

bool overspent(const engine::LineEval& e) { return e.amounts.paid > e.amounts.adjusted; }

std::string line_display_name(const engine::Snapshot& s, const engine::LineEval& e, Lang l) {
  if (e.line.kind != engine::LineKind::basic) return e.line.name;
  const bool shared = std::any_of(s.lines.begin(), s.lines.end(), [&e](const engine::LineEval& o) {
    return &o != &e && o.line.kind == engine::LineKind::basic && o.line.name == e.line.name;
  });
  if (!shared && !e.line.name.empty()) return e.line.name;
  std::string name = e.line.name.empty() ? kind_label(engine::LineKind::basic, l) : e.line.name;
  const std::string unit = e.line.unit_name.empty() ? e.line.unit_code : e.line.unit_name;
  if (unit.empty()) return name;
  return l == Lang::zh ? name + "（" + unit + "）" : name + " (" + unit + ")";
}

}  // namespace bw::reports
