// The year-end report (年度预算执行情况 / 部门整体支出绩效评价, financial-management part), laid
// out as the Liwan 2021 evaluation report: table 1-5 (basic expenditure lines, project expenditure,
// department total), table 1-6 (序号, 项目名称, 年初预算数, 调整, 调整率, 调整后预算数, 支出数,
// 执行率 per project, amounts in 万元), the projects by band, and the auditor's scores with their
// formulas and figures (预算完成率, 预算调整率, 支出均衡性). Used by `budgetwatch report --kind
// yearend` and GET /api/v1/reports/yearend.
#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "engine/snapshot.h"
#include "reports/format.h"
#include "reports/xlsx.h"

namespace bw::reports {

/// The report at the snapshot's as_of (final when that is the fiscal year's last day or later;
/// otherwise `final` is false and the figures are to date). Fields: kind "yearend", as_of,
/// fiscal_year, final, amount_unit "万元", table_1_5 {rows [{label, code, initial_wan,
/// adjustment_wan, net_adjustment_rate_pct (净调整率), adjusted_wan, paid_wan, execution_rate_pct,
/// initial_fen, adjustment_fen, adjusted_fen, paid_fen}]}, table_1_6 {rows [{seq, code, name,
/// mid_year_new, …the same amounts}], total {…}}, department, project_total, basic_total (as table
/// rows), bands {on_track, below_80, below_50, zero, no_budget, below_threshold
/// [{code, name, execution_rate_pct, band}]}, scores {budget_completion {rate_pct, score, max,
/// formula, working}, budget_adjustment {rate_pct, numerator_wan, denominator_wan, score, max,
/// formula, working}, spending_balance {checkpoints [{date, execution_rate_pct}], mean_pct, score,
/// max, formula, working}, total {score, max}}, month_ends [{date, adjusted_fen, paid_fen,
/// expected_paid_fen, execution_rate_pct, expected_pct}], largest_unspent [{code, name, kind,
/// adjusted_wan, paid_wan, unspent_wan, unspent_fen}]. Liwan 2021 as of 2021-12-31: scores 4.55
/// / 1.90 / 1.44, bands 19 / 5 / 2 / 4. Pure.
boost::json::value yearend_report_json(const engine::Snapshot& s);

/// The report as JSON (pretty), CSV (table 1-6 with its total row, amounts in 万元 without
/// separators), Markdown, HTML (with the charts) or xlsx (the bytes of yearend_workbook; throws
/// std::runtime_error when its temporary file cannot be written).
std::string render_yearend_report(const engine::Snapshot& s, Format f, Lang l);

/// The report as a workbook, one sheet each: 表1-5 部门整体支出, 表1-6 项目支出 (序号, 项目编码,
/// 项目名称 and the amounts under the two-row header 预算数 / 执行情况; projects below the
/// threshold highlighted; the total row), 财务管理指标得分 (rate, points, score, formula and
/// working; the total), 项目执行率分布, 月末累计执行进度 and 未支出余额; amounts in 万元 rounded as
/// the report prints them. English with Lang::en. Pure.
xlsx::Workbook yearend_workbook(const engine::Snapshot& s, Lang l);

}  // namespace bw::reports
