// The readers of what treasury systems hand out as ".xls" (issue 16, item 1), each a RecordSource
// for the same row parsers, rejects and ledger as CSV and .xlsx:
// - an old .xls workbook (BIFF8, in an OLE2 compound file) through Debian's FreeXL;
// - an HTML table saved as .xls (what many systems' "export to Excel" sends), by a small tolerant
//   table tokenizer: <tr>, <td>/<th>, colspan, character entities, <br>;
// - an Excel 2003 XML workbook (SpreadsheetML) saved as .xls, by expat.
// Which one is chosen by the file's bytes (sniff_format in xlsx_reader.h), never by its name.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "collectors/encoding.h"
#include "collectors/record_source.h"
#include "collectors/xlsx_reader.h"
#include "engine/result.h"

namespace bw::collect {

/// Opens an OLE2 file as a BIFF8 workbook. Its sheets are read in order, hidden ones left out
/// unless XlsxLimits::hidden_sheets (FreeXL does not say which are hidden: xls_probe.h reads it);
/// numbers as plain decimal text rounded to 6 decimals (as the .xlsx reader), dates as YYYY-MM-DD,
/// text as written. A record's line is the sheet's row number (1-based). Errors
/// (Errc::invalid_input): "encrypted workbook: …" for a workbook with a password to open (an
/// EncryptionInfo stream or a BIFF FILEPASS record), "corrupt .xls: the file is damaged or cut
/// short (…)" for a compound file that cannot be followed (a truncated file; xls_probe.h), "corrupt
/// .xls: … (FreeXL error N)" for one FreeXL cannot read, "the workbook has no sheet". Before FreeXL
/// reads it (FreeXL holds the whole workbook in memory, each sheet's cell table allocated from its
/// declared dimensions), a file over XlsxLimits::max_xls_bytes is refused ("too large for .xls:
/// …"), and so is a sheet declaring more rows or columns than max_xls_rows / max_xls_columns
/// ("sheet 明细 declares 1,000,000 rows and 13 columns, over ingest.max_xls_rows (65,536): …") or
/// sheets declaring more cells in all than one sheet may. `no_follow` as for open_xlsx_file.
Result<std::unique_ptr<RecordSource>> open_xls_file(const std::filesystem::path& path,
                                                    const XlsxLimits& limits,
                                                    bool no_follow = false);

/// The same over bytes in memory (uploads); they are copied into an anonymous memory file.
Result<std::unique_ptr<RecordSource>> open_xls_bytes(std::string_view bytes,
                                                     const XlsxLimits& limits);

/// Opens an HTML page's tables as one sheet of records: every <tr> of every <table> is a record,
/// its <td>/<th> cells the fields (a cell with colspan=N is followed by N-1 empty fields, so the
/// columns stay aligned under a spanning title), entities decoded (&amp; &lt; &gt; &quot; &nbsp;
/// &#NNN; &#xHH; and the usual named ones), <br> a line break, other tags dropped, runs of white
/// space one space, the text trimmed; <script>, <style> and comments skipped. A record's line is
/// the row's number (1-based, over all tables). `text` is the page as UTF-8 (decoded from the
/// encoding its meta charset names, see markup_encoding). Errors (Errc::invalid_input): "an HTML
/// page without a table: …" when the page has no <tr>.
std::unique_ptr<RecordSource> open_html_table(std::unique_ptr<TextSource> text);

/// Opens an Excel 2003 XML workbook (SpreadsheetML): each <Worksheet> a sheet, each <Row> a record
/// (all of them: a sheet's visibility comes after its rows; ss:Index honoured for rows and cells,
/// ss:MergeAcross padded with empty fields), Number cells as
/// plain decimal text, DateTime cells as YYYY-MM-DD. `text` is the document as UTF-8 (the encoding
/// in its declaration is decoded before expat sees it). Errors (Errc::invalid_input):
/// "SpreadsheetML: XML error at line 3: …".
std::unique_ptr<RecordSource> open_spreadsheetml(std::unique_ptr<TextSource> text);

/// The encoding of an HTML or XML document from its first bytes: GB18030 when its meta charset
/// (`charset=gb2312`, `gbk`, `gb18030`, quoted or not) or XML declaration (`encoding="GBK"`) names
/// a GB encoding, else UTF-8.
Encoding markup_encoding(std::string_view head);

}  // namespace bw::collect
