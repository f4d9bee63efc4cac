// The PostgreSQL side of store/database.h: one libpq connection and its prepared statements.
// Internal to store/ (database.cpp dispatches to it); nothing outside store/ includes this header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

struct pg_conn;
struct pg_result;

namespace bw::store::detail {

/// `?` → `$1, $2, ...` in order, `?NNN` → `$NNN`, outside string literals, quoted identifiers and
/// comments. Returns the highest parameter number in `params` and which numbers occur in `used`
/// (index 0 is parameter 1).
std::string to_dollar_params(std::string_view sql, int& params, std::vector<bool>& used);

struct PgConnection {
  pg_conn* conn = nullptr;
  std::string shown;         // the URI, redacted
  std::int64_t changes = 0;  // rows of the last INSERT/UPDATE/DELETE
  std::uint64_t next_name = 0;
  std::vector<std::string> to_deallocate;  // statements dropped inside a failed transaction
  bool copy_pending = false;  // a COPY sent by Database::copy_start whose result is not read yet
  bool copy_failed = false;   // and sending its rows failed
  std::string copy_context;   // its statement, for the error message

  explicit PgConnection(const std::string& uri);  ///< throws DatabaseError
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs SQL without parameters (one or more statements). Throws DatabaseError.
  void exec(std::string_view sql);
  /// Throws DatabaseError built from a failed result (cleared here) or the connection's error.
  [[noreturn]] void fail(pg_result* r, std::string_view context) const;
  void deallocate(const std::string& name);
  /// False once libpq saw the connection break (server restarted, failover, network): the owner
  /// opens a new one (issue 15: a restart is a degraded period, not the end).
  bool connected() const;
  void deallocate_pending();
  /// A COPY left in flight (an ingest given up half-way): its result is read and dropped, so that
  /// the next command (ROLLBACK) can run. A failed COPY fails its transaction anyway.
  void settle_copy();
};

struct PgStatement {
  PgConnection* conn;
  std::string name;
  std::string sql;  // as given, for error messages
  int params = 0;
  std::vector<std::string> values;
  std::vector<char> is_null;
  pg_result* result = nullptr;
  int row = -1;
  int rows = 0;

  PgStatement(PgConnection* c, std::string_view text);  ///< prepares; throws DatabaseError
  ~PgStatement();
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  void set(int i, std::string v);
  void set_null(int i);
  bool step();
  void reset();
  const char* value(int i) const;
  bool null(int i) const;
};

}  // namespace bw::store::detail
