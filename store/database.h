// RAII over two engines behind one interface: Database (one connection), Statement (prepared,
// bind/step), Transaction (rolls back unless committed). The engine is chosen by the database
// setting: a file path is SQLite (embedded, WAL, busy timeout; the default), a `postgresql://` or
// `postgres://` URI is PostgreSQL through libpq (prepared statements only; `?` and `?NNN`
// parameters become `$N` at prepare time). The only place that sees sqlite3.h or libpq-fe.h is
// store/*.cpp. Every failure throws DatabaseError (STYLE §4: infrastructure). A PostgreSQL URI is
// shown only redacted (redact_uri): its password never reaches a log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace bw::store {

/// The engine behind a Database.
enum class Engine { sqlite, postgresql };

/// True for a `postgresql://` or `postgres://` URI (the database is a PostgreSQL server, not a
/// file).
bool is_server_uri(std::string_view database);
/// The URI with its password (user:PASSWORD@, password=...) replaced by `***`; other text
/// unchanged.
std::string redact_uri(std::string_view database);

/// The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (what SQLite's strftime('%Y-%m-%dT%H:%M:%SZ',
/// 'now') gives), bound as a value: the engines' SQL clock functions differ.
std::string utc_now_iso();
/// Unix seconds of "YYYY-MM-DDTHH:MM:SS" (UTC; a trailing Z or fraction ignored); nullopt when
/// malformed.
std::optional<std::int64_t> parse_utc_iso(std::string_view text);

namespace detail {
struct PgConnection;
struct PgStatement;
}  // namespace detail

/// A database failure (disk full, corrupt file, locked past the busy timeout, SQL error). Caught
/// once at a task boundary, logged and counted.
class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(int code, const std::string& what, std::string sqlstate = {})
      : std::runtime_error(what), code_(code), sqlstate_(std::move(sqlstate)) {}
  /// The SQLite result code (SQLITE_BUSY, SQLITE_FULL, ...); on PostgreSQL SQLITE_ERROR (1), or
  /// SQLITE_CANTOPEN (14) when the server cannot be reached.
  int code() const { return code_; }
  /// PostgreSQL's SQLSTATE ("23505", "40001", ...); "" on SQLite.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  int code_;
  std::string sqlstate_;
};

/// A prepared statement. Move-only. Parameters are 1-based, columns 0-based (as in SQLite).
/// Text bound as std::string_view is NOT copied by SQLite: it must stay valid until step()/reset().
/// On PostgreSQL the statement is executed at the first step() (all rows are fetched then); values
/// are sent as text and typed by the server from their place in the statement.
class Statement {
 public:
  Statement();
  Statement(sqlite3* db, std::string_view sql);                 ///< throws DatabaseError
  Statement(detail::PgConnection* conn, std::string_view sql);  ///< throws DatabaseError
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  /// A temporary string (`bind(1, to_iso(d))`) is copied by SQLite: it is gone before step() runs.
  Statement& bind(int i, std::string&& v);
  Statement& bind_null(int i);
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  template <class T>
  Statement& bind(int i, std::optional<T>&& v) {
    return v ? bind(i, std::move(*v)) : bind_null(i);
  }

  /// Advances; true when a row is available. Throws DatabaseError on failure.
  bool step();
  /// Runs a statement that returns no rows, then resets it (bindings kept).
  void run();
  /// Resets for re-execution (bindings kept).
  void reset();

  std::int64_t column_int(int i) const;
  double column_double(int i) const;
  /// Valid until the next step()/reset().
  std::string_view column_text(int i) const;
  std::string column_string(int i) const { return std::string(column_text(i)); }
  bool column_is_null(int i) const;

 private:
  void check(int rc) const;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::unique_ptr<detail::PgStatement> pg_;  // set on PostgreSQL (stmt_ is then null)
};

/// Options for opening a database (the SQLite ones are ignored on PostgreSQL).
struct OpenOptions {
  bool read_only = false;
  bool create = true;          ///< create the file when missing (not with read_only)
  int busy_timeout_ms = 5000;  ///< wait this long for a lock before SQLITE_BUSY
  /// Let SQLite checkpoint the WAL after each commit once it exceeds 1000 pages (its default). Bulk
  /// writers turn this off and call Database::checkpoint() when idle: a checkpoint copies every
  /// page written, so inside a 1M-row ingest it costs ~1 s.
  bool auto_checkpoint = true;
  /// Page cache of the connection, KiB (64 MiB: a 1M-row ingest keeps its B-tree paths in memory).
  int cache_kib = 64 << 10;
};

/// One connection. Not thread-safe: one thread (or strand) at a time; libpq's calls block, so a
/// PostgreSQL connection lives on a database thread (daemon/database_threads.h) like a SQLite one.
/// Move-only. SQLite: opening sets WAL journaling, synchronous=NORMAL, foreign keys on and the busy
/// timeout. PostgreSQL: libpq reads the password from the URI's passfile, PGPASSFILE, ~/.pgpass or
/// PGPASSWORD, and sslmode (and sslrootcert, ...) from the URI; the session's client encoding is
/// UTF-8.
class Database {
 public:
  /// Opens (and creates) the file, or connects to the server of a `postgresql://` URI. Throws
  /// DatabaseError.
  static Database open(const std::filesystem::path& path, const OpenOptions& o = {});
  ~Database();
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs one or more statements without results. Throws DatabaseError.
  void exec(std::string_view sql);
  /// A new prepared statement.
  Statement prepare(std::string_view sql);
  /// A prepared statement cached by its SQL text for the connection's lifetime (reset before
  /// returning).
  Statement& cached(std::string_view sql);
  /// SQLite only (use RETURNING, which both engines have); throws DatabaseError on PostgreSQL.
  std::int64_t last_insert_rowid() const;
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const;
  /// Copies the WAL into the database file and truncates it (PRAGMA wal_checkpoint(TRUNCATE));
  /// waits for readers up to the busy timeout. Returns false when readers kept part of the WAL in
  /// use.
  bool checkpoint();
  /// The file this connection opened; for PostgreSQL the URI with its password redacted.
  const std::filesystem::path& path() const { return path_; }
  Engine engine() const { return pg_ ? Engine::postgresql : Engine::sqlite; }
  /// True when SQLite opened the file read-only (no write permission at open time): writes fail
  /// with SQLITE_READONLY until the connection is opened again.
  bool read_only() const;
  /// Throws DatabaseError (SQLITE_CANTOPEN) when the file this connection opened — or its
  /// write-ahead log — was deleted or replaced by another file since (device and inode differ):
  /// SQLite would go on writing to the unlinked file and every write would be lost at close.
  /// Transaction calls it before BEGIN, so no write is acknowledged on a deleted database. A stat()
  /// or two: cheap.
  void check_file();
  /// The same as a message ("" when the file is still the one opened), for health checks.
  std::string file_problem();
  /// PostgreSQL: false once the connection broke (the server restarted or failed over): open a new
  /// Database. SQLite: true.
  bool connected() const;
  /// The SQLite handle (null on PostgreSQL).
  sqlite3* handle() const { return db_; }
  /// PostgreSQL only (throws DatabaseError on SQLite): runs `copy_sql`, a fixed `COPY table
  /// (columns) FROM STDIN` statement, and sends `data` in COPY's text format (tab-separated, `\N`
  /// for NULL, backslash escapes: copy_escape) with PQputCopyData. The data is never SQL text.
  /// Returns the rows copied. store/pg_copy.cpp.
  std::int64_t copy_in(std::string_view copy_sql, std::string_view data);
  /// copy_in in two halves, so that the caller works while the server takes the rows: copy_start
  /// runs the COPY and queues `data` (it returns once the server is ready for rows, without waiting
  /// for them to be sent); copy_finish sends what is still queued, waits and returns the rows
  /// copied (throws DatabaseError as copy_in does). In between, only copy_pump (hands the socket
  /// what it takes now; call it often) and copy_in_flight; any other command on the connection
  /// first drops the COPY's result (an ingest given up half-way: its ROLLBACK).
  void copy_start(std::string_view copy_sql, std::string_view data);
  void copy_pump();
  std::int64_t copy_finish();
  bool copy_in_flight() const;

 private:
  Database();
  void close() noexcept;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  // The identity of the opened file and of its WAL (0: not known yet), for check_file().
  std::uint64_t dev_ = 0, ino_ = 0, wal_dev_ = 0, wal_ino_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::unique_ptr<detail::PgConnection> pg_;  // set on PostgreSQL (db_ is then null)
};

/// Appends `v` to `out` escaped for COPY's text format (backslash, tab, newline, carriage return).
void copy_escape(std::string& out, std::string_view v);

/// BEGIN IMMEDIATE … COMMIT (PostgreSQL: BEGIN … COMMIT); rolls back in the destructor unless
/// commit() ran. Move-only. Checks first that the database file is still the one opened
/// (Database::check_file).
class Transaction {
 public:
  explicit Transaction(Database& db);  ///< throws DatabaseError (e.g. SQLITE_BUSY past the timeout)
  ~Transaction();
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  void rollback() noexcept;

 private:
  Database* db_;
};

}  // namespace bw::store
