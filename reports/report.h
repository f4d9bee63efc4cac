// One entry point for every report kind (execution, monthly, mid-year review, year-end) in every
// format and language, shared by `budgetwatch report` and GET /api/v1/reports/{kind}; and the
// restriction of a snapshot to one budget unit for the API's ?unit=.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/snapshot.h"
#include "reports/format.h"
#include "reports/midyear_report.h"
#include "reports/text_sink.h"

namespace bw::reports {

/// The kinds of report.
enum class ReportKind {
  execution,  ///< the execution report (执行情况报告): totals, bands, scores, every line (the
              ///< default)
  monthly,  ///< the monthly report (月报): paid this month and to date vs expected progress, per
            ///< unit
  midyear,  ///< the mid-year review (1-6月 / 1-7月 绩效运行监控)
  yearend,  ///< the year-end tables 1-5 and 1-6 and the auditor's scores
  circular,  ///< the monthly circular (预算执行进度通报): departments ranked, lagging projects,
             ///< month over month
};

/// "execution" | "monthly" | "midyear" | "yearend" | "circular".
const char* to_string(ReportKind k);
/// Inverse of to_string (also "mid-year", "year-end"). Errc::invalid_input:
/// "unknown report kind 'x' (execution, monthly, midyear, yearend or circular)".
Result<ReportKind> parse_report_kind(std::string_view s);

/// What to render.
struct ReportRequest {
  ReportKind kind = ReportKind::execution;
  Format format = Format::json;
  Lang lang = Lang::zh;
  int window_months = 6;    ///< mid-year review: months 1..N of the fiscal year (6: 1-6月)
  std::string issuer = {};  ///< circular: the bureau in its title ("荔湾区财政局"); empty: none
};

/// The report of a snapshot. `midyear` feeds the mid-year review (indicator progress, owner notes)
/// and is ignored by the other kinds. Pure (the snapshot is read only), except that Format::xlsx
/// returns the bytes of a workbook written through a private temporary folder (reports/xlsx.h
/// workbook_bytes) and throws std::runtime_error when that cannot be written.
std::string render_report(const engine::Snapshot& s, const ReportRequest& r,
                          const MidyearInputs& midyear = {});
/// The same text (or bytes) written into a sink: the execution report in JSON, CSV, Markdown and
/// HTML is handed on row by row when the sink streams (`budgetwatch report`); the other kinds and
/// xlsx are rendered whole and appended. Throws as render_report does. Does not finish() the sink.
void write_report(const engine::Snapshot& s, const ReportRequest& r, const MidyearInputs& midyear,
                  TextSink& sink);

/// The file name of a report for a download (the API's Content-Disposition): the report's name in
/// the language, the scope (a unit code, if any) and the as-of date, with the format's extension:
/// "年度预算执行情况与财务管理评价_2021-12-31.xlsx" (zh) or "budgetwatch-yearend-2021-12-31.xlsx"
/// (en). With `ascii` the English form whatever the language (the fallback `filename=` for old
/// clients); the scope's bytes outside [A-Za-z0-9._-] become '_' there.
std::string report_file_name(ReportKind k, Format f, Lang l, engine::CivilDate as_of,
                             std::string_view scope, bool ascii = false);

/// The snapshot seen from one budget unit: its lines, its orphan payments, its roll-up as the
/// department (scores and bands of the unit). Errc::not_found "no budget unit 'X'" when the
/// snapshot has no such unit. The API's ?unit= and `report --unit` (daemon::evaluate_at) both use
/// it: a payment one unit makes against another unit's line counts on that line, in the line's
/// unit.
Result<engine::Snapshot> restrict_to_unit(const engine::Snapshot& s, std::string_view unit_code);

/// The snapshot seen from one department (部门): its lines, its units, its orphan payments (by
/// unit), its roll-up as `department` and the only entry of `departments`. Errc::not_found "no
/// department 'X' in fiscal year 2022 (departments: 101, 102)" when the snapshot has no such
/// department. `report --department` and daemon::evaluate_at use it.
Result<engine::Snapshot> restrict_to_department(const engine::Snapshot& s, std::string_view code);

}  // namespace bw::reports
