// The schema migrations compiled into the binary (store/migrations/NNNN_*.sql, embedded by
// cmake/embed_sql.cmake) and the function that applies them.
#pragma once

#include <string>
#include <vector>

namespace bw::store {

class Database;

/// One numbered migration: version N takes a database from user_version N-1 to N.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

/// All migrations, ascending by version (generated code).
const std::vector<Migration>& embedded_migrations();

/// Applies the migrations the database has not seen (PRAGMA user_version), each in its own transaction.
/// Returns the resulting version. Throws DatabaseError, or std::runtime_error when the file was written by a
/// newer budgetwatch (user_version above the newest known migration).
int migrate(Database& db);

/// The schema version of an open database (PRAGMA user_version).
int schema_version(Database& db);

/// PRAGMA quick_check: "ok", or its first problems joined with "; " (damage to the file's pages, found
/// before the first write runs into it), or the error that stopped the check (a page too damaged to walk).
std::string quick_check(Database& db);

}  // namespace bw::store
