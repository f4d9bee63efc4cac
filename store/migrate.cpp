#include <stdexcept>
#include <string>

#include "store/database.h"
#include "store/migrations.h"

namespace bw::store {

int schema_version(Database& db) {
  Statement st = db.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.column_int(0));
}

std::string quick_check(Database& db) {
  std::string out;
  try {
    Statement st = db.prepare("PRAGMA quick_check(5)");
    while (st.step()) {
      if (!out.empty()) out += "; ";
      out += st.column_text(0);
    }
  } catch (const DatabaseError& e) {
    // A page too damaged to walk ends the check itself ("database disk image is malformed").
    if ((e.code() & 0xFF) != 11 /* SQLITE_CORRUPT */ && (e.code() & 0xFF) != 26 /* SQLITE_NOTADB */) throw;
    if (!out.empty()) out += "; ";
    out += e.what();
  }
  return out.empty() ? "no answer" : out;
}

int migrate(Database& db) {
  int version = schema_version(db);
  const auto& all = embedded_migrations();
  const int newest = all.empty() ? 0 : all.back().version;
  if (version > newest) {
    throw std::runtime_error("database " + db.path().string() + " has schema version " +
                             std::to_string(version) + ", newer than this budgetwatch (" +
                             std::to_string(newest) + "); upgrade budgetwatch");
  }
  for (const Migration& m : all) {
    if (m.version <= version) continue;
    Transaction txn(db);
    // Another process may have applied it between our read and our write lock (two daemons started
    // together, a CLI beside the daemon): read the version again under the lock, so each migration is
    // applied once and atomically.
    version = schema_version(db);
    if (m.version <= version) continue;
    db.exec(m.sql);
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    txn.commit();
    version = m.version;
  }
  return version;
}

}  // namespace bw::store
