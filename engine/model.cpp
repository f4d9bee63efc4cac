#include "engine/model.h"

namespace bw::engine {

const char* to_string(LineKind k) { return k == LineKind::basic ? "basic" : "project"; }

const Curve& curve_for(const Policy& p, const BudgetLine& line) {
  if (auto it = p.line_curves.find(line.code); it != p.line_curves.end()) return it->second;
  if (auto it = p.unit_curves.find(line.unit_code); it != p.unit_curves.end()) return it->second;
  return p.default_curve;
}

const char* to_string(CurveKind k) {
  switch (k) {
    case CurveKind::linear_to_deadline: return "linear_to_deadline";
    case CurveKind::month_linear: return "month_linear";
    case CurveKind::by_days: return "by_days";
    case CurveKind::custom_monthly: return "custom_monthly";
    case CurveKind::milestones: return "milestones";
  }
  return "linear_to_deadline";
}

std::optional<CurveKind> parse_curve_kind(std::string_view s) {
  for (CurveKind k : {CurveKind::linear_to_deadline, CurveKind::month_linear, CurveKind::by_days,
                      CurveKind::custom_monthly, CurveKind::milestones}) {
    if (s == to_string(k)) return k;
  }
  return std::nullopt;
}

const char* to_string(LineSource s) {
  switch (s) {
    case LineSource::initial: return "年初";
    case LineSource::mid_year: return "年中新增";
    case LineSource::carried_forward: return "上年结转";
  }
  return "年初";
}

const char* source_key(LineSource s) {
  switch (s) {
    case LineSource::initial: return "initial";
    case LineSource::mid_year: return "mid_year";
    case LineSource::carried_forward: return "carried_forward";
  }
  return "initial";
}

const char* to_string(DeadlineAfterYearEnd d) {
  return d == DeadlineAfterYearEnd::own_deadline ? "own_deadline" : "fiscal_year_end";
}

std::optional<DeadlineAfterYearEnd> parse_deadline_after_year_end(std::string_view s) {
  if (s == "fiscal_year_end") return DeadlineAfterYearEnd::fiscal_year_end;
  if (s == "own_deadline") return DeadlineAfterYearEnd::own_deadline;
  return std::nullopt;
}

std::optional<LineSource> parse_line_source(std::string_view s) {
  struct Word {
    std::string_view text;
    LineSource source;
  };
  static constexpr Word words[] = {
      {"年初", LineSource::initial},          {"年初预算", LineSource::initial},
      {"年初安排", LineSource::initial},      {"initial", LineSource::initial},
      {"年中新增", LineSource::mid_year},     {"年中追加", LineSource::mid_year},
      {"mid_year", LineSource::mid_year},     {"上年结转", LineSource::carried_forward},
      {"结转", LineSource::carried_forward},  {"carried_forward", LineSource::carried_forward},
  };
  for (const Word& w : words) {
    if (s == w.text) return w.source;
  }
  return std::nullopt;
}

}  // namespace bw::engine
