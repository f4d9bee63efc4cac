#include "daemon/evaluation_task.h"

#include <malloc.h>

#include <array>
#include <chrono>
#include <ctime>
#include <map>
#include <stdexcept>
#include <string>

#include "alerts/cycle.h"
#include "daemon/delivery_task.h"
#include "daemon/evaluation.h"
#include "daemon/large_block_cache.h"
#include "daemon/log.h"
#include "store/alert_store.h"
#include "store/lease.h"

namespace bw::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(SysClock::now().time_since_epoch())
      .count();
}

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// CPU time of the calling thread, ms: the evaluation's own cost, apart from the machine's load.
long long thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Rules → state → outbox in one transaction; true when messages were enqueued.
// The alert gauges as stored (a standby instance shows the leader's state).
void alert_gauges(const EvaluationTaskContext& ctx) {
  std::map<std::array<std::string, 3>, int> counts;
  for (const auto& a : store::load_alerts(*ctx.db)) ++counts[{a.rule, a.severity, a.state}];
  ctx.ops->alerts(counts);
  update_outbox_metrics(*ctx.db, *ctx.ops, unix_now());
}

bool alert_cycle(const EvaluationTaskContext& ctx, const Evaluation& e) {
  const config::Config& c = *ctx.config;
  try {
    if (ctx.leader && !ctx.leader()) {
      alert_gauges(ctx);  // standby: the lease holder evaluates alert state
      return false;
    }
    alerts::CycleContext cc = cycle_context(*ctx.db, c, *ctx.tz, unix_now(), ctx.watched_since, e);
    cc.fence = ctx.fence;
    const auto r = alerts::run_cycle(*ctx.db, *e.snapshot, c.alerts, cc);
    ctx.log->info(
        "alerts evaluated firing={} pending={} fired={} resolved={} silenced={} inhibited={} "
        "year_closed={} messages={}",
        r.firing, r.pending, r.fired_now, r.resolved_now, r.silenced, r.inhibited, r.year_closed,
        r.messages);
    alert_gauges(ctx);
    ctx.health->report("database", true);  // the cycle's transaction committed
    return r.messages > 0;
  } catch (const store::LeaseLost& ex) {
    ctx.log->warn("alert cycle abandoned: the alert lease is another instance's error={}",
                  kv(ex.what()));
    return false;
  } catch (const std::exception& ex) {
    report_database_error(*ctx.health, ex);
    ctx.log->error("alert cycle failed error={}", kv(ex.what()));
    return false;
  }
}

// SQLite: the writer connection's page cache held small while the evaluation reads the fiscal year
// (restored after). The read is one pass over paid_by_year, the budget lines and the names, which
// a cache never serves twice (the cache is given back after each evaluation anyway); with the
// connection's 64 MiB, that much more of the daemon's peak RSS was pages read once (issue 14).
class SmallReadCache {
 public:
  explicit SmallReadCache(store::Database& db) : db_(db) {
    if (db.engine() != store::Engine::sqlite) return;
    store::Statement q = db.prepare("PRAGMA cache_size");
    const std::int64_t before = q.step() ? q.column_int(0) : 0;
    const std::int64_t kib = before < 0 ? -before : before * 16;  // pages of at most 16 KiB
    if (before != 0 && kib > read_cache_kib) {
      saved_ = before;
      db.exec("PRAGMA cache_size=-" + std::to_string(read_cache_kib));
    }
  }
  ~SmallReadCache() {
    if (saved_ == 0) return;
    try {
      db_.exec("PRAGMA cache_size=" + std::to_string(saved_));
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection keeps the small cache
    }
  }
  SmallReadCache(const SmallReadCache&) = delete;
  SmallReadCache& operator=(const SmallReadCache&) = delete;

 private:
  static constexpr std::int64_t read_cache_kib = 4 << 10;
  store::Database& db_;
  std::int64_t saved_ = 0;
};

}  // namespace

void report_database_error(Health& health, const std::exception& e) {
  if (dynamic_cast<const store::DatabaseError*>(&e) != nullptr) {
    health.report("database", false, e.what());
  }
}

EvaluationOutcome run_evaluation(const EvaluationTaskContext& ctx) {
  const auto started = Clock::now();
  const long long cpu_started = thread_cpu_ms();
  LargeBlockCache* const blocks = installed_block_cache();
  const LargeBlockCache::Stats blocks_before =
      blocks != nullptr ? blocks->stats() : LargeBlockCache::Stats{};
  EvaluationOutcome out;
  const LargeBlockCache::RecordMisses record_misses;
  try {
    const engine::CivilDate as_of =
        ctx.config->evaluation.as_of.value_or(ctx.tz->date_at(SysClock::now()));
    // Plain scrapes' inflated text (72 MB for a bureau) is not held while the new figures are
    // built beside the old.
    ctx.snapshots->drop_plain_text();
    Result<Evaluation> e = [&] {
      const SmallReadCache small(*ctx.db);
      return evaluate_at(*ctx.db, as_of, ctx.config->policy);
    }();
    if (!e) throw std::runtime_error(e.error().message);  // (no unit filter: cannot happen)
    const std::size_t lines = e->snapshot->lines.size();
    // A new fiscal year (1 January, or the configured start month): the previous year's alerts are
    // closed quietly by the alert cycle below (alerts::plan_cycle), its figures stay queryable.
    if (const auto previous = ctx.snapshots->snapshot();
        previous && previous->fiscal_year.year() != e->snapshot->fiscal_year.year()) {
      ctx.log->info("fiscal year changed from={} to={} as_of={}", previous->fiscal_year.year(),
                    e->snapshot->fiscal_year.year(), engine::to_iso(as_of));
    }
    const auto t = Clock::now();
    const long long cpu_published = thread_cpu_ms();
    ctx.snapshots->publish(e->snapshot);
    const long long publish_ms = ms_since(t);
    const long long publish_cpu_ms = thread_cpu_ms() - cpu_published;
    const auto published = ctx.snapshots->last_publish();
    const auto took = Clock::now() - started;
    const LargeBlockCache::Stats blocks_now =
        blocks != nullptr ? blocks->stats() : LargeBlockCache::Stats{};
    ctx.ops->evaluation(true, took, SysClock::now());
    ctx.health->report("evaluation", true);
    ctx.log->info(
        "evaluated as_of={} fiscal_year={} lines={} ms={} load_ms={} evaluate_ms={} publish_ms={} "
        "cpu_ms={} publish_cpu_ms={} families_rendered={} families_kept={} large_blocks_reused={} "
        "large_blocks_new={} large_blocks_kept_mb={}",
        engine::to_iso(as_of), e->snapshot->fiscal_year.year(), lines, ms_since(started),
        e->load_ms, e->evaluate_ms, publish_ms, thread_cpu_ms() - cpu_started, publish_cpu_ms,
        published.rendered, published.kept, blocks_now.hits - blocks_before.hits,
        blocks_now.misses - blocks_before.misses, blocks_now.cached_bytes >> 20);
    std::map<std::array<std::string, 2>, int> counts;
    for (const auto& x : *e->indicators) ++counts[{x.unit_code, engine::to_string(x.status)}];
    ctx.ops->indicators(counts);
    out.ok = true;
    out.indicators = e->indicators;
    if (ctx.config->alerts.enabled) out.messages = alert_cycle(ctx, *e);
    // The inputs and the previous snapshot's text are gone: give their pages back to the system,
    // and the page cache of the writer connection too (it refills on the next ingest).
    if (ctx.db->engine() == store::Engine::sqlite) ctx.db->exec("PRAGMA shrink_memory");
    malloc_trim(0);
    // The next evaluation's arrays: made warm now, off the path of the file that triggers it
    // (daemon/large_block_cache.h).
    if (blocks != nullptr) {
      const auto t_prime = Clock::now();
      if (const std::size_t primed = blocks->prime(); primed > 0) {
        ctx.log->debug("large blocks primed mb={} ms={}", primed >> 20, ms_since(t_prime));
      }
    }
  } catch (const std::exception& e) {
    ctx.ops->evaluation(false, Clock::now() - started, SysClock::now());
    ctx.health->report("evaluation", false, e.what());
    report_database_error(*ctx.health, e);
    ctx.log->error("evaluation failed error={}", kv(e.what()));
  }
  return out;
}

}  // namespace bw::daemon
