#include "store/ledger.h"

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

std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // do not cut a character
  return std::string(s.substr(0, n));
}

// "YYYY-MM" of a date.
void month_key(engine::CivilDate d, char out[7]) {
  const std::string iso = engine::to_iso(d);
  for (int i = 0; i < 7; ++i) out[i] = iso[static_cast<std::size_t>(i)];
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

}  // namespace

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

struct IngestTxn::State {
  Database& db;
  Transaction txn;
  IngestReport report;
  std::int64_t file_id = 0;

  struct Monthly {
    std::string unit_code;
    std::string project_code;
    std::string month;
    std::int64_t fen = 0;
    std::int64_t count = 0;
  };
  StringMap<Monthly> monthly;          // key: unit \x1f code \x1f YYYY-MM
  StringMap<std::pair<std::string, std::string>> names;  // key: unit \x1f code → (unit_name, project_name)
  StringMap<int> budget_codes;         // codes seen in this file → line
  std::string key;                     // scratch

  State(Database& d) : db(d), txn(d) {}
};

IngestTxn::IngestTxn(std::unique_ptr<State> s) : s_(std::move(s)) {}
IngestTxn::IngestTxn(IngestTxn&&) noexcept = default;
IngestTxn::~IngestTxn() = default;

Result<RowOutcome> IngestTxn::add_payment(const PaymentRow& p) {
  State& s = *s_;
  Statement& ins = s.db.cached(
      "INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class,"
      " pay_method, fund_type, payee, memo, file_id, line_no) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (voucher_no) DO NOTHING");
  const std::string date = engine::to_iso(p.pay_date);
  ins.bind(1, p.voucher_no).bind(2, date).bind(3, p.unit_code).bind(4, p.project_code);
  ins.bind(5, p.amount.fen).bind(6, p.func_class).bind(7, p.econ_class).bind(8, p.pay_method);
  ins.bind(9, p.fund_type).bind(10, p.payee).bind(11, p.memo).bind(12, s.file_id).bind(13, p.line);
  ins.run();
  if (s.db.changes() == 0) {
    Statement& q = s.db.cached(
        "SELECT p.pay_date, p.unit_code, p.project_code, p.amount_fen, f.name, p.line_no"
        " FROM payments p JOIN files f ON f.id = p.file_id WHERE p.voucher_no = ?");
    q.bind(1, p.voucher_no);
    if (!q.step()) return fail(Errc::internal, "voucher vanished during ingest");
    const bool same = q.column_text(0) == date && q.column_text(1) == p.unit_code &&
                      q.column_text(2) == p.project_code && q.column_int(3) == p.amount.fen;
    if (same) {
      q.reset();
      ++s.report.duplicate;
      ++s.report.rows_total;
      return RowOutcome::duplicate;
    }
    std::string msg = "voucher " + std::string(p.voucher_no) + " is already recorded with amount " +
                      engine::format_yuan(Money{q.column_int(3)}) + " on " + q.column_string(0) +
                      " for project '" + q.column_string(2) + "' (" + q.column_string(4) + " line " +
                      std::to_string(q.column_int(5)) + "); this row says " +
                      engine::format_yuan(p.amount) + " on " + date + " for project '" +
                      std::string(p.project_code) + "'";
    q.reset();
    return fail(Errc::conflict, std::move(msg));
  }
  ++s.report.accepted;
  ++s.report.rows_total;
  s.report.accepted_amount += p.amount;

  char month[7];
  month_key(p.pay_date, month);
  s.key.assign(p.unit_code).push_back('\x1f');
  s.key.append(p.project_code);
  if (auto it = s.names.find(std::string_view(s.key)); it == s.names.end()) {
    s.names.emplace(s.key, std::make_pair(std::string(p.unit_name), std::string(p.project_name)));
  }
  s.key.push_back('\x1f');
  s.key.append(month, 7);
  auto it = s.monthly.find(std::string_view(s.key));
  if (it == s.monthly.end()) {
    it = s.monthly
             .emplace(s.key, State::Monthly{std::string(p.unit_code), std::string(p.project_code),
                                            std::string(month, 7), 0, 0})
             .first;
  }
  it->second.fen += p.amount.fen;
  ++it->second.count;
  return RowOutcome::accepted;
}

Result<RowOutcome> IngestTxn::add_budget_line(const engine::BudgetLine& l, int line) {
  State& s = *s_;
  if (auto it = s.budget_codes.find(l.code); it != s.budget_codes.end()) {
    return fail(Errc::conflict, "project code " + l.code + " appears twice in this register (first at line " +
                                    std::to_string(it->second) + ")");
  }
  s.budget_codes.emplace(l.code, line);
  const std::optional<std::string> deadline =
      l.deadline ? std::optional<std::string>(engine::to_iso(*l.deadline)) : std::nullopt;
  const std::string kind = engine::to_string(l.kind);
  const std::string tags = join_tags(l.tags);

  Statement& q = s.db.cached(
      "SELECT name, unit_code, unit_name, kind, initial_fen, coalesce(deadline, ''), owner, owner_email, tags"
      " FROM budget_lines WHERE code = ?");
  q.bind(1, l.code);
  if (q.step()) {
    const bool same = q.column_text(0) == l.name && q.column_text(1) == l.unit_code &&
                      q.column_text(2) == l.unit_name && q.column_text(3) == kind &&
                      q.column_int(4) == l.initial.fen && q.column_text(5) == deadline.value_or("") &&
                      q.column_text(6) == l.owner && q.column_text(7) == l.owner_email &&
                      q.column_text(8) == tags;
    q.reset();
    if (same) {
      ++s.report.duplicate;
      ++s.report.rows_total;
      return RowOutcome::duplicate;
    }
  }
  q.reset();
  Statement& up = s.db.cached(
      "INSERT INTO budget_lines (code, name, unit_code, unit_name, kind, initial_fen, deadline, owner,"
      " owner_email, tags, file_id, line_no) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (code) DO UPDATE SET name = excluded.name, unit_code = excluded.unit_code,"
      " unit_name = excluded.unit_name, kind = excluded.kind, initial_fen = excluded.initial_fen,"
      " deadline = excluded.deadline, owner = excluded.owner, owner_email = excluded.owner_email,"
      " tags = excluded.tags, file_id = excluded.file_id, line_no = excluded.line_no");
  up.bind(1, l.code).bind(2, l.name).bind(3, l.unit_code).bind(4, l.unit_name).bind(5, kind);
  up.bind(6, l.initial.fen).bind(7, deadline).bind(8, l.owner).bind(9, l.owner_email).bind(10, tags);
  up.bind(11, s.file_id).bind(12, line);
  up.run();
  ++s.report.accepted;
  ++s.report.rows_total;
  s.report.accepted_amount += l.initial;
  return RowOutcome::accepted;
}

Result<RowOutcome> IngestTxn::add_adjustment(const engine::Adjustment& a, int line) {
  State& s = *s_;
  const std::string date = engine::to_iso(a.date);
  // One document may adjust one line several times on a day (an 调剂 and a transfer under 荔财预〔2021〕40号),
  // told apart by their notes; the same item re-exported with another amount is a conflict.
  std::string identity = a.project_code + "|" + a.doc_no + "|" + date + "|" + a.note;
  if (a.doc_no.empty()) identity += "|" + std::to_string(a.amount.fen);
  Statement& ins = s.db.cached(
      "INSERT INTO adjustments (identity, project_code, adj_date, amount_fen, doc_no, note, file_id, line_no)"
      " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (identity) DO NOTHING");
  ins.bind(1, identity).bind(2, a.project_code).bind(3, date).bind(4, a.amount.fen).bind(5, a.doc_no);
  ins.bind(6, a.note).bind(7, s.file_id).bind(8, line);
  ins.run();
  if (s.db.changes() == 0) {
    Statement& q = s.db.cached(
        "SELECT a.amount_fen, f.name, a.line_no FROM adjustments a JOIN files f ON f.id = a.file_id"
        " WHERE a.identity = ?");
    q.bind(1, identity);
    if (!q.step()) return fail(Errc::internal, "adjustment vanished during ingest");
    const Money recorded{q.column_int(0)};
    std::string where = q.column_string(1) + " line " + std::to_string(q.column_int(2));
    q.reset();
    if (recorded == a.amount) {
      ++s.report.duplicate;
      ++s.report.rows_total;
      return RowOutcome::duplicate;
    }
    return fail(Errc::conflict, "adjustment " + a.doc_no + " of " + a.project_code + " on " + date +
                                    " is already recorded with amount " + engine::format_yuan(recorded) +
                                    " (" + where + "); this row says " + engine::format_yuan(a.amount));
  }
  ++s.report.accepted;
  ++s.report.rows_total;
  s.report.accepted_amount += a.amount;
  return RowOutcome::accepted;
}

void IngestTxn::reject(Reject r) {
  State& s = *s_;
  r.raw = truncate_utf8(r.raw, max_raw_bytes);
  Statement& ins = s.db.cached(
      "INSERT INTO rejects (file_id, line, col, field, reason, raw, conflict) VALUES (?,?,?,?,?,?,?)");
  ins.bind(1, s.file_id).bind(2, r.line).bind(3, r.column).bind(4, r.field).bind(5, r.reason);
  ins.bind(6, r.raw).bind(7, r.conflict ? 1 : 0);
  ins.run();
  ++s.report.rejected;
  ++s.report.rows_total;
  if (r.conflict) ++s.report.conflicts;
  if (s.report.rejects.size() < max_rejects_in_report) s.report.rejects.push_back(std::move(r));
}

Result<IngestReport> IngestTxn::commit(std::chrono::milliseconds duration) {
  State& s = *s_;
  Statement& up = s.db.cached(
      "INSERT INTO paid_monthly (unit_code, project_code, month, paid_fen, payments) VALUES (?,?,?,?,?)"
      " ON CONFLICT (unit_code, project_code, month) DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen,"
      " payments = payments + excluded.payments");
  for (const auto& [key, m] : s.monthly) {
    up.bind(1, m.unit_code).bind(2, m.project_code).bind(3, m.month).bind(4, m.fen).bind(5, m.count);
    up.run();
  }
  Statement& nm = s.db.cached(
      "INSERT INTO payment_names (unit_code, project_code, unit_name, project_name) VALUES (?,?,?,?)"
      " ON CONFLICT (unit_code, project_code) DO NOTHING");
  for (const auto& [key, names] : s.names) {
    const auto sep = key.find('\x1f');
    nm.bind(1, std::string_view(key).substr(0, sep)).bind(2, std::string_view(key).substr(sep + 1));
    nm.bind(3, names.first).bind(4, names.second);
    nm.run();
  }
  s.report.duration_ms = duration.count();
  Statement& f = s.db.cached(
      "UPDATE files SET rows_total = ?, rows_accepted = ?, rows_duplicate = ?, rows_rejected = ?,"
      " rows_conflict = ?, accepted_fen = ?, duration_ms = ? WHERE id = ?");
  f.bind(1, s.report.rows_total).bind(2, s.report.accepted).bind(3, s.report.duplicate);
  f.bind(4, s.report.rejected).bind(5, s.report.conflicts).bind(6, s.report.accepted_amount.fen);
  f.bind(7, s.report.duration_ms).bind(8, s.file_id);
  f.run();
  s.txn.commit();
  return std::move(s.report);
}

std::optional<IngestTxn> Ledger::begin(const FileRecord& f) {
  auto state = std::make_unique<IngestTxn::State>(db_);
  Statement& q = db_.cached("SELECT id FROM files WHERE sha256 = ?");
  q.bind(1, f.sha256);
  const bool seen = q.step();
  q.reset();
  if (seen) return std::nullopt;  // the state's transaction rolls back (nothing was written)
  Statement& ins = db_.cached(
      "INSERT INTO files (sha256, name, source, kind, encoding, size_bytes, ingested_at)"
      " VALUES (?,?,?,?,?,?,?)");
  ins.bind(1, f.sha256).bind(2, f.name).bind(3, f.source).bind(4, to_string(f.kind));
  ins.bind(5, f.encoding).bind(6, static_cast<std::int64_t>(f.size_bytes)).bind(7, f.received_at);
  ins.run();
  state->file_id = db_.last_insert_rowid();
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
  Statement& ins = db_.cached(
      "INSERT INTO failed_files (sha256, name, source, error, failed_at) VALUES (?,?,?,?,?)");
  ins.bind(1, f.sha256).bind(2, f.name).bind(3, f.source).bind(4, error).bind(5, f.received_at);
  ins.run();
}

std::map<std::string, std::vector<std::string>> Ledger::basic_lines_by_unit() {
  std::map<std::string, std::vector<std::string>> out;
  Statement st = db_.prepare("SELECT unit_code, code FROM budget_lines WHERE kind = 'basic' ORDER BY rowid");
  while (st.step()) out[st.column_string(0)].push_back(st.column_string(1));
  return out;
}

}  // namespace bw::store
