// Performance indicators (绩效指标) and their completion as of a date (双监控: money and targets
// together). Pure: the store loads indicators and actual values, engine/target.h reads the target
// text, and this decides per indicator whether it is met, on track, behind, overdue or awaiting a
// judgement.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/snapshot.h"
#include "engine/target.h"

namespace bw::engine {

struct Indicator {
  std::int64_t id = 0;
  /// Of its budget line (预算年度): (fiscal year, project code, seq) is unique.
  int fiscal_year = 0;
  std::string project_code;
  int seq = 0;
  std::string indicator_class;     ///< 一级指标
  std::string indicator_subclass;  ///< 二级指标
  std::string name;                ///< 三级指标
  std::string target_raw;          ///< 年度指标值 as written
};

struct ActualValue {
  CivilDate date;
  std::string value;
  std::string note;
  std::string source;
};

enum class IndicatorStatus {
  met,       ///< the latest actual meets the target (in time, for dated targets)
  on_track,  ///< not met yet, progress at least the expected progress (or nothing wrong reported)
  behind,    ///< progress below the expected progress, or an actual that misses a ceiling
  overdue,   ///< the due date has passed and the target is not met
  awaiting_judgement,  ///< qualitative: someone must say whether it was met
};
/// "met" | "on_track" | "behind" | "overdue" | "awaiting_judgement".
const char* to_string(IndicatorStatus s);
inline constexpr IndicatorStatus all_indicator_statuses[] = {
    IndicatorStatus::met, IndicatorStatus::on_track, IndicatorStatus::behind,
    IndicatorStatus::overdue, IndicatorStatus::awaiting_judgement};

struct IndicatorEval {
  Indicator indicator;
  Target target;
  std::string unit_code;  ///< of the budget line with the indicator's project code ("" when none)
  std::string unit_name;
  CivilDate due;  ///< the target's own date, else the line's deadline, else the fiscal year's end
  std::optional<ActualValue> latest;  ///< the latest actual on or before the date
  IndicatorStatus status = IndicatorStatus::on_track;
  std::string reason;  ///< why, in English (API, logs); reason_text(e, lang) gives it in a language
  std::string reason_id;  ///< its message id in the catalogue (engine/messages.h):
                          ///< "indicator.reason.of_target"
  std::map<std::string, std::string> reason_args;  ///< the values of its {placeholders}
};

/// Values that say "done" for dated and qualitative targets (是, 已完成, 完成, 达成, 达到, yes,
/// done, met).
bool says_done(std::string_view value);
/// Values that say "not done" (否, 未完成, 未达成, no, not met).
bool says_not_done(std::string_view value);

/// Evaluates every indicator as of the snapshot's date. `actuals` maps an indicator id to its
/// values (any order; values after the date are ignored).
std::vector<IndicatorEval> evaluate_indicators(
    const std::vector<Indicator>& indicators,
    const std::map<std::int64_t, std::vector<ActualValue>>& actuals, const Snapshot& snap);

/// The same as of an earlier day `as_of` (on or before snap.as_of, in its fiscal year): only values
/// dated on or before `as_of` count, "past due" means after `as_of`, and the expected share of a
/// floor target is the line's expected progress that day, on the line's curve. Equal to evaluating
/// with a snapshot of `as_of` (a mid-year review run in December sees its indicators as they stood
/// at the end of June). Precondition: as_of <= snap.as_of (a later date is clamped to snap.as_of).
std::vector<IndicatorEval> evaluate_indicators(
    const std::vector<Indicator>& indicators,
    const std::map<std::int64_t, std::vector<ActualValue>>& actuals, const Snapshot& snap,
    CivilDate as_of);

}  // namespace bw::engine
