#include "daemon/migrate_cli.h"

#include <filesystem>
#include <optional>
#include <system_error>

#include "daemon/args.h"
#include "daemon/cli.h"
#include "store/copy_database.h"
#include "store/database.h"
#include "store/migrations.h"

namespace bw::daemon {

bool is_migrate_copy(const std::vector<std::string>& argv) {
  for (const std::string& a : argv) {
    if (a == "--from" || a == "--to" || a.rfind("--from=", 0) == 0 || a.rfind("--to=", 0) == 0)
      return true;
  }
  return false;
}

int cmd_migrate_copy(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  constexpr const char* usage =
      "usage: budgetwatch migrate --from FILE.db --to postgresql://user@host:port/db\n";
  auto args = Args::parse(argv, {"from", "to"}, {});
  if (!args || !args->get("from") || !args->get("to") || !args->positionals().empty()) {
    err << "budgetwatch migrate: "
        << (args ? "needs --from FILE.db and --to postgresql://..." : args.error().message) << "\n"
        << usage;
    return exit_usage;
  }
  const std::string from_path = *args->get("from");
  const std::string to_uri = *args->get("to");
  const std::string shown = store::redact_uri(to_uri);
  if (store::is_server_uri(from_path)) {
    err << "budgetwatch migrate: --from is a SQLite database file, not a server URI\n";
    return exit_usage;
  }
  if (!store::is_server_uri(to_uri)) {
    err << "budgetwatch migrate: --to must be a postgresql:// URI, not '" << shown << "'\n";
    return exit_usage;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from_path, ec)) {
    err << "budgetwatch migrate: " << from_path << ": no such database file; nothing was copied\n";
    return exit_failure;
  }
  std::optional<store::Database> from;
  try {
    store::OpenOptions o;
    o.read_only = true;
    o.create = false;
    from.emplace(store::Database::open(from_path, o));
    const std::string check = store::quick_check(*from);
    if (check != "ok") {
      err << "budgetwatch migrate: " << from_path << " is damaged (" << check
          << "); nothing was copied: restore it from a backup first\n";
      return exit_failure;
    }
    store::schema_version(*from);
  } catch (const store::DatabaseError& e) {
    err << "budgetwatch migrate: " << from_path
        << " cannot be read as a budgetwatch SQLite database (" << e.what()
        << "); nothing was copied\n";
    return exit_failure;
  }
  out << "copying " << from_path << " into " << shown << "\n";
  store::Database to = store::Database::open(to_uri);
  auto r = store::copy_database(*from, to);
  if (!r) {
    err << "budgetwatch migrate: " << r.error().message << "\n";
    return exit_failure;
  }
  out << r->table();
  for (const std::string& s : r->skipped) out << "not copied: " << s << "\n";
  if (!r->ok()) {
    err << "budgetwatch migrate: the copy does not match the source (MISMATCH above): rolled back, "
           "nothing was "
           "copied\n";
    return exit_failure;
  }
  out << "copied " << store::copied_tables().size() << " tables from " << from_path << " into "
      << shown << ": row counts and money sums equal\n";
  return exit_ok;
}

}  // namespace bw::daemon
