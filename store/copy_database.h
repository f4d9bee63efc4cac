// `budgetwatch migrate --from FILE.db --to postgresql://...`: copies a SQLite deployment into an
// empty PostgreSQL database in one transaction (ids kept, identity counters moved past them) and
// verifies the copy: row counts and money sums (every `*_fen` column) per table on both sides.
// Every table the migrations create is known here; a table the copier does not know, on either
// side, stops it before anything is written (a future migration's table is never left behind).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "store/database.h"

namespace bw::store {

/// One figure of one table on both sides: its rows ("rows") or the sum of a money column.
struct CopyCheck {
  std::string table;
  std::string what;  ///< "rows" or the column, e.g. "amount_fen"
  std::string source;
  std::string target;
  bool ok() const { return source == target; }
};

struct CopyReport {
  std::vector<CopyCheck> checks;     ///< in copy order: each table's rows, then its money columns
  std::vector<std::string> skipped;  ///< tables not copied, with why ("bw_schema_version: ...")
  bool committed = false;            ///< false: a check failed and the copy was rolled back
  bool ok() const;
  /// The checks as an aligned text table (table, what, SQLite, PostgreSQL, ok|MISMATCH).
  std::string table() const;
};

/// The tables a copy knows, in copy order (files first: the others refer to it).
const std::vector<std::string>& copied_tables();

/// Copies `from` (a SQLite database at the newest schema version, read in one read transaction)
/// into `to` (a PostgreSQL database, migrated here when it is not yet): in one transaction, refused
/// (Errc::conflict) when any copied table of `to` holds a row. Errc::invalid_input: a schema
/// version other than this budgetwatch's, a table or column unknown to the copier or different on
/// the two sides, `from` not SQLite or `to` not PostgreSQL. Committed only when every check
/// holds. Throws DatabaseError.
Result<CopyReport> copy_database(Database& from, Database& to);

}  // namespace bw::store
