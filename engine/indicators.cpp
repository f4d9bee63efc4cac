#include "engine/indicators.h"

#include <algorithm>

#include "engine/messages.h"
#include "engine/ratio.h"
#include "engine/schedule.h"
#include "engine/text.h"

namespace bw::engine {
namespace {

// A canonical decimal ("12.5", "-3") as an exact ratio; nullopt past 12 digits, so that the products
// below (with a share whose denominator is at most ~1e13) stay within 128 bits.
std::optional<Ratio> decimal_ratio(std::string_view d) {
  int128 num = 0;
  int128 den = 1;
  bool neg = false;
  bool frac = false;
  int digits = 0;
  for (char c : d) {
    if (c == '-') {
      neg = true;
    } else if (c == '.') {
      frac = true;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 12) return std::nullopt;
      num = num * 10 + (c - '0');
      if (frac) den *= 10;
    } else {
      return std::nullopt;
    }
  }
  return Ratio::of(neg ? -num : num, den);
}

// The share of the way to `due` at the end of day `as_of`: the line's expected progress that day when the
// indicator's project is a budget line with that deadline (the snapshot's own figure on its date, else the
// line's curve that day, which is what evaluating as of that day gives), else days elapsed since the fiscal
// year's start over days to `due`.
Ratio share_by(const Snapshot& snap, const LineEval* line, CivilDate due, CivilDate as_of) {
  if (line && due == line->deadline) {
    if (as_of == snap.as_of && line->expected) return *line->expected;
    return expected_share(curve_for(snap.policy, line->line), snap.fiscal_year,
                          Span{line->available_from, line->deadline}, as_of);
  }
  const CivilDate start = snap.fiscal_year.first_day();
  const int total = days_between(start, due) + 1;
  const int done = std::clamp(days_between(start, as_of) + 1, 0, std::max(total, 1));
  return *Ratio::of(done, std::max(total, 1));
}

// A rate (a target in %: 满意度, 验收率, 完成率) is measured, not accumulated: 45% satisfaction in June is
// not "half way" to 90%. docs/reports.md, "Indicator status".
bool is_rate(const Target& t) { return t.unit == "%"; }

// The reason of a status: its message id and values, and its English text (the API's `reason`).
void set_reason(IndicatorEval& e, std::string_view id, std::map<std::string, std::string> args) {
  e.reason_id = std::string(id);
  e.reason_args = std::move(args);
  e.reason = format_message(id, Lang::en, e.reason_args);
}

}  // namespace

const char* to_string(IndicatorStatus s) {
  switch (s) {
    case IndicatorStatus::met: return "met";
    case IndicatorStatus::on_track: return "on_track";
    case IndicatorStatus::behind: return "behind";
    case IndicatorStatus::overdue: return "overdue";
    case IndicatorStatus::awaiting_judgement: return "awaiting_judgement";
  }
  return "on_track";
}

bool says_done(std::string_view value) {
  const std::string v = fold_full_width(trim(value));
  for (const char* w : {"是", "已完成", "完成", "达成", "已达成", "达到", "已达到", "yes", "Yes", "done", "met"})
    if (v == w) return true;
  return false;
}

bool says_not_done(std::string_view value) {
  const std::string v = fold_full_width(trim(value));
  for (const char* w : {"否", "未完成", "未达成", "未达到", "no", "No", "not met"})
    if (v == w) return true;
  return false;
}

std::vector<IndicatorEval> evaluate_indicators(const std::vector<Indicator>& indicators,
                                               const std::map<std::int64_t, std::vector<ActualValue>>& actuals,
                                               const Snapshot& snap) {
  return evaluate_indicators(indicators, actuals, snap, snap.as_of);
}

std::vector<IndicatorEval> evaluate_indicators(const std::vector<Indicator>& indicators,
                                               const std::map<std::int64_t, std::vector<ActualValue>>& actuals,
                                               const Snapshot& snap, CivilDate as_of) {
  as_of = std::min(as_of, snap.as_of);
  std::vector<IndicatorEval> out;
  out.reserve(indicators.size());
  for (const Indicator& ind : indicators) {
    IndicatorEval e;
    e.indicator = ind;
    TargetContext ctx;
    ctx.indicator_name = ind.name;
    ctx.indicator_class = ind.indicator_class;
    ctx.indicator_subclass = ind.indicator_subclass;
    ctx.fiscal_year = snap.fiscal_year;
    e.target = parse_target(ind.target_raw, ctx);
    const LineEval* line = snap.find_line(ind.project_code);
    if (line) {
      e.unit_code = line->line.unit_code;
      e.unit_name = line->line.unit_name;
    }
    e.due = e.target.deadline ? *e.target.deadline : line ? line->deadline : snap.fiscal_year.last_day();
    if (auto it = actuals.find(ind.id); it != actuals.end()) {
      for (const ActualValue& a : it->second) {
        if (a.date > as_of) continue;
        if (!e.latest || a.date >= e.latest->date) e.latest = a;
      }
    }
    const bool past_due = as_of > e.due;
    const Target& t = e.target;
    switch (t.comparator) {
      case Comparator::qualitative:
        if (e.latest && says_done(e.latest->value)) {
          e.status = IndicatorStatus::met;
          set_reason(e, "indicator.reason.judged_met", {{"date", to_iso(e.latest->date)}});
        } else if (e.latest && says_not_done(e.latest->value)) {
          e.status = past_due ? IndicatorStatus::overdue : IndicatorStatus::behind;
          set_reason(e, "indicator.reason.judged_not_met", {{"date", to_iso(e.latest->date)}});
        } else {
          e.status = IndicatorStatus::awaiting_judgement;
          set_reason(e, "indicator.reason.qualitative", {{"why", t.reason}});
        }
        break;
      case Comparator::by_date:
        if (e.latest && says_done(e.latest->value)) {
          e.status = e.latest->date <= e.due ? IndicatorStatus::met : IndicatorStatus::overdue;
          set_reason(e, "indicator.reason.done_on", {{"date", to_iso(e.latest->date)}, {"due", to_iso(e.due)}});
        } else {
          e.status = past_due ? IndicatorStatus::overdue : IndicatorStatus::on_track;
          set_reason(e, past_due ? "indicator.reason.not_done_by" : "indicator.reason.due", {{"due", to_iso(e.due)}});
        }
        break;
      default: {
        const std::optional<bool> met = e.latest ? is_met(t, e.latest->value) : std::nullopt;
        if (met && *met) {
          // A ceiling (<=, <) holds until the due date: met only once it has passed.
          const bool ceiling = t.comparator == Comparator::le || t.comparator == Comparator::lt;
          e.status = ceiling && !past_due ? IndicatorStatus::on_track : IndicatorStatus::met;
          set_reason(e, "indicator.reason.meets", {{"actual", e.latest->value}, {"target", t.value.value_or("")}});
          break;
        }
        if (past_due) {
          e.status = IndicatorStatus::overdue;
          if (e.latest)
            set_reason(e, "indicator.reason.misses_after",
                       {{"actual", e.latest->value}, {"target", t.value.value_or("")}, {"due", to_iso(e.due)}});
          else
            set_reason(e, "indicator.reason.none_by", {{"due", to_iso(e.due)}});
          break;
        }
        if ((t.comparator == Comparator::ge || t.comparator == Comparator::gt) && is_rate(t)) {
          // A rate is compared as it stands; until one is reported there is nothing to flag.
          if (met.has_value()) {  // readable, and not met (handled above)
            e.status = IndicatorStatus::behind;
            set_reason(e, "indicator.reason.misses_rate",
                       {{"actual", e.latest->value}, {"target", t.value.value_or("")}, {"due", to_iso(e.due)}});
          } else {
            e.status = IndicatorStatus::on_track;
            if (e.latest)
              set_reason(e, "indicator.reason.unreadable",
                         {{"actual", e.latest->value}, {"target", t.value.value_or("")}});
            else
              set_reason(e, "indicator.reason.no_rate_yet", {{"due", to_iso(e.due)}});
          }
        } else if (t.comparator == Comparator::ge || t.comparator == Comparator::gt) {
          // Progress towards a floor: actual / target against the expected share of the way to the due date.
          const Ratio share = share_by(snap, line, e.due, as_of);
          Ratio target{0, 1};
          Ratio got{0, 1};
          bool measurable = false;
          if (t.value) {
            if (auto tr = decimal_ratio(*t.value)) {
              target = *tr;
              if (!e.latest) {
                measurable = true;  // nothing reported yet: progress 0
              } else if (auto a = parse_decimal(e.latest->value)) {
                if (auto ar = decimal_ratio(*a)) {
                  got = *ar;
                  measurable = true;
                }
              }
            }
          }
          if (measurable && target.num > 0) {
            // got / target >= share  ⇔  got.num * target.den * share.den >= share.num * target.num * got.den
            const bool ahead = !(Ratio{got.num * target.den * share.den, 1} <
                                 Ratio{share.num * target.num * got.den, 1});
            e.status = ahead ? IndicatorStatus::on_track : IndicatorStatus::behind;
            set_reason(e, e.latest ? "indicator.reason.of_target" : "indicator.reason.none_of_target",
                       {{"actual", e.latest ? e.latest->value : std::string()},
                        {"target", *t.value},
                        {"share", format_pct(share)}});
          } else {
            e.status = IndicatorStatus::on_track;
            set_reason(e, "indicator.reason.not_measurable", {{"target", t.value.value_or("")}});
          }
        } else if (e.latest && met && !*met &&
                   (t.comparator == Comparator::le || t.comparator == Comparator::lt)) {
          e.status = IndicatorStatus::behind;
          set_reason(e, "indicator.reason.exceeds", {{"actual", e.latest->value}, {"target", t.value.value_or("")}});
        } else {
          e.status = IndicatorStatus::on_track;
          if (e.latest)
            set_reason(e, "indicator.reason.actual_due", {{"actual", e.latest->value}, {"due", to_iso(e.due)}});
          else
            set_reason(e, "indicator.reason.due", {{"due", to_iso(e.due)}});
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace bw::engine
