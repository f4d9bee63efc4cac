// The sources' poll loops, one coroutine per source on the io thread (chrony's sched.c): poll, hand
// each file found to the ingest on the writer thread, report it back to the source (archive/,
// failed/), log what the source noticed once, count polls and outcomes, wait the source's interval
// with jitter. A reload replaces the sources and keeps their schedules.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "collectors/ingest.h"
#include "collectors/source.h"
#include "config/config.h"
#include "daemon/health.h"
#include "daemon/metrics/ops_metrics.h"
#include "engine/result.h"

namespace bw::daemon {

/// Logs one ingest's outcome (a source's file or an upload): not ingested, already ingested, or
/// the counts and each budget line revised.
void log_ingest_outcome(spdlog::logger& log, const std::string& source, const std::string& file,
                        const Result<store::IngestReport>& r);

class SourceRunner {
 public:
  using Ingest = std::function<boost::asio::awaitable<Result<store::IngestReport>>(
      std::filesystem::path, collect::IngestOptions)>;
  struct Hooks {
    /// The ingest options of a file of `source` under the running config.
    std::function<collect::IngestOptions(const std::string& source)> options;
    /// Ingests a file on the writer thread, counted and logged (the path uploads take too).
    Ingest ingest;
    /// New data was stored, or the first polls of the local sources are done: evaluate.
    std::function<void()> evaluate;
  };

  SourceRunner(boost::asio::io_context& io, OpsMetrics& ops, Health& health,
               std::shared_ptr<spdlog::logger> log, Hooks hooks);

  /// Builds the sources of `c` and starts their loops in place of the running ones (io thread).
  /// The first call waits for the local sources' (files, drop folders) first polls before it asks
  /// for the first evaluation, so that /readyz and the first scrape already see the data on disk;
  /// HTTP sources are not waited for. Checks of sources and receivers `c` no longer has are
  /// dropped.
  Result<void> start(const config::Config& c, const std::filesystem::path& state_dir);
  /// Ends every loop after its current file (io thread).
  void stop();
  /// The entries the drop folders skip, with their source's name (io thread).
  std::vector<std::pair<std::string, collect::SkippedEntry>> skipped() const;

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<collect::Source> src, int gen,
                                    std::chrono::seconds interval,
                                    std::shared_ptr<boost::asio::steady_timer> timer);
  void log_notice(const std::string& source, const collect::SourceNotice& n);

  boost::asio::io_context& io_;
  OpsMetrics& ops_;
  Health& health_;
  std::shared_ptr<spdlog::logger> log_;
  Hooks hooks_;
  std::vector<std::shared_ptr<collect::Source>> sources_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;
  /// Each source's planned poll, across reloads.
  std::map<std::string, std::chrono::steady_clock::time_point> next_poll_;
  int generation_ = 0;
  int first_polls_pending_ = 0;
  bool stopping_ = false;
};

}  // namespace bw::daemon
