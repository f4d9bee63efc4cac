// The monthly circular (预算执行进度通报) a district finance bureau sends to its departments: as of
// a month end, the departments ranked by execution rate against expected progress (序时进度) with
// the gap in percentage points, each department's lagging projects, the largest unspent amounts,
// and the change of each department's execution rate since the previous month end. Used by
// `budgetwatch report --kind circular` and GET /api/v1/reports/circular.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "engine/snapshot.h"
#include "reports/format.h"

namespace bw::reports {

/// The circular of the month that contains the snapshot's as_of date (a month that has not ended
/// yet is reported to date: `period.complete` is false). `issuer` names the bureau in the title
/// ("荔湾区财政局"); empty: the title starts at "关于". Fields: kind "circular", title (in
/// Chinese), issuer, as_of, fiscal_year, period {month "YYYY-MM", from, to, complete},
/// previous_month_end (the month end before the period, null in the fiscal year's first month),
/// threshold_pct, summary {departments, at_or_above_expected, below_expected, no_budget,
/// lagging_projects}, district {adjusted_fen, paid_fen, unspent_fen, execution_rate_pct,
/// expected_pct, gap_pp, previous_execution_rate_pct, mom_change_pp}, departments [{rank, code,
/// name, …as district, status "at_or_above_expected" | "below_expected" | "no_budget", projects,
/// lagging_projects
/// [{code, name, unit_code, unit_name, owner, adjusted_fen, paid_fen, unspent_fen,
/// execution_rate_pct, expected_pct, gap_pp, pace, band, below_threshold}]}] (by rank, then code),
/// largest_unspent [{rank, code, name, kind, department_code, department_name, unit_code,
/// adjusted_fen, paid_fen, unspent_fen, execution_rate_pct}] (ten at most). Rates are strings with
/// two decimals (null when undefined); gap_pp and mom_change_pp are signed ("-3.25"). A lagging
/// project is a project line with budget in force whose execution is below its expected progress
/// (most behind first); below_threshold when its pace (execution / expected) is also under the
/// policy's threshold (80%). mom_change_pp = execution at as_of − execution at the previous month
/// end. Pure.
boost::json::value circular_report_json(const engine::Snapshot& s, std::string_view issuer = {});

/// The circular as JSON (pretty), CSV (one row per department, by rank), Markdown, HTML (the same
/// document, one self-contained page with the charts) or xlsx (each table of the document on its
/// sheet: xlsx::workbook_of; throws std::runtime_error when its temporary file cannot be written).
std::string render_circular_report(const engine::Snapshot& s, Format f, Lang l,
                                   std::string_view issuer = {});

}  // namespace bw::reports
