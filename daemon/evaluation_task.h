// The daemon's evaluation task, on the writer thread: the one evaluation path (daemon/evaluation.h)
// as of today in the configured time zone (or the configured date), the snapshot published to
// /metrics, the indicator counts, then the alert cycle (rules → state → outbox in one
// transaction). Outcomes go to the metrics, the health checks and the log.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <spdlog/logger.h>

#include "config/config.h"
#include "daemon/clock.h"
#include "daemon/health.h"
#include "daemon/metrics/ops_metrics.h"
#include "daemon/metrics/snapshot_collector.h"
#include "engine/indicators.h"
#include "store/database.h"

namespace bw::daemon {

struct EvaluationTaskContext {
  store::Database* db = nullptr;  ///< the writer's connection
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const TimeZone> tz;
  std::int64_t watched_since = 0;  ///< the daemon's start (source freshness)
  SnapshotCollector* snapshots = nullptr;
  OpsMetrics* ops = nullptr;
  Health* health = nullptr;
  std::shared_ptr<spdlog::logger> log;
  /// Several daemons on one database (issue 15): whether this instance holds the alert lease now
  /// (empty: always). A standby instance publishes its snapshot and reads the alert gauges, but
  /// runs no alert cycle.
  std::function<bool()> leader;
  /// Inside the cycle's transaction: throws store::LeaseLost when another instance took the lease
  /// over (alerts::CycleContext::fence).
  std::function<void(store::Database&)> fence;
};

struct EvaluationOutcome {
  bool ok = false;
  /// The indicators' completion (the API's); null when the evaluation failed.
  std::shared_ptr<const std::vector<engine::IndicatorEval>> indicators;
  /// The alert cycle enqueued messages: wake the delivery task.
  bool messages = false;
};

/// A database error fails the "database" check (disk full, locked past the busy timeout, I/O
/// error); other errors leave it as it is.
void report_database_error(Health& health, const std::exception& e);

/// Writer thread. Never throws: a failure is counted, fails the "evaluation" check and is logged;
/// the last good snapshot stays published.
EvaluationOutcome run_evaluation(const EvaluationTaskContext& ctx);

}  // namespace bw::daemon
