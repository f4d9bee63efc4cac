#include "daemon/database_threads.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>

#include <boost/asio/post.hpp>

#include "daemon/log.h"
#include "store/migrations.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;

store::OpenOptions reader_options() {
  store::OpenOptions o;
  o.cache_kib = 8 << 10;  // the reader serves small pages of the ingest history
  return o;
}

}  // namespace

DatabaseThreads::DatabaseThreads(std::shared_ptr<spdlog::logger> log, Events events)
    : log_(std::move(log)), events_(std::move(events)) {}

DatabaseThreads::~DatabaseThreads() { join(); }

void DatabaseThreads::join() {
  {
    const std::lock_guard lock(check_mutex_);
    check_stopped_ = true;
    store::interrupt(check_handle_);
  }
  if (check_thread_.joinable()) check_thread_.join();
  writer_pool_.join();
  reader_pool_.join();
}

// Damage in the middle of the file is otherwise found by the first write that touches it. The check
// reads every page: on its own read-only connection and thread, so that a large file does not hold
// the start (the figures are served meanwhile; an ingest or an evaluation that meets the damage
// fails on its own). A damaged file stops the daemon, with the same message as a refusal at start.
void DatabaseThreads::start_check(const std::filesystem::path& file) {
  check_thread_ = std::thread([this, file] {
    // Behind the daemon's own work (Linux nices a thread by its id): the first evaluation reads the
    // same file at the same time.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    const auto t = std::chrono::steady_clock::now();
    std::string check;
    std::optional<store::Database> db;
    try {
      store::OpenOptions o;
      o.read_only = true;
      o.cache_kib = 2 << 10;
      db.emplace(store::Database::open(file, o));
      {
        const std::lock_guard lock(check_mutex_);
        if (check_stopped_) return;
        check_handle_ = db->handle();
      }
      check = store::quick_check(*db);
    } catch (const std::exception& e) {
      check = e.what();
    }
    {
      const std::lock_guard lock(check_mutex_);
      check_handle_ = nullptr;
      if (check_stopped_) return;  // interrupted by a stop: no verdict
    }
    db.reset();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
            .count();
    if (check == "ok") {
      log_->info("database checked file={} quick_check=ok ms={}", kv(file.string()), ms);
      return;
    }
    const std::string problem = "database " + file.string() +
                                " is damaged (PRAGMA quick_check: " + check +
                                "): stop, keep a copy, and restore a backup or recover it as "
                                "docs/reliability.md says";
    log_->error("{}", problem);
    events_.health(false, problem);
    if (events_.damaged) events_.damaged(problem);
  });
}

Result<int> DatabaseThreads::open(const std::filesystem::path& file) {
  try {
    target_ = file;
    const bool server = store::is_server_uri(file.native());
    const bool existed = server || std::filesystem::exists(file);
    writer_db_.emplace(store::Database::open(file));
    if (!existed) log_->warn("created a new, empty database file={}", kv(file.string()));
    const std::string shown = writer_db_->path().string();  // a PostgreSQL URI without its password
    const int version =
        writer_db_->read_only() ? store::schema_version(*writer_db_) : store::migrate(*writer_db_);
    reader_db_.emplace(store::Database::open(file, reader_options()));
    log_->info("database open file={} schema={}", kv(shown), version);
    if (existed && !server) start_check(file);
    if (writer_db_->read_only()) {
      log_->warn(
          "database opened read-only (no write permission): figures are served, writes fail until "
          "the file is writable, checked every few seconds file={}",
          kv(file.string()));
      events_.health(false, "opened read-only: no write permission on " + file.string());
    }
    open_ = true;
    return version;
  } catch (const std::exception& e) {
    return fail(Errc::unavailable, std::string("cannot open the database: ") + e.what());
  }
}

void DatabaseThreads::watch() {
  if (!writer_db_) return;
  if (writer_db_->engine() == store::Engine::postgresql) {
    watch_server();
    return;
  }
  const std::string problem = writer_db_->file_problem();
  if (!problem.empty()) {
    if (!file_problem_) log_->error("database file problem error={}", kv(problem));
    file_problem_ = true;
    events_.health(false, problem);
    return;
  }
  if (writer_db_->read_only() && ::access(writer_db_->path().c_str(), W_OK) == 0) reopen();
}

// Writer thread, every watch (2 s): is the server still there? A broken connection — the server
// restarted, failed over, or the network dropped — is a degraded period: the database check fails
// (readyz degraded), tasks fail and are retried (an ingest rolled back by the restart is read again
// at the next poll, once: the file ledger), and new connections are opened with backoff (1 s
// doubling to 10 s) until one works. Each change is logged once.
void DatabaseThreads::watch_server() {
  using Steady = std::chrono::steady_clock;
  std::string error;
  bool ok = writer_db_->connected();
  if (ok) {
    try {
      writer_db_->exec("SELECT 1");
    } catch (const std::exception& e) {
      ok = writer_db_->connected();  // an error on a live connection is not an outage
      error = e.what();
    }
  } else {
    error = "connection to the server lost";
  }
  const auto now = Steady::now();
  if (!ok) {
    if (!server_down_) {
      server_down_ = true;
      server_down_flag_ = true;
      down_since_ = now;
      next_attempt_ = now;
      backoff_ = std::chrono::milliseconds(1000);
      attempts_ = 0;
      log_->error(
          "database connection lost: serving the last figures, retrying with backoff database={} "
          "error={}",
          kv(writer_db_->path().string()), kv(error));
      events_.health(false, "connection lost: " + error);
    }
    if (now < next_attempt_) return;
    ++attempts_;
    try {
      store::Database fresh = store::Database::open(target_);
      writer_db_ = std::move(fresh);
    } catch (const std::exception& e) {
      next_attempt_ = now + backoff_;
      backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(10000));
      log_->debug("database not reachable yet attempt={} error={}", attempts_, kv(e.what()));
      return;
    }
  }
  if (server_down_) {
    server_down_ = false;
    server_down_flag_ = false;
    log_->info("database connection restored attempts={} down_ms={} database={}", attempts_,
               std::chrono::duration_cast<std::chrono::milliseconds>(now - down_since_).count(),
               kv(writer_db_->path().string()));
    events_.health(true, "");
    events_.reopened();
  }
  // The reader's connection: opened again on its own thread once it saw the break.
  asio::post(reader_pool_, [this] {
    if (!reader_db_ || reader_db_->connected()) return;
    try {
      store::Database fresh = store::Database::open(target_, reader_options());
      reader_db_ = std::move(fresh);
      log_->info("reader connection restored");
    } catch (const std::exception& e) {
      log_->debug("reader connection not restored yet error={}", kv(e.what()));
    }
  });
}

// Writer thread. SQLite shares one read-only mapping of the WAL index among all connections of a
// process to a file, so every connection is closed before the writer opens again: the reader
// thread closes its connection and waits (serving nothing meanwhile) until the writer has
// reopened, then opens its own.
void DatabaseThreads::reopen() {
  const std::filesystem::path path = writer_db_->path();
  std::promise<void> reader_closed;
  std::promise<void> writer_done;
  auto closed = reader_closed.get_future();
  asio::post(reader_pool_, [this, path, &reader_closed, done = writer_done.get_future()]() mutable {
    reader_db_.reset();
    reader_closed.set_value();
    done.wait();
    try {
      reader_db_.emplace(store::Database::open(path, reader_options()));
    } catch (const std::exception& e) {
      log_->error("reader connection not reopened error={}", kv(e.what()));
    }
  });
  closed.wait();
  writer_db_.reset();
  // SQLite created the WAL and its index with the database's mode of then (read-only): give them
  // the database's mode of now, or the new connection would be read-only again.
  std::error_code ec;
  const auto mode = std::filesystem::status(path, ec).permissions();
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path side(path.string() + suffix);
    if (!ec && std::filesystem::exists(side) && ::access(side.c_str(), W_OK) != 0) {
      std::error_code pec;
      std::filesystem::permissions(side, mode, pec);
      if (pec) {
        log_->warn("cannot make writable file={} error={}", kv(side.string()), kv(pec.message()));
      }
    }
  }
  for (int attempt = 1; attempt <= 2 && !writer_db_; ++attempt) {
    try {
      writer_db_.emplace(store::Database::open(path));
      if (!writer_db_->read_only()) store::migrate(*writer_db_);
    } catch (const std::exception& e) {
      writer_db_.reset();
      log_->error("database not reopened attempt={} error={}", attempt, kv(e.what()));
    }
  }
  writer_done.set_value();
  if (!writer_db_) {
    open_ = false;
    events_.lost();
    return;
  }
  if (!writer_db_->read_only()) {
    log_->info("database writable again, reopened file={}", kv(path.string()));
    events_.health(true, "");
    events_.reopened();
  }
}

void DatabaseThreads::checkpoint() {
  try {
    if (writer_db_) writer_db_->checkpoint();
  } catch (const std::exception& e) {
    log_->warn("final checkpoint failed error={}", kv(e.what()));
  }
}

}  // namespace bw::daemon
