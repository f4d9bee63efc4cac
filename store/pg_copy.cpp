// COPY ... FROM STDIN on PostgreSQL (Database::copy_in): the bulk path of payments ingest
// (store/ledger.cpp) and of `budgetwatch migrate --from --to` (store/copy_database.cpp). The rows
// travel as COPY's text format through PQputCopyData, never as SQL text.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "store/database.h"
#include "store/postgres.h"

namespace bw::store {

void copy_escape(std::string& out, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::int64_t Database::copy_in(std::string_view copy_sql, std::string_view data) {
  if (!pg_) throw DatabaseError(21 /* SQLITE_MISUSE */, "COPY is PostgreSQL only");
  pg_->deallocate_pending();
  pg_conn* c = pg_->conn;
  const std::string sql(copy_sql);
  const std::string context = "copy (" + sql.substr(0, 60) + ")";
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) pg_->fail(r, context);
  PQclear(r);
  constexpr std::size_t chunk = 1 << 20;
  bool sent = true;
  for (std::size_t off = 0; off < data.size() && sent; off += chunk) {
    const std::size_t n = std::min(chunk, data.size() - off);
    sent = PQputCopyData(c, data.data() + off, static_cast<int>(n)) == 1;
  }
  const bool ended = PQputCopyEnd(c, sent ? nullptr : "budgetwatch: sending the rows failed") == 1;
  // The COPY's own result, then nothing: every result is read before the next command.
  PGresult* result = PQgetResult(c);
  for (PGresult* more = PQgetResult(c); more != nullptr; more = PQgetResult(c)) PQclear(more);
  if (!ended || PQresultStatus(result) != PGRES_COMMAND_OK) pg_->fail(result, context);
  const std::int64_t rows = std::strtoll(PQcmdTuples(result), nullptr, 10);
  PQclear(result);
  pg_->changes = rows;
  return rows;
}

}  // namespace bw::store
