// Outbox delivery (DESIGN §8): the worker claims due rows, sends each through its receiver's
// notifier and records the outcome here — delivered; retried later with exponential backoff and
// jitter (or the receiver's Retry-After); failed for good on a permanent error or after
// `give_up_after`. A row is only marked after the attempt, so a crash in between re-sends it once:
// the idempotency key (also the email Message-ID) lets the receiving side drop that duplicate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notification.h"
#include "alerts/notifiers/notifier.h"
#include "alerts/notifiers/webhook.h"  // WallClock
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
std::chrono::milliseconds backoff(std::int64_t attempts, const DeliveryPolicy& p,
                                  std::mt19937_64& rng);

/// Records one attempt's outcome on the row. Returns the row's new state: "delivered", "pending"
/// (retry scheduled) or "failed"; with a claim `owner`, "claim_lost" when the row is no longer
/// claimed by it (its claim expired and another instance claimed it: nothing is written).
std::string record_attempt(store::Database& db, const store::OutboxRow& row,
                           const DeliveryResult& r, std::int64_t now, const DeliveryPolicy& p,
                           std::mt19937_64& rng, std::string_view owner = {});

/// Sends one outbox row through the notifier for its receiver (none: a permanent failure).
boost::asio::awaitable<DeliveryResult> send_row(boost::asio::any_io_executor ex,
                                                const std::map<std::string, NotifierPtr>& notifiers,
                                                const store::OutboxRow& row);

/// Runs a database job where the caller keeps its connection (the daemon's writer thread; inline in
/// the CLI) and resumes when it is done.
using RunOnDb = std::function<boost::asio::awaitable<int>(std::function<void(store::Database&)>)>;
/// Called after each attempt with the row, the result and the row's new state.
using OnAttempt =
    std::function<void(const store::OutboxRow&, const DeliveryResult&, const std::string&)>;

/// How a pass claims its rows (several daemons on one database, issue 15). Each batch is claimed
/// for `owner` until now + `ttl` (the daemon's lease keeper extends its claims while it holds the
/// lease); before each send `may_send` is asked (the lease is still held) and the claim checked, so
/// an instance that lost its lease, or whose claim expired, sends nothing more.
struct ClaimOptions {
  std::string owner;  ///< "" : "host:pid"
  std::chrono::seconds ttl{300};
  std::function<bool()> may_send;  ///< empty: always
};
/// "host:pid" of this process.
std::string process_owner();

struct PassReport {
  int claim_lost = 0;  ///< attempts whose outcome was not recorded: the claim had expired
  int attempted = 0;
  int delivered = 0;
  int retried = 0;
  int failed = 0;
};

/// One delivery pass: claims the rows due now (in batches), sends them one at a time and records
/// each outcome, until none is due or `stop` is set. `clock` gives "now": when a batch is claimed
/// (rows due at or before it) and when an attempt is recorded (delivered_at, the next attempt,
/// give-up age). The daemon passes its wall clock, tests a manual one; empty:
/// std::chrono::system_clock (now_of).
boost::asio::awaitable<PassReport> deliver_pass(
    boost::asio::any_io_executor ex, RunOnDb run_db,
    std::shared_ptr<const std::map<std::string, NotifierPtr>> notifiers, DeliveryPolicy policy,
    std::shared_ptr<std::mt19937_64> rng, OnAttempt on_attempt, const std::atomic<bool>* stop,
    WallClock clock = {}, ClaimOptions claim = {});

}  // namespace bw::alerts
