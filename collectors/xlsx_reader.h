// The .xlsx reader (issue 16, item 1): a workbook's sheets as records for the same parsers as CSV.
// The zip members are read as streams (minizip) and the sheet XML is parsed by expat as it arrives,
// so a big sheet is never held in memory (the shared-strings table is).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/record_source.h"
#include "engine/result.h"

namespace bw::collect {

/// What a file's first bytes say it is.
enum class FileFormat {
  text,           ///< CSV (or anything else: the CSV path reports it)
  zip,            ///< PK\x03\x04: an .xlsx workbook
  ole2,           ///< D0 CF 11 E0 A1 B1 1A E1: an old .xls (BIFF) or an encrypted workbook
  html,           ///< `<html`, `<table` or `<!doctype html` after an optional BOM and white space
  spreadsheetml,  ///< `<?xml` and urn:schemas-microsoft-com:office:spreadsheet (Excel 2003 XML)
};

/// How many first bytes sniff_format needs to tell every format (SpreadsheetML names its namespace
/// after the XML declaration and a processing instruction or two).
inline constexpr std::size_t sniff_bytes = 4096;

/// Sniffs the format from the first bytes (sniff_bytes of them, or the whole file when shorter),
/// never from the name.
FileFormat sniff_format(std::string_view head);

/// Whether a binary export is complete, for the sources that wait for a file's writer: a zip ends
/// with its end-of-central-directory record (found in `tail`, the file's last 65,557 bytes or all
/// of it); an OLE2 file is taken as it is (FreeXL refuses a cut one); an HTML table or
/// SpreadsheetML document once its closing tag (</html>, </table>, </Workbook>) is in `tail`. False
/// for text.
bool binary_export_complete(std::string_view head, std::string_view tail);

/// How many bytes at the end of a file binary_export_complete looks at.
inline constexpr std::size_t binary_tail_bytes = 22 + 65535;

/// Bounds against zip bombs. A member larger than `max_member_bytes`, or larger than 1 MiB and more
/// than `max_ratio` times its compressed size, is refused before it is inflated; a member that
/// inflates to more than its declared size is refused while it is read.
/// A workbook with more zip members than `max_members` is refused before any is read. Hidden sheets
/// are left out unless `hidden_sheets` (config `ingest.hidden_sheets`).
struct XlsxLimits {
  std::uint64_t max_member_bytes = std::uint64_t{2} << 30;  ///< 2 GiB
  std::uint64_t max_ratio = 500;
  std::uint64_t max_members = 10'000;
  bool hidden_sheets = false;
  /// An old .xls (FreeXL, which holds it whole in memory): its size, and each sheet's declared rows
  /// and columns (their product also bounds the cells of all sheets together).
  std::uint64_t max_xls_bytes = std::uint64_t{64} << 20;  ///< 64 MiB
  std::uint64_t max_xls_rows = 65'536;                    ///< BIFF8's own limit
  std::uint64_t max_xls_columns = 256;                    ///< BIFF8's own limit
};

/// For an OLE2 file holding an EncryptionInfo stream (an .xlsx saved with a password to open):
/// "encrypted workbook: …"; nullopt for any other (an .xls workbook, see xls_reader.h).
std::optional<std::string> ole2_encrypted_message(std::string_view bytes);

/// Opens a workbook; its sheets are read in order, hidden ones left out unless
/// XlsxLimits::hidden_sheets (RecordSource::next_sheet).
/// Cells become fields as text: shared and inline strings as written; numbers in plain decimal
/// notation, rounded half away from zero to 6 decimals (the fen of 万元: a double's noise such as
/// 1234.5000000001 goes, an amount with more decimals than fen stays wrong and is rejected by the
/// amount parser); numbers in a date format as YYYY-MM-DD (1900 system with its phantom 1900-02-29,
/// or 1904 per workbook.xml's date1904; the time of day is dropped); booleans TRUE/FALSE; formulas
/// by their cached value. A record's line is the sheet's row number. Errors (Errc::invalid_input):
/// "corrupt zip: …", "encrypted workbook: …", "not an .xlsx workbook: …", "zip bomb: …", and while
/// reading "sheet 明细, cell L5: a formula without a cached value …"; "zip bomb: the workbook has
/// 20000 members (limit 10000)".
/// The file is read through one descriptor (pread), opened without following a symlink when
/// `no_follow` (drop folders) and refused unless it is a regular file.
Result<std::unique_ptr<RecordSource>> open_xlsx_file(const std::filesystem::path& path,
                                                     const XlsxLimits& limits,
                                                     bool no_follow = false);

/// The same over bytes in memory, which must outlive the source.
Result<std::unique_ptr<RecordSource>> open_xlsx_bytes(std::string_view bytes,
                                                      const XlsxLimits& limits);

/// A numeric cell's value as the reader gives it: plain decimal notation, rounded half away from
/// zero to 6 decimals, trailing zeros dropped ("1234.5000000001" → "1234.5", "1.2345E+7" →
/// "12345000"); decimal text arithmetic only. Text that is not a number is returned unchanged.
std::string xlsx_number_text(std::string_view v);

/// A date serial as YYYY-MM-DD (the time of day dropped): 1900 system (serial 1 = 1900-01-01, 60 =
/// the 1900-02-29 that never was → nullopt, 61 = 1900-03-01) or 1904 (serial 0 = 1904-01-01).
/// nullopt for a negative or non-numeric serial.
std::optional<std::string> xlsx_serial_date(std::string_view v, bool date1904);

/// Lowercase hex SHA-256 and size of a file, read in chunks (Errc::io "cannot open file: …").
Result<std::pair<std::string, std::uint64_t>> hash_file(const std::filesystem::path& path,
                                                        bool no_follow = false);
/// Opens a file read-only (without following a symlink when `no_follow`, and then without blocking
/// on a FIFO) and refuses anything but a regular file: Errc::io "cannot open file: …". The caller
/// owns the descriptor.
Result<int> open_regular(const std::filesystem::path& path, bool no_follow);
/// The first `n` bytes of a file (fewer when it is shorter), for sniff_format.
Result<std::string> file_head(const std::filesystem::path& path, std::size_t n,
                              bool no_follow = false);

/// Lowercase hex SHA-256 of bytes.
std::string hash_bytes(std::string_view bytes);

}  // namespace bw::collect
