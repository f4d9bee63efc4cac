// A real PostgreSQL 15 on 127.0.0.1 for the tests (tests/support/postgres.sh). Under ctest the
// fixture "postgres" starts one server for the whole run (state in <build>/postgres-test); a test
// binary run by hand starts its own, stopped when the process exits. Each test gets a database of
// its own.
#pragma once

#include <string>

namespace bw::test {

/// Why PostgreSQL tests cannot run here ("" when they can): only the absence of the PostgreSQL
/// binaries is a reason to skip; a server that fails to start is a test failure (throws
/// std::runtime_error).
std::string postgres_unavailable();

/// A fresh, empty database on the test server, dropped on destruction.
class PostgresDatabase {
 public:
  PostgresDatabase();  ///< throws std::runtime_error (server not started, CREATE DATABASE failed)
  ~PostgresDatabase();
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;
  /// postgresql://bw@127.0.0.1:PORT/NAME
  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  int port() const { return port_; }

 private:
  std::string name_;
  std::string uri_;
  int port_ = 0;
};

}  // namespace bw::test

/// Skips the current test, saying why, when the PostgreSQL binaries are absent.
#define BW_REQUIRE_POSTGRES()                                                       \
  do {                                                                              \
    if (const std::string why = ::bw::test::postgres_unavailable(); !why.empty()) { \
      GTEST_SKIP() << why;                                                          \
    }                                                                               \
  } while (false)
