// Record → domain row, for each input kind. Pure: a bad field gives a RowError naming the column
// and reason; the caller turns it into a store::Reject and goes on with the next record.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "collectors/column_map.h"
#include "collectors/csv_reader.h"
#include "engine/model.h"
#include "store/ledger.h"

namespace bw::collect {

/// Why a record was not taken: the 1-based column, its header as written, and the reason.
struct RowError {
  int column = 0;
  std::string field;
  std::string reason;
};

template <class T>
using RowResult = tl::expected<T, RowError>;

/// Checks the record has as many fields as the header: "expected 13 fields, found 12".
RowResult<void> check_field_count(const CsvRecord& rec, const ResolvedColumns& cols);

/// A payments row. `basic_lines` holds each unit's basic-expenditure line codes per fiscal year: a
/// blank or 基本支出 project code of a unit with several of them in the fiscal year of the
/// payment's date (fiscal years starting in `fiscal_start_month`) is rejected as ambiguous.
RowResult<store::PaymentRow> parse_payment(const CsvRecord& rec, const ResolvedColumns& cols,
                                           const store::BasicLinesByUnit& basic_lines,
                                           unsigned fiscal_start_month = 1);

/// A budget register row (预算指标).
RowResult<engine::BudgetLine> parse_budget_line(const CsvRecord& rec, const ResolvedColumns& cols);

/// A budget adjustment row (预算调整).
RowResult<engine::Adjustment> parse_adjustment(const CsvRecord& rec, const ResolvedColumns& cols);

/// A performance indicator row (绩效目标表): project code, seq, names and the target text as
/// written.
RowResult<store::IndicatorRow> parse_indicator(const CsvRecord& rec, const ResolvedColumns& cols);

/// An actual value of an indicator: project code, seq or indicator name, date, value, note.
RowResult<store::ActualRow> parse_actual(const CsvRecord& rec, const ResolvedColumns& cols);

/// The literal written for basic expenditure in a payment's project code.
inline constexpr std::string_view basic_expenditure_code = "基本支出";

}  // namespace bw::collect
