#include "store/database.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "store/postgres.h"

namespace bw::store {
namespace {

std::int64_t pg_int(const char* v) {
  if (v == nullptr) return 0;
  if (v[0] == 't' && v[1] == '\0')
    return 1;  // a boolean expression (`a IS NULL`): SQLite gives 1/0
  if (v[0] == 'f' && v[1] == '\0') return 0;
  return std::strtoll(v, nullptr, 10);
}

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw DatabaseError(rc, msg);
}

}  // namespace

bool is_server_uri(std::string_view database) {
  return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

std::string redact_uri(std::string_view database) {
  std::string out(database);
  if (!is_server_uri(database)) return out;
  // user:PASSWORD@host
  const std::size_t scheme = out.find("://") + 3;
  const std::size_t at = out.find('@', scheme);
  const std::size_t slash = out.find('/', scheme);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    const std::size_t colon = out.find(':', scheme);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ?password=... or &password=...
  for (std::size_t p = out.find("password="); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    if (p > 0 && out[p - 1] != '?' && out[p - 1] != '&') continue;
    const std::size_t start = p + 9;
    const std::size_t end = out.find('&', start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
  }
  return out;
}

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::int64_t> parse_utc_iso(std::string_view text) {
  std::tm tm{};
  const std::string s(text.substr(0, 19));
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9')
      return std::nullopt;
  }
  tm.tm_year = std::stoi(s.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(s.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(s.substr(8, 2));
  tm.tm_hour = std::stoi(s.substr(11, 2));
  tm.tm_min = std::stoi(s.substr(14, 2));
  tm.tm_sec = std::stoi(s.substr(17, 2));
  return static_cast<std::int64_t>(timegm(&tm));
}

Statement::Statement() = default;

Statement::Statement(detail::PgConnection* conn, std::string_view sql)
    : pg_(std::make_unique<detail::PgStatement>(conn, sql)) {}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_error(db, rc, "prepare");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), pg_(std::move(o.pg_)) {
  o.stmt_ = nullptr;
  o.db_ = nullptr;
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    pg_ = std::move(o.pg_);
    o.stmt_ = nullptr;
    o.db_ = nullptr;
  }
  return *this;
}

void Statement::check(int rc) const {
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (pg_) {
    pg_->set(i, std::to_string(v));
    return *this;
  }
  check(sqlite3_bind_int64(stmt_, i, v));
  return *this;
}

Statement& Statement::bind(int i, double v) {
  if (pg_) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    pg_->set(i, buf);
    return *this;
  }
  check(sqlite3_bind_double(stmt_, i, v));
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  if (pg_) {
    pg_->set(i, std::string(v));
    return *this;
  }
  // A non-null pointer even for empty text, so that '' is stored rather than NULL.
  check(sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                          SQLITE_STATIC));
  return *this;
}

Statement& Statement::bind(int i, std::string&& v) {
  if (pg_) {
    pg_->set(i, std::move(v));
    return *this;
  }
  check(sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                          SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_null(int i) {
  if (pg_) {
    pg_->set_null(i);
    return *this;
  }
  check(sqlite3_bind_null(stmt_, i));
  return *this;
}

bool Statement::step() {
  if (pg_) return pg_->step();
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  throw_error(db_, rc, "step (" + sql.substr(0, 60) + ")");
}

void Statement::run() {
  if (pg_) {
    pg_->reset();
    try {
      pg_->step();
    } catch (...) {
      pg_->reset();
      throw;
    }
    pg_->reset();
    return;
  }
  try {
    while (step()) {
    }
  } catch (...) {
    sqlite3_reset(stmt_);
    throw;
  }
  sqlite3_reset(stmt_);
}

void Statement::reset() {
  if (pg_) {
    pg_->reset();
    return;
  }
  sqlite3_reset(stmt_);
}

std::int64_t Statement::column_int(int i) const {
  if (pg_) return pg_int(pg_->value(i));
  return sqlite3_column_int64(stmt_, i);
}

double Statement::column_double(int i) const {
  if (pg_) {
    const char* v = pg_->value(i);
    return v == nullptr ? 0.0 : std::strtod(v, nullptr);
  }
  return sqlite3_column_double(stmt_, i);
}

std::string_view Statement::column_text(int i) const {
  if (pg_) {
    const char* v = pg_->value(i);
    return v == nullptr ? std::string_view() : std::string_view(v);
  }
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

bool Statement::column_is_null(int i) const {
  if (pg_) return pg_->null(i);
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

Database::Database() = default;

Database Database::open(const std::filesystem::path& path, const OpenOptions& o) {
  Database d;
  if (is_server_uri(path.native())) {
    d.pg_ = std::make_unique<detail::PgConnection>(path.native());
    d.path_ = d.pg_->shown;
    return d;
  }
  d.path_ = path;
  int flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (o.create && !o.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &d.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "open " + path.string() + ": " +
                      (d.db_ != nullptr ? sqlite3_errmsg(d.db_) : sqlite3_errstr(rc));
    sqlite3_close(d.db_);
    d.db_ = nullptr;
    throw DatabaseError(rc, msg);
  }
  sqlite3_extended_result_codes(d.db_, 1);
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0) {
    d.dev_ = st.st_dev;
    d.ino_ = st.st_ino;
  }
  sqlite3_busy_timeout(d.db_, o.busy_timeout_ms);
  if (!o.read_only) {
    // 16 KiB pages (effective only when the file is created): payments are ~150-byte rows appended
    // by the million; larger pages mean fewer splits and less WAL traffic (measured: 1M-row
    // ingest 5.7 s → 4.5 s).
    d.exec("PRAGMA page_size=16384");
    // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
    // (no busy handler) while another connection is creating the same file: retry within the busy
    // timeout (two processes opening a new database at once, e.g. the CLI beside a starting
    // daemon).
    for (int waited_ms = 0;; waited_ms += 10) {
      try {
        d.exec("PRAGMA journal_mode=WAL");
        break;
      } catch (const DatabaseError& e) {
        if ((e.code() & 0xFF) != SQLITE_BUSY || waited_ms >= o.busy_timeout_ms) throw;
        sqlite3_sleep(10);
      }
    }
  }
  d.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
  d.exec("PRAGMA cache_size=-" + std::to_string(o.cache_kib));
  if (!o.auto_checkpoint) d.exec("PRAGMA wal_autocheckpoint=0");
  d.file_problem();  // records the WAL's identity (it exists from the first read on)
  return d;
}

Database::~Database() { close(); }

Database::Database(Database&& o) noexcept
    : db_(o.db_),
      path_(std::move(o.path_)),
      dev_(o.dev_),
      ino_(o.ino_),
      wal_dev_(o.wal_dev_),
      wal_ino_(o.wal_ino_),
      cache_(std::move(o.cache_)),
      pg_(std::move(o.pg_)) {
  o.db_ = nullptr;
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    close();
    db_ = o.db_;
    path_ = std::move(o.path_);
    dev_ = o.dev_;
    ino_ = o.ino_;
    wal_dev_ = o.wal_dev_;
    wal_ino_ = o.wal_ino_;
    cache_ = std::move(o.cache_);
    pg_ = std::move(o.pg_);
    o.db_ = nullptr;
  }
  return *this;
}

void Database::close() noexcept {
  cache_.clear();  // finalize statements before closing
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
  pg_.reset();
}

void Database::exec(std::string_view sql) {
  if (pg_) {
    pg_->exec(sql);
    return;
  }
  const std::string s(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DatabaseError(rc, "exec: " + msg);
  }
}

Statement Database::prepare(std::string_view sql) {
  if (pg_) return {pg_.get(), sql};
  return {db_, sql};
}

Statement& Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(prepare(sql))).first;
  }
  it->second->reset();
  return *it->second;
}

bool Database::connected() const { return !pg_ || pg_->connected(); }

bool Database::read_only() const { return db_ != nullptr && sqlite3_db_readonly(db_, "main") == 1; }

std::string Database::file_problem() {
  if (pg_ || ino_ == 0)
    return "";  // an in-memory database, or the file could not be stat'ed at open
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return "database file " + path_.string() +
           " was deleted while open: writes are refused (restore it and "
           "restart; see docs/reliability.md)";
  }
  if (st.st_dev != dev_ || st.st_ino != ino_) {
    return "database file " + path_.string() +
           " was replaced by another file while open: writes are refused "
           "(restart to open the new file)";
  }
  const std::string wal = path_.string() + "-wal";
  if (::stat(wal.c_str(), &st) == 0) {
    if (wal_ino_ == 0) {
      wal_dev_ = st.st_dev;
      wal_ino_ = st.st_ino;
    } else if (st.st_dev != wal_dev_ || st.st_ino != wal_ino_) {
      return "write-ahead log " + wal + " was replaced while open: writes are refused (restart)";
    }
  } else if (wal_ino_ != 0) {
    return "write-ahead log " + wal + " was deleted while open: writes are refused (restart)";
  }
  return "";
}

void Database::check_file() {
  if (std::string p = file_problem(); !p.empty()) throw DatabaseError(SQLITE_CANTOPEN, p);
}

std::int64_t Database::last_insert_rowid() const {
  if (pg_) throw DatabaseError(SQLITE_MISUSE, "last_insert_rowid on PostgreSQL: use RETURNING");
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
  if (pg_) return static_cast<int>(pg_->changes);
  return sqlite3_changes(db_);
}

bool Database::checkpoint() {
  if (pg_) return true;  // the server checkpoints by itself
  int log = 0;
  int done = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  if (rc == SQLITE_BUSY) return false;
  if (rc != SQLITE_OK) throw_error(db_, rc, "checkpoint");
  return log == done;
}

Transaction::Transaction(Database& db) : db_(&db) {
  try {
    db.check_file();
    db.exec(db.engine() == Engine::postgresql ? "BEGIN" : "BEGIN IMMEDIATE");
  } catch (...) {
    db_ = nullptr;
    throw;
  }
}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
  if (db_ == nullptr) return;
  db_->exec("COMMIT");
  db_ = nullptr;
}

void Transaction::rollback() noexcept {
  if (db_ == nullptr) return;
  try {
    db_->exec("ROLLBACK");
  } catch (...) {
    // The transaction may already be rolled back by SQLite (e.g. after SQLITE_FULL); nothing to do.
  }
  db_ = nullptr;
}

}  // namespace bw::store
