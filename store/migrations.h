// The schema migrations compiled into the binary (store/migrations/NNNN_*.sql, embedded by
// cmake/embed_sql.cmake) and the function that applies them, on SQLite or PostgreSQL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace bw::store {

class Database;

/// One numbered migration: version N takes a database from schema version N-1 to N.
struct Migration {
  int version;
  const char* name;
  const char* sql;  ///< portable SQL (as SQLite runs it)
  const char*
      postgresql_sql;  ///< NNNN_name.postgresql.sql when the portable text cannot serve; else null
};

/// All migrations, ascending by version (generated code).
const std::vector<Migration>& embedded_migrations();

/// The PostgreSQL text of a migration's SQL: the one dialect hook. Column types become PostgreSQL's
/// (`INTEGER PRIMARY KEY` an identity column, INTEGER BIGINT since SQLite's integers are 64-bit,
/// TEXT `TEXT COLLATE "C"` so that text sorts by code point as in SQLite) and `WITHOUT ROWID` goes.
std::string postgresql_dialect(std::string_view sql);

/// Applies the migrations the database has not seen, each in its own transaction. Returns the
/// resulting version. The version is PRAGMA user_version on SQLite, the table bw_schema_version on
/// PostgreSQL. Throws DatabaseError, or std::runtime_error when the database was written by a newer
/// budgetwatch (version above the newest known migration). `up_to` stops after that version (tests
/// of an upgrade: a database as an earlier release left it).
int migrate(Database& db, int up_to = 1 << 30);

/// The schema version of an open database (0: empty).
int schema_version(Database& db);

/// SQLite: PRAGMA quick_check: "ok", or its first problems joined with "; " (damage to the file's
/// pages, found before the first write runs into it), or the error that stopped the check (a page
/// too damaged to walk). PostgreSQL: "ok" (the server checks its own pages).
std::string quick_check(Database& db);
/// SQLite: makes the statement running on `handle`'s connection (a quick_check on another thread)
/// stop with SQLITE_INTERRUPT. Any thread, while that connection is open.
void interrupt(sqlite3* handle);

}  // namespace bw::store
