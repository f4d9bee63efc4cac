#include "tests/support/postgres_server.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "tests/support/test_support.h"

namespace bw::test {
namespace {

namespace fs = std::filesystem;

fs::path pg_bin() {
  const char* env = std::getenv("PG_BIN");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/usr/lib/postgresql/15/bin");
}

fs::path script() { return source_dir() / "tests/support/postgres.sh"; }

// The server of this process: the run's shared one (ctest fixture), else one started here.
class Server {
 public:
  Server() {
    const fs::path shared = binary_dir() / "postgres-test";
    if (std::string p = read_port(shared); !p.empty() && alive(std::stoi(p))) {
      port_ = std::stoi(p);
      return;
    }
    own_state_ = fs::temp_directory_path() / ("bw-postgres-state-" + std::to_string(::getpid()));
    const CommandResult r = run_command({"bash", script().string(), "start", own_state_.string()});
    const std::string p = read_port(own_state_);
    if (r.exit_code != 0 || p.empty()) {
      throw std::runtime_error("PostgreSQL did not start: " + r.out + r.err);
    }
    port_ = std::stoi(p);
  }
  ~Server() {
    if (!own_state_.empty()) run_command({"bash", script().string(), "stop", own_state_.string()});
    std::error_code ec;
    if (!own_state_.empty()) fs::remove_all(own_state_, ec);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  int port() const { return port_; }

 private:
  static std::string read_port(const fs::path& state) {
    std::error_code ec;
    if (!fs::exists(state / "port", ec)) return "";
    std::string p = read_file(state / "port");
    while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.pop_back();
    return p;
  }
  static bool alive(int port) {
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(port) + " user=bw dbname=postgres";
    PGconn* c = PQconnectdb(conninfo.c_str());
    const bool ok = PQstatus(c) == CONNECTION_OK;
    PQfinish(c);
    return ok;
  }
  int port_ = 0;
  fs::path own_state_;
};

Server& server() {
  static Server s;  // stopped at exit when started by this process
  return s;
}

void admin(int port, const std::string& sql) {
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(port) + " user=bw dbname=postgres";
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("connect to the test PostgreSQL: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}

}  // namespace

std::string postgres_unavailable() {
  std::error_code ec;
  if (!fs::exists(pg_bin() / "initdb", ec) || !fs::exists(pg_bin() / "pg_ctl", ec)) {
    return "PostgreSQL 15 is not installed (no " + (pg_bin() / "initdb").string() +
           "; Debian: apt-get install postgresql-15): the PostgreSQL variant of this test is "
           "skipped";
  }
  return "";
}

PostgresDatabase::PostgresDatabase() {
  static std::atomic<int> counter{0};
  port_ = server().port();
  name_ = "bwtest_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  admin(port_, "CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
  uri_ = "postgresql://bw@127.0.0.1:" + std::to_string(port_) + "/" + name_;
}

PostgresDatabase::~PostgresDatabase() {
  try {
    admin(port_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The server is gone already (stopped at the end of the run): nothing left to drop.
  }
}

}  // namespace bw::test
