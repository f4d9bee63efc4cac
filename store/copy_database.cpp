#include "store/copy_database.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "store/migrations.h"

namespace bw::store {
namespace {

// Every table the migrations create, in copy order, and the tables deliberately not copied. A new
// migration's table must be added here: until then `migrate --from` refuses to run.
struct KnownTable {
  const char* name;
  const char* skip_reason;  // null: copied
};
constexpr KnownTable known_tables[] = {
    {"files", nullptr},  // first: the ledger's other tables refer to it
    {"failed_files", nullptr},
    {"rejects", nullptr},
    {"reject_counts", nullptr},
    {"file_reapplications", nullptr},
    {"budget_lines", nullptr},
    {"budget_line_versions", nullptr},
    {"adjustments", nullptr},
    {"payments", nullptr},
    {"paid_by_year", nullptr},
    {"indicators", nullptr},
    {"indicator_actuals", nullptr},
    {"owner_notes", nullptr},
    {"alerts", nullptr},
    {"alert_groups", nullptr},
    {"alert_group_members", nullptr},
    {"outbox", nullptr},
    {"silences", nullptr},
    {"leases", "the daemons' alert lease: the target's daemons take it when they start"},
    {"bw_schema_version", "the target's own schema version, written by its migrations"},
};

const KnownTable* find_known(const std::string& name) {
  for (const KnownTable& t : known_tables) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

// Identifiers come from the two databases' own catalogues and must be plain lower-case names; each
// is double-quoted where it is written into a statement. Values never are: they are bound or sent
// as COPY data.
bool plain_identifier(const std::string& s) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

std::vector<std::string> sqlite_tables(Database& db) {
  std::vector<std::string> out;
  Statement st = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
      "'\\'"
      " ORDER BY name");
  while (st.step()) out.push_back(st.column_string(0));
  return out;
}

std::vector<std::string> pg_tables(Database& db) {
  std::vector<std::string> out;
  Statement st = db.prepare(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
      " AND table_type = 'BASE TABLE' ORDER BY table_name");
  while (st.step()) out.push_back(st.column_string(0));
  return out;
}

std::vector<std::string> sqlite_columns(Database& db, const std::string& table) {
  std::vector<std::string> out;
  Statement st = db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  st.bind(1, table);
  while (st.step()) out.push_back(st.column_string(0));
  return out;
}

struct PgColumn {
  std::string name;
  bool identity = false;
};

std::vector<PgColumn> pg_columns(Database& db, const std::string& table) {
  std::vector<PgColumn> out;
  Statement st = db.prepare(
      "SELECT column_name, is_identity FROM information_schema.columns WHERE table_schema = "
      "current_schema()"
      " AND table_name = ? ORDER BY ordinal_position");
  st.bind(1, table);
  while (st.step()) out.push_back({st.column_string(0), st.column_text(1) == "YES"});
  return out;
}

// How one table is read from SQLite and written to PostgreSQL.
struct TablePlan {
  std::string name;
  std::vector<PgColumn> columns;   // PostgreSQL's order
  std::vector<std::string> money;  // *_fen columns
  std::string select_sql;          // on SQLite
  std::string copy_sql;            // on PostgreSQL
  std::string count_sql;           // both: count(*) and the money sums
};

tl::unexpected<Error> column_problem(const std::string& table, const std::string& column,
                                     const char* what) {
  return fail(Errc::invalid_input, "column " + table + "." + column + " " + what);
}

Result<TablePlan> plan_table(Database& from, Database& to, const std::string& name) {
  TablePlan p;
  p.name = name;
  p.columns = pg_columns(to, name);
  const std::vector<std::string> src = sqlite_columns(from, name);
  if (!plain_identifier(name))
    return fail(Errc::invalid_input, "table name '" + name + "' is not a plain name");
  std::set<std::string> pg_names;
  std::string select_list;
  std::string copy_list;
  std::string sums;
  for (const PgColumn& c : p.columns) {
    if (!plain_identifier(c.name)) {
      return column_problem(name, c.name, "is not a plain name");
    }
    pg_names.insert(c.name);
    const bool in_sqlite = std::find(src.begin(), src.end(), c.name) != src.end();
    // SQLite keeps budget_lines' register order in its implicit rowid; PostgreSQL in a column of
    // that name (store/migrations/0001_init.postgresql.sql).
    if (!in_sqlite && c.name != "rowid") {
      return column_problem(name, c.name, "is in the PostgreSQL schema but not in the SQLite file");
    }
    select_list += select_list.empty() ? "" : ", ";
    select_list += quoted(c.name);
    copy_list += copy_list.empty() ? "" : ", ";
    copy_list += quoted(c.name);
    if (c.name.size() > 4 && c.name.compare(c.name.size() - 4, 4, "_fen") == 0) {
      p.money.push_back(c.name);
      sums += ", coalesce(sum(";
      sums += quoted(c.name);
      sums += "), 0)";
    }
  }
  for (const std::string& c : src) {
    if (!pg_names.contains(c)) {
      return column_problem(name, c, "is in the SQLite file but not in the PostgreSQL schema");
    }
  }
  if (p.columns.empty())
    return fail(Errc::invalid_input, "table " + name + " has no columns in PostgreSQL");
  p.select_sql = "SELECT " + select_list + " FROM " + quoted(name);
  p.copy_sql = "COPY " + quoted(name) + " (" + copy_list + ") FROM STDIN";
  p.count_sql = "SELECT count(*)" + sums + " FROM " + quoted(name);
  return p;
}

// The rows of one table into PostgreSQL, in COPY batches of about 8 MiB. Returns the largest value
// of each identity column.
std::map<std::string, std::int64_t> copy_rows(Database& from, Database& to, const TablePlan& p) {
  std::map<std::string, std::int64_t> max_identity;
  const std::string& select_sql = p.select_sql;
  const std::string& copy_sql = p.copy_sql;
  Statement st = from.prepare(select_sql);
  std::string data;
  constexpr std::size_t batch_bytes = 8 << 20;
  const int n = static_cast<int>(p.columns.size());
  while (st.step()) {
    for (int i = 0; i < n; ++i) {
      if (i > 0) data += '\t';
      if (st.column_is_null(i)) {
        data += "\\N";
        continue;
      }
      copy_escape(data, st.column_text(i));
      const PgColumn& c = p.columns[static_cast<std::size_t>(i)];
      if (c.identity) {
        std::int64_t& m = max_identity[c.name];
        m = std::max(m, st.column_int(i));
      }
    }
    data += '\n';
    if (data.size() >= batch_bytes) {
      to.copy_in(copy_sql, data);
      data.clear();
    }
  }
  if (!data.empty()) to.copy_in(copy_sql, data);
  return max_identity;
}

std::vector<std::string> figures(Database& db, const TablePlan& p) {
  const std::string& count_sql = p.count_sql;
  Statement st = db.prepare(count_sql);
  std::vector<std::string> out;
  if (!st.step()) return out;
  for (std::size_t i = 0; i <= p.money.size(); ++i)
    out.push_back(st.column_string(static_cast<int>(i)));
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    out += out.empty() ? "" : ", ";
    out += s;
  }
  return out;
}

}  // namespace

bool CopyReport::ok() const {
  return committed &&
         std::all_of(checks.begin(), checks.end(), [](const CopyCheck& c) { return c.ok(); });
}

std::string CopyReport::table() const {
  std::size_t w_table = 5;
  std::size_t w_what = 4;
  std::size_t w_src = 6;
  std::size_t w_dst = 10;
  for (const CopyCheck& c : checks) {
    w_table = std::max(w_table, c.table.size());
    w_what = std::max(w_what, c.what.size());
    w_src = std::max(w_src, c.source.size());
    w_dst = std::max(w_dst, c.target.size());
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& s,
                 const std::string& d, const std::string& ok) {
    std::string line = a;
    line.append(w_table - a.size() + 2, ' ').append(b).append(w_what - b.size() + 2, ' ');
    line.append(w_src - s.size(), ' ').append(s).append(2, ' ');
    line.append(w_dst - d.size(), ' ').append(d).append(2, ' ').append(ok).append(1, '\n');
    return line;
  };
  std::string out = row("table", "what", "SQLite", "PostgreSQL", "check");
  for (const CopyCheck& c : checks)
    out += row(c.table, c.what, c.source, c.target, c.ok() ? "ok" : "MISMATCH");
  return out;
}

const std::vector<std::string>& copied_tables() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const KnownTable& t : known_tables) {
      if (t.skip_reason == nullptr) v.emplace_back(t.name);
    }
    return v;
  }();
  return names;
}

Result<CopyReport> copy_database(Database& from, Database& to) {
  if (from.engine() != Engine::sqlite)
    return fail(Errc::invalid_input, "--from must be a SQLite database file");
  if (to.engine() != Engine::postgresql) {
    return fail(Errc::invalid_input,
                "--to must be a postgresql:// URI (the copy goes from SQLite to PostgreSQL)");
  }
  const int newest = embedded_migrations().empty() ? 0 : embedded_migrations().back().version;
  const int from_version = schema_version(from);
  if (from_version != newest) {
    return fail(
        Errc::invalid_input,
        from.path().string() + " has schema version " + std::to_string(from_version) +
            (from_version < newest ? ", older than this budgetwatch's " + std::to_string(newest) +
                                         ": run `budgetwatch migrate --db " + from.path().string() +
                                         "` (or start its daemon once) first"
                                   : ", newer than this budgetwatch's " + std::to_string(newest) +
                                         ": use the budgetwatch that wrote it"));
  }
  migrate(to);  // a no-op (reads only) when the owner role has migrated it already
  if (const int v = schema_version(to); v != newest) {
    return fail(Errc::invalid_input, "the target has schema version " + std::to_string(v) +
                                         ", not " + std::to_string(newest));
  }

  // One read transaction on SQLite: the tables as of one moment, even beside a running daemon.
  from.exec("BEGIN");
  struct EndRead {
    Database& db;
    ~EndRead() {
      try {
        db.exec("ROLLBACK");
      } catch (...) {  // nothing was written: nothing to undo
      }
    }
  } end_read{from};

  // Every table on either side must be known: copied, or skipped for a stated reason.
  std::vector<std::string> unknown;
  const std::vector<std::string> src_tables = sqlite_tables(from);
  const std::vector<std::string> dst_tables = pg_tables(to);
  for (const std::string& t : src_tables) {
    if (find_known(t) == nullptr) unknown.push_back(t + " (in the SQLite file)");
  }
  for (const std::string& t : dst_tables) {
    if (find_known(t) == nullptr) unknown.push_back(t + " (in PostgreSQL)");
  }
  if (!unknown.empty()) {
    return fail(Errc::invalid_input,
                "tables unknown to the copier: " + join(unknown) +
                    "; nothing was copied (a budgetwatch that knows them must copy them)");
  }
  CopyReport report;
  for (const KnownTable& t : known_tables) {
    if (t.skip_reason != nullptr)
      report.skipped.push_back(std::string(t.name) + ": " + t.skip_reason);
  }
  std::vector<TablePlan> plans;
  for (const std::string& name : copied_tables()) {
    const bool in_src = std::find(src_tables.begin(), src_tables.end(), name) != src_tables.end();
    const bool in_dst = std::find(dst_tables.begin(), dst_tables.end(), name) != dst_tables.end();
    if (!in_src || !in_dst) {
      return fail(Errc::invalid_input,
                  "table " + name + " is missing from " +
                      (in_src ? std::string("PostgreSQL") : std::string("the SQLite file")));
    }
    auto p = plan_table(from, to, name);
    if (!p) return tl::unexpected(p.error());
    plans.push_back(std::move(*p));
  }

  Transaction txn(to);
  // Into an empty database only: a copy never merges with rows already there.
  std::vector<std::string> not_empty;
  for (const TablePlan& p : plans) {
    const std::vector<std::string> f = figures(to, p);
    if (!f.empty() && f[0] != "0") not_empty.push_back(p.name + " (" + f[0] + " rows)");
  }
  if (!not_empty.empty()) {
    return fail(Errc::conflict,
                "the target database is not empty: " + join(not_empty) +
                    "; migrate copies into an empty database only (create a new one, or drop "
                    "and recreate this one), nothing was copied");
  }
  for (const TablePlan& p : plans) {
    const std::map<std::string, std::int64_t> max_identity = copy_rows(from, to, p);
    // The next rows the daemon inserts are numbered after the copied ids.
    for (const PgColumn& c : p.columns) {
      if (!c.identity) continue;
      const auto it = max_identity.find(c.name);
      Statement st = to.prepare("SELECT setval(pg_get_serial_sequence(?, ?), ?, false)");
      st.bind(1, p.name).bind(2, c.name).bind(
          3, it == max_identity.end() ? std::int64_t{1} : it->second + 1);
      st.step();
    }
  }
  // The latest payment date of the files an earlier release recorded on SQLite (migration 0008
  // leaves it NULL there; PostgreSQL reads it from files: store/inputs.cpp, latest_payment_date).
  to.exec(
      "UPDATE files SET max_pay_date = m.max_pay_date"
      " FROM (SELECT file_id, max(pay_date) AS max_pay_date FROM payments GROUP BY file_id) AS m"
      " WHERE m.file_id = files.id AND files.max_pay_date IS NULL");
  // The check: each table's rows and money sums, read back on both sides before COMMIT.
  for (const TablePlan& p : plans) {
    const std::vector<std::string> a = figures(from, p);
    const std::vector<std::string> b = figures(to, p);
    for (std::size_t i = 0; i <= p.money.size(); ++i) {
      report.checks.push_back({p.name, i == 0 ? "rows" : p.money[i - 1], i < a.size() ? a[i] : "?",
                               i < b.size() ? b[i] : "?"});
    }
  }
  if (std::all_of(report.checks.begin(), report.checks.end(),
                  [](const CopyCheck& c) { return c.ok(); })) {
    txn.commit();
    report.committed = true;
  }
  return report;
}

}  // namespace bw::store
