// The file ledger: one transaction per ingested file, idempotent by the file's SHA-256 and by each
// row's key (voucher number, project code, adjustment identity), with rejected rows kept for the
// audit trail. Used by collectors/ingest.cpp; store/ never sees CSV (STYLE §2).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/messages.h"
#include "engine/model.h"
#include "engine/result.h"
#include "store/database.h"

namespace bw::store {

/// What a file holds, detected from its header (collectors/column_map.h).
enum class FileKind { budget, adjustments, payments, indicators, actuals };
/// "budget" | "adjustments" | "payments" | "indicators" | "actuals".
const char* to_string(FileKind k);
std::optional<FileKind> parse_file_kind(std::string_view s);

/// The identity and facts of a file about to be ingested.
struct FileRecord {
  std::string sha256;  ///< lowercase hex of the bytes
  std::string name;    ///< base name as received (never used as a path)
  std::string source;  ///< "cli", "upload", or the configured source name
  FileKind kind = FileKind::payments;
  std::string encoding;  ///< "utf-8" | "gb18030"
  std::uint64_t size_bytes = 0;
  std::string received_at;  ///< UTC ISO 8601, from the caller's clock
};

/// A row not taken: where, which column, why, and its text.
struct Reject {
  std::string file;
  int line = 0;
  int column = 0;
  std::string
      field;  ///< the column header as written in the file ("金额"), or "" for a whole-row problem
  std::string reason;
  std::string raw;
  bool conflict = false;  ///< a duplicate key with other content (the first row is kept)

  /// "payments.csv:17:12: 金额: '12,3a4.00' is not an amount" (the CLI and logs: English).
  std::string to_string() const;
  /// The same for a finance official, the reason said from the message catalogue
  /// (engine/messages.h): "payments.csv:17:12: 金额: “12,3a4.00”不是有效金额"; a reason the
  /// catalogue lacks stays English.
  std::string text(engine::Lang l) const;
  /// The catalogue id of the reason ("reject.amount"), "" when the catalogue lacks it.
  std::string reason_id() const;
};

/// One field of a budget line that a revision changed ("initial_fen", "name", "unit_code",
/// "unit_name", "kind", "deadline", "owner", "owner_email", "tags"); values as stored (fen as an
/// integer, dates ISO).
struct FieldChange {
  std::string field;
  std::string before;
  std::string after;
};

/// A register row that changed a recorded budget line: the line's new version and what changed.
struct Revision {
  std::string code;
  int line = 0;     ///< in the file
  int version = 0;  ///< the new version (the first registration is 1)
  std::vector<FieldChange> changes;
  engine::Money initial_before;
  engine::Money initial_after;
  /// "P-001 (line 5): initial_fen 1,234.56 → 1.00; owner 张三 → 李四".
  std::string to_string() const;
  /// |after − before| ÷ before of the initial budget (1 when before is 0 and after is not).
  double initial_change_ratio() const;
};

/// Rejected rows of a file counted by field and reason pattern (values replaced: '…' and '#').
struct RejectCount {
  std::string field;
  std::string reason;
  std::int64_t rows = 0;
  int first_line = 0;
};

/// Bounds on what one file may add to the rejects table (issue: a 9 MB upload of junk stored 10M
/// rejects).
struct IngestLimits {
  /// Rejected rows stored per file with their text; the rest are counted (reject_counts) but not
  /// stored.
  std::size_t max_stored_rejects = 1000;
  /// A file with more rejected rows than this share of its rows is refused whole (nothing stored,
  /// listed in failed_files with the counts per reason). 1 turns it off (a file of which every row
  /// was rejected is refused all the same).
  double max_reject_share = 0.5;
  /// Files with fewer rows than this are never refused for their share (one bad row of two).
  std::int64_t min_rows_for_share = 10;
};

/// The outcome of one file.
struct IngestReport {
  std::int64_t file_id = 0;
  std::string name;
  std::string source;
  FileKind kind = FileKind::payments;
  std::string encoding;
  std::string sha256;
  bool duplicate_file = false;  ///< the same bytes were ingested before: nothing was done
  std::int64_t rows_total = 0;
  std::int64_t accepted = 0;
  std::int64_t duplicate = 0;  ///< rows already recorded with the same content (re-exports)
  std::int64_t rejected = 0;   ///< malformed rows and conflicts
  std::int64_t conflicts = 0;
  std::int64_t revised = 0;  ///< register rows that changed a recorded line (see revisions)
  bool reapplied = false;    ///< the bytes were ingested before and applied again on purpose
  engine::Money accepted_amount;
  std::int64_t duration_ms = 0;
  std::vector<Reject>
      rejects;  ///< the first `max_rejects_in_report` (the first max_stored_rejects are stored)
  std::vector<RejectCount> reject_counts;  ///< every rejected row, by field and reason
  std::vector<Revision> revisions;         ///< every changed budget line, with old and new values
  /// A register's fiscal years (预算年度) as ingested, ascending, and what decided them: "预算年度"
  /// (the column), "--fiscal-year", "sources[].fiscal_year" or "完成时限" (all deadlines in one
  /// fiscal year); joined with ", " when rows differ. An indicators file: its rows' fiscal years
  /// ("预算年度", "--fiscal-year", … or "budget line" when the year of the code's latest line was
  /// taken). Empty for other kinds and for a duplicate file.
  std::vector<int> fiscal_years;
  std::string fiscal_year_from;
  /// What the file says that does not add up but stores nothing wrong: "payments.csv:2686: the 合计
  /// row says 1,000.00 but the rows above sum to 999.00 (金额, difference 1.00)". Reported, not
  /// stored.
  std::vector<std::string> warnings;
};

inline constexpr std::size_t max_rejects_in_report = 100;

/// In the message of a file refused for its rejected rows (IngestTxn::commit: every row rejected,
/// or more than max_reject_share), and only there: how callers tell that refusal from an unreadable
/// file.
inline constexpr std::string_view refused_for_rejects = "nothing of the file was stored";

/// A payment row as parsed, viewing the reader's buffer (valid for the call only).
struct PaymentRow {
  std::string_view voucher_no;
  engine::CivilDate pay_date;
  std::string_view unit_code;
  std::string_view unit_name;
  std::string_view project_code;  ///< "" for blank or 基本支出
  std::string_view project_name;
  std::string_view func_class;
  std::string_view econ_class;
  std::string_view pay_method;
  std::string_view fund_type;
  std::string_view payee;
  std::string_view memo;
  engine::Money amount;
  int line = 0;
  // Where the row came from, for the reject of a conflicting voucher.
  std::string_view raw;                            ///< the record's text
  int voucher_column = 1;                          ///< 1-based column of the voucher number
  std::string_view voucher_header = "支付凭证号";  ///< its header as written
};

/// Whether a row added something.
enum class RowOutcome { accepted, duplicate, revised };

/// One performance indicator of a target form (绩效目标表).
struct IndicatorRow {
  /// The fiscal year of the line it belongs to (预算年度 column, --fiscal-year, the source's
  /// fiscal_year:); 0: the latest fiscal year holding a line of its code, else the latest in the
  /// register, else the year the file was received.
  int fiscal_year = 0;
  std::string fiscal_year_from = "预算年度";  ///< what gave `fiscal_year`, for the ingest line
  std::string project_code;
  int seq = 0;
  std::string source_no;
  std::string indicator_class;
  std::string indicator_subclass;
  std::string name;
  std::string period_target_raw;
  std::string target_raw;
};

/// One actual value of an indicator, named by seq or (when seq is absent) by name.
struct ActualRow {
  std::string project_code;
  std::optional<int> seq;
  std::string name;
  std::string date;  ///< YYYY-MM-DD
  std::string value;
  std::string note;
};

/// One file's transaction. Move-only; rolls back unless commit() succeeds. Call on one thread.
class IngestTxn {
 public:
  IngestTxn(IngestTxn&&) noexcept;
  IngestTxn& operator=(IngestTxn&&) = delete;
  ~IngestTxn();

  /// Records a payment (copied; written in batches, so its outcome shows in the report at commit).
  /// Same voucher with the same date, unit, project and amount: a duplicate. Same voucher with
  /// other content: a conflict, rejected with a reason naming the first record ("voucher
  /// ZF2021-000123 is already recorded with amount 1,784.26 on 2021-01-04 for project 'P1' (a.csv
  /// line 2); this row says …"); the first is kept. Throws DatabaseError.
  void add_payment(const PaymentRow& p);
  /// Records or revises a budget line. Identical to the recorded one: duplicate. The same code
  /// twice in one file: Errc::conflict. A changed line becomes the line's next version (every
  /// version is kept in budget_line_versions with its file, time and source) and is listed in the
  /// report's revisions.
  Result<RowOutcome> add_budget_line(const engine::BudgetLine& l, int line);
  /// Records an adjustment. Adjustments have no unique key (one document may adjust a line twice on
  /// a day): a row is identified by its content (code, document number, date, amount, note) and its
  /// occurrence among identical rows of the file. A re-export of recorded rows is a duplicate;
  /// never a conflict.
  Result<RowOutcome> add_adjustment(const engine::Adjustment& a, int line);
  /// Records or updates an indicator, unique by (fiscal year, project code, seq): identical →
  /// duplicate; the same key twice in one file → Errc::conflict; changed → replaced (a revised
  /// target form).
  Result<RowOutcome> add_indicator(const IndicatorRow& r, int line);
  /// Records an actual value; the same content again is a duplicate.
  Result<RowOutcome> add_actual(const ActualRow& r, int line);
  /// Records a rejected row: counted by reason; the first max_stored_rejects are kept in the
  /// rejects table, the first max_rejects_in_report also in the report.
  void reject(Reject r);
  /// Commits: writes the monthly sums and the file's counts. Returns the report, or
  /// Errc::invalid_input without committing (the caller rolls back) when every row was rejected or
  /// the share of rejected rows passes max_reject_share; its message holds `refused_for_rejects`
  /// and the counts per reason.
  Result<IngestReport> commit(std::chrono::milliseconds duration);

 private:
  friend class Ledger;
  struct State;
  explicit IngestTxn(std::unique_ptr<State> s);
  void flush_payments();
  void
  flush_payments_copy();  // PostgreSQL: COPY straight into payments, or staged (stage_and_settle)
  void finish_copy_in_flight();
  bool finish_copy();
  void settle_in_flight(bool copied);
  void stage_and_settle();
  std::string_view copy_rows(bool staged);
  void record_reject(Reject r);
  int indicator_year(const std::string& code);
  bool settle_existing(std::size_t pending_index);
  struct RecordedPayment;
  bool settle_with(std::size_t pending_index, const RecordedPayment& rec);
  void settle_batch(const std::vector<char>& went_in, const std::vector<RecordedPayment>& recorded);
  void add_to_monthly(std::size_t pending_index);
  void write_monthly();
  void write_monthly_copy();  // PostgreSQL: COPY (copy_or_merge)
  void copy_or_merge();       // paid_by_year
  std::unique_ptr<State> s_;
};

/// Unit code → fiscal year → the unit's basic-expenditure line codes in that year, in register
/// order.
using BasicLinesByUnit = std::map<std::string, std::map<int, std::vector<std::string>>>;

/// Entry point of ingestion into one database. Not thread-safe (one writer).
class Ledger {
 public:
  explicit Ledger(Database& db) : db_(db) {}
  /// Begins a file's transaction (BEGIN IMMEDIATE), or nullopt when a file with this SHA-256 was
  /// already ingested (the no-op of a re-run) — unless `reapply`: then its rows are applied again
  /// under the recorded file (a register restores the lines it set; payments and adjustments are
  /// duplicates) and the re-application is recorded. Throws DatabaseError.
  std::optional<IngestTxn> begin(const FileRecord& f, const IngestLimits& limits = {},
                                 bool reapply = false);
  /// Records a file that could not be read at all (its error is shown by /api/v1/ingests).
  void record_failure(const FileRecord& f, std::string_view error);
  /// The basic-expenditure line codes of each unit in each fiscal year of the register (to reject
  /// ambiguous 基本支出 payments).
  BasicLinesByUnit basic_lines_by_unit();

 private:
  Database& db_;
};

}  // namespace bw::store
