// One file end to end: inspect (hash, encoding) → ledger.begin → CSV → rows → ledger → commit, in
// one transaction. Used by the CLI (`budgetwatch ingest`), the drop-folder and HTTP sources and
// uploads.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/column_map.h"
#include "collectors/encoding.h"
#include "collectors/xlsx_reader.h"
#include "engine/result.h"
#include "store/database.h"
#include "store/ledger.h"

namespace bw::collect {

/// How to read a file.
struct IngestOptions {
  EncodingChoice encoding = EncodingChoice::auto_detect;
  std::optional<store::FileKind> kind;  ///< none: detected from the header
  std::string source = "cli";           ///< recorded with the file
  std::string received_at;              ///< UTC ISO 8601 from the caller's clock
  std::string name;  ///< the file's name in records and messages; default: the path's
  const ColumnMap* columns = nullptr;  ///< none: the default header names
  /// Checked every few thousand rows: when it turns true the file is abandoned and rolled back
  /// (Errc::unavailable "ingest of X cancelled"), to be taken again later. For shutdown within
  /// seconds.
  const std::atomic<bool>* cancel = nullptr;
  /// Bounds on stored rejects and the share of rejected rows that refuses a file (config
  /// `ingest:`).
  store::IngestLimits limits;
  /// A workbook's zip limits and whether its hidden sheets are read (config `ingest:`
  /// max_zip_member, max_zip_ratio, max_zip_members, hidden_sheets).
  XlsxLimits workbook;
  /// Apply the file again even when its bytes were ingested before (`ingest --reapply`, an upload
  /// with reapply=1): a register restores the lines it set, as new versions.
  bool reapply = false;
  /// The source gave up waiting for the file's final line end (a drop folder or files source after
  /// `incomplete_after`): a last record the file ends without a line break may be cut short ("…,12"
  /// of "…,12345.67"), so it is rejected ("the last line has no line end: …"), never stored; the
  /// other rows are kept. Default false: the file is complete (CLI, uploads, a `.done` marker) and
  /// its last record is taken.
  bool reject_unterminated_last_record = false;
  /// Open the path without following a symlink and refuse anything but a regular file (drop
  /// folders: the name was checked when listed and may have been swapped since). Default false: the
  /// CLI follows links.
  bool no_follow = false;
  /// The fiscal year (预算年度, FiscalYear::year()) of a budget register's rows whose 预算年度
  /// column is absent or empty (`ingest --fiscal-year`, a source's `fiscal_year:`). None: the
  /// fiscal year that holds every 完成时限 date of those rows, when there is one; otherwise the
  /// register is refused (nothing stored).
  std::optional<int> fiscal_year;
  /// Who gave `fiscal_year`, for the ingest line and the log ("--fiscal-year",
  /// "sources[].fiscal_year").
  std::string fiscal_year_from = "--fiscal-year";
  /// The month the fiscal year starts (config `fiscal_year.start_month`), for the year of a
  /// 完成时限 date.
  unsigned fiscal_start_month = 1;
};

/// Ingests a file. Rows that cannot be taken are rejected (in the report and the rejects table)
/// while every good row is kept; re-ingesting the same bytes is a no-op (report.duplicate_file). A
/// file that cannot be read at all — missing, empty, not CSV, undecodable, a required column
/// missing — is an Error whose `where` is the file name and whose message says what is wrong;
/// nothing of it is stored (it is listed in failed_files when its bytes could be hashed). Throws
/// store::DatabaseError on database failure.
Result<store::IngestReport> ingest_file(store::Database& db, const std::filesystem::path& path,
                                        const IngestOptions& options);

/// The same for bytes in memory (uploads); `name` is recorded and used in messages, never as a
/// path.
Result<store::IngestReport> ingest_bytes(store::Database& db, std::string_view name,
                                         std::string_view bytes, const IngestOptions& options);

}  // namespace bw::collect
