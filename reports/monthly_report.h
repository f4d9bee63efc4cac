// The monthly execution report (月度预算执行报告; PEFA PI-28 "A": monthly, original and adjusted
// budget and payments): per unit and line, the initial and adjusted budget, what was paid in the
// month and to date, execution against expected progress (序时进度) with the gap in percentage
// points and the curve used. Used by `budgetwatch report --kind monthly` and GET
// /api/v1/reports/monthly.
#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "engine/snapshot.h"
#include "reports/format.h"

namespace bw::reports {

/// The report of the month that contains the snapshot's as_of date, through that date (a month that
/// has not ended yet is reported as month to date: `period.complete` is false). Fields: kind
/// "monthly", as_of, fiscal_year, period {month "YYYY-MM", from, to, complete}, default_curve,
/// threshold_pct, department / project_total / basic_total {initial_fen, initial_wan, adjusted_fen,
/// adjusted_wan, paid_month_fen, paid_month_wan, paid_to_date_fen, paid_to_date_wan,
/// execution_rate_pct, expected_pct, gap_pp}, month_ends [{date, adjusted_fen, paid_fen,
/// expected_paid_fen, execution_rate_pct, expected_pct, gap_pp}], units [{code, name, totals {…as
/// department}, lines [{code, name, kind, curve, deadline, …amounts as department, payments_month,
/// pace, band}]}]. Rates are strings with two decimals (null when undefined); gap_pp is signed
/// ("-3.25"). Pure.
boost::json::value monthly_report_json(const engine::Snapshot& s);

/// The report as JSON (pretty), CSV (one row per line, amounts in yuan), Markdown, HTML (with the
/// charts) or xlsx (each table of the document on its sheet: xlsx::workbook_of; throws
/// std::runtime_error when its temporary file cannot be written).
std::string render_monthly_report(const engine::Snapshot& s, Format f, Lang l);

}  // namespace bw::reports
