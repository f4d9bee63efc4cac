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
    db.exec(m.sql);
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    txn.commit();
    version = m.version;
  }
  return version;
}

}  // namespace bw::store
