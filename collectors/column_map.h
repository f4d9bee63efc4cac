// Header name → field: the columns of each input kind, found by name (DESIGN §6). Defaults are the
// Chinese headers and the 一体化 (integrated budget system) field names; a site adds its own names
// through config.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/money.h"
#include "engine/result.h"
#include "store/ledger.h"

namespace bw::collect {

/// Every column budgetwatch reads, across the input kinds.
enum class Field {
  // payments (国库集中支付明细)
  voucher_no,
  pay_date,
  unit_code,
  unit_name,
  project_code,
  project_name,
  func_class,
  econ_class,
  pay_method,
  fund_type,
  payee,
  amount,
  memo,
  // budget register (预算指标)
  line_kind,
  initial,
  owner,
  owner_email,
  deadline,
  tags,
  fiscal_year,
  department_code,
  department_name,
  line_source,
  // adjustments (预算调整)
  adj_date,
  adj_amount,
  doc_no,
  note,
  // performance indicators (绩效指标) and their actual values
  seq,
  source_no,
  indicator_class,
  indicator_subclass,
  indicator_name,
  period_target_raw,
  target_raw,
  actual_date,
  actual_value,
  count_  // not a field
};
inline constexpr std::size_t field_count = static_cast<std::size_t>(Field::count_);

/// The stable English key of a field ("voucher_no"), used in config and error messages.
const char* key_of(Field f);
/// The default Chinese header of a field ("支付凭证号").
const char* chinese_name(Field f);

/// Which columns a header row holds, for one file kind.
struct ResolvedColumns {
  store::FileKind kind = store::FileKind::payments;
  std::array<int, field_count> index{};  ///< 0-based column of each field, -1 when absent
  std::array<std::optional<engine::MoneyUnit>, field_count>
      unit{};                        ///< unit declared in the header
  std::vector<std::string> headers;  ///< the header row as written (trimmed)
  std::size_t columns = 0;           ///< number of header columns

  int at(Field f) const { return index[static_cast<std::size_t>(f)]; }
  bool has(Field f) const { return at(f) >= 0; }
  /// The header as written in the file for a field ("金额"), or its Chinese name when absent.
  std::string header_of(Field f) const;
};

/// Header names per field. Matching ignores surrounding spaces, full-width/half-width differences,
/// a unit in parentheses (`年初预算数（万元）`), and ASCII letter case.
class ColumnMap {
 public:
  /// The defaults: Chinese headers, 一体化 names (PAY_CERT_NO, AGENCY_CODE, ...) and the English
  /// keys.
  ColumnMap();
  /// Adds a header name for a field (from config: `columns: {amount: [付款金额]}`).
  void add_alias(Field f, std::string_view header);
  /// Looks a field up by its key; nullopt for an unknown key.
  static std::optional<Field> field_by_key(std::string_view key);

  /// Resolves a header row: detects the kind (payments: voucher and amount; adjustments: adjustment
  /// date and amount; budget: initial budget), unless `forced` names it, and checks the required
  /// columns. Errors (Errc::invalid_input): "header has no known columns: expected a payments
  /// export (支付凭证号, 支付日期, 金额, ...), a budget register (项目编码, 年初预算数, ...) or
  /// adjustments (项目编码, 调整日期, 调整金额)"; "missing column 金额 (also accepted: PAY_AMT,
  /// amount, 支付金额)"; "column 金额 appears twice (columns 12 and 14)".
  Result<ResolvedColumns> resolve(const std::vector<std::string_view>& header,
                                  std::optional<store::FileKind> forced) const;

 private:
  std::array<std::vector<std::string>, field_count> names_;  // normalised
};

/// The normal form used for matching header names.
std::string normalise_header(std::string_view h);

}  // namespace bw::collect
