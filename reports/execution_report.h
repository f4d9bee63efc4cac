// The execution report (执行情况报告) of a snapshot: department, project and basic totals, bands,
// the auditor's scores, month-end progress and every line, as JSON (the contract other tools rely
// on), CSV or Markdown. Used by `budgetwatch report` and the API.
#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "engine/snapshot.h"
#include "reports/format.h"
#include "reports/text_sink.h"
#include "reports/xlsx.h"

namespace bw::reports {

/// The report as a JSON value. Fixed names (issue #2): as_of; department, project_total,
/// basic_total {initial_fen, adjusted_fen, paid_fen, execution_rate_pct}; unregistered_paid_fen;
/// bands {on_track, below_80, below_50, zero}; adjustment_rate_pct (预算调整率, the score's input;
/// the rows' 净调整率 is net_adjustment_rate_pct); scores {budget_completion, budget_adjustment,
/// spending_balance}; month_ends [{date, adjusted_fen, paid_fen, execution_rate_pct}]; lines
/// [{code, name, unit_code, kind, initial_fen, adjusted_fen, paid_fen, execution_rate_pct,
/// expected_pct, pace, band, deadline, fiscal_year, department_code, source, overspent, risk_rank,
/// display_name (zh-CN), carry_age, carried_from {fiscal_year, code} or null, registered_deadline}]
/// (register order; the other formats list the lines by risk_rank: reports/risk.h); fiscal_year;
/// departments [{code, name, initial_fen, adjusted_fen, paid_fen, execution_rate_pct, expected_pct,
/// gap_pp, bands, rank, carry_forward, new_money}] (issue 14); carry_forward and new_money
/// (source_totals_json) of the scope. `*_pct` and `gap_pp` are strings with two decimals, null when
/// undefined. More fields are added.
boost::json::value execution_report_json(const engine::Snapshot& s);

/// The same report as pretty_json(execution_report_json(s)), byte for byte, written straight into
/// the text without building the tree.
std::string execution_report_text(const engine::Snapshot& s);

/// execution_report_text written into a sink (handed on object by object when it streams).
void write_execution_report_json(const engine::Snapshot& s, TextSink& sink);

/// The report rendered in a format and language. JSON is pretty-printed; CSV holds one row per
/// line; xlsx is the bytes of execution_workbook (xlsx::workbook_bytes: throws std::runtime_error
/// when its temporary file cannot be written).
std::string render_execution_report(const engine::Snapshot& s, Format f, Lang lang);
/// The same text written into a sink: JSON, CSV, Markdown and HTML are handed on row by row when
/// the sink streams; xlsx is appended whole.
void write_execution_report(const engine::Snapshot& s, Format f, Lang lang, TextSink& sink);

/// The report as a workbook: sheets 总体执行情况 (basic, project and total rows in 万元 with a
/// two-row header), 财务管理指标得分 (the three scores), 预算项目 (every line: code, name, unit,
/// kind, initial, adjustment, adjusted and paid in yuan, 执行率, 序时进度, the gap, band, deadline;
/// lines below the threshold highlighted) and 月末累计执行进度; English names with Lang::en. Pure.
xlsx::Workbook execution_workbook(const engine::Snapshot& s, Lang lang);

/// Building blocks shared with the JSON API: totals of a set of lines (fen, 万元 strings, rates), a
/// line, a unit, band counts, scores, month ends.
boost::json::object amounts_json(const engine::Amounts& a);
boost::json::object line_json(const engine::LineEval& e);
boost::json::object unit_json(const engine::UnitEval& u);
/// A department: its totals, 执行率 against 序时进度 with the gap in percentage points, bands and
/// rank.
boost::json::object department_json(const engine::DepartmentEval& d);
/// Carry-forward money (上年结转) or the year's new money of a roll-up: lines, initial_fen,
/// adjusted_fen, paid_fen, unspent_fen, execution_rate_pct, expected_pct (issue 14).
boost::json::object source_totals_json(const engine::Amounts& a, int lines);
boost::json::object bands_json(const engine::BandCounts& b);
boost::json::object scores_json(const engine::Scores& s);
boost::json::object score_details_json(const engine::Scores& s, const engine::Policy& p);
boost::json::array month_ends_json(const std::vector<engine::MonthEnd>& ms);
boost::json::array orphans_json(const std::vector<engine::OrphanPayments>& os);

/// Pretty-prints a JSON value with two-space indentation and a final newline.
std::string pretty_json(const boost::json::value& v);

}  // namespace bw::reports
