// The domain model (DESIGN §4): budget lines, adjustments, payments, indicators, and the inputs and
// policy the engine evaluates. Plain values: collectors fill them, the store persists them, the
// engine reads them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/civil_date.h"
#include "engine/money.h"

namespace bw::engine {

/// 支出类型: basic expenditure (基本支出: personnel, running costs) or a project (项目支出).
enum class LineKind { basic, project };

/// "basic" | "project" — the word used in JSON, metrics labels and config.
const char* to_string(LineKind k);

/// Where a line's money comes from (指标来源).
enum class LineSource {
  initial,          ///< 年初: the year's initial budget
  mid_year,         ///< 年中新增: a mid-year new project (money by adjustment)
  carried_forward,  ///< 上年结转: last year's unspent money carried into this year
};

/// "年初" | "年中新增" | "上年结转" — the word used in registers, JSON and reports.
const char* to_string(LineSource s);
/// Inverse of to_string, also 年初预算, 年初安排, 年中追加, 结转 and the English keys (initial,
/// mid_year, carried_forward); nullopt for anything else.
std::optional<LineSource> parse_line_source(std::string_view s);
/// "initial" | "mid_year" | "carried_forward" — the English key used in config selectors, alert
/// labels and metrics labels.
const char* source_key(LineSource s);

/// A budget line (预算项目) from the budget register (预算指标), or known only from adjustments
/// (a mid-year new project whose register row is missing: `registered` is false). A line is
/// identified by (fiscal_year, code): the same code in two years is two lines.
struct BudgetLine {
  std::string code;  ///< 项目编码, unique within its fiscal year
  /// 预算年度: FiscalYear::year() of the year the line belongs to. 0 when the caller does not say
  /// (the store then takes the fiscal year of the deadline, else of the time the line is recorded).
  int fiscal_year = 0;
  std::string department_code;  ///< 部门编码 (一级预算单位) from the register; "" when it has none
  std::string department_name;       ///< 部门名称
  std::optional<LineSource> source;  ///< 指标来源 from the register; none: not given
  std::string name;                  ///< 项目名称
  std::string unit_code;             ///< 预算单位编码
  std::string unit_name;             ///< 预算单位名称
  LineKind kind = LineKind::project;
  Money initial;                      ///< 年初预算数
  std::optional<CivilDate> deadline;  ///< 完成时限; none = the fiscal year's last day
  std::string owner;                  ///< 项目负责人
  std::string owner_email;            ///< 负责人邮箱
  std::vector<std::string> tags;
  bool registered = true;
  /// A carry-forward line (上年结转): the fiscal year of the previous year's line of the same code,
  /// when the store holds one (fiscal_year − 1); 0 otherwise. Derived at load time, not stored.
  int carried_from_year = 0;
  /// A carry-forward line's age in years: 1 when last year's line of the code was new money (or is
  /// not held), 2 when it was itself carried forward, and so on. 0: not given (the engine takes 1
  /// for a carry-forward line). Derived at load time, not stored.
  int carry_age = 0;
};

/// A dated, signed budget adjustment (预算调整) of one line.
struct Adjustment {
  std::string project_code;
  CivilDate date;
  Money amount;        ///< signed: increases are positive, cuts negative
  std::string doc_no;  ///< 调整文号
  std::string note;    ///< 说明
};

/// One treasury payment (国库集中支付明细 row). Negative amounts are refunds or reversals.
struct Payment {
  std::string voucher_no;  ///< 支付凭证号, unique
  CivilDate pay_date;
  std::string unit_code;
  std::string unit_name;
  std::string project_code;  ///< as written; "" for blank or the literal 基本支出
  std::string project_name;
  std::string func_class;  ///< 功能分类科目
  std::string econ_class;  ///< 经济分类科目
  std::string pay_method;  ///< 支付方式
  std::string fund_type;   ///< 资金性质
  std::string payee;       ///< 收款人全称
  Money amount;
  std::string memo;  ///< 摘要
};

/// The payments of one (unit, project code as written) summed per fiscal month. The store builds
/// these from its monthly aggregates; the engine never sees raw payment rows. `project_code` is ""
/// for payments written with a blank code or 基本支出 (attributed to the unit's basic line by the
/// engine).
struct PaymentSeries {
  std::string unit_code;
  std::string unit_name;  ///< as first written in a payment
  std::string project_code;
  std::string project_name;                    ///< as first written in a payment
  std::array<Money, 12> month_paid{};          ///< month index 0..11 of the fiscal year
  std::array<std::int64_t, 12> month_count{};  ///< payment rows per month
};

/// How the expected progress (序时进度) of a line grows through the year (DESIGN §5).
enum class CurveKind {
  linear_to_deadline,  ///< by days, from the day the money is available to the deadline (default)
  month_linear,    ///< m/N at each month end, N = months to the deadline (treasury notices: Nov =
                   ///< 11/12)
  by_days,         ///< by days over the whole fiscal year, ignoring the deadline
  custom_monthly,  ///< a cumulative share per month end, linear within a month
  milestones,      ///< required shares at dates, stepwise (e.g. 60% by 30 September)
};

/// "linear_to_deadline" | "month_linear" | "by_days" | "custom_monthly" | "milestones".
const char* to_string(CurveKind k);
/// Inverse of to_string; nullopt for an unknown word.
std::optional<CurveKind> parse_curve_kind(std::string_view s);

/// A required cumulative share by a date, in basis points (10000 = 100%).
struct Milestone {
  CivilDate date;
  int share_bp = 0;
};

/// An expected-progress curve with its parameters.
struct Curve {
  CurveKind kind = CurveKind::linear_to_deadline;
  /// custom_monthly: cumulative share at each fiscal month end, basis points, non-decreasing,
  /// ending at 10000.
  std::array<int, 12> monthly_bp{};
  /// milestones: ascending dates.
  std::vector<Milestone> milestones;
};

/// How a line whose 完成时限 falls after its fiscal year is watched (issue 14: cross-year
/// projects).
enum class DeadlineAfterYearEnd {
  fiscal_year_end,  ///< against the fiscal year's last day: the year's money is due by then
                    ///< (default)
  own_deadline,     ///< against its own deadline (expected progress runs past the year end)
};

/// "fiscal_year_end" | "own_deadline".
const char* to_string(DeadlineAfterYearEnd d);
/// Inverse of to_string; nullopt for an unknown word.
std::optional<DeadlineAfterYearEnd> parse_deadline_after_year_end(std::string_view s);

/// Rules of evaluation that a site configures (every default here is documented in
/// config/defaults.h).
struct Policy {
  unsigned fiscal_year_start_month = 1;
  Curve default_curve;
  std::map<std::string, Curve> unit_curves;  ///< by unit code
  std::map<std::string, Curve> line_curves;  ///< by line code; wins over the unit's
  /// Execution threshold of the report's bands and of pace alerts (80%).
  int threshold_bp = 8000;
  /// Lower band edge (50%).
  int low_bp = 5000;
  /// Calendar months whose ends are the spending-balance (支出均衡性) checkpoints. The Liwan 2021
  /// report averages the 1-10 and 1-11 month rates published by the treasury.
  std::vector<unsigned> balance_checkpoint_months = {10, 11};
  /// The auditor's rubric (部门整体支出绩效评价, financial management): points of each score and
  /// the floor of the budget-completion score (rate − floor) / (100% − floor) × points.
  int completion_points = 8;
  int completion_floor_bp = 8000;
  int adjustment_points = 3;
  int balance_points = 3;
  /// Departments (部门) of lines whose register names none: the first N digits of the unit code (a
  /// common coding convention, e.g. 3: unit 101001 is in department 101). 0 (the default): such
  /// lines belong to the one department of the database (code "").
  int department_unit_code_digits = 0;
  /// The department of the lines that neither the register nor department_unit_code_digits places
  /// in one (config `department: {code, name}`): its code ("" by default, the one department of a
  /// database whose registers name none) and its name (部门名称; "" by default).
  std::string single_department_code;
  std::string single_department_name;
  /// A line whose deadline (完成时限) is after the fiscal year's last day: watched against that
  /// last day (default) or against its own deadline.
  DeadlineAfterYearEnd deadline_after_year_end = DeadlineAfterYearEnd::fiscal_year_end;
};

/// The curve of a line: its own (Policy::line_curves), else its unit's, else the default.
const Curve& curve_for(const Policy& p, const BudgetLine& line);

/// Everything the engine needs, as values (store/inputs.h builds it).
struct Inputs {
  FiscalYear fiscal_year;
  std::vector<BudgetLine> lines;
  std::vector<Adjustment> adjustments;
  std::vector<PaymentSeries> payments;  ///< months after as_of are zero; as_of's month is partial
  /// A unit's payments in earlier fiscal years, cumulative at each fiscal month end and summed over
  /// those years (by unit code), when the store holds history; the year-end forecast takes the
  /// share of the annual total normally paid by a date from it.
  std::map<std::string, std::array<Money, 12>> history_cumulative;
};

}  // namespace bw::engine
