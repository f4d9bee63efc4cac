#include "reports/risk.h"

#include <algorithm>

namespace bw::reports {

std::vector<const engine::LineEval*> lines_by_risk(const engine::Snapshot& s,
                                                   std::string_view unit_code) {
  std::vector<const engine::LineEval*> out;
  for (const auto& e : s.lines) {
    if (unit_code.empty() || e.line.unit_code == unit_code) out.push_back(&e);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const engine::LineEval* a, const engine::LineEval* b) {
                     const auto ga = gap_of(a->execution, a->expected);
                     const auto gb = gap_of(b->execution, b->expected);
                     if (ga.has_value() != gb.has_value()) return ga.has_value();
                     if (ga && *ga < *gb) return true;
                     if (ga && *gb < *ga) return false;
                     const engine::Money ua = a->amounts.adjusted - a->amounts.paid;
                     const engine::Money ub = b->amounts.adjusted - b->amounts.paid;
                     if (ua != ub) return ua > ub;
                     return a->line.code < b->line.code;
                   });
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
