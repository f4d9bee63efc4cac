#include "daemon/app.h"

#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <future>
#include <iostream>
#include <mutex>
#include <random>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/json.hpp>

#include "alerts/cycle.h"
#include "alerts/notifiers/factory.h"
#include "alerts/outbox.h"
#include "collectors/drop_folder_source.h"
#include "collectors/ingest.h"
#include "collectors/registry.h"
#include "config/load.h"
#include "config/warnings.h"
#include "daemon/clock.h"
#include "daemon/evaluation.h"
#include "daemon/health.h"
#include "daemon/log.h"
#include "daemon/midyear_inputs.h"
#include "daemon/scheduler.h"
#include "daemon/source_pairing.h"
#include "daemon/metrics/ops_metrics.h"
#include "daemon/metrics/snapshot_collector.h"
#include "daemon/web/alerts_api.h"
#include "daemon/web/indicators_api.h"
#include "daemon/web/revisions_api.h"
#include "daemon/web/upload.h"
#include "daemon/web/api.h"
#include "daemon/web/auth.h"
#include "daemon/web/server.h"
#include "engine/snapshot.h"
#include "net/redact.h"
#include "store/alert_store.h"
#include "store/database.h"
#include "store/indicators_repo.h"
#include "store/inputs.h"
#include "store/instance_lock.h"
#include "store/migrations.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;
constexpr auto drain_deadline = std::chrono::milliseconds(4500);

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(SysClock::now().time_since_epoch()).count();
}

SnapshotMetricsOptions metrics_options(const config::Config& c, std::shared_ptr<const TimeZone> tz) {
  SnapshotMetricsOptions o;
  o.project_series = c.metrics.project_series;
  o.midnight_utc = [tz](engine::CivilDate d) { return tz->midnight_utc(d); };
  return o;
}

}  // namespace

struct App::Impl {
  asio::io_context io{1};
  asio::thread_pool writer{1};
  asio::thread_pool reader{1};
  AppOptions options;
  std::shared_ptr<spdlog::logger> log = logger("daemon");
  std::shared_ptr<spdlog::logger> collect_log = logger("collect");

  // The current configuration and what is derived from it; replaced as a whole on SIGHUP.
  struct Generation {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const TimeZone> tz;
    std::shared_ptr<const collect::ColumnMap> columns;
    std::shared_ptr<const std::map<std::string, alerts::NotifierPtr>> notifiers;
  };
  mutable std::mutex generation_mutex;
  Generation current;
  int generation_id = 0;  // io thread

  std::filesystem::path state_dir;
  std::optional<store::InstanceLock> instance_lock;  // held for the process's lifetime
  std::optional<store::Database> writer_db;  // writer thread only
  std::optional<store::Database> reader_db;  // reader thread only
  OpsMetrics ops;
  Health health{[this](const std::string& name, bool ok, bool removed) { ops.check(name, ok, removed); }};
  SnapshotCollector snapshots{SnapshotMetricsOptions{}};
  std::unique_ptr<web::Server> server;
  // Indicator completion of the last evaluation (API); replaced whole under the mutex.
  mutable std::mutex indicators_mutex;
  std::shared_ptr<const std::vector<engine::IndicatorEval>> indicator_evals;

  std::vector<std::shared_ptr<collect::Source>> sources;  // io thread
  std::vector<std::shared_ptr<asio::steady_timer>> source_timers;
  std::map<std::string, Clock::time_point> next_poll;  // io thread: each source's planned poll, across reloads
  // The periodic tasks (evaluation, delivery, database watch); sources have their own loops (generations).
  Scheduler scheduler{io, log, [this](const std::string&, const std::exception& e) { report_database_error(e); }};
  std::shared_ptr<Scheduler::Task> delivery_task;
  // Delivery backoff jitter; used on the writer thread only.
  std::shared_ptr<std::mt19937_64> delivery_rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  const std::int64_t started_at = unix_now();
  asio::signal_set signals{io};

  std::atomic<bool> stopping{false};
  std::atomic<bool> cancel_ingest{false};
  std::atomic<bool> evaluation_pending{false};
  std::atomic<bool> evaluated{false};
  // Local sources (files, drop folders) whose first poll is still to come: the first evaluation waits for
  // them, so that /readyz and the first scrape already see the data on disk. HTTP sources are not waited for.
  int first_polls_pending = 0;  // io thread

  Generation generation() const {
    std::lock_guard lock(generation_mutex);
    return current;
  }

  // Runs f() on the writer (reader) thread; the returned awaitable resumes the caller on its own executor
  // with f's result. Plain functions, not coroutines: GCC 12 destroys a by-value lambda argument of a
  // coroutine twice when it is a temporary inside a co_await expression (invalid free under valgrind).
  template <class F>
  asio::awaitable<std::invoke_result_t<F&>> on_writer(F f) {
    return on_pool(writer, std::move(f));
  }
  template <class F>
  asio::awaitable<std::invoke_result_t<F&>> on_reader(F f) {
    return on_pool(reader, std::move(f));
  }
  template <class F>
  static asio::awaitable<std::invoke_result_t<F&>> on_pool(asio::thread_pool& pool, F f) {
    using R = std::invoke_result_t<F&>;
    return asio::co_spawn(
        pool.get_executor(), [f = std::move(f)]() mutable -> asio::awaitable<R> { co_return f(); },
        asio::use_awaitable);
  }

  // ---- ingest -------------------------------------------------------------------------------------------

  // The database check fails on a database error (disk full, locked past the busy timeout, I/O error) caught
  // at a task boundary; it recovers when a later write transaction commits.
  void report_database_error(const std::exception& e) {
    if (dynamic_cast<const store::DatabaseError*>(&e) != nullptr) health.report("database", false, e.what());
  }

  Result<store::IngestReport> ingest(const std::filesystem::path& path, collect::IngestOptions opt) {
    try {
      auto r = collect::ingest_file(*writer_db, path, opt);
      if (r && !r->duplicate_file) health.report("database", true);  // a transaction committed
      return r;
    } catch (const std::exception& e) {
      log->error("ingest failed on the database file={} error={}", kv(opt.name), kv(e.what()));
      report_database_error(e);
      return fail(Errc::unavailable, std::string("database error: ") + e.what(), opt.name);
    }
  }

  void log_outcome(const std::string& source, const std::string& file, const Result<store::IngestReport>& r) {
    if (!r) {
      collect_log->warn("file not ingested source={} file={} error={}", kv(source), kv(file),
                        kv(r.error().message));
    } else if (r->duplicate_file) {
      collect_log->info("skipped file already ingested source={} file={} sha256={}", kv(source), kv(file),
                        r->sha256.substr(0, 12));
    } else {
      collect_log->info("ingested file source={} file={} kind={} rows={} accepted={} duplicate={} rejected={} "
                        "conflicts={} revised={} reapplied={} ms={}",
                        kv(source), kv(file), store::to_string(r->kind), r->rows_total, r->accepted, r->duplicate,
                        r->rejected, r->conflicts, r->revised, r->reapplied, r->duration_ms);
      for (const auto& rev : r->revisions) {
        collect_log->warn("budget line revised source={} file={} revision={}", kv(source), kv(file),
                          kv(rev.to_string()));
      }
    }
  }

  // A file held or an entry skipped: said once by the source, not at every poll.
  void log_notice(const std::string& source, const collect::SourceNotice& n) {
    const auto level = n.level == collect::SourceNotice::Level::warn ? spdlog::level::warn : spdlog::level::info;
    if (n.kind.empty()) {
      collect_log->log(level, "{} source={} file={} reason={}", n.message, kv(source), kv(n.file), kv(n.reason));
    } else {
      collect_log->log(level, "{} source={} file={} kind={} reason={}", n.message, kv(source), kv(n.file),
                       kv(n.kind), kv(n.reason));
    }
  }

  collect::IngestOptions ingest_options(const Generation& g, const std::string& source) {
    collect::IngestOptions opt;
    opt.source = source;
    opt.received_at = utc_iso(SysClock::now());
    opt.columns = g.columns.get();
    opt.cancel = &cancel_ingest;
    opt.limits.max_stored_rejects = static_cast<std::size_t>(g.config->ingest.max_stored_rejects);
    opt.limits.max_reject_share = g.config->ingest.max_reject_share_bp / 10000.0;
    opt.fiscal_start_month = g.config->policy.fiscal_year_start_month;  // issue 14: a register's year
    for (const auto& s : g.config->sources) {
      if (s.name == source) opt.fiscal_year = s.fiscal_year;
    }
    opt.fiscal_year_from = "sources[].fiscal_year";
    return opt;
  }

  asio::awaitable<void> source_loop(std::shared_ptr<collect::Source> src, int gen, std::chrono::seconds interval,
                                    std::shared_ptr<asio::steady_timer> timer) {
    const std::string name(src->name());
    std::string last_error;
    bool first_poll = gen == 1;
    // A reload keeps each source's schedule: a loop of a new generation waits for the poll its predecessor
    // planned (no earlier than now + the new interval allows), so SIGHUPs in a burst poll nothing extra.
    if (auto it = next_poll.find(name); it != next_poll.end() && it->second > Clock::now()) {
      timer->expires_at(std::min(it->second, Clock::now() + std::chrono::duration_cast<Clock::duration>(interval)));
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    while (!stopping && gen == generation_id) {
      const auto started = Clock::now();
      Result<std::vector<collect::ExportFile>> files = fail(Errc::internal, "not polled");
      try {
        files = co_await src->poll();
      } catch (const std::exception& e) {
        files = fail(Errc::internal, e.what());
      }
      ops.poll(name, files.has_value(), Clock::now() - started, SysClock::now());
      health.report("source:" + name, files.has_value(), files ? "" : net::redact_url(files.error().message));
      for (const collect::SourceNotice& n : src->take_notices()) log_notice(name, n);
      if (!files) {
        // Warn when the error changes, not at every poll (Alertmanager's RetryStage).
        if (files.error().message != last_error) {
          collect_log->warn("source poll failed source={} error={}", kv(name),
                            kv(net::redact_url(files.error().message)));
        }
        last_error = files.error().message;
      } else {
        if (!last_error.empty()) collect_log->info("source recovered source={}", kv(name));
        last_error.clear();
        bool changed = false;
        const Generation g = generation();
        for (const collect::ExportFile& f : *files) {
          if (stopping) break;
          collect::IngestOptions opt = ingest_options(g, name);
          opt.encoding = f.encoding;
          opt.kind = f.kind;
          opt.name = f.name;
          opt.reject_unterminated_last_record = f.reject_unterminated_last_record;
          opt.no_follow = f.no_follow;
          auto keep = g.columns;  // the map outlives the ingest even if a reload swaps it
          const std::filesystem::path path = f.path;
          // Named, not a temporary inside co_await: see on_writer.
          auto job = [this, path, opt, keep] { return ingest(path, opt); };
          auto task = on_writer(std::move(job));
          Result<store::IngestReport> outcome = co_await std::move(task);
          src->done(f, outcome);
          ops.ingest(name, outcome);
          log_outcome(name, f.name, outcome);
          changed = changed || (outcome && !outcome->duplicate_file);
        }
        if (changed) request_evaluation();
      }
      if (first_poll) {
        first_poll = false;
        if (src->kind() != "http" && --first_polls_pending == 0) request_evaluation();
      }
      if (stopping || gen != generation_id) break;
      const auto next = Clock::now() + jittered(interval);
      next_poll[name] = next;
      timer->expires_at(next);
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  // ---- evaluation ---------------------------------------------------------------------------------------

  void request_evaluation() {
    if (evaluation_pending.exchange(true)) return;
    asio::post(writer, [this] {
      evaluation_pending = false;
      if (!stopping) evaluate();
    });
  }

  // Writer thread.
  void evaluate() {
    const auto started = Clock::now();
    const Generation g = generation();
    try {
      const engine::CivilDate as_of = g.config->evaluation.as_of.value_or(g.tz->date_at(SysClock::now()));
      Result<Evaluation> e = evaluate_at(*writer_db, as_of, g.config->policy);
      if (!e) throw std::runtime_error(e.error().message);  // (no unit filter: cannot happen)
      const std::size_t lines = e->snapshot->lines.size();
      const auto t = Clock::now();
      snapshots.publish(e->snapshot);
      const long long publish_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
      const auto took = Clock::now() - started;
      ops.evaluation(true, took, SysClock::now());
      health.report("evaluation", true);
      if (!evaluated.exchange(true)) ops.set_ready(true);
      log->info("evaluated as_of={} lines={} ms={} load_ms={} evaluate_ms={} publish_ms={}",
                engine::to_iso(as_of), lines, std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                e->load_ms, e->evaluate_ms, publish_ms);
      {
        std::map<std::array<std::string, 2>, int> counts;
        for (const auto& x : *e->indicators) ++counts[{x.unit_code, engine::to_string(x.status)}];
        ops.indicators(counts);
        std::lock_guard lock(indicators_mutex);
        indicator_evals = e->indicators;
      }
      if (g.config->alerts.enabled) alert_cycle(g, *e);
      // The inputs and the previous snapshot's text are gone: give their pages back to the system, and the
      // page cache of the writer connection too (it refills on the next ingest).
      writer_db->exec("PRAGMA shrink_memory");
      malloc_trim(0);
    } catch (const std::exception& e) {
      ops.evaluation(false, Clock::now() - started, SysClock::now());
      health.report("evaluation", false, e.what());
      report_database_error(e);
      log->error("evaluation failed error={}", kv(e.what()));
    }
  }

  // ---- alerts -------------------------------------------------------------------------------------------

  // Writer thread: rules → state → outbox in one transaction, then wake the delivery loop.
  void alert_cycle(const Generation& g, const Evaluation& e) {
    const config::Config& c = *g.config;
    try {
      const alerts::CycleContext ctx = cycle_context(*writer_db, c, *g.tz, unix_now(), started_at, e);
      const auto r = alerts::run_cycle(*writer_db, *e.snapshot, c.alerts, ctx);
      log->info("alerts evaluated firing={} pending={} fired={} resolved={} silenced={} inhibited={} messages={}",
                r.firing, r.pending, r.fired_now, r.resolved_now, r.silenced, r.inhibited, r.messages);
      std::map<std::array<std::string, 3>, int> counts;
      for (const auto& a : store::load_alerts(*writer_db)) ++counts[{a.rule, a.severity, a.state}];
      ops.alerts(counts);
      update_outbox_metrics();
      if (r.messages > 0) asio::post(io, [this] { if (delivery_task) delivery_task->wake(); });
      health.report("database", true);  // the cycle's transaction committed
    } catch (const std::exception& ex) {
      report_database_error(ex);
      log->error("alert cycle failed error={}", kv(ex.what()));
    }
  }

  // Writer thread.
  void update_outbox_metrics() {
    const auto st = store::outbox_stats(*writer_db);
    ops.outbox(st.pending, st.failed,
               st.oldest_pending_created_at ? static_cast<double>(unix_now() - *st.oldest_pending_created_at) : 0.0);
  }

  // io thread: delivers due outbox rows one at a time (a task of the scheduler: then it sleeps
  // deliver_interval, or until woken by new messages).
  asio::awaitable<void> delivery_tick() {
    const Generation g = generation();
    if (g.config->alerts.enabled) co_await deliver_due(g);
  }

  asio::awaitable<void> deliver_due(Generation g) {
    alerts::RunOnDb run_db = [this](std::function<void(store::Database&)> f) {
      return on_writer([this, f = std::move(f)] {
        f(*writer_db);
        return 0;
      });
    };
    auto notifiers = g.notifiers;
    alerts::OnAttempt on_attempt = [this, notifiers](const store::OutboxRow& row, const alerts::DeliveryResult& result,
                                                     const std::string& state) {
      const auto it = notifiers->find(row.receiver);
      const std::string kind = it != notifiers->end() && it->second ? std::string(it->second->kind()) : "none";
      const char* outcome = result.outcome == alerts::Outcome::delivered ? "delivered"
                            : result.outcome == alerts::Outcome::retry   ? "retry"
                                                                         : "permanent";
      ops.delivery(row.receiver, kind, outcome);
      health.report("receiver:" + row.receiver, result.outcome == alerts::Outcome::delivered,
                    net::redact_url(result.reason));
      if (result.outcome == alerts::Outcome::delivered) {
        log->info("notification delivered receiver={} key={} alerts={} attempts={}", kv(row.receiver),
                  kv(row.idempotency_key), row.alert_count, row.attempts + 1);
      } else {
        log->warn("notification not delivered receiver={} key={} outcome={} state={} attempts={} error={}",
                  kv(row.receiver), kv(row.idempotency_key), outcome, state, row.attempts + 1,
                  kv(net::redact_url(result.reason)));
      }
    };
    auto pass = alerts::deliver_pass(io.get_executor(), run_db, notifiers, alerts::delivery_policy(g.config->alerts),
                                     delivery_rng, on_attempt, &stopping, [] { return SysClock::now(); });
    const alerts::PassReport report = co_await std::move(pass);
    if (report.attempted > 0) {
      auto metrics = [this] {
        update_outbox_metrics();
        return 0;
      };
      auto updated = on_writer(std::move(metrics));
      co_await std::move(updated);
    }
  }

  // The wait of the evaluation task: the interval, or just after local midnight when that comes first (the
  // expected progress moves with the date).
  std::chrono::milliseconds until_next_evaluation() const {
    const Generation g = generation();
    const auto now = SysClock::now();
    const engine::CivilDate today = g.tz->date_at(now);
    const auto midnight = SysClock::time_point(std::chrono::seconds(g.tz->midnight_utc(engine::add_days(today, 1))));
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(g.config->evaluation.interval);
    const auto to_midnight =
        std::chrono::duration_cast<std::chrono::milliseconds>(midnight - now) + std::chrono::seconds(1);
    if (!g.config->evaluation.as_of && to_midnight < wait) wait = to_midnight;
    return wait;
  }

  asio::awaitable<void> evaluation_tick() {
    request_evaluation();
    co_return;
  }

  asio::awaitable<void> database_watch_tick() {
    asio::post(writer, [this] { check_database(); });
    co_return;
  }

  void start_tasks() {
    scheduler.every(
        "evaluation", [this] { return until_next_evaluation(); }, [this] { return evaluation_tick(); },
        /*run_first=*/false);
    delivery_task = scheduler.every(
        "delivery",
        [this] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(generation().config->alerts.deliver_interval);
        },
        [this] { return delivery_tick(); }, /*run_first=*/true);
    scheduler.every(
        "database_watch", [] { return std::chrono::milliseconds(2000); }, [this] { return database_watch_tick(); },
        /*run_first=*/false);
  }

  static store::OpenOptions reader_options() {
    store::OpenOptions o;
    o.cache_kib = 8 << 10;  // the reader serves small pages of the ingest history
    return o;
  }

  // Writer thread: is the database file still the one opened, and writable? A deleted or replaced file fails
  // the database check at once (writes are refused by Transaction, uploads answer 503), without waiting for
  // the next write; a database opened read-only is opened again once the file is writable.
  void check_database() {
    if (!writer_db) return;
    const std::string problem = writer_db->file_problem();
    if (!problem.empty()) {
      if (!database_file_problem) log->error("database file problem error={}", kv(problem));
      database_file_problem = true;
      health.report("database", false, problem);
      return;
    }
    if (writer_db->read_only() && ::access(writer_db->path().c_str(), W_OK) == 0) reopen_database();
  }

  // Writer thread. SQLite shares one read-only mapping of the WAL index among all connections of a process
  // to a file, so every connection is closed before the writer opens again: the reader thread closes its
  // connection and waits (serving nothing meanwhile) until the writer has reopened, then opens its own.
  void reopen_database() {
    const std::filesystem::path path = writer_db->path();
    std::promise<void> reader_closed;
    std::promise<void> writer_done;
    auto closed = reader_closed.get_future();
    asio::post(reader, [this, path, &reader_closed, done = writer_done.get_future()]() mutable {
      reader_db.reset();
      reader_closed.set_value();
      done.wait();
      try {
        reader_db.emplace(store::Database::open(path, reader_options()));
      } catch (const std::exception& e) {
        log->error("reader connection not reopened error={}", kv(e.what()));
      }
    });
    closed.wait();
    writer_db.reset();
    // SQLite created the WAL and its index with the database's mode of then (read-only): give them the
    // database's mode of now, or the new connection would be read-only again.
    std::error_code ec;
    const auto mode = std::filesystem::status(path, ec).permissions();
    for (const char* suffix : {"-wal", "-shm"}) {
      const std::filesystem::path side(path.string() + suffix);
      if (!ec && std::filesystem::exists(side) && ::access(side.c_str(), W_OK) != 0) {
        std::error_code pec;
        std::filesystem::permissions(side, mode, pec);
        if (pec) log->warn("cannot make writable file={} error={}", kv(side.string()), kv(pec.message()));
      }
    }
    for (int attempt = 1; attempt <= 2 && !writer_db; ++attempt) {
      try {
        writer_db.emplace(store::Database::open(path));
        if (!writer_db->read_only()) store::migrate(*writer_db);
      } catch (const std::exception& e) {
        writer_db.reset();
        log->error("database not reopened attempt={} error={}", attempt, kv(e.what()));
      }
    }
    writer_done.set_value();
    if (!writer_db) {  // the writer cannot go on without a connection: stop, to be restarted (systemd)
      asio::post(io, [this] { begin_shutdown(); });
      return;
    }
    if (writer_db && !writer_db->read_only()) {
      log->info("database writable again, reopened file={}", kv(path.string()));
      health.report("database", true);
      request_evaluation();
    }
  }
  bool database_file_problem = false;  // writer thread

  // ---- sources and reload -------------------------------------------------------------------------------

  Result<void> start_sources(const config::Config& c) {
    auto built = collect::build_sources(c, state_dir, io.get_executor(), [] { return SysClock::now(); });
    if (!built) return tl::unexpected(built.error());
    auto paired = pair_sources(std::move(*built), c.sources);  // by name: a mismatch is an error
    if (!paired) return tl::unexpected(paired.error());
    for (auto& t : source_timers) t->cancel();
    source_timers.clear();
    sources.clear();
    const int gen = ++generation_id;
    // Checks of sources and receivers a reload removed go away (budgetwatch_check_up too).
    std::vector<std::string> names;
    for (const auto& s : c.sources) names.push_back("source:" + s.name);
    health.retain("source:", names);
    names.clear();
    for (const auto& r : c.alerts.receivers) names.push_back("receiver:" + r.name);
    health.retain("receiver:", names);
    for (PairedSource& p : *paired) {
      auto timer = std::make_shared<asio::steady_timer>(io);
      sources.push_back(p.source);
      source_timers.push_back(timer);
      asio::co_spawn(io, source_loop(std::move(p.source), gen, p.config->interval, timer), asio::detached);
    }
    return {};
  }

  Result<Generation> make_generation(config::Config c) {
    auto tz = TimeZone::from_name(c.evaluation.time_zone);
    if (!tz) return tl::unexpected(tz.error());
    Generation g;
    g.columns = std::make_shared<const collect::ColumnMap>(collect::build_column_map(c));
    g.tz = std::make_shared<const TimeZone>(*tz);
    g.notifiers = std::make_shared<const std::map<std::string, alerts::NotifierPtr>>(
        alerts::make_notifiers(c.alerts));
    g.config = std::make_shared<const config::Config>(std::move(c));
    return g;
  }

  void install(Generation g) {
    snapshots.set_options(metrics_options(*g.config, g.tz));
    std::lock_guard lock(generation_mutex);
    current = std::move(g);
  }

  void reload() {
    if (options.config_file.empty() || stopping) return;
    const auto old = generation();
    auto loaded = config::load_config(options.config_file);
    if (loaded) {
      if (loaded->database != old.config->database || loaded->server.listen != old.config->server.listen) {
        log->warn("database and listen address changes need a restart; keeping database={} listen={}",
                  kv(old.config->database.string()), kv(old.config->server.listen));
        loaded->database = old.config->database;
        loaded->server = old.config->server;
      }
    }
    Result<Generation> g = loaded ? make_generation(std::move(*loaded)) : tl::unexpected(loaded.error());
    if (!g) {
      log->error("config reload failed, keeping the running config file={} error={}",
                 kv(options.config_file.string()), kv(g.error().to_string()));
      ops.config_reloaded(false, SysClock::now());
      return;
    }
    const config::Config& c = *g->config;
    install(std::move(*g));
    if (auto s = start_sources(c); !s) {
      log->error("config reload: sources not rebuilt error={}", kv(s.error().to_string()));
    }
    server->set_router(make_router());
    // A renewed certificate (same paths) is taken from the next connection on; a broken one keeps the old.
    if (auto t = server->set_tls(c.server.tls_cert_file, c.server.tls_key_file); !t) {
      log->error("config reload: keeping the running TLS certificate error={}", kv(t.error().to_string()));
    }
    ops.config_reloaded(true, SysClock::now());
    log->info("config reloaded file={} sources={}", kv(options.config_file.string()), c.sources.size());
    request_evaluation();
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------

  web::TokenCheck authorize(const web::Request& r, const std::string& scope) {
    const auto header = r.header("Authorization");
    const Generation g = generation();
    return web::check_token(header ? std::optional<std::string_view>(*header) : std::nullopt, g.config->tokens,
                            scope);
  }

  web::UploadContext upload_context() {
    web::UploadContext u;
    u.config = [this] { return generation().config; };
    u.options = [this](const std::string& source) { return ingest_options(generation(), source); };
    u.ingest = [this](std::filesystem::path path, collect::IngestOptions opt) { return ingest_upload(path, opt); };
    u.authorize = [this](const web::Request& r, const std::string& scope) { return authorize(r, scope); };
    u.changed = [this] { request_evaluation(); };
    return u;
  }

  // io thread: an uploaded file on the writer, counted and logged like a source's.
  asio::awaitable<Result<store::IngestReport>> ingest_upload(std::filesystem::path path, collect::IngestOptions opt) {
    const Generation g = generation();  // keeps the column map alive through the ingest
    opt.columns = g.columns.get();
    auto keep = g.columns;
    auto job = [this, path, opt, keep] { return ingest(path, opt); };
    auto task = on_writer(std::move(job));
    Result<store::IngestReport> outcome = co_await std::move(task);
    ops.ingest(opt.source, outcome);
    log_outcome(opt.source, opt.name, outcome);
    co_return outcome;
  }

  std::shared_ptr<const web::Router> make_router() {
    web::ApiContext ctx;
    ctx.snapshots = &snapshots;
    ctx.ops = &ops;
    ctx.language = generation().config->language;
    ctx.health = &health;
    ctx.not_ready = [this]() -> std::string {
      if (!writer_db) return "database not open";
      if (!evaluated) return "first evaluation not done";
      if (stopping) return "shutting down";
      return "";
    };
    ctx.ingests = [this](std::int64_t offset, std::int64_t limit, std::int64_t rejects) {
      return on_reader([this, offset, limit, rejects] { return store::list_ingests(*reader_db, offset, limit, rejects); });
    };
    ctx.failed_files = [this](std::int64_t limit) {
      return on_reader([this, limit] { return store::list_failed_files(*reader_db, limit); });
    };
    ctx.skipped_files = [this] {  // io thread, like `sources`
      std::vector<std::pair<std::string, collect::SkippedEntry>> out;
      for (const auto& s : sources) {
        for (auto& e : s->skipped()) out.emplace_back(std::string(s->name()), std::move(e));
      }
      return out;
    };
    const Generation g = generation();
    const bool uploads = std::any_of(g.config->tokens.begin(), g.config->tokens.end(), [](const auto& t) {
      return std::find(t.scopes.begin(), t.scopes.end(), "upload") != t.scopes.end() ||
             std::find(t.scopes.begin(), t.scopes.end(), "admin") != t.scopes.end();
    });
    if (uploads) ctx.upload = [this](web::Request& r) { return web::handle_upload(upload_context(), r); };
    ctx.midyear = [this](std::shared_ptr<const engine::Snapshot> snap) {
      return on_reader([this, snap] { return midyear_inputs(*reader_db, *snap); });
    };
    const bool alerts_on = g.config->alerts.enabled;
    ctx.extra_routes = [this, alerts_on](web::Router& router) {
      web::IndicatorApiContext ic;
      ic.on_reader = [this](web::AlertApiContext::DbJob job) {
        return on_reader([this, job = std::move(job)] { return job(*reader_db); });
      };
      ic.on_writer = [this](web::AlertApiContext::DbJob job) {
        return on_writer([this, job = std::move(job)] { return job(*writer_db); });
      };
      ic.evaluations = [this] {
        std::lock_guard lock(indicators_mutex);
        return indicator_evals;
      };
      ic.changed = [this] { request_evaluation(); };
      web::add_indicator_routes(router, std::move(ic));
      web::add_revision_routes(router, [this](web::AlertApiContext::DbJob job) {
        return on_reader([this, job = std::move(job)] { return job(*reader_db); });
      });
      if (alerts_on) {
        web::AlertApiContext a;
        a.on_reader = [this](web::AlertApiContext::DbJob job) {
          return on_reader([this, job = std::move(job)] { return job(*reader_db); });
        };
        a.on_writer = [this](web::AlertApiContext::DbJob job) {
          return on_writer([this, job = std::move(job)] { return job(*writer_db); });
        };
        a.config = [this] {
          const auto cfg = generation().config;
          return std::shared_ptr<const config::AlertsConfig>(cfg, &cfg->alerts);
        };
        a.changed = [this] { request_evaluation(); };
        web::add_alert_routes(router, std::move(a));
      }
    };
    return web::make_router(std::move(ctx));
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  void wait_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log->info("SIGHUP: reloading the config");
        reload();
        wait_signals();
        return;
      }
      log->info("signal received, draining signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
      begin_shutdown();
    });
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    cancel_ingest = true;
    server->stop();
    scheduler.stop();
    for (auto& t : source_timers) t->cancel();
    boost::system::error_code ignored;
    signals.cancel(ignored);
    asio::co_spawn(io, drain(), asio::detached);
  }

  // Waits for the writer's current task and open requests to finish, at most drain_deadline.
  asio::awaitable<void> drain() {
    auto writer_idle = std::make_shared<std::atomic<bool>>(false);
    asio::post(writer, [writer_idle] { *writer_idle = true; });
    const auto deadline = Clock::now() + drain_deadline;
    asio::steady_timer t(io);
    while (Clock::now() < deadline && (!*writer_idle || server->connections() > 0)) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!*writer_idle || server->connections() > 0) {
      log->warn("drain deadline reached writer_idle={} connections={}", writer_idle->load(),
                server->connections());
    }
    io.stop();
  }
};

App::App() : impl_(std::make_unique<Impl>()) {}

App::~App() {
  if (!impl_) return;
  impl_->stopping = true;
  impl_->cancel_ingest = true;
  impl_->writer.join();
  impl_->reader.join();
}

Result<std::unique_ptr<App>> App::create(config::Config config, AppOptions options) {
  setup_logging(config.logging.level);
  std::unique_ptr<App> app(new App());
  Impl& m = *app->impl_;
  m.options = std::move(options);
  const config::Config c = config;
  for (const std::string& w : config::warnings(c)) m.log->warn("config warning reason={}", kv(w));
  auto g = m.make_generation(std::move(config));
  if (!g) return tl::unexpected(g.error());
  m.install(std::move(*g));

  m.state_dir = c.database.parent_path().empty() ? std::filesystem::path(".") : c.database.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(m.state_dir / "uploads", ec);
  if (ec) {
    return fail(Errc::io, "cannot create " + (m.state_dir / "uploads").string() + ": " + ec.message());
  }
  for (const auto& s : c.sources) {
    if (s.kind == "drop_folder") std::filesystem::create_directories(s.path, ec);
  }
  // One daemon per database file, and never an empty database silently in place of a deleted one.
  if (auto present = store::check_database_present(c.database, m.options.create_database); !present) {
    return tl::unexpected(present.error());
  }
  {
    std::string owner = "pid " + std::to_string(::getpid()) + ", listen " + c.server.listen + ", since " +
                        utc_iso(SysClock::now());
    if (!m.options.config_file.empty()) owner += ", config " + m.options.config_file.string();
    auto lock = store::InstanceLock::acquire(c.database, owner);
    if (!lock) return tl::unexpected(lock.error());
    m.instance_lock.emplace(std::move(*lock));
  }
  try {
    const bool existed = std::filesystem::exists(c.database);
    m.writer_db.emplace(store::Database::open(c.database));
    if (!existed) m.log->warn("created a new, empty database file={}", kv(c.database.string()));
    // Damage in the middle of the file is otherwise found by the first write that touches it.
    if (existed) {
      const auto t = Clock::now();
      const std::string check = store::quick_check(*m.writer_db);
      if (check != "ok") {
        return fail(Errc::unavailable,
                    "database " + c.database.string() + " is damaged (PRAGMA quick_check: " + check +
                        "): stop, keep a copy, and restore a backup or recover it as docs/reliability.md says");
      }
      m.log->info("database checked file={} quick_check=ok ms={}", kv(c.database.string()),
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
    }
    const int version = m.writer_db->read_only() ? store::schema_version(*m.writer_db)
                                                 : store::migrate(*m.writer_db);
    m.reader_db.emplace(store::Database::open(c.database, m.reader_options()));
    m.log->info("database open file={} schema={}", kv(c.database.string()), version);
    if (m.writer_db->read_only()) {
      m.log->warn("database opened read-only (no write permission): figures are served, writes fail until the "
                  "file is writable, checked every few seconds file={}",
                  kv(c.database.string()));
      m.health.report("database", false, "opened read-only: no write permission on " + c.database.string());
    }
  } catch (const std::exception& e) {
    return fail(Errc::unavailable, std::string("cannot open the database: ") + e.what());
  }

  web::ServerOptions so;
  so.listen = c.server.listen;
  so.max_header_bytes = c.server.max_header_bytes;
  so.max_body_bytes = c.server.max_body_bytes;
  so.read_timeout = c.server.read_timeout;
  so.write_timeout = c.server.write_timeout;
  so.idle_timeout = c.server.idle_timeout;
  so.max_connections = c.server.max_connections;
  so.upload_dir = m.state_dir / "uploads";
  Impl* impl = &m;
  // The server logs a handler's exception; a database error also fails the database check.
  so.on_handler_error = [impl](const std::string&, const std::exception& e) { impl->report_database_error(e); };
  m.server = std::make_unique<web::Server>(
      m.io, so, m.make_router(),
      [impl](const web::Request& r, const std::string& scope) { return impl->authorize(r, scope); },
      [impl](const std::string& handler, int status, std::chrono::duration<double> took) {
        impl->ops.http_request(handler, status, took);
      });
  m.server->set_shed_observer([impl](const std::string& reason) { impl->ops.http_connection_shed(reason); });
  if (auto t = m.server->set_tls(c.server.tls_cert_file, c.server.tls_key_file); !t) {
    return tl::unexpected(t.error());
  }
  if (auto l = m.server->listen(); !l) return tl::unexpected(l.error());
  m.ops.config_reloaded(true, SysClock::now());
  return app;
}

int App::run() {
  Impl& m = *impl_;
  const auto g = m.generation();
  if (m.options.handle_signals) {
    // A file-size limit (ulimit -f, LimitFSIZE=) makes the database's writes fail with EFBIG, handled like a
    // full disk, instead of killing the daemon with SIGXFSZ.
    std::signal(SIGXFSZ, SIG_IGN);
    m.signals.add(SIGINT);
    m.signals.add(SIGTERM);
    m.signals.add(SIGHUP);
    m.wait_signals();
  }
  if (auto s = m.start_sources(*g.config); !s) {
    m.log->error("sources not started error={}", kv(s.error().to_string()));
    return 1;
  }
  m.first_polls_pending = static_cast<int>(std::count_if(
      m.sources.begin(), m.sources.end(), [](const auto& s) { return s->kind() != "http"; }));
  if (m.first_polls_pending == 0) m.request_evaluation();
  m.start_tasks();
  m.server->start();
  const auto ep = m.server->local_endpoint();
  const std::string base = std::string(m.server->tls() ? "https://" : "http://") + ep.address().to_string() + ":" +
                           std::to_string(ep.port());
  m.log->info("serving listen={} sources={} database={}", base, g.config->sources.size(),
              kv(g.config->database.string()));
  if (m.options.announce) {
    std::cout << "budgetwatch " << BW_VERSION << " is serving " << base << " (Ctrl-C to stop)\n"
              << "  metrics   " << base << "/metrics\n"
              << "  summary   " << base << "/api/v1/summary\n"
              << "  laggards  " << base << "/api/v1/projects?kind=project&sort=execution&per_page=20\n"
              << "  report    " << base << "/api/v1/reports/execution?format=md\n"
              << "  ingests   " << base << "/api/v1/ingests\n";
    for (const auto& s : g.config->sources) {
      if (s.kind == "drop_folder") std::cout << "  drop new exports into " << s.path.string() << "\n";
    }
    std::cout << "  database  " << g.config->database.string() << "\n" << std::flush;
  }
  m.io.run();
  m.writer.join();
  m.reader.join();
  try {
    if (m.writer_db) m.writer_db->checkpoint();
  } catch (const std::exception& e) {
    m.log->warn("final checkpoint failed error={}", kv(e.what()));
  }
  m.log->info("stopped");
  return 0;
}

void App::stop() {
  asio::post(impl_->io, [m = impl_.get()] { m->begin_shutdown(); });
}

void App::reload() {
  asio::post(impl_->io, [m = impl_.get()] { m->reload(); });
}

std::uint16_t App::port() const { return impl_->server->local_endpoint().port(); }

}  // namespace bw::daemon
