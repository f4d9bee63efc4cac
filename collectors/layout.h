// Exports as they come (issue 16): the lines around the table that are not records — title lines
// above the header, a 单位：元 / 单位：万元 line, blank rows, footer lines (制表人, 审核人,
// 打印日期) and totals rows (合计, 小计). Pure functions over a record's fields, for CSV files and
// workbook sheets alike.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/money.h"

namespace bw::collect {

/// How many lines before the header may be titles, units or blank: beyond that the file has no
/// header.
inline constexpr int max_lines_before_header = 30;

/// What a line below the header is.
enum class LineRole {
  record,  ///< a row to parse
  blank,   ///< every field empty or spaces
  total,   ///< 合计 / 总计 in its first non-empty field: compared with the sum of the rows, not
           ///< stored
  subtotal,  ///< 小计 in its first non-empty field: skipped
  footer,  ///< 制表人, 审核人, 复核人, 填报人, 打印日期, 制表日期, ... in its first non-empty
           ///< field: skipped
};

/// Classifies a line by its first non-empty field (spaces, ideographic spaces and full-width forms
/// ignored: `合　计`, `合计：` and ` 合计 ` are totals).
LineRole line_role(const std::vector<std::string_view>& fields);

/// True when every field is empty once trimmed.
bool is_blank(const std::vector<std::string_view>& fields);

/// The money unit a line states: a field reading `单位：元` → yuan, `单位：万元` / `单位:万元` →
/// wan_yuan, also at the end of a longer field (`编制单位：荔湾区科工信局  单位：万元`); nullopt
/// for any other line.
std::optional<engine::MoneyUnit> unit_line(const std::vector<std::string_view>& fields);

/// Pads a sparse row with empty fields to `columns`, and drops empty fields past it.
void pad_fields(std::vector<std::string_view>& fields, std::size_t columns);

}  // namespace bw::collect
