// Outbox delivery (DESIGN §8): the worker claims due rows, sends each through its receiver's notifier
// and records the outcome here — delivered; retried later with exponential backoff and jitter (or the
// receiver's Retry-After); failed for good on a permanent error or after `give_up_after`. A row is
// only marked after the attempt, so a crash in between re-sends it once: the idempotency key (also the
// email Message-ID) lets the receiving side drop that duplicate.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notification.h"
#include "alerts/notifiers/notifier.h"
#include "config/alerts_config.h"
#include "store/alert_store.h"

namespace bw::alerts {

struct DeliveryPolicy {
  std::chrono::milliseconds backoff_initial{10000};
  std::chrono::milliseconds backoff_max{600000};
  std::chrono::seconds give_up_after{72 * 3600};
};
DeliveryPolicy delivery_policy(const config::AlertsConfig& c);

/// The wait before attempt `attempts + 1`: initial × 2^attempts, capped, with ±20% jitter.
std::chrono::milliseconds backoff(std::int64_t attempts, const DeliveryPolicy& p, std::mt19937_64& rng);

/// Records one attempt's outcome on the row. Returns the row's new state: "delivered", "pending"
/// (retry scheduled) or "failed".
std::string record_attempt(store::Database& db, const store::OutboxRow& row, const DeliveryResult& r,
                           std::int64_t now, const DeliveryPolicy& p, std::mt19937_64& rng);

/// Sends one outbox row through the notifier for its receiver (none: a permanent failure).
boost::asio::awaitable<DeliveryResult> send_row(boost::asio::any_io_executor ex,
                                                const std::map<std::string, NotifierPtr>& notifiers,
                                                const store::OutboxRow& row);

}  // namespace bw::alerts
