// The reports as Excel workbooks (.xlsx, issue 16 "Workbooks out"): a small typed model of sheets
// (a title merged across the columns, one- or two-row headers with merged cells, rows of typed
// cells) and its writer over Debian's libxlsxwriter. The execution and year-end reports build their
// workbooks from their own figures; the monthly report and the mid-year review from their documents
// (workbook_of). Used by reports/report.cpp (render_report, write_report_workbook), `budgetwatch
// report --format xlsx` and the API.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/money.h"
#include "engine/ratio.h"
#include "engine/result.h"
#include "reports/document.h"
#include "reports/format.h"

namespace bw::reports::xlsx {

/// How a cell is written. Numbers are exact integers in the model, scaled as the kind says, and
/// become a double only in the cell (value / scale), so the cell shows exactly the report's figure.
enum class CellKind {
  empty,    ///< nothing (an undefined rate is written as "—" text instead: see Cell::pct)
  text,     ///< a string
  integer,  ///< a count or a sequence number: scaled = the number, format "0"
  yuan,     ///< money in yuan (元): scaled = fen, format "#,##0.00"
  wan,  ///< money in 万元 rounded to 0.01 万元 as the reports print it: scaled = hundredths of 万元
  pct,      ///< a rate rounded to 0.01 %: scaled = hundredths of a percent, format "0.00%"
  decimal,  ///< a number with two decimals (scores, percentage points): scaled = hundredths, format
            ///< "0.00"
};

/// A typed cell.
struct Cell {
  CellKind kind = CellKind::empty;
  std::string text;         ///< for text
  std::int64_t scaled = 0;  ///< for numbers, see CellKind

  static Cell blank() { return {}; }
  static Cell str(std::string s) { return {CellKind::text, std::move(s), 0}; }
  static Cell integer(std::int64_t n) { return {CellKind::integer, {}, n}; }
  static Cell yuan(engine::Money m) { return {CellKind::yuan, {}, m.fen}; }
  /// 万元 rounded half away from zero to 0.01 万元, as engine::format_wan prints it.
  static Cell wan(engine::Money m);
  /// A rate rounded half up to 0.01 % (engine::format_pct); "—" text when undefined.
  static Cell pct(const std::optional<engine::Ratio>& r);
  /// A number rounded half up to two decimals (a score, engine::format_decimal); "—" when
  /// undefined.
  static Cell decimal(const std::optional<engine::Ratio>& r);
  /// A number already in hundredths (percentage points, a sum of printed scores).
  static Cell hundredths(std::int64_t h) { return {CellKind::decimal, {}, h}; }
};

/// How a row looks: a total row is bold with a rule above it; a lagging row (below the execution
/// threshold, behind expected progress, an indicator behind) has a light red fill with dark red
/// text.
enum class RowStyle { normal, total, lagging };

/// A data row.
struct Row {
  std::vector<Cell> cells;
  RowStyle style = RowStyle::normal;
};

/// One sheet: rows 1-2 are the title (merged across the columns) and a subtitle line (as-of date,
/// amount unit; merged too), then the header, then the rows, then notes. The panes are frozen below
/// the header.
struct Sheet {
  std::string name;   ///< the tab name; cut to 31 characters and []:*?/\ replaced when written
  std::string title;  ///< row 1
  std::string subtitle;  ///< row 2 ("截至日期：2021-12-31　金额单位：万元"); none when empty
  /// One or two header rows of equal width (the table's width). In the upper row, a run of equal
  /// non-empty labels is one merged group cell; a lower-row cell left empty merges with the one
  /// above it. With one row, each label is its own cell.
  std::vector<std::vector<std::string>> header;
  std::vector<double> widths;  ///< column widths in characters; missing ones are 12
  int freeze_columns = 0;      ///< columns kept in view besides the header rows (0: none)
  std::vector<Row> rows;
  std::vector<std::string> notes;  ///< lines below the table (formulas, the two adjustment rates)
};

/// A workbook: its sheets in order and the document title (docProps).
struct Workbook {
  std::string title;
  std::vector<Sheet> sheets;
};

/// The workbook of a document (the monthly report, the mid-year review): one sheet per table, named
/// by the heading above it, with the document's title; a numeric column's cells are read back into
/// exact integers from the text the report printed ("1,234.56", "91.38%", "+1.10", "19"; "—" stays
/// text), rows of class "behind" or "laggard" are lagging and "total" rows totals. Pure.
Workbook workbook_of(const Document& doc, Lang l);

/// Writes `w` to `file` (created or replaced; libxlsxwriter's own temporary files go to the file's
/// folder). Errc::io "cannot write FILE: REASON" (libxlsxwriter's reason) when it cannot be
/// written.
Result<void> write_workbook(const Workbook& w, const std::filesystem::path& file);

/// The bytes of `w` as an .xlsx file: written in a private temporary folder (mkdtemp under $TMPDIR
/// or /tmp, mode 0700) that is removed before returning, whatever happens. Throws
/// std::runtime_error when the temporary folder or file cannot be written (an infrastructure
/// failure). Thread-safe.
std::string workbook_bytes(const Workbook& w);

/// The MIME type of an .xlsx file.
inline constexpr const char* content_type =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

}  // namespace bw::reports::xlsx
