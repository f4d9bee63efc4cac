#include "daemon/delivery_task.h"

#include <chrono>

#include "alerts/outbox.h"
#include "daemon/log.h"
#include "net/redact.h"

namespace bw::daemon {

void update_outbox_metrics(store::Database& db, OpsMetrics& ops, std::int64_t now) {
  const auto st = store::outbox_stats(db);
  ops.outbox(st.pending, st.failed,
             st.oldest_pending_created_at ? static_cast<double>(now - *st.oldest_pending_created_at)
                                          : 0.0);
}

boost::asio::awaitable<void> deliver_due(DeliveryContext ctx) {
  DatabaseThreads* db = ctx.db;
  alerts::RunOnDb run_db = [db](std::function<void(store::Database&)> f) {
    return db->on_writer([db, f = std::move(f)] {
      f(db->writer());
      return 0;
    });
  };
  auto notifiers = ctx.notifiers;
  OpsMetrics* ops = ctx.ops;
  Health* health = ctx.health;
  auto log = ctx.log;
  DeliveryGrace* grace = ctx.grace;
  const auto warn_after = ctx.config->alerts.unreachable_warn_after;
  alerts::OnAttempt on_attempt = [notifiers, ops, health, log, grace, warn_after](
                                     const store::OutboxRow& row,
                                     const alerts::DeliveryResult& result,
                                     const std::string& state) {
    if (state == "claim_lost") {
      log->warn(
          "notification outcome not recorded: the row's claim expired and another instance claimed "
          "it, which may send it again with the same idempotency key receiver={} key={}",
          kv(row.receiver), kv(row.idempotency_key));
      return;
    }
    const auto it = notifiers->find(row.receiver);
    const std::string kind =
        it != notifiers->end() && it->second ? std::string(it->second->kind()) : "none";
    const char* outcome = result.outcome == alerts::Outcome::delivered ? "delivered"
                          : result.outcome == alerts::Outcome::retry   ? "retry"
                                                                       : "permanent";
    ops->delivery(row.receiver, kind, outcome, result.took);
    health->report("receiver:" + row.receiver, result.outcome == alerts::Outcome::delivered,
                   net::redact_url(result.reason));
    const auto now = std::chrono::system_clock::now();
    if (result.outcome == alerts::Outcome::delivered) {
      if (grace) grace->delivered(row.receiver, now);
      log->info("notification delivered receiver={} key={} alerts={} attempts={} ms={}",
                kv(row.receiver), kv(row.idempotency_key), row.alert_count, row.attempts + 1,
                result.took.count());
    } else {
      const auto level =
          grace ? grace->failed(row.receiver, result.outcome == alerts::Outcome::permanent, now,
                                warn_after)
                : spdlog::level::warn;
      log->log(
          level,
          "notification not delivered receiver={} key={} outcome={} state={} attempts={} ms={} "
          "error={}",
          kv(row.receiver), kv(row.idempotency_key), outcome, state, row.attempts + 1,
          result.took.count(), kv(net::redact_url(result.reason)));
    }
  };
  auto pass = alerts::deliver_pass(
      ctx.io, run_db, notifiers, alerts::delivery_policy(ctx.config->alerts), ctx.rng, on_attempt,
      ctx.stopping, [] { return std::chrono::system_clock::now(); }, ctx.claim);
  const alerts::PassReport report = co_await std::move(pass);
  if (report.attempted > 0) {
    auto metrics = [db, ops] {
      update_outbox_metrics(db->writer(), *ops,
                            std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
      return 0;
    };
    auto updated = db->on_writer(std::move(metrics));
    co_await std::move(updated);
  }
}

}  // namespace bw::daemon
