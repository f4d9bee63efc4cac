// `budgetwatch migrate --from FILE.db --to postgresql://...`: the growth path from the embedded
// SQLite file to a PostgreSQL server (store/copy_database.h). Called by daemon/cli.cpp's `migrate`
// when --from or --to is given.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bw::daemon {

/// True when `migrate`'s arguments ask for a copy (--from or --to), not a schema upgrade (--db).
bool is_migrate_copy(const std::vector<std::string>& argv);

/// Runs `budgetwatch migrate --from FILE.db --to URI` (argv without the word "migrate"). Prints the
/// source and the target (its password as `***`), then the verification table (rows and money sums
/// per table on both sides). Exit codes (daemon/cli.h): 0 when copied and verified; 1 when the
/// source is missing, damaged or not a budgetwatch database, the target is not empty or
/// unreachable, a table is unknown to the copier, or a check failed (the copy is then rolled
/// back); 2 usage.
int cmd_migrate_copy(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace bw::daemon
