// COPY ... FROM STDIN on PostgreSQL (Database::copy_in, copy_start/copy_finish): the bulk path of
// payments ingest (store/ledger.cpp) and of `budgetwatch migrate --from --to`
// (store/copy_database.cpp). The rows travel as COPY's text format through PQputCopyData, never as
// SQL text.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "store/database.h"
#include "store/postgres.h"

namespace bw::store {

namespace {

// Whether one of the 8 bytes of `w` is special to COPY's text format: a backslash, or below 0x0E
// (tab, newline and carriage return are; UTF-8's other bytes are not). Word-at-a-time tests: exact
// as a yes/no.
bool has_special(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const std::uint64_t bs = w ^ (ones * static_cast<unsigned char>('\\'));
  return (((bs - ones) & ~bs) | ((w - ones * 0x0E) & ~w)) & highs;
}

}  // namespace

// Runs without a special character are appended whole, found 8 bytes at a time (most fields have
// none): a character at a time, this was a sixth of the client's time in a payments COPY.
void copy_escape(std::string& out, std::string_view v) {
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v.size() - i >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, v.data() + i, 8);
      if (!has_special(w)) {
        i += 8;
        continue;
      }
    }
    const std::size_t end = std::min(v.size(), i + 8);
    for (; i < end; ++i) {
      const char c = v[i];
      if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
      out.append(v.data() + run, i - run);
      out += '\\';
      out += c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
      run = i + 1;
    }
  }
  out.append(v.data() + run, v.size() - run);
}

std::int64_t Database::copy_in(std::string_view copy_sql, std::string_view data) {
  copy_start(copy_sql, data);
  return copy_finish();
}

// The rows are queued in libpq's output buffer with the connection in non-blocking mode, so that
// the caller goes on (builds the next batch) while the server takes them: copy_pump() hands the
// socket what it accepts, copy_finish() sends the rest and waits for the COPY's result.
void Database::copy_start(std::string_view copy_sql, std::string_view data) {
  if (!pg_) throw DatabaseError(21 /* SQLITE_MISUSE */, "COPY is PostgreSQL only");
  pg_->settle_copy();
  pg_->deallocate_pending();
  pg_conn* c = pg_->conn;
  const std::string sql(copy_sql);
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) pg_->fail(r, "copy (" + sql.substr(0, 60) + ")");
  PQclear(r);
  pg_->copy_context = "copy (" + sql.substr(0, 60) + ")";
  pg_->copy_pending = true;
  pg_->copy_failed = PQsetnonblocking(c, 1) != 0;
  constexpr std::size_t chunk = 1 << 20;
  for (std::size_t off = 0; off < data.size() && !pg_->copy_failed; off += chunk) {
    const std::size_t n = std::min(chunk, data.size() - off);
    pg_->copy_failed = PQputCopyData(c, data.data() + off, static_cast<int>(n)) != 1;
  }
  // Without an error message the server takes the rows; with one it undoes the COPY (reported by
  // copy_finish).
  if (PQputCopyEnd(c, pg_->copy_failed ? "budgetwatch: sending the rows failed" : nullptr) != 1) {
    pg_->copy_failed = true;
  }
}

void Database::copy_pump() {
  if (pg_ && pg_->copy_pending)
    (void)PQflush(pg_->conn);  // 1: more to send later; -1: copy_finish reports it
}

bool Database::copy_in_flight() const { return pg_ && pg_->copy_pending; }

std::int64_t Database::copy_finish() {
  if (!pg_ || !pg_->copy_pending) throw DatabaseError(21 /* SQLITE_MISUSE */, "no COPY in flight");
  pg_conn* c = pg_->conn;
  // PQgetResult sends what is still queued, then waits; the COPY's own result, then nothing.
  PGresult* result = PQgetResult(c);
  for (PGresult* more = PQgetResult(c); more != nullptr; more = PQgetResult(c)) PQclear(more);
  const bool failed = pg_->copy_failed;
  pg_->copy_pending = false;
  pg_->copy_failed = false;
  (void)PQsetnonblocking(c, 0);  // everything was sent: back to blocking
  if (failed || PQresultStatus(result) != PGRES_COMMAND_OK) pg_->fail(result, pg_->copy_context);
  const std::int64_t rows = std::strtoll(PQcmdTuples(result), nullptr, 10);
  PQclear(result);
  pg_->changes = rows;
  return rows;
}

}  // namespace bw::store
