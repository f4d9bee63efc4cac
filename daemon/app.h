// The running service (`budgetwatch run`): owns the io_context (network, timers, signals), a writer
// thread (ingest and evaluation on the one read-write SQLite connection) and a reader thread (API
// reads of the ingest history). Starts parts in dependency order and stops them in reverse
// (chrony's main.c): database → metrics → sources → first evaluation → HTTP server; SIGTERM/SIGINT
// drain and exit 0 within 5 s; SIGHUP reloads the config and keeps the old one on error.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "engine/result.h"

namespace bw::daemon {

struct AppOptions {
  /// The config file, re-read on SIGHUP (empty: reload disabled, e.g. in tests that pass a Config).
  std::filesystem::path config_file;
  /// Print "where to look" to stdout once serving (the README's main job).
  bool announce = false;
  /// Handle SIGTERM/SIGINT/SIGHUP (off for in-process tests that run several apps).
  bool handle_signals = true;
  /// Create the database file even where its lock file shows that one lived there before (`run
  /// --create-database`): a deleted database is otherwise never replaced by an empty one silently.
  bool create_database = false;
};

class App {
 public:
  /// Builds every part: opens and migrates the database, binds the listen address (so a port
  /// conflict is reported before anything runs). Errors are for the user (exit 78 for config, 1
  /// otherwise).
  static Result<std::unique_ptr<App>> create(config::Config config, AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Runs until stopped by a signal or stop(); returns the exit code (0 after a clean drain).
  int run();
  /// Asks the app to stop (thread-safe); run() returns within the drain deadline.
  void stop();
  /// Re-reads the config file as SIGHUP does (thread-safe); the outcome shows in the logs and
  /// metrics.
  void reload();
  /// The bound HTTP port (useful with listen port 0).
  std::uint16_t port() const;

 private:
  App();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::daemon
