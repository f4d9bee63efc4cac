// The mid-year review (1-6月 / 1-7月 预算绩效运行监控, "双监控"): per project, execution as of the
// end of the window against expected progress (序时进度), the laggards, the progress of the
// performance indicators (绩效指标) and the owner's reason and corrective measures. A pure function
// of a snapshot and the indicator progress and owner notes the caller reads from the database. Used
// by `budgetwatch report --kind midyear` and GET /api/v1/reports/midyear.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "engine/civil_date.h"
#include "engine/indicators.h"
#include "engine/result.h"
#include "engine/snapshot.h"
#include "reports/format.h"

namespace bw::reports {

/// The progress of one performance indicator of a project, as the indicators part of the store
/// computes it.
struct IndicatorProgress {
  std::string project_code;
  int seq = 0;             ///< 序号 within the project's target form
  std::string name;        ///< 指标名称
  std::string target_raw;  ///< 指标值 as written ("≥150个", "2021年12月31日前完成")
  std::string status;      ///< met | on_track | behind | overdue | awaiting_judgement
  std::optional<std::string> actual;          ///< latest reported actual, as written
  std::optional<engine::CivilDate> deadline;  ///< due date of the target, if it has one
  /// Why the status, as a message of the catalogue (engine::IndicatorEval::reason_id/_args); empty
  /// when not known.
  std::string reason_id;
  std::map<std::string, std::string> reason_args;
};

/// What a project's owner wrote about its progress: the reason for a delay (偏差原因) and the
/// corrective measures (整改措施), filled in through the API and kept in the database.
struct OwnerNote {
  std::string project_code;
  std::string reason;
  std::string measures;
  std::string by;  ///< who wrote it
  std::string
      at;  ///< when, ISO 8601 as stored; the latest note of a project (greatest `at`) is shown
};

/// The indicators (绩效目标表) and every actual value recorded for them, as the store holds them.
/// The review evaluates them itself, as of the day its figures are for (see midyear_report_json).
struct IndicatorRecords {
  std::vector<engine::Indicator> indicators;
  std::map<std::int64_t, std::vector<engine::ActualValue>> actuals;  ///< by indicator id
};

/// What the mid-year review reads besides the snapshot. Empty vectors are fine: the columns show
/// "—". With `records`, the indicator progress is evaluated from them as of the review's date and
/// `indicators` is ignored; without, `indicators` is shown as given (already evaluated).
struct MidyearInputs {
  std::vector<IndicatorProgress> indicators;
  std::vector<OwnerNote> notes;
  std::optional<IndicatorRecords> records;
};

/// The day the review's figures are for: the window's last day once the snapshot has passed it,
/// else the snapshot's as_of (a review during the window). `window_months` is clamped to 1..12.
engine::CivilDate midyear_evaluated_at(const engine::Snapshot& s, int window_months);

/// Indicator progress from the engine's evaluation (status, latest actual, the target's own date).
std::vector<IndicatorProgress> indicator_progress(const std::vector<engine::IndicatorEval>& evals);

/// The indicator progress the review shows: `in.records` evaluated as of
/// midyear_evaluated_at(s, window_months) — actual values dated after that day are not seen, due
/// dates pass relative to it, floors are measured against the expected progress of that day — or
/// `in.indicators` as given when there are no records.
std::vector<IndicatorProgress> midyear_indicator_progress(const engine::Snapshot& s,
                                                          int window_months,
                                                          const MidyearInputs& in);

/// Parses a review window: "1-6" or "1-7" (months 1 to N of the fiscal year), also "6", "1-6月"; N
/// is 1..12. Errors (Errc::invalid_input): "window '1-13' must be 1-N with N from 1 to 12 (e.g. 1-6
/// or 1-7)".
Result<int> parse_window(std::string_view s);

/// The review as JSON. The window ends at the last day of fiscal month N; when the snapshot's as_of
/// is on or after it, figures are those of that day (read from the snapshot's month ends, equal to
/// evaluating as of the window end); before it (a review during the window) they are those of as_of
/// and `window_closed` is false. Fields: kind "midyear", as_of, fiscal_year, window "1-6",
/// window_end, evaluated_at, window_closed, threshold_pct, department / project_total / basic_total
/// {adjusted_fen, adjusted_wan, paid_fen, paid_wan, unspent_fen, execution_rate_pct, expected_pct,
/// gap_pp}, bands {on_track, below_80, below_50, zero, no_budget}, projects [{seq, code, name,
/// unit_code, unit_name, owner, deadline, curve, adjusted_fen, adjusted_wan, paid_fen, paid_wan,
/// unspent_fen, execution_rate_pct, expected_pct, gap_pp, pace, band, laggard, below_threshold,
/// indicators {total, met, on_track, behind, overdue, awaiting_judgement}, owner_note {reason,
/// measures, by, at} | null}], laggards [code…] (most behind first), indicators [{project_code,
/// seq, name, target_raw, status, actual, deadline}] of the projects in the report,
/// unmatched_indicators (indicators of projects not in the report). A laggard is a project with
/// budget in force whose execution is below its expected progress; below_threshold when its pace
/// (execution / expected) is also under the policy's threshold (80%). Pure; `window_months` must
/// be 1..12.
boost::json::value midyear_report_json(const engine::Snapshot& s, int window_months,
                                       const std::vector<IndicatorProgress>& indicators,
                                       const std::vector<OwnerNote>& notes);

/// The review as JSON (pretty), CSV (one row per project), Markdown, HTML (with the charts at the
/// window end) or xlsx (each table of the document on its sheet: xlsx::workbook_of; throws
/// std::runtime_error when its temporary file cannot be written).
std::string render_midyear_report(const engine::Snapshot& s, int window_months,
                                  const std::vector<IndicatorProgress>& indicators,
                                  const std::vector<OwnerNote>& notes, Format f, Lang l);

/// The review of `in`: its indicator progress as midyear_indicator_progress gives it, its notes.
boost::json::value midyear_report_json(const engine::Snapshot& s, int window_months,
                                       const MidyearInputs& in);
std::string render_midyear_report(const engine::Snapshot& s, int window_months,
                                  const MidyearInputs& in, Format f, Lang l);

}  // namespace bw::reports
