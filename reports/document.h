// A report as a document: headings, paragraphs, tables and (HTML only) charts, written once by each
// report and rendered as Markdown or as a self-contained HTML page. Keeps the Markdown and HTML of
// a report the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/civil_date.h"
#include "reports/format.h"
#include "reports/text_sink.h"

namespace bw::reports {

/// A column of a table: its label, whether its cells are numbers (right-aligned) and whether a
/// negative value is shown in red in HTML (gaps to expected progress).
struct Column {
  std::string label;
  bool numeric = false;
  bool flag_negative = false;
};

/// A table row: plain-text cells (escaped when rendered) and an optional class for HTML ("total",
/// "laggard").
struct Row {
  std::vector<std::string> cells;
  std::string row_class;
};

/// A table; rows shorter than the header are padded with empty cells.
struct Table {
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::string id;  ///< HTML id ("table-1-6"); not shown in Markdown
};

/// An ordered list of blocks.
class Document {
 public:
  /// `title` is the <h1> / "# " line.
  Document(std::string title, engine::CivilDate as_of) : title_(std::move(title)), as_of_(as_of) {}

  /// A heading of level 2 or 3.
  void heading(std::string text, int level = 2);
  /// A paragraph of plain text.
  void paragraph(std::string text);
  /// A muted note (HTML class "note"; a plain paragraph in Markdown).
  void note(std::string text);
  void table(Table t);
  /// Raw HTML (charts); left out of the Markdown.
  void html(std::string raw);

  /// Markdown: "# title", blank-line separated blocks, GitHub tables (numbers right-aligned).
  std::string markdown() const;
  /// One self-contained HTML page in language `l` (html::page_begin / page_end).
  std::string html_page(Lang l) const;
  /// The same page written into a sink (handed on row by row when it streams).
  void write_html_page(Lang l, TextSink& sink) const;
  /// The page in two parts, for a last block written straight into the sink between them: up to the
  /// last block, and the end of the page.
  void write_html_begin(Lang l, TextSink& sink) const;
  void write_html_end(Lang l, TextSink& sink) const;

  /// The title and the as-of date (the workbooks: reports/xlsx.h).
  const std::string& title() const { return title_; }
  engine::CivilDate as_of() const { return as_of_; }
  /// A table with the nearest heading above it ("" when none).
  struct TitledTable {
    std::string heading;
    const Table* table;
  };
  /// Every table in order, with its heading; valid while the document lives.
  std::vector<TitledTable> tables() const;

 private:
  enum class Kind { heading, paragraph, note, table, html };
  struct Block {
    Kind kind;
    std::string text;
    int level = 2;
    Table table;
  };
  std::string title_;
  engine::CivilDate as_of_;
  std::vector<Block> blocks_;
};

}  // namespace bw::reports
