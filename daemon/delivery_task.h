// The daemon's delivery task (a task of the Scheduler): one pass over the outbox's due rows on the
// writer's connection, each attempt counted (budgetwatch_notifications_total), the receiver's
// health check updated and the outcome logged (secrets redacted); then the outbox gauges.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <spdlog/logger.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notifiers/notifier.h"
#include "alerts/outbox.h"
#include "config/config.h"
#include "daemon/database_threads.h"
#include "daemon/delivery_grace.h"
#include "daemon/health.h"
#include "daemon/metrics/ops_metrics.h"
#include "store/database.h"

namespace bw::daemon {

struct DeliveryContext {
  boost::asio::any_io_executor io;
  DatabaseThreads* db = nullptr;
  std::shared_ptr<const std::map<std::string, alerts::NotifierPtr>> notifiers;
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<std::mt19937_64> rng;  ///< backoff jitter; used on the writer thread only
  OpsMetrics* ops = nullptr;
  Health* health = nullptr;
  std::shared_ptr<spdlog::logger> log;
  const std::atomic<bool>* stopping = nullptr;
  DeliveryGrace* grace = nullptr;  ///< failed deliveries: info for a while, then warnings
  /// Who claims the rows, for how long, and whether the alert lease is still held (issue 15).
  alerts::ClaimOptions claim;
};

/// io thread: delivers the rows due now, one at a time, until none is due or `stopping` is set.
boost::asio::awaitable<void> deliver_due(DeliveryContext ctx);

/// Writer thread: the outbox gauges (pending, failed, age of the oldest pending row) at `now`.
void update_outbox_metrics(store::Database& db, OpsMetrics& ops, std::int64_t now);

}  // namespace bw::daemon
