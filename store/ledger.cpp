#include "store/ledger.h"

#include "store/monthly_sums.h"

#include "engine/text.h"
#include "engine/utf8.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace bw::store {
namespace {

using engine::Money;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

constexpr std::size_t max_raw_bytes = 4096;

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

// The reason of a reject with its values taken out, for counting by reason: quoted text becomes '…' and
// every run of digits '#' ("'2021-13-05' is not a date (month 13)" → "'…' is not a date (month #)").
std::string reason_pattern(std::string_view reason) {
  std::string out;
  out.reserve(reason.size());
  for (std::size_t i = 0; i < reason.size(); ++i) {
    const char c = reason[i];
    if (c == '\'') {
      const std::size_t close = reason.find('\'', i + 1);
      if (close != std::string_view::npos) {
        out += "'…'";
        i = close;
        continue;
      }
    }
    if (c >= '0' && c <= '9') {
      while (i + 1 < reason.size() && reason[i + 1] >= '0' && reason[i + 1] <= '9') ++i;
      out += '#';
      continue;
    }
    out += c;
  }
  return out;
}

// Whether the n keys key_of(0..n-1) are all different: an open-addressing table of row numbers + 1 (0: free)
// in `slots`, reused from call to call (a node-based set allocated a node per row).
template <class KeyOf>
bool all_distinct(std::size_t n, std::vector<std::uint32_t>& slots, KeyOf key_of) {
  std::size_t size = 64;
  while (size < 2 * n) size *= 2;
  slots.assign(size, 0);
  const std::size_t mask = size - 1;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& key = key_of(i);
    std::size_t k = std::hash<std::string_view>{}(key) & mask;
    for (; slots[k] != 0; k = (k + 1) & mask) {
      if (key_of(slots[k] - 1) == key) return false;
    }
    slots[k] = static_cast<std::uint32_t>(i + 1);
  }
  return true;
}

}  // namespace

std::string Revision::to_string() const {
  std::string out = code + " (line " + std::to_string(line) + ", version " + std::to_string(version) + "):";
  bool first = true;
  for (const FieldChange& c : changes) {
    out += first ? " " : "; ";
    first = false;
    if (c.field == "initial_fen") {
      out += "initial " + engine::format_yuan(initial_before) + " → " + engine::format_yuan(initial_after);
    } else {
      out += c.field + " '" + c.before + "' → '" + c.after + "'";
    }
  }
  return out;
}

double Revision::initial_change_ratio() const {
  if (initial_before.fen == initial_after.fen) return 0.0;
  if (initial_before.fen == 0) return 1.0;
  return std::fabs(static_cast<double>(initial_after.fen - initial_before.fen)) /
         std::fabs(static_cast<double>(initial_before.fen));
}

const char* to_string(FileKind k) {
  switch (k) {
    case FileKind::budget: return "budget";
    case FileKind::adjustments: return "adjustments";
    case FileKind::payments: return "payments";
    case FileKind::indicators: return "indicators";
    case FileKind::actuals: return "actuals";
  }
  return "payments";
}

std::optional<FileKind> parse_file_kind(std::string_view s) {
  for (FileKind k : {FileKind::budget, FileKind::adjustments, FileKind::payments, FileKind::indicators,
                     FileKind::actuals}) {
    if (s == to_string(k)) return k;
  }
  return std::nullopt;
}

std::string Reject::to_string() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + reason;
}

std::string Reject::text(engine::Lang l) const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + engine::translate("reject.", reason, l);
}

std::string Reject::reason_id() const {
  const auto m = engine::match_message("reject.", reason);
  return m ? std::string(m->id) : std::string();
}

struct IngestTxn::State {
  Database& db;
  Transaction txn;
  IngestReport report;
  std::int64_t file_id = 0;
  IngestLimits limits;
  std::string received_at;         // of this application of the file
  std::string source;
  std::int64_t reapplication_id = 0;  // a re-applied file: its file_reapplications row
  std::int64_t stored_rejects = 0;
  std::map<std::pair<std::string, std::string>, RejectCount> reject_counts;  // (field, pattern)

  MonthlySums monthly;  // of the accepted payments
  std::string max_pay_date;  // of the accepted payments ('YYYY-MM-DD'; empty: none): files.max_pay_date
  StringMap<int> budget_codes;            // codes seen in this file → line
  StringMap<int> adjustment_occurrences;  // identical adjustment rows seen in this file
  std::set<int> indicator_years;          // the fiscal years of an indicators file's rows
  std::set<std::string> indicator_year_from;  // and what decided them
  std::string key;                     // scratch

  // Payments wait in a batch (owned copies: the parser's views die with the next record) and go in with one
  // multi-row INSERT (measured: 1M single-row INSERTs cost ~3 s of statement overhead).
  static constexpr std::size_t batch_rows = 64;
  static constexpr const char* single_insert_sql =
      "INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class,"
      " pay_method, fund_type, payee, memo, file_id, line_no, voucher_raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (voucher_no) DO NOTHING";
  struct OwnedPayment {
    std::string voucher, voucher_raw, date, unit_code, unit_name, project_code, project_name, func_class, econ_class,
        pay_method, fund_type, payee, memo, raw, voucher_header;
    Money amount;
    int line = 0;
    int voucher_column = 1;
    int yyyymm = 0;
  };
  std::vector<OwnedPayment> pending;
  std::size_t pending_size = 0;
  std::string batch_insert_sql;

  // PostgreSQL: payments go in by COPY into a staging table, copy_batch_rows at a time (a multiple of
  // batch_rows), then one INSERT ... SELECT ... ON CONFLICT. Rejected rows that arrive while payments
  // wait are held with the count of payments added before them, and recorded in the order SQLite's
  // batches of batch_rows record them, so that both engines store and report the same rejects.
  static constexpr std::size_t copy_batch_rows = 16384;
  bool pg = false;
  std::size_t batch_limit = batch_rows;
  std::int64_t payments_added = 0;
  std::int64_t payments_flushed = 0;
  bool stage_ready = false;
  bool direct_failed = false;  // a batch could not be copied straight into payments: stage the rest
  std::vector<std::pair<std::int64_t, Reject>> deferred_rejects;
  std::string copy_data;
  // The batch being copied straight into payments while the next one is read (flush_payments_copy).
  std::vector<OwnedPayment> in_flight;
  std::size_t in_flight_size = 0;
  std::uint32_t rows_since_pump = 0;
  std::vector<std::uint32_t> voucher_slots;  // all_distinct's table, kept between batches

  // SQLite: the connection's page cache while the file goes in. A file's transaction keeps every
  // page it dirties in the cache until the cache is full (then spills them to the WAL): with the
  // connection's 64 MiB, the peak RSS of an ingest grew with the file up to ~600,000 rows (49 MB at
  // 100k rows, 90 MB from 1M on). Payments are appended in voucher and date order, so the pages
  // worth keeping are the B-trees' right edges and paid_by_year's; 16 MiB holds those and bounds
  // the RSS whatever the file's size. Restored after the file.
  static constexpr int ingest_cache_kib = 16 << 10;
  std::int64_t saved_cache_size = 0;  // PRAGMA cache_size before the file (0: not changed)

  State(Database& d) : db(d), txn(d) {
    if (d.engine() == Engine::sqlite) {
      Statement q = d.prepare("PRAGMA cache_size");
      const std::int64_t before = q.step() ? q.column_int(0) : 0;
      const std::int64_t kib = before < 0 ? -before : before * 16;  // pages of at most 16 KiB
      if (before != 0 && kib > ingest_cache_kib) {
        saved_cache_size = before;
        d.exec("PRAGMA cache_size=-" + std::to_string(ingest_cache_kib));
      }
    }
    pg = d.engine() == Engine::postgresql;
    if (pg) batch_limit = copy_batch_rows;
    batch_insert_sql =
        "INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class,"
        " econ_class, pay_method, fund_type, payee, memo, file_id, line_no, voucher_raw) VALUES ";
    for (std::size_t i = 0; i < batch_rows; ++i) {
      batch_insert_sql += i == 0 ? "" : ",";
      batch_insert_sql += "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    }
    batch_insert_sql += " ON CONFLICT (voucher_no) DO NOTHING";
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State() {
    if (saved_cache_size == 0) return;
    try {
      db.exec("PRAGMA cache_size=" + std::to_string(saved_cache_size));
    } catch (const DatabaseError&) {  // a closed or broken connection: nothing to restore
    }
  }
};

// A payment as recorded under a voucher: what a row with the same voucher is compared with.
struct IngestTxn::RecordedPayment {
  std::string pay_date, unit_code, project_code;
  std::int64_t amount_fen = 0;
  std::string file_name;
  std::int64_t line_no = 0;
  std::int64_t file_id = 0;
  std::string voucher_shown;  // as written when first recorded
};

IngestTxn::IngestTxn(std::unique_ptr<State> s) : s_(std::move(s)) {}
IngestTxn::IngestTxn(IngestTxn&&) noexcept = default;
IngestTxn::~IngestTxn() = default;

void IngestTxn::add_payment(const PaymentRow& p) {
  State& s = *s_;
  if (s.pending_size == s.pending.size()) s.pending.emplace_back();
  State::OwnedPayment& o = s.pending[s.pending_size++];
  // Unique in the normalised form (ｚｆ2021-000002 is ZF2021-000002); the text as written is kept beside it.
  if (engine::normalize_key(p.voucher_no, o.voucher)) {
    o.voucher_raw.assign(p.voucher_no);
  } else {
    o.voucher_raw.clear();
  }
  o.date = engine::to_iso(p.pay_date);
  o.unit_code.assign(p.unit_code);
  o.unit_name.assign(p.unit_name);
  o.project_code.assign(p.project_code);
  o.project_name.assign(p.project_name);
  o.func_class.assign(p.func_class);
  o.econ_class.assign(p.econ_class);
  o.pay_method.assign(p.pay_method);
  o.fund_type.assign(p.fund_type);
  o.payee.assign(p.payee);
  o.memo.assign(p.memo);
  o.raw.assign(p.raw);
  o.voucher_header.assign(p.voucher_header);
  o.amount = p.amount;
  o.line = p.line;
  o.voucher_column = p.voucher_column;
  o.yyyymm = static_cast<int>(p.pay_date.year()) * 100 + static_cast<int>(static_cast<unsigned>(p.pay_date.month()));
  ++s.payments_added;
  if (s.pending_size == s.batch_limit) {
    flush_payments();
  } else if (s.in_flight_size != 0 && (++s.rows_since_pump & 127) == 0) {
    s.db.copy_pump();  // the batch in flight goes on to the server while this one fills
  }
}

void IngestTxn::flush_payments() {
  State& s = *s_;
  const std::size_t n = s.pending_size;
  if (n == 0) return;
  if (s.pg) {
    flush_payments_copy();
    return;
  }
  constexpr int columns = 14;
  auto bind_row = [&](Statement& st, int base, const State::OwnedPayment& o) {
    st.bind(base + 1, o.voucher).bind(base + 2, o.date).bind(base + 3, o.unit_code);
    st.bind(base + 4, o.project_code).bind(base + 5, o.amount.fen).bind(base + 6, o.func_class);
    st.bind(base + 7, o.econ_class).bind(base + 8, o.pay_method).bind(base + 9, o.fund_type);
    st.bind(base + 10, o.payee).bind(base + 11, o.memo).bind(base + 12, s.file_id).bind(base + 13, o.line);
    if (o.voucher_raw.empty()) {
      st.bind_null(base + 14);
    } else {
      st.bind(base + 14, o.voucher_raw);
    }
  };
  // One multi-row INSERT per full batch: one statement execution instead of batch_rows of them.
  int inserted = 0;
  if (n == State::batch_rows) {
    Statement& ins = s.db.cached(s.batch_insert_sql);
    for (std::size_t i = 0; i < n; ++i) bind_row(ins, static_cast<int>(i) * columns, s.pending[i]);
    ins.run();
    inserted = s.db.changes();
  } else {
    Statement& ins = s.db.cached(State::single_insert_sql);
    for (std::size_t i = 0; i < n; ++i) {
      bind_row(ins, 0, s.pending[i]);
      ins.run();
      inserted += s.db.changes();
    }
  }
  const bool all_inserted = static_cast<std::size_t>(inserted) == n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!all_inserted && !settle_existing(i)) continue;
    ++s.report.accepted;
    ++s.report.rows_total;
    s.report.accepted_amount += s.pending[i].amount;
    add_to_monthly(i);
  }
  s.pending_size = 0;
}

// A row of a batch that did not insert everything: was it this row that went in (accepted, returns true), or
// was its voucher already there (a duplicate, or a conflict that becomes a reject; returns false)?
bool IngestTxn::settle_existing(std::size_t pending_index) {
  State& s = *s_;
  const State::OwnedPayment& o = s.pending[pending_index];
  Statement& q = s.db.cached(
      "SELECT p.pay_date, p.unit_code, p.project_code, p.amount_fen, f.name, p.line_no, p.file_id,"
      " coalesce(p.voucher_raw, p.voucher_no) FROM payments p JOIN files f ON f.id = p.file_id"
      " WHERE p.voucher_no = ?");
  q.bind(1, o.voucher);
  if (!q.step()) throw DatabaseError(0, "voucher " + o.voucher + " vanished during ingest");
  RecordedPayment rec{q.column_string(0), q.column_string(1), q.column_string(2), q.column_int(3),
                      q.column_string(4),  q.column_int(5),    q.column_int(6),    q.column_string(7)};
  q.reset();
  return settle_with(pending_index, rec);
}

// The same decision on the payment recorded under the row's voucher (read by settle_existing, or on
// PostgreSQL for a whole staged batch at once).
bool IngestTxn::settle_with(std::size_t pending_index, const RecordedPayment& rec) {
  State& s = *s_;
  const State::OwnedPayment& o = s.pending[pending_index];
  // This row went in now (a re-applied file has its rows from the first time: those are duplicates).
  if (s.reapplication_id == 0 && rec.file_id == s.file_id && rec.line_no == o.line) return true;
  const bool same = rec.pay_date == o.date && rec.unit_code == o.unit_code && rec.project_code == o.project_code &&
                    rec.amount_fen == o.amount.fen;
  if (same) {
    ++s.report.duplicate;
    ++s.report.rows_total;
    return false;
  }
  const std::string written = o.voucher_raw.empty() ? o.voucher : o.voucher_raw;
  std::string msg = "voucher " + written +
                    (rec.voucher_shown != written ? " (recorded as " + rec.voucher_shown + ")" : std::string()) +
                    " is already recorded with amount " + engine::format_yuan(Money{rec.amount_fen}) + " on " +
                    rec.pay_date + " for project '" + rec.project_code + "' (" + rec.file_name + " line " +
                    std::to_string(rec.line_no) + "); this row says " + engine::format_yuan(o.amount) + " on " +
                    o.date + " for project '" + o.project_code + "'";
  record_reject(Reject{s.report.name, o.line, o.voucher_column, o.voucher_header, std::move(msg), o.raw, true});
  return false;
}

// PostgreSQL. The common case, a batch of new vouchers each once, is copied straight into payments,
// as psql's \copy does, and left in flight: the server takes it while the next batch is read, and
// the batch is settled when the next one is full (or at commit). A voucher already recorded fails
// that COPY (unique violation): it is undone to its savepoint, and this batch and the file's later
// ones take the staging path. There the batch goes into a temporary staging table by COPY (rows as
// data, never SQL text), then into payments with one INSERT ... SELECT in file order, ON CONFLICT
// (voucher_no) DO NOTHING: the first row of a voucher is kept, as on SQLite. The rows that did not
// go in are settled exactly as SQLite settles them, batch_rows at a time, against the payments
// recorded under their vouchers (read for the whole batch in one query), and the rejects held
// meanwhile are recorded where SQLite records them.
void IngestTxn::flush_payments_copy() {
  State& s = *s_;
  const std::size_t n = s.pending_size;
  static constexpr const char* copy_payments =
      "COPY payments (file_id, voucher_no, pay_date, unit_code, project_code, amount_fen,"
      " func_class, econ_class, pay_method, fund_type, payee, memo, line_no, voucher_raw) FROM STDIN";
  bool direct = !s.direct_failed && n > 0;
  if (direct) {
    direct = all_distinct(n, s.voucher_slots,
                          [&](std::size_t i) -> const std::string& { return s.pending[i].voucher; });
    if (direct) copy_rows(false);  // built while the server still takes the batch in flight
  }
  if (s.in_flight_size > 0) {
    const bool copied = finish_copy();
    direct = direct && !s.direct_failed;
    if (copied && direct && s.deferred_rejects.empty()) {
      // This batch goes first, in the same round trip as the savepoints; settling the one that went
      // in asks nothing of the database (no rejects wait).
      s.db.copy_start(std::string("RELEASE SAVEPOINT bw_copy; SAVEPOINT bw_copy; ") + copy_payments,
                      s.copy_data);
      settle_in_flight(true);
      std::swap(s.pending, s.in_flight);
      s.in_flight_size = n;
      s.pending_size = 0;
      return;
    }
    if (copied) s.db.exec("RELEASE SAVEPOINT bw_copy");
    settle_in_flight(copied);
  }
  if (n == 0) return;
  if (direct) {
    s.db.copy_start(std::string("SAVEPOINT bw_copy; ") + copy_payments, s.copy_data);
    std::swap(s.pending, s.in_flight);
    s.in_flight_size = n;
    s.pending_size = 0;
    return;
  }
  s.direct_failed = true;
  stage_and_settle();
}

// The result of the COPY in flight: true when its rows went in; false when a voucher was already
// recorded (unique violation): the COPY is undone to its savepoint and the file's batches take the
// staging path.
bool IngestTxn::finish_copy() {
  State& s = *s_;
  try {
    s.db.copy_finish();
    return true;
  } catch (const DatabaseError& e) {
    if (e.sqlstate() != "23505") throw;
    s.db.exec("ROLLBACK TO SAVEPOINT bw_copy; RELEASE SAVEPOINT bw_copy");
    s.direct_failed = true;
    return false;
  }
}

// Settles the batch in flight once its COPY's result was read (finish_copy): all its rows went in,
// or it is staged now. It is `pending` meanwhile (settle_with and add_to_monthly read it there).
void IngestTxn::settle_in_flight(bool copied) {
  State& s = *s_;
  std::swap(s.pending, s.in_flight);
  const std::size_t next_size = s.pending_size;
  s.pending_size = s.in_flight_size;
  s.in_flight_size = 0;
  if (copied) {
    settle_batch(std::vector<char>(s.pending_size, 1), {});
  } else {
    stage_and_settle();
  }
  std::swap(s.pending, s.in_flight);
  s.pending_size = next_size;
}

// At commit: the batch in flight, if any, finished and settled.
void IngestTxn::finish_copy_in_flight() {
  State& s = *s_;
  if (s.in_flight_size == 0) return;
  const bool copied = finish_copy();
  if (copied) s.db.exec("RELEASE SAVEPOINT bw_copy");
  settle_in_flight(copied);
}

// The pending rows in COPY's text format: `first` (the staging sequence number, or the file id),
// then the columns.
std::string_view IngestTxn::copy_rows(bool staged) {
  State& s = *s_;
  std::string& d = s.copy_data;
  d.clear();
  const std::string file_id = std::to_string(s.file_id);
  for (std::size_t i = 0; i < s.pending_size; ++i) {
    const State::OwnedPayment& o = s.pending[i];
    d += staged ? std::to_string(i) : file_id;
    for (const std::string* f : {&o.voucher, &o.date, &o.unit_code, &o.project_code}) {
      d += '\t';
      copy_escape(d, *f);
    }
    d += '\t';
    d += std::to_string(o.amount.fen);
    for (const std::string* f :
         {&o.func_class, &o.econ_class, &o.pay_method, &o.fund_type, &o.payee, &o.memo}) {
      d += '\t';
      copy_escape(d, *f);
    }
    d += '\t';
    d += std::to_string(o.line);
    d += '\t';
    if (o.voucher_raw.empty()) {
      d += "\\N";
    } else {
      copy_escape(d, o.voucher_raw);
    }
    d += '\n';
  }
  return d;
}

// The pending batch through the staging table, then settled.
void IngestTxn::stage_and_settle() {
  State& s = *s_;
  const std::size_t n = s.pending_size;
  std::vector<char> went_in(n, 1);
  std::vector<RecordedPayment> recorded;
  std::unordered_set<std::string> inserted;
  if (!s.stage_ready) {
    s.db.exec(
        "CREATE TEMP TABLE bw_payment_stage (seq BIGINT NOT NULL, voucher_no TEXT COLLATE \"C\" NOT NULL,"
        " pay_date TEXT COLLATE \"C\" NOT NULL, unit_code TEXT COLLATE \"C\" NOT NULL,"
        " project_code TEXT COLLATE \"C\" NOT NULL, amount_fen BIGINT NOT NULL, func_class TEXT COLLATE \"C\" NOT NULL,"
        " econ_class TEXT COLLATE \"C\" NOT NULL, pay_method TEXT COLLATE \"C\" NOT NULL,"
        " fund_type TEXT COLLATE \"C\" NOT NULL, payee TEXT COLLATE \"C\" NOT NULL, memo TEXT COLLATE \"C\" NOT NULL,"
        " line_no BIGINT NOT NULL, voucher_raw TEXT COLLATE \"C\") ON COMMIT DROP");
    s.stage_ready = true;
  } else {
    s.db.exec("TRUNCATE bw_payment_stage");
  }
  s.db.copy_in(
      "COPY bw_payment_stage (seq, voucher_no, pay_date, unit_code, project_code, amount_fen, func_class,"
      " econ_class, pay_method, fund_type, payee, memo, line_no, voucher_raw) FROM STDIN",
      copy_rows(true));
  Statement& ins = s.db.cached(
      "INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class,"
      " pay_method, fund_type, payee, memo, file_id, line_no, voucher_raw)"
      " SELECT voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class, pay_method,"
      " fund_type, payee, memo, CAST(? AS BIGINT), line_no, voucher_raw FROM bw_payment_stage ORDER BY seq"
      " ON CONFLICT (voucher_no) DO NOTHING RETURNING voucher_no");
  ins.bind(1, s.file_id);
  while (ins.step()) inserted.emplace(ins.column_text(0));
  ins.reset();
  // Which rows went in: the first staged row of each voucher inserted.
  if (inserted.size() != n) {
    for (std::size_t i = 0; i < n; ++i) went_in[i] = inserted.erase(s.pending[i].voucher) == 1 ? 1 : 0;
    recorded.resize(n);
    Statement& q = s.db.cached(
        "SELECT s.seq, p.pay_date, p.unit_code, p.project_code, p.amount_fen, f.name, p.line_no, p.file_id,"
        " coalesce(p.voucher_raw, p.voucher_no) FROM bw_payment_stage s JOIN payments p ON p.voucher_no = s.voucher_no"
        " JOIN files f ON f.id = p.file_id");
    std::size_t found = 0;
    while (q.step()) {
      const auto i = static_cast<std::size_t>(q.column_int(0));
      if (i >= n) continue;
      recorded[i] = RecordedPayment{q.column_string(1), q.column_string(2), q.column_string(3), q.column_int(4),
                                    q.column_string(5), q.column_int(6),    q.column_int(7),    q.column_string(8)};
      ++found;
    }
    q.reset();
    if (found != n) throw DatabaseError(0, "payments vanished during ingest");
  }
  settle_batch(went_in, recorded);
}

// The pending batch's rows counted (accepted, or settled against the payment recorded under their
// voucher when not all of their batch_rows went in), with the rejects held meanwhile recorded where
// SQLite records them: before the batch_rows in which SQLite would have settled the row, and the
// ones after the batch's last row after it; the later ones (read while this batch was in flight)
// stay held for the next batch.
void IngestTxn::settle_batch(const std::vector<char>& went_in,
                             const std::vector<RecordedPayment>& recorded) {
  State& s = *s_;
  const std::size_t n = s.pending_size;
  std::size_t next_reject = 0;
  for (std::size_t a = 0; a < n; a += State::batch_rows) {
    const std::size_t k = std::min(State::batch_rows, n - a);
    // SQLite records a batch's conflicts when its last row arrives (a full batch) or at commit (the rest).
    const auto boundary = s.payments_flushed + static_cast<std::int64_t>(a + State::batch_rows);
    while (next_reject < s.deferred_rejects.size() &&
           (k < State::batch_rows || s.deferred_rejects[next_reject].first < boundary)) {
      record_reject(std::move(s.deferred_rejects[next_reject++].second));
    }
    const bool all_in = std::all_of(went_in.begin() + static_cast<std::ptrdiff_t>(a),
                                    went_in.begin() + static_cast<std::ptrdiff_t>(a + k), [](char c) { return c != 0; });
    for (std::size_t i = a; i < a + k; ++i) {
      if (!all_in && !settle_with(i, recorded[i])) continue;
      ++s.report.accepted;
      ++s.report.rows_total;
      s.report.accepted_amount += s.pending[i].amount;
      add_to_monthly(i);
    }
  }
  s.payments_flushed += static_cast<std::int64_t>(n);
  while (next_reject < s.deferred_rejects.size() &&
         s.deferred_rejects[next_reject].first <= s.payments_flushed) {
    record_reject(std::move(s.deferred_rejects[next_reject++].second));
  }
  s.deferred_rejects.erase(s.deferred_rejects.begin(),
                           s.deferred_rejects.begin() + static_cast<std::ptrdiff_t>(next_reject));
  s.pending_size = 0;
}

void IngestTxn::add_to_monthly(std::size_t pending_index) {
  State& s = *s_;
  const State::OwnedPayment& o = s.pending[pending_index];
  if (o.date > s.max_pay_date) s.max_pay_date = o.date;
  s.monthly.add(o.unit_code, o.project_code, o.unit_name, o.project_name, o.yyyymm, o.amount.fen);
}

Result<RowOutcome> IngestTxn::add_budget_line(const engine::BudgetLine& l, int line) {
  State& s = *s_;
  // A line is (fiscal year, code). A caller that does not say which year: the deadline's, else the year the
  // line is recorded in (calendar years; collectors/ingest.cpp always says).
  int fiscal_year = l.fiscal_year;
  if (fiscal_year == 0 && l.deadline) fiscal_year = static_cast<int>(l.deadline->year());
  if (fiscal_year == 0 && s.received_at.size() >= 4 &&
      std::all_of(s.received_at.begin(), s.received_at.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    fiscal_year = std::stoi(s.received_at.substr(0, 4));
  }
  if (fiscal_year == 0) return fail(Errc::invalid_input, "no fiscal year for project code " + l.code);
  s.key = std::to_string(fiscal_year) + "|" + l.code;
  if (auto it = s.budget_codes.find(s.key); it != s.budget_codes.end()) {
    return fail(Errc::conflict, "project code " + l.code + " appears twice in this register (first at line " +
                                    std::to_string(it->second) + ")");
  }
  s.budget_codes.emplace(s.key, line);
  const std::optional<std::string> deadline =
      l.deadline ? std::optional<std::string>(engine::to_iso(*l.deadline)) : std::nullopt;
  const std::string kind = engine::to_string(l.kind);
  const std::string tags = join_tags(l.tags);
  const std::string source = l.source ? engine::to_string(*l.source) : "";

  Statement& q = s.db.cached(
      "SELECT name, unit_code, unit_name, kind, initial_fen, coalesce(deadline, ''), owner, owner_email, tags,"
      " (SELECT max(version) FROM budget_line_versions v WHERE v.fiscal_year = b.fiscal_year AND v.code = b.code),"
      " department_code, department_name, source"
      " FROM budget_lines b WHERE fiscal_year = ? AND code = ?");
  q.bind(1, fiscal_year).bind(2, l.code);
  std::optional<Revision> revision;
  if (q.step()) {
    Revision r;
    r.code = l.code;
    r.line = line;
    r.version = static_cast<int>(q.column_int(9)) + 1;
    r.initial_before = engine::Money{q.column_int(4)};
    r.initial_after = l.initial;
    auto compare = [&](const char* field, int col, std::string_view now) {
      if (q.column_text(col) != now) r.changes.push_back({field, q.column_string(col), std::string(now)});
    };
    compare("name", 0, l.name);
    compare("unit_code", 1, l.unit_code);
    compare("unit_name", 2, l.unit_name);
    compare("kind", 3, kind);
    if (q.column_int(4) != l.initial.fen) {
      r.changes.push_back({"initial_fen", std::to_string(q.column_int(4)), std::to_string(l.initial.fen)});
    }
    compare("deadline", 5, deadline.value_or(""));
    compare("owner", 6, l.owner);
    compare("owner_email", 7, l.owner_email);
    compare("tags", 8, tags);
    compare("department_code", 10, l.department_code);
    compare("department_name", 11, l.department_name);
    compare("source", 12, source);
    q.reset();
    if (r.changes.empty()) {
      ++s.report.duplicate;
      ++s.report.rows_total;
      return RowOutcome::duplicate;
    }
    revision = std::move(r);
  }
  q.reset();
  Statement& up = s.db.cached(
      "INSERT INTO budget_lines (fiscal_year, code, name, unit_code, unit_name, kind, initial_fen, deadline, owner,"
      " owner_email, tags, file_id, line_no, department_code, department_name, source)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (fiscal_year, code) DO UPDATE SET name = excluded.name, unit_code = excluded.unit_code,"
      " unit_name = excluded.unit_name, kind = excluded.kind, initial_fen = excluded.initial_fen,"
      " deadline = excluded.deadline, owner = excluded.owner, owner_email = excluded.owner_email,"
      " tags = excluded.tags, file_id = excluded.file_id, line_no = excluded.line_no,"
      " department_code = excluded.department_code, department_name = excluded.department_name,"
      " source = excluded.source");
  up.bind(1, fiscal_year).bind(2, l.code).bind(3, l.name).bind(4, l.unit_code).bind(5, l.unit_name);
  up.bind(6, kind).bind(7, l.initial.fen).bind(8, deadline).bind(9, l.owner).bind(10, l.owner_email);
  up.bind(11, tags).bind(12, s.file_id).bind(13, line).bind(14, l.department_code);
  up.bind(15, l.department_name).bind(16, source);
  up.run();
  // Every version is kept: the register that set it, when, from where.
  Statement& ver = s.db.cached(
      "INSERT INTO budget_line_versions (fiscal_year, code, version, name, unit_code, unit_name, kind,"
      " initial_fen, deadline, owner, owner_email, tags, file_id, line_no, recorded_at, source, reapplied,"
      " department_code, department_name, line_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  ver.bind(1, fiscal_year).bind(2, l.code).bind(3, revision ? revision->version : 1).bind(4, l.name);
  ver.bind(5, l.unit_code).bind(6, l.unit_name).bind(7, kind).bind(8, l.initial.fen).bind(9, deadline);
  ver.bind(10, l.owner).bind(11, l.owner_email).bind(12, tags).bind(13, s.file_id).bind(14, line);
  ver.bind(15, s.received_at).bind(16, s.source).bind(17, s.reapplication_id != 0 ? 1 : 0);
  ver.bind(18, l.department_code).bind(19, l.department_name).bind(20, source);
  ver.run();
  ++s.report.rows_total;
  if (revision) {
    ++s.report.revised;
    s.report.revisions.push_back(std::move(*revision));
    return RowOutcome::revised;
  }
  ++s.report.accepted;
  s.report.accepted_amount += l.initial;
  return RowOutcome::accepted;
}

Result<RowOutcome> IngestTxn::add_adjustment(const engine::Adjustment& a, int line) {
  State& s = *s_;
  const std::string date = engine::to_iso(a.date);
  // Adjustments carry no unique key: one document may adjust one line several times on a day, even with the
  // same note. A row is identified by its whole content and its occurrence among identical rows of its file,
  // so a re-export of the same rows is a duplicate while two identical items of one file both count.
  std::string identity = a.project_code + "|" + a.doc_no + "|" + date + "|" + std::to_string(a.amount.fen) +
                         "|" + a.note;
  const int occurrence = ++s.adjustment_occurrences[identity];
  identity += "#" + std::to_string(occurrence);
  Statement& ins = s.db.cached(
      "INSERT INTO adjustments (identity, project_code, adj_date, amount_fen, doc_no, note, file_id, line_no)"
      " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (identity) DO NOTHING");
  ins.bind(1, identity).bind(2, a.project_code).bind(3, date).bind(4, a.amount.fen).bind(5, a.doc_no);
  ins.bind(6, a.note).bind(7, s.file_id).bind(8, line);
  ins.run();
  ++s.report.rows_total;
  if (s.db.changes() == 0) {
    ++s.report.duplicate;
    return RowOutcome::duplicate;
  }
  ++s.report.accepted;
  s.report.accepted_amount += a.amount;
  return RowOutcome::accepted;
}

// The fiscal year of an indicator row that says none: the latest fiscal year holding a line of its code (the
// target form of the register last read for that code), else the register's latest year, else the year the
// file was received.
int IngestTxn::indicator_year(const std::string& code) {
  State& s = *s_;
  Statement& q = s.db.cached(
      "SELECT coalesce((SELECT max(fiscal_year) FROM budget_lines WHERE code = ?),"
      " (SELECT max(fiscal_year) FROM budget_lines), 0)");
  q.bind(1, code);
  int year = q.step() ? static_cast<int>(q.column_int(0)) : 0;
  q.reset();
  if (year == 0 && s.received_at.size() >= 4 &&
      std::all_of(s.received_at.begin(), s.received_at.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    year = std::stoi(s.received_at.substr(0, 4));
  }
  return year;
}

Result<RowOutcome> IngestTxn::add_indicator(const IndicatorRow& r, int line) {
  State& s = *s_;
  const int year = r.fiscal_year != 0 ? r.fiscal_year : indicator_year(r.project_code);
  if (year == 0) return fail(Errc::invalid_input, "no fiscal year for the indicators of project code " + r.project_code);
  const std::string key = std::to_string(year) + "|" + r.project_code + "#" + std::to_string(r.seq);
  if (auto it = s.budget_codes.find(key); it != s.budget_codes.end()) {
    return fail(Errc::conflict, "indicator " + r.project_code + " seq " + std::to_string(r.seq) +
                                    " appears twice in this file (first at line " + std::to_string(it->second) + ")");
  }
  s.budget_codes.emplace(key, line);
  ++s.report.rows_total;
  s.indicator_years.insert(year);
  s.indicator_year_from.insert(r.fiscal_year != 0 ? r.fiscal_year_from : "budget line");
  Statement& q = s.db.cached(
      "SELECT source_no, indicator_class, indicator_subclass, name, period_target_raw, target_raw FROM indicators"
      " WHERE fiscal_year = ? AND project_code = ? AND seq = ?");
  q.bind(1, year).bind(2, r.project_code).bind(3, r.seq);
  if (q.step()) {
    const bool same = q.column_text(0) == r.source_no && q.column_text(1) == r.indicator_class &&
                      q.column_text(2) == r.indicator_subclass && q.column_text(3) == r.name &&
                      q.column_text(4) == r.period_target_raw && q.column_text(5) == r.target_raw;
    q.reset();
    if (same) {
      ++s.report.duplicate;
      return RowOutcome::duplicate;
    }
  }
  q.reset();
  Statement& up = s.db.cached(
      "INSERT INTO indicators (fiscal_year, project_code, seq, source_no, indicator_class, indicator_subclass, name,"
      " period_target_raw, target_raw, file_id, line_no) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (fiscal_year, project_code, seq) DO UPDATE SET source_no = excluded.source_no,"
      " indicator_class = excluded.indicator_class, indicator_subclass = excluded.indicator_subclass,"
      " name = excluded.name, period_target_raw = excluded.period_target_raw, target_raw = excluded.target_raw,"
      " file_id = excluded.file_id, line_no = excluded.line_no");
  up.bind(1, year).bind(2, r.project_code).bind(3, r.seq).bind(4, r.source_no).bind(5, r.indicator_class);
  up.bind(6, r.indicator_subclass).bind(7, r.name).bind(8, r.period_target_raw).bind(9, r.target_raw);
  up.bind(10, s.file_id).bind(11, line);
  up.run();
  ++s.report.accepted;
  return RowOutcome::accepted;
}

Result<RowOutcome> IngestTxn::add_actual(const ActualRow& r, int line) {
  State& s = *s_;
  const std::string identity = r.project_code + "|" + (r.seq ? std::to_string(*r.seq) : "") + "|" + r.name + "|" +
                               r.date + "|" + r.value + "|" + r.note;
  Statement& ins = s.db.cached(
      "INSERT INTO indicator_actuals (identity, project_code, seq, name, value_date, value, note, source, file_id,"
      " created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (identity) DO NOTHING");
  ins.bind(1, identity).bind(2, r.project_code).bind(3, r.seq).bind(4, r.name).bind(5, r.date).bind(6, r.value);
  ins.bind(7, r.note).bind(8, s.report.name).bind(9, s.file_id).bind(10, utc_now_iso());
  ins.run();
  (void)line;
  ++s.report.rows_total;
  if (s.db.changes() == 0) {
    ++s.report.duplicate;
    return RowOutcome::duplicate;
  }
  ++s.report.accepted;
  return RowOutcome::accepted;
}

void IngestTxn::reject(Reject r) {
  State& s = *s_;
  // PostgreSQL: held while payments wait or are in flight, so that it is recorded where SQLite records it
  // (settle_batch).
  if (s.pg && (s.pending_size > 0 || s.in_flight_size > 0 || !s.deferred_rejects.empty())) {
    s.deferred_rejects.emplace_back(s.payments_added, std::move(r));
    return;
  }
  record_reject(std::move(r));
}

void IngestTxn::record_reject(Reject r) {
  State& s = *s_;
  ++s.report.rejected;
  ++s.report.rows_total;
  if (r.conflict) ++s.report.conflicts;
  RejectCount& count = s.reject_counts[{r.field, reason_pattern(r.reason)}];
  if (count.rows++ == 0) count.first_line = r.line;
  // A junk file must not fill the disk with its rejects: the first ones are kept with their text, the rest
  // are counted.
  if (static_cast<std::size_t>(s.stored_rejects) < s.limits.max_stored_rejects) {
    r.raw = engine::truncate_bytes_utf8(r.raw, max_raw_bytes);
    Statement& ins = s.db.cached(
        "INSERT INTO rejects (file_id, line, col, field, reason, raw, conflict) VALUES (?,?,?,?,?,?,?)");
    ins.bind(1, s.file_id).bind(2, r.line).bind(3, r.column).bind(4, r.field).bind(5, r.reason);
    ins.bind(6, r.raw).bind(7, r.conflict ? 1 : 0);
    ins.run();
    ++s.stored_rejects;
  }
  if (s.report.rejects.size() < max_rejects_in_report) {
    r.raw = engine::truncate_bytes_utf8(r.raw, max_raw_bytes);
    s.report.rejects.push_back(std::move(r));
  }
}

Result<IngestReport> IngestTxn::commit(std::chrono::milliseconds duration) {
  State& s = *s_;
  flush_payments();
  if (s.pg) {
    finish_copy_in_flight();
    for (auto& [added, r] : s.deferred_rejects) record_reject(std::move(r));
    s.deferred_rejects.clear();
  }
  for (const auto& [key, c] : s.reject_counts) {
    RejectCount out = c;
    out.field = key.first;
    out.reason = key.second;
    s.report.reject_counts.push_back(std::move(out));
  }
  if (!s.indicator_years.empty()) {
    s.report.fiscal_years.assign(s.indicator_years.begin(), s.indicator_years.end());
    for (const std::string& from : s.indicator_year_from) {
      s.report.fiscal_year_from += (s.report.fiscal_year_from.empty() ? "" : ", ") + from;
    }
  }
  std::sort(s.report.reject_counts.begin(), s.report.reject_counts.end(),
            [](const RejectCount& a, const RejectCount& b) { return a.rows != b.rows ? a.rows > b.rows : a.first_line < b.first_line; });
  // A file that is mostly rejects is the wrong file (another kind, another layout, junk): refused whole, so
  // that its few "good" rows do not go in unnoticed.
  // A file of which every row was rejected is refused too, however small: archived like a good file, it
  // looked ingested when nothing was taken (issue 17).
  const IngestReport& rep = s.report;
  const bool over_share =
      rep.rows_total >= s.limits.min_rows_for_share && s.limits.max_reject_share < 1.0 &&
      static_cast<double>(rep.rejected) > s.limits.max_reject_share * static_cast<double>(rep.rows_total);
  const bool all_rejected = rep.rows_total > 0 && rep.rejected == rep.rows_total;
  if (over_share || all_rejected) {
    std::string msg =
        over_share ? std::to_string(rep.rejected) + " of " + std::to_string(rep.rows_total) +
                         " rows rejected, more than the limit of " +
                         std::to_string(static_cast<int>(std::lround(s.limits.max_reject_share * 100))) +
                         "% (ingest.max_reject_share): " + std::string(refused_for_rejects) + ". Reasons:"
                   : "all " + std::to_string(rep.rows_total) + (rep.rows_total == 1 ? " row" : " rows") +
                         " rejected: " + std::string(refused_for_rejects) + ". Reasons:";
    std::size_t shown = 0;
    for (const RejectCount& c : rep.reject_counts) {
      if (shown++ == 5) {
        msg += " …";
        break;
      }
      msg += " " + (c.field.empty() ? std::string() : c.field + ": ") + c.reason + " × " + std::to_string(c.rows) +
             " (first at line " + std::to_string(c.first_line) + ");";
    }
    if (!msg.empty() && msg.back() == ';') msg.pop_back();
    return fail(Errc::invalid_input, std::move(msg), rep.name);
  }
  if (s.pg) {
    write_monthly_copy();
  } else {
    write_monthly();
  }
  s.report.duration_ms = duration.count();
  if (s.reapplication_id != 0) {
    // The file's own counts describe its first ingest; the re-application records what it changed.
    Statement& ra = s.db.cached("UPDATE file_reapplications SET rows_revised = ? WHERE id = ?");
    ra.bind(1, s.report.revised).bind(2, s.reapplication_id);
    ra.run();
  } else {
    Statement& f = s.db.cached(
        "UPDATE files SET rows_total = ?, rows_accepted = ?, rows_duplicate = ?, rows_rejected = ?,"
        " rows_conflict = ?, accepted_fen = ?, duration_ms = ?, rows_revised = ?, rejects_stored = ? WHERE id = ?");
    f.bind(1, s.report.rows_total).bind(2, s.report.accepted).bind(3, s.report.duplicate);
    f.bind(4, s.report.rejected).bind(5, s.report.conflicts).bind(6, s.report.accepted_amount.fen);
    f.bind(7, s.report.duration_ms).bind(8, s.report.revised);
    if (s.stored_rejects < s.report.rejected) {
      f.bind(9, s.stored_rejects);
    } else {
      f.bind_null(9);
    }
    f.bind(10, s.file_id);
    f.run();
    Statement& rc = s.db.cached(
        "INSERT INTO reject_counts (file_id, field, reason, rows, first_line) VALUES (?,?,?,?,?)");
    for (const RejectCount& c : s.report.reject_counts) {
      rc.bind(1, s.file_id).bind(2, c.field).bind(3, c.reason).bind(4, c.rows).bind(5, c.first_line);
      rc.run();
    }
  }
  if (!s.max_pay_date.empty()) {
    // The ledger's latest payment date is the latest of its files' (store/inputs.cpp: latest_payment_date).
    Statement& d = s.db.cached(
        "UPDATE files SET max_pay_date = ? WHERE id = ? AND (max_pay_date IS NULL OR max_pay_date < ?)");
    d.bind(1, s.max_pay_date).bind(2, s.file_id).bind(3, s.max_pay_date);
    d.run();
  }
  s.txn.commit();
  if (s.pg && s.report.accepted > 0 && !s.max_pay_date.empty()) {
    // payments_by_date is a BRIN index on PostgreSQL (migration 0008): the page ranges this file filled are
    // summarised now, after the commit, rather than by autovacuum up to a minute later; until then an as-of
    // date's partial month would scan them all. A server that refuses (the role does not own the index)
    // leaves it to autovacuum: the ingest is done either way.
    try {
      s.db.exec("SELECT brin_summarize_new_values('payments_by_date')");
    } catch (const DatabaseError&) {
    }
  }
  return std::move(s.report);
}

namespace {

// paid_by_year's month columns (migration 0009), spelled out: mMM_fen, the month's sum in fen, and
// mMM_payments, its number of payments.
constexpr const char* month_columns =
    "m01_fen, m02_fen, m03_fen, m04_fen, m05_fen, m06_fen, "
    "m07_fen, m08_fen, m09_fen, m10_fen, m11_fen, m12_fen, "
    "m01_payments, m02_payments, m03_payments, m04_payments, m05_payments, m06_payments, "
    "m07_payments, m08_payments, m09_payments, m10_payments, m11_payments, m12_payments";
// The upsert's SET list: each month column plus the same column of the row being added.
constexpr const char* add_month_columns =
    "m01_fen = paid_by_year.m01_fen + excluded.m01_fen, "
    "m02_fen = paid_by_year.m02_fen + excluded.m02_fen, "
    "m03_fen = paid_by_year.m03_fen + excluded.m03_fen, "
    "m04_fen = paid_by_year.m04_fen + excluded.m04_fen, "
    "m05_fen = paid_by_year.m05_fen + excluded.m05_fen, "
    "m06_fen = paid_by_year.m06_fen + excluded.m06_fen, "
    "m07_fen = paid_by_year.m07_fen + excluded.m07_fen, "
    "m08_fen = paid_by_year.m08_fen + excluded.m08_fen, "
    "m09_fen = paid_by_year.m09_fen + excluded.m09_fen, "
    "m10_fen = paid_by_year.m10_fen + excluded.m10_fen, "
    "m11_fen = paid_by_year.m11_fen + excluded.m11_fen, "
    "m12_fen = paid_by_year.m12_fen + excluded.m12_fen, "
    "m01_payments = paid_by_year.m01_payments + excluded.m01_payments, "
    "m02_payments = paid_by_year.m02_payments + excluded.m02_payments, "
    "m03_payments = paid_by_year.m03_payments + excluded.m03_payments, "
    "m04_payments = paid_by_year.m04_payments + excluded.m04_payments, "
    "m05_payments = paid_by_year.m05_payments + excluded.m05_payments, "
    "m06_payments = paid_by_year.m06_payments + excluded.m06_payments, "
    "m07_payments = paid_by_year.m07_payments + excluded.m07_payments, "
    "m08_payments = paid_by_year.m08_payments + excluded.m08_payments, "
    "m09_payments = paid_by_year.m09_payments + excluded.m09_payments, "
    "m10_payments = paid_by_year.m10_payments + excluded.m10_payments, "
    "m11_payments = paid_by_year.m11_payments + excluded.m11_payments, "
    "m12_payments = paid_by_year.m12_payments + excluded.m12_payments";
constexpr const char* stage_month_columns =
    "m01_fen BIGINT NOT NULL, m02_fen BIGINT NOT NULL, m03_fen BIGINT NOT NULL, "
    "m04_fen BIGINT NOT NULL, m05_fen BIGINT NOT NULL, m06_fen BIGINT NOT NULL, "
    "m07_fen BIGINT NOT NULL, m08_fen BIGINT NOT NULL, m09_fen BIGINT NOT NULL, "
    "m10_fen BIGINT NOT NULL, m11_fen BIGINT NOT NULL, m12_fen BIGINT NOT NULL, "
    "m01_payments BIGINT NOT NULL, m02_payments BIGINT NOT NULL, m03_payments BIGINT NOT NULL, "
    "m04_payments BIGINT NOT NULL, m05_payments BIGINT NOT NULL, m06_payments BIGINT NOT NULL, "
    "m07_payments BIGINT NOT NULL, m08_payments BIGINT NOT NULL, m09_payments BIGINT NOT NULL, "
    "m10_payments BIGINT NOT NULL, m11_payments BIGINT NOT NULL, m12_payments BIGINT NOT NULL";
constexpr const char* summed_month_columns =
    "CAST(sum(m01_fen) AS BIGINT), CAST(sum(m02_fen) AS BIGINT), CAST(sum(m03_fen) AS BIGINT), "
    "CAST(sum(m04_fen) AS BIGINT), CAST(sum(m05_fen) AS BIGINT), CAST(sum(m06_fen) AS BIGINT), "
    "CAST(sum(m07_fen) AS BIGINT), CAST(sum(m08_fen) AS BIGINT), CAST(sum(m09_fen) AS BIGINT), "
    "CAST(sum(m10_fen) AS BIGINT), CAST(sum(m11_fen) AS BIGINT), CAST(sum(m12_fen) AS BIGINT), "
    "CAST(sum(m01_payments) AS BIGINT), CAST(sum(m02_payments) AS BIGINT), CAST(sum(m03_payments) AS BIGINT), "
    "CAST(sum(m04_payments) AS BIGINT), CAST(sum(m05_payments) AS BIGINT), CAST(sum(m06_payments) AS BIGINT), "
    "CAST(sum(m07_payments) AS BIGINT), CAST(sum(m08_payments) AS BIGINT), CAST(sum(m09_payments) AS BIGINT), "
    "CAST(sum(m10_payments) AS BIGINT), CAST(sum(m11_payments) AS BIGINT), CAST(sum(m12_payments) AS BIGINT)";

// SQLite: the row of one (year, unit, project) added to what is recorded; the names of a new row are
// the file's (as first seen), a recorded row keeps its own.
std::string upsert_sql() {
  return std::string("INSERT INTO paid_by_year (pay_year, unit_code, project_code, unit_name, project_name, ") +
         month_columns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                         " ON CONFLICT (pay_year, unit_code, project_code) DO UPDATE SET " +
         add_month_columns;
}

// One line of COPY text for paid_by_year: year, unit, project, their names, the twelve sums, the
// twelve counts.
void append_year_row(std::string& d, const MonthlySums::Series& x, const MonthlySums::Year& y) {
  char num[24];
  auto put = [&](std::int64_t v) {
    d += '\t';
    const auto r = std::to_chars(num, num + sizeof num, v);
    d.append(num, r.ptr);
  };
  d += std::to_string(y.year);
  d += '\t';
  copy_escape(d, x.unit_code);
  d += '\t';
  copy_escape(d, x.project_code);
  d += '\t';
  copy_escape(d, x.unit_name);
  d += '\t';
  copy_escape(d, x.project_name);
  for (const std::int64_t v : y.fen) put(v);
  for (const std::int64_t v : y.count) put(v);
  d += '\n';
}

}  // namespace

// The file's monthly sums with the (unit, project) names, one statement execution per series and year
// (SQLite: no round trips).
void IngestTxn::write_monthly() {
  State& s = *s_;
  static const std::string upsert = upsert_sql();
  Statement& up = s.db.cached(upsert);
  for (std::size_t i = 0; i < s.monthly.series().size(); ++i) {
    const MonthlySums::Series& x = s.monthly.series()[i];
    for (const MonthlySums::Year& y : s.monthly.years(i)) {
      up.bind(1, y.year).bind(2, x.unit_code).bind(3, x.project_code).bind(4, x.unit_name).bind(5, x.project_name);
      for (std::size_t k = 0; k < 12; ++k) {
        up.bind(static_cast<int>(6 + k), y.fen[k]).bind(static_cast<int>(18 + k), y.count[k]);
      }
      up.run();
    }
  }
}

// PostgreSQL: the same rows in one COPY per table, under a savepoint, when none of their keys is
// recorded yet (a new year: the common case for a series' first file of the year); a 1M-row export
// has ~10,000-odd (year, unit, project) rows, and their single-row upserts, one round trip each,
// took longer than the COPY of the payments. When a key is there already (a unique violation; also
// when another instance committed it meanwhile) the COPY is undone and the rows go through a
// temporary table and one INSERT ... SELECT ... ON CONFLICT, as the single-row statements would.
// The rows go in key order, so that instances writing the same sums at once lock them in the same
// order.
void IngestTxn::write_monthly_copy() {
  State& s = *s_;
  const std::vector<MonthlySums::Series>& series = s.monthly.series();
  if (series.empty()) return;
  std::vector<std::size_t> order(series.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(series[a].unit_code, series[a].project_code) < std::tie(series[b].unit_code, series[b].project_code);
  });
  std::vector<std::pair<std::size_t, MonthlySums::Year>> rows;  // (series, year) in key order
  for (const std::size_t i : order) {
    for (MonthlySums::Year& y : s.monthly.years(i)) rows.emplace_back(i, y);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.year < b.second.year; });
  std::string& d = s.copy_data;
  d.clear();
  for (const auto& [i, y] : rows) append_year_row(d, series[i], y);
  copy_or_merge();
  d.clear();
  d.shrink_to_fit();
}

namespace {

// The fixed statements of IngestTxn::copy_or_merge.
std::string copy_sql() {
  return std::string("COPY paid_by_year (pay_year, unit_code, project_code, unit_name, project_name, ") +
         month_columns + ") FROM STDIN";
}
std::string create_stage_sql() {
  return std::string("CREATE TEMP TABLE bw_monthly_stage (pay_year BIGINT NOT NULL,"
                     " unit_code TEXT COLLATE \"C\" NOT NULL, project_code TEXT COLLATE \"C\" NOT NULL,"
                     " unit_name TEXT COLLATE \"C\" NOT NULL, project_name TEXT COLLATE \"C\" NOT NULL, ") +
         stage_month_columns + ") ON COMMIT DROP";
}
std::string copy_stage_sql() {
  return std::string("COPY bw_monthly_stage (pay_year, unit_code, project_code, unit_name, project_name, ") +
         month_columns + ") FROM STDIN";
}
// Grouped, so that no key comes twice into one statement (ON CONFLICT DO UPDATE refuses that); a recorded
// row keeps its names.
std::string merge_sql() {
  return std::string("INSERT INTO paid_by_year (pay_year, unit_code, project_code, unit_name, project_name, ") +
         month_columns + ") SELECT pay_year, unit_code, project_code, min(unit_name), min(project_name), " +
         summed_month_columns +
         " FROM bw_monthly_stage GROUP BY pay_year, unit_code, project_code"
         " ORDER BY pay_year, unit_code, project_code"
         " ON CONFLICT (pay_year, unit_code, project_code) DO UPDATE SET " +
         add_month_columns;
}

}  // namespace

// s.copy_data (rows in COPY's text format) into paid_by_year: straight in by COPY under a savepoint; on a
// unique violation, undone and merged instead: copied into a temporary table of the same columns, then
// INSERT ... SELECT ... ON CONFLICT.
void IngestTxn::copy_or_merge() {
  State& s = *s_;
  s.db.exec("SAVEPOINT bw_copy");
  try {
    s.db.copy_in(copy_sql(), s.copy_data);
    s.db.exec("RELEASE SAVEPOINT bw_copy");
    return;
  } catch (const DatabaseError& e) {
    if (e.sqlstate() != "23505") throw;
    s.db.exec("ROLLBACK TO SAVEPOINT bw_copy; RELEASE SAVEPOINT bw_copy");
  }
  s.db.exec(create_stage_sql());
  s.db.copy_in(copy_stage_sql(), s.copy_data);
  s.db.cached(merge_sql()).run();
}

std::optional<IngestTxn> Ledger::begin(const FileRecord& f, const IngestLimits& limits, bool reapply) {
  auto state = std::make_unique<IngestTxn::State>(db_);
  state->limits = limits;
  state->received_at = f.received_at;
  state->source = f.source;
  Statement& q = db_.cached("SELECT id FROM files WHERE sha256 = ?");
  q.bind(1, f.sha256);
  const bool seen = q.step();
  const std::int64_t seen_id = seen ? q.column_int(0) : 0;
  q.reset();
  if (seen && !reapply) return std::nullopt;  // the state's transaction rolls back (nothing was written)
  if (seen) {
    Statement& ra =
        db_.cached("INSERT INTO file_reapplications (file_id, applied_at, source) VALUES (?,?,?) RETURNING id");
    ra.bind(1, seen_id).bind(2, f.received_at).bind(3, f.source);
    if (!ra.step()) throw DatabaseError(1, "file_reapplications: no id returned");
    state->reapplication_id = ra.column_int(0);
    ra.reset();
    state->file_id = seen_id;
    // Its rejects were recorded at the first ingest: count them, store none again.
    state->limits.max_stored_rejects = 0;
    IngestReport& r = state->report;
    r.file_id = seen_id;
    r.name = f.name;
    r.source = f.source;
    r.kind = f.kind;
    r.encoding = f.encoding;
    r.sha256 = f.sha256;
    r.reapplied = true;
    return IngestTxn(std::move(state));
  }
  // Several daemons on one PostgreSQL database (issue 15): another instance may be ingesting the same bytes
  // right now. The unique sha256 makes this INSERT wait for its transaction; when it commits, nothing is
  // inserted and the file is a duplicate (when it rolls back, this one goes on) — never an error.
  Statement& ins = db_.cached(
      "INSERT INTO files (sha256, name, source, kind, encoding, size_bytes, ingested_at)"
      " VALUES (?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING RETURNING id");
  ins.bind(1, f.sha256).bind(2, f.name).bind(3, f.source).bind(4, to_string(f.kind));
  ins.bind(5, f.encoding).bind(6, static_cast<std::int64_t>(f.size_bytes)).bind(7, f.received_at);
  if (!ins.step()) {
    ins.reset();
    if (!reapply) return std::nullopt;  // ingested by another instance meanwhile: the state's transaction rolls back
    throw DatabaseError(1, "files: the file was ingested by another instance meanwhile; apply it again");
  }
  state->file_id = ins.column_int(0);
  ins.reset();
  IngestReport& r = state->report;
  r.file_id = state->file_id;
  r.name = f.name;
  r.source = f.source;
  r.kind = f.kind;
  r.encoding = f.encoding;
  r.sha256 = f.sha256;
  return IngestTxn(std::move(state));
}

void Ledger::record_failure(const FileRecord& f, std::string_view error) {
  db_.check_file();  // never acknowledge into a deleted database
  Statement& ins = db_.cached(
      "INSERT INTO failed_files (sha256, name, source, error, failed_at) VALUES (?,?,?,?,?)");
  ins.bind(1, f.sha256).bind(2, f.name).bind(3, f.source).bind(4, error).bind(5, f.received_at);
  ins.run();
}

BasicLinesByUnit Ledger::basic_lines_by_unit() {
  BasicLinesByUnit out;
  // A blank project code names the unit's one basic line of the payment's own fiscal year: a unit whose
  // basic line has another code in another year is not ambiguous.
  Statement st =
      db_.prepare("SELECT unit_code, fiscal_year, code FROM budget_lines WHERE kind = 'basic' ORDER BY rowid");
  while (st.step()) out[st.column_string(0)][static_cast<int>(st.column_int(1))].push_back(st.column_string(2));
  return out;
}

}  // namespace bw::store
