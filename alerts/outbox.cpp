#include "alerts/outbox.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "alerts/render.h"

namespace bw::alerts {

DeliveryPolicy delivery_policy(const config::AlertsConfig& c) {
  return DeliveryPolicy{c.backoff_initial, c.backoff_max, c.give_up_after};
}

std::chrono::milliseconds backoff(std::int64_t attempts, const DeliveryPolicy& p, std::mt19937_64& rng) {
  const double base = static_cast<double>(p.backoff_initial.count()) *
                      std::pow(2.0, static_cast<double>(std::min<std::int64_t>(attempts, 30)));
  const double capped = std::min(base, static_cast<double>(p.backoff_max.count()));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped * jitter(rng)));
}

std::string record_attempt(store::Database& db, const store::OutboxRow& row, const DeliveryResult& r,
                           std::int64_t now, const DeliveryPolicy& p, std::mt19937_64& rng, std::string_view owner) {
  switch (r.outcome) {
    case Outcome::delivered:
      return store::mark_delivered(db, row.id, now, owner) ? "delivered" : "claim_lost";
    case Outcome::permanent:
      return store::mark_failed(db, row.id, r.reason, owner) ? "failed" : "claim_lost";
    case Outcome::retry:
      break;
  }
  if (now - row.created_at >= p.give_up_after.count()) {
    return store::mark_failed(db, row.id,
                              "gave up after " + std::to_string(row.attempts + 1) + " attempts: " + r.reason,
                              owner)
               ? "failed"
               : "claim_lost";
  }
  auto wait = backoff(row.attempts, p, rng);
  if (r.retry_after && *r.retry_after > wait) wait = *r.retry_after;
  const std::int64_t secs = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  return store::mark_retry(db, row.id, now + secs, r.reason, owner) ? "pending" : "claim_lost";
}

std::string process_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid());
}

boost::asio::awaitable<DeliveryResult> send_row(boost::asio::any_io_executor ex,
                                                const std::map<std::string, NotifierPtr>& notifiers,
                                                const store::OutboxRow& row) {
  const auto it = notifiers.find(row.receiver);
  if (it == notifiers.end() || !it->second) {
    co_return DeliveryResult{Outcome::permanent, "no receiver named '" + row.receiver + "' in the config",
                             std::nullopt};
  }
  auto n = notification_from_json(row.payload);
  if (!n) co_return DeliveryResult{Outcome::permanent, "unreadable outbox payload", std::nullopt};
  const Notification msg = std::move(*n);
  DeliveryResult r = co_await it->second->send(ex, msg);
  co_return r;
}

namespace {
std::int64_t unix_now(const WallClock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(now_of(clock).time_since_epoch()).count();
}
}  // namespace

boost::asio::awaitable<PassReport> deliver_pass(
    boost::asio::any_io_executor ex, RunOnDb run_db,
    std::shared_ptr<const std::map<std::string, NotifierPtr>> notifiers, DeliveryPolicy policy,
    std::shared_ptr<std::mt19937_64> rng, OnAttempt on_attempt, const std::atomic<bool>* stop,
    WallClock clock, ClaimOptions claim) {
  PassReport report;
  constexpr int batch = 20;
  const std::string owner = claim.owner.empty() ? process_owner() : claim.owner;
  const std::int64_t ttl = claim.ttl.count();
  for (;;) {
    if (claim.may_send && !claim.may_send()) co_return report;
    std::vector<store::OutboxRow> rows;
    const std::int64_t now = unix_now(clock);
    std::function<void(store::Database&)> claiming = [&rows, &owner, now, ttl](store::Database& db) {
      store::Transaction tx(db);
      rows = store::claim_due(db, owner, now, now + ttl, batch);
      tx.commit();
    };
    auto claimed = run_db(std::move(claiming));
    co_await std::move(claimed);
    for (const store::OutboxRow& row : rows) {
      if ((stop && *stop) || (claim.may_send && !claim.may_send())) {
        // Not sent: hand the rest back at once rather than at their claims' expiry.
        std::function<void(store::Database&)> release = [&owner](store::Database& db) {
          store::release_claims(db, owner);
        };
        auto released = run_db(std::move(release));
        co_await std::move(released);
        co_return report;
      }
      // The claim is checked just before the send: a claim that expired (the heartbeat stopped) may
      // be another instance's by now.
      bool held = false;
      std::function<void(store::Database&)> check = [&](store::Database& db) {
        held = store::claim_held(db, row.id, owner, unix_now(clock));
      };
      auto checked = run_db(std::move(check));
      co_await std::move(checked);
      if (!held) {
        ++report.claim_lost;
        continue;
      }
      auto sending = send_row(ex, *notifiers, row);
      const DeliveryResult result = co_await std::move(sending);
      std::string state;
      std::function<void(store::Database&)> record = [&](store::Database& db) {
        state = record_attempt(db, row, result, unix_now(clock), policy, *rng, owner);
      };
      auto recorded = run_db(std::move(record));
      co_await std::move(recorded);
      if (state == "claim_lost") {
        ++report.claim_lost;
        if (on_attempt) on_attempt(row, result, state);
        continue;
      }
      ++report.attempted;
      if (state == "delivered") ++report.delivered;
      else if (state == "failed") ++report.failed;
      else ++report.retried;
      if (on_attempt) on_attempt(row, result, state);
    }
    if (static_cast<int>(rows.size()) < batch) co_return report;
  }
}

}  // namespace bw::alerts
