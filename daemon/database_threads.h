// The daemon's two database threads, each with its own SQLite connection (WAL: the reader never
// waits for the writer). The writer ingests, evaluates and runs the alert cycle, one task at a
// time; the reader serves the API's reads of the ledger. Also the watch of the database file —
// deleted, replaced, or read-only and then writable again — and the reopening that needs.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "engine/result.h"
#include "store/database.h"

namespace bw::daemon {

class DatabaseThreads {
 public:
  struct Events {
    /// The "database" check: ok, or failing with the reason.
    std::function<void(bool ok, const std::string& reason)> health;
    /// Writable again after a reopen: the caller evaluates.
    std::function<void()> reopened;
    /// No connection could be opened again: the writer cannot go on, the caller shuts down (to
    /// be restarted by systemd).
    std::function<void()> lost;
    /// The file failed its check (PRAGMA quick_check, run in the background after open): the
    /// problem for the user; the caller shuts down with a failure.
    std::function<void(const std::string& problem)> damaged;
  };

  DatabaseThreads(std::shared_ptr<spdlog::logger> log, Events events);
  ~DatabaseThreads();  ///< joins both threads
  DatabaseThreads(const DatabaseThreads&) = delete;
  DatabaseThreads& operator=(const DatabaseThreads&) = delete;

  /// Opens the writer's connection (migrated unless it is read-only) and the reader's, and starts
  /// the check of an existing SQLite file (PRAGMA quick_check, on a connection and thread of its
  /// own: it reads the whole file, tens of seconds for a bureau's gigabytes, and the daemon serves
  /// meanwhile; damage is reported by Events::damaged). Returns the schema version. Errors are for
  /// the user. Call once, before any task.
  Result<int> open(const std::filesystem::path& file);
  /// Whether the writer has a connection (any thread).
  bool is_open() const { return open_; }
  /// PostgreSQL: the connection to the server is broken and not yet restored (any thread).
  bool server_down() const { return server_down_flag_; }

  /// Runs f() on the writer (reader) thread; the returned awaitable resumes the caller on its own
  /// executor with f's result. Plain functions, not coroutines: GCC 12 destroys a by-value lambda
  /// argument of a coroutine twice when it is a temporary inside a co_await expression (invalid
  /// free under valgrind).
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> on_writer(F f) {
    return on_pool(writer_pool_, std::move(f));
  }
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> on_reader(F f) {
    return on_pool(reader_pool_, std::move(f));
  }
  boost::asio::thread_pool& writer_pool() { return writer_pool_; }

  /// The connections, on their own thread only.
  store::Database& writer() { return *writer_db_; }
  store::Database& reader() { return *reader_db_; }

  /// Writer thread: is the file still the one opened, and writable? A deleted or replaced file
  /// fails the database check at once (writes are refused by Transaction, uploads answer 503)
  /// without waiting for the next write; a database opened read-only is opened again once the
  /// file is writable.
  void watch();
  /// Waits for both threads to finish their work (after the io_context stopped); a file check
  /// still running is interrupted.
  void join();
  /// Writer's final checkpoint at a clean stop; a failure is logged.
  void checkpoint();

 private:
  template <class F>
  static boost::asio::awaitable<std::invoke_result_t<F&>> on_pool(boost::asio::thread_pool& pool,
                                                                  F f) {
    using R = std::invoke_result_t<F&>;
    return boost::asio::co_spawn(
        pool.get_executor(),
        [f = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return f(); },
        boost::asio::use_awaitable);
  }
  void reopen();
  void watch_server();
  void start_check(const std::filesystem::path& file);

  // PostgreSQL (issue 15): a server restart or failover breaks the connections; the writer probes
  // its connection at every watch and opens new ones, with backoff, logging each change once.
  std::filesystem::path target_;  // the URI as given (path() of a connection is redacted)
  bool server_down_ = false;      // writer thread
  std::atomic<bool> server_down_flag_{false};
  std::chrono::steady_clock::time_point down_since_{};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{1000};
  int attempts_ = 0;

  std::shared_ptr<spdlog::logger> log_;
  Events events_;
  boost::asio::thread_pool writer_pool_{1};
  boost::asio::thread_pool reader_pool_{1};
  std::optional<store::Database> writer_db_;  // writer thread only
  std::optional<store::Database> reader_db_;  // reader thread only
  std::atomic<bool> open_{false};
  bool file_problem_ = false;  // writer thread

  // The file check at start: its thread, and its connection's handle while it runs (to interrupt
  // it at a stop), under check_mutex_.
  std::thread check_thread_;
  std::mutex check_mutex_;
  sqlite3* check_handle_ = nullptr;
  bool check_stopped_ = false;
};

}  // namespace bw::daemon
