// The engine's one entry point: evaluate(inputs, as_of, policy) → Snapshot, the value every
// consumer reads (metrics, alerts, reports, the JSON API). Pure and deterministic; a Snapshot is
// immutable once built and shared between threads through shared_ptr<const Snapshot>.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/execution.h"
#include "engine/model.h"
#include "engine/scores.h"

namespace bw::engine {

/// One budget line evaluated as of a date.
struct LineEval {
  /// Unit and name completed from payments/adjustments for unregistered lines;
  /// department_code/_name are the line's department as evaluated (the register's, else
  /// Policy::department_unit_code_digits of the unit code, else another line's of the same unit,
  /// else "" — the one department of the database).
  BudgetLine line;
  /// 指标来源: the register's, else 年中新增 for a mid-year new project (no initial budget, money
  /// by adjustment, or known only from adjustments), else 年初.
  LineSource source = LineSource::initial;
  /// A carry-forward line's age in years (BudgetLine::carry_age, at least 1); 0 for new money.
  int carry_age = 0;
  CivilDate
      available_from;  ///< first day with budget in force (fiscal-year start unless mid-year new)
  /// Effective deadline: the register's, else the fiscal year's last day; a register deadline after
  /// the fiscal year is the year's last day under DeadlineAfterYearEnd::fiscal_year_end (the
  /// default).
  CivilDate deadline;
  CurveKind curve = CurveKind::linear_to_deadline;
  bool mid_year_new = false;       ///< 年中新增项目: no initial budget, money by adjustment
  Amounts amounts;                 ///< as of the date; abs_adjustment = |adjustment|
  std::optional<Ratio> execution;  ///< paid / adjusted
  std::optional<Ratio> expected;   ///< 序时进度 (exact)
  std::optional<Ratio> pace;       ///< execution / expected
  std::optional<Ratio> forecast;   ///< year-end execution forecast
  Band band = Band::no_budget;
  int days_to_deadline = 0;   ///< negative once the deadline has passed
  std::int64_t payments = 0;  ///< payment rows counted (refunds included)
  int month_ends = 0;         ///< fiscal month ends on or before the date (entries valid below)
  std::array<Money, 12> month_end_paid{};      ///< cumulative paid at each month end
  std::array<Money, 12> month_end_adjusted{};  ///< budget in force at each month end
  std::array<Money, 12> month_paid{};  ///< paid in each fiscal month (the as-of month partial)
  std::array<std::int64_t, 12> month_payments{};  ///< payment rows in each fiscal month
};

/// Totals of a set of lines (a unit, or the whole scope = the department).
struct Rollup {
  Amounts all;
  Amounts project;   ///< 项目支出 lines
  Amounts basic;     ///< 基本支出 lines
  BandCounts bands;  ///< project lines only, as the report counts them
  int lines = 0;
  /// 上年结转 lines (carry-forward money) apart from the year's new money (年初 and 年中新增):
  /// auditors judge their execution apart. carried_forward + new_money = all.
  Amounts carried_forward;
  Amounts new_money;
  int carried_forward_lines = 0;
  std::vector<MonthEnd> month_ends;  ///< cumulative, every fiscal month end on or before the date
  Scores scores;
};

/// A budget unit (预算单位) and its roll-up.
struct UnitEval {
  std::string code;
  std::string name;
  Rollup rollup;
};

/// A department (部门, 一级预算单位) and its roll-up, ranked by execution rate among the snapshot's
/// departments.
struct DepartmentEval {
  std::string code;  ///< "" for the one department of a database whose registers name none
  std::string name;
  Rollup rollup;
  /// 1 = the highest execution rate (paid / adjusted budget); equal rates share a rank ("1, 2, 2,
  /// 4"); departments without budget in force come last.
  int rank = 0;
};

/// Payments that belong to no line: a project code in neither the register nor the adjustments
/// (unregistered), or a blank/基本支出 code whose unit has no single basic line (unattributed).
struct OrphanPayments {
  std::string unit_code;
  std::string unit_name;
  std::string project_code;
  std::string project_name;
  Money paid;
  std::int64_t payments = 0;
  std::string
      reason;  ///< "not in the budget register", "unit 101001 has 2 basic-expenditure lines", …
};

/// Everything known as of a date.
struct Snapshot {
  CivilDate as_of;
  FiscalYear fiscal_year;
  Policy policy;
  std::vector<LineEval> lines;  ///< register order, then lines known only from adjustments
  std::vector<UnitEval> units;  ///< by unit code
  Rollup department;            ///< every line in scope
  std::vector<DepartmentEval> departments;  ///< by code; one when no register names a department
  std::vector<OrphanPayments> unregistered;
  std::vector<OrphanPayments> unattributed;
  Money unregistered_paid;
  Money unattributed_paid;

  /// The line with this code, or nullptr. O(log n).
  const LineEval* find_line(std::string_view code) const;
  /// The unit with this code, or nullptr. O(log n).
  const UnitEval* find_unit(std::string_view code) const;
  /// The department with this code, or nullptr. O(log n).
  const DepartmentEval* find_department(std::string_view code) const;

  /// Index of lines sorted by code (built by evaluate).
  std::vector<std::size_t> by_code;
};

/// Evaluates the inputs as of the end of day `as_of` under `policy`. Payments must already be
/// limited to the fiscal year up to as_of, and lines and adjustments to the fiscal year
/// (store/inputs.h does this); adjustments after as_of are ignored here. Thread-safe (pure);
/// O(lines + adjustments + payment series).
Snapshot evaluate(const Inputs& in, CivilDate as_of, const Policy& policy);
/// The same, taking the inputs' budget lines into the snapshot instead of copying them (the
/// daemon's evaluation: 60,000 lines' strings held once, not twice, while the snapshot is built).
Snapshot evaluate(Inputs&& in, CivilDate as_of, const Policy& policy);

/// Restricts inputs to the lines of one unit (for reports with --unit); payments of other units are
/// dropped.
Inputs filter_unit(const Inputs& in, std::string_view unit_code);

}  // namespace bw::engine
