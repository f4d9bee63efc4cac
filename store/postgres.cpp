#include "store/postgres.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace bw::store::detail {
namespace {

constexpr int code_error = 1;      // SQLITE_ERROR
constexpr int code_cantopen = 14;  // SQLITE_CANTOPEN: the server is gone

void quiet_notices(void* /*arg*/, const char* /*message*/) {}

std::string trimmed(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string to_dollar_params(std::string_view sql, int& params, std::vector<bool>& used) {
  std::string out;
  out.reserve(sql.size() + 16);
  params = 0;
  used.clear();
  auto note = [&](int n) {
    if (n > params) params = n;
    if (used.size() < static_cast<std::size_t>(n)) used.resize(static_cast<std::size_t>(n), false);
    used[static_cast<std::size_t>(n) - 1] = true;
  };
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' ||
        c == '"') {  // a literal or quoted identifier ('' and "" inside just restart it)
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t end = sql.find("*/", i + 2);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      std::size_t j = i + 1;
      while (j < sql.size() && is_digit(sql[j])) ++j;
      // A bare ? takes the number after the largest so far (as SQLite numbers them).
      const int n =
          j > i + 1 ? std::atoi(std::string(sql.substr(i + 1, j - i - 1)).c_str()) : params + 1;
      note(n);
      out += '$';
      out += std::to_string(n);
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

PgConnection::PgConnection(const std::string& uri) : shown(redact_uri(uri)) {
  conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) throw DatabaseError(code_cantopen, "connect " + shown + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = "connect " + shown + ": " + trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    conn = nullptr;
    throw DatabaseError(code_cantopen, msg);
  }
  PQsetNoticeProcessor(conn, quiet_notices, nullptr);
  if (PQsetClientEncoding(conn, "UTF8") != 0) {
    std::string msg =
        "connect " + shown + ": client encoding UTF8: " + trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    conn = nullptr;
    throw DatabaseError(code_cantopen, msg);
  }
}

PgConnection::~PgConnection() {
  if (conn != nullptr) PQfinish(conn);
}

void PgConnection::fail(pg_result* r, std::string_view context) const {
  std::string sqlstate;
  std::string msg(context);
  msg += ": ";
  if (r != nullptr) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state != nullptr) sqlstate = state;
    msg += trimmed(PQresultErrorMessage(r));
    PQclear(r);
  } else {
    msg += trimmed(PQerrorMessage(conn));
  }
  const bool lost = PQstatus(conn) != CONNECTION_OK;
  if (lost) msg += " (connection to " + shown + " lost)";
  throw DatabaseError(lost ? code_cantopen : code_error, msg, sqlstate);
}

void PgConnection::exec(std::string_view sql) {
  deallocate_pending();
  const std::string s(sql);
  PGresult* r = PQexec(conn, s.c_str());
  const ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
    fail(r, "exec (" + s.substr(0, 60) + ")");
  }
  PQclear(r);
}

bool PgConnection::connected() const { return conn != nullptr && PQstatus(conn) == CONNECTION_OK; }

void PgConnection::deallocate(const std::string& name) {
  if (conn == nullptr) return;
  // Inside a failed transaction every command is refused until ROLLBACK: drop it after that.
  // Nor while a COPY is in flight (its result would be dropped unread): after it.
  if (copy_pending || PQtransactionStatus(conn) == PQTRANS_INERROR) {
    to_deallocate.push_back(name);
    return;
  }
  PGresult* r = PQexec(conn, ("DEALLOCATE " + name).c_str());
  PQclear(r);
}

void PgConnection::settle_copy() {
  if (!copy_pending) return;
  for (PGresult* r = PQgetResult(conn); r != nullptr; r = PQgetResult(conn)) PQclear(r);
  copy_pending = false;
  copy_failed = false;
  (void)PQsetnonblocking(conn, 0);
}

void PgConnection::deallocate_pending() {
  settle_copy();
  if (to_deallocate.empty() || PQtransactionStatus(conn) == PQTRANS_INERROR) return;
  std::vector<std::string> names;
  names.swap(to_deallocate);
  for (const std::string& n : names) deallocate(n);
}

PgStatement::PgStatement(PgConnection* c, std::string_view text) : conn(c), sql(text) {
  std::vector<bool> used;
  const std::string translated = to_dollar_params(text, params, used);
  name = "bw" + std::to_string(++conn->next_name);
  // A number that does not occur in the text (`?3` without `?1`) still takes a value: typed text,
  // since the server cannot infer a type from nowhere.
  std::vector<Oid> types(static_cast<std::size_t>(params), 0);
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (!used[i]) types[i] = 25;  // text
  }
  conn->deallocate_pending();
  PGresult* r = PQprepare(conn->conn, name.c_str(), translated.c_str(), params,
                          types.empty() ? nullptr : types.data());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) conn->fail(r, "prepare (" + sql.substr(0, 60) + ")");
  PQclear(r);
  values.resize(static_cast<std::size_t>(params));
  is_null.assign(static_cast<std::size_t>(params), 1);
}

PgStatement::~PgStatement() {
  if (result != nullptr) PQclear(result);
  conn->deallocate(name);
}

void PgStatement::set(int i, std::string v) {
  if (i < 1 || i > params) {
    throw DatabaseError(25 /* SQLITE_RANGE */, "bind: parameter " + std::to_string(i) +
                                                   " out of range (" + sql.substr(0, 60) + ")");
  }
  values[static_cast<std::size_t>(i) - 1] = std::move(v);
  is_null[static_cast<std::size_t>(i) - 1] = 0;
}

void PgStatement::set_null(int i) {
  if (i < 1 || i > params) {
    throw DatabaseError(25 /* SQLITE_RANGE */, "bind: parameter " + std::to_string(i) +
                                                   " out of range (" + sql.substr(0, 60) + ")");
  }
  is_null[static_cast<std::size_t>(i) - 1] = 1;
}

bool PgStatement::step() {
  if (result == nullptr) {
    std::vector<const char*> ptrs(static_cast<std::size_t>(params));
    for (std::size_t i = 0; i < ptrs.size(); ++i)
      ptrs[i] = is_null[i] != 0 ? nullptr : values[i].c_str();
    conn->deallocate_pending();
    PGresult* r = PQexecPrepared(conn->conn, name.c_str(), params,
                                 ptrs.empty() ? nullptr : ptrs.data(), nullptr, nullptr, 0);
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      conn->fail(r, "step (" + sql.substr(0, 60) + ")");
    const std::string_view status = PQcmdStatus(r);
    if (status.rfind("INSERT", 0) == 0 || status.rfind("UPDATE", 0) == 0 ||
        status.rfind("DELETE", 0) == 0) {
      conn->changes = std::strtoll(PQcmdTuples(r), nullptr, 10);
    }
    result = r;
    rows = PQntuples(r);
    row = -1;
  }
  if (row < rows) ++row;
  return row < rows;
}

void PgStatement::reset() {
  if (result != nullptr) PQclear(result);
  result = nullptr;
  row = -1;
  rows = 0;
}

const char* PgStatement::value(int i) const {
  if (result == nullptr || row < 0 || row >= rows || i < 0 || i >= PQnfields(result))
    return nullptr;
  if (PQgetisnull(result, row, i) != 0) return nullptr;
  return PQgetvalue(result, row, i);
}

bool PgStatement::null(int i) const { return value(i) == nullptr; }

}  // namespace bw::store::detail
