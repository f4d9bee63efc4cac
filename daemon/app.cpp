#include "daemon/app.h"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>

#include "alerts/notifiers/factory.h"
#include "collectors/ingest.h"
#include "collectors/registry.h"
#include "config/load.h"
#include "config/warnings.h"
#include "daemon/clock.h"
#include "daemon/database_threads.h"
#include "daemon/delivery_grace.h"
#include "daemon/delivery_task.h"
#include "daemon/evaluation.h"
#include "daemon/evaluation_task.h"
#include "daemon/health.h"
#include "daemon/large_block_cache.h"
#include "daemon/lease_keeper.h"
#include "daemon/log.h"
#include "daemon/metrics/ops_metrics.h"
#include "daemon/metrics/snapshot_collector.h"
#include "daemon/midyear_inputs.h"
#include "daemon/past_snapshots.h"
#include "daemon/scheduler.h"
#include "daemon/source_runner.h"
#include "daemon/web/alerts_api.h"
#include "daemon/web/api.h"
#include "daemon/web/auth.h"
#include "daemon/web/indicators_api.h"
#include "daemon/web/pages.h"
#include "daemon/web/revisions_api.h"
#include "daemon/web/server.h"
#include "daemon/web/upload.h"
#include "store/indicators_repo.h"
#include "store/inputs.h"
#include "store/instance_lock.h"
#include "store/lease.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;
constexpr auto drain_deadline = std::chrono::milliseconds(4500);

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(SysClock::now().time_since_epoch()).count();
}

using DbJobRunner = std::function<asio::awaitable<web::Response>(web::AlertApiContext::DbJob)>;

SnapshotMetricsOptions metrics_options(const config::Config& c, std::shared_ptr<const TimeZone> tz) {
  SnapshotMetricsOptions o;
  o.project_series = c.metrics.project_series;
  o.midnight_utc = [tz](engine::CivilDate d) { return tz->midnight_utc(d); };
  return o;
}

}  // namespace

struct App::Impl {
  asio::io_context io{1};
  AppOptions options;
  std::shared_ptr<spdlog::logger> log = logger("daemon");

  // The current configuration and what is derived from it; replaced as a whole on SIGHUP.
  struct Generation {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const TimeZone> tz;
    std::shared_ptr<const collect::ColumnMap> columns;
    std::shared_ptr<const std::map<std::string, alerts::NotifierPtr>> notifiers;
  };
  mutable std::mutex generation_mutex;
  Generation current;

  std::filesystem::path state_dir;
  std::optional<store::InstanceLock> instance_lock;  // held for the process's lifetime
  OpsMetrics ops;
  Health health{[this](const std::string& name, bool ok, bool removed) { ops.check(name, ok, removed); }};
  // A database that cannot be reopened, or a file found damaged, stops the daemon with a failure (exit status 1:
  // systemd's Restart=on-failure restarts it).
  DatabaseThreads db{log, DatabaseThreads::Events{
                              [this](bool ok, const std::string& reason) { health.report("database", ok, reason); },
                              [this] { request_evaluation(); },
                              [this] { fail_and_stop(); },
                              [this](const std::string&) { fail_and_stop(); }}};
  SnapshotCollector snapshots{SnapshotMetricsOptions{}};
  std::unique_ptr<web::Server> server;
  // The alert lease (trivially held on SQLite); after the parts its thread reports to, so destroyed first.
  std::unique_ptr<LeaseKeeper> lease;
  // Indicator completion of the last evaluation (API); replaced whole under the mutex.
  mutable std::mutex indicators_mutex;
  std::shared_ptr<const std::vector<engine::IndicatorEval>> indicator_evals;
  // The API's evaluations of other dates, kept while the ledger and the config are unchanged.
  PastSnapshots past_snapshots;

  SourceRunner sources{io, ops, health, logger("collect"),
                       SourceRunner::Hooks{[this](const std::string& source) { return ingest_options(generation(), source); },
                                           [this](std::filesystem::path path, collect::IngestOptions opt) {
                                             return ingest_counted(std::move(path), std::move(opt));
                                           },
                                           [this] { request_evaluation(); }}};
  // The periodic tasks (evaluation, delivery, database watch); sources have their own loops.
  Scheduler scheduler{io, log, [this](const std::string&, const std::exception& e) { report_database_error(health, e); }};
  std::shared_ptr<Scheduler::Task> delivery_task;
  // Delivery backoff jitter; used on the writer thread only.
  std::shared_ptr<std::mt19937_64> delivery_rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  DeliveryGrace delivery_grace{SysClock::now()};  // failed deliveries: info for a while, then warnings
  const std::int64_t started_at = unix_now();
  asio::signal_set signals{io};

  std::atomic<bool> stopping{false};
  std::atomic<int> exit_status{0};
  std::atomic<bool> cancel_ingest{false};
  std::atomic<bool> evaluation_pending{false};
  std::atomic<bool> evaluated{false};

  Generation generation() const {
    std::lock_guard lock(generation_mutex);
    return current;
  }

  // ---- ingest -------------------------------------------------------------------------------------------

  collect::IngestOptions ingest_options(const Generation& g, const std::string& source) {
    collect::IngestOptions opt;
    opt.source = source;
    opt.received_at = utc_iso(SysClock::now());
    opt.columns = g.columns.get();
    opt.cancel = &cancel_ingest;
    opt.limits.max_stored_rejects = static_cast<std::size_t>(g.config->ingest.max_stored_rejects);
    opt.limits.max_reject_share = g.config->ingest.max_reject_share_bp / 10000.0;
    opt.workbook.max_member_bytes = g.config->ingest.max_zip_member_bytes;  // issue 16: workbook limits
    opt.workbook.max_ratio = static_cast<std::uint64_t>(g.config->ingest.max_zip_ratio);
    opt.workbook.max_members = static_cast<std::uint64_t>(g.config->ingest.max_zip_members);
    opt.workbook.hidden_sheets = g.config->ingest.hidden_sheets;
    opt.workbook.max_xls_bytes = g.config->ingest.max_xls_bytes;  // FreeXL's memory guard
    opt.workbook.max_xls_rows = static_cast<std::uint64_t>(g.config->ingest.max_xls_rows);
    opt.workbook.max_xls_columns = static_cast<std::uint64_t>(g.config->ingest.max_xls_columns);
    opt.fiscal_start_month = g.config->policy.fiscal_year_start_month;  // issue 14: a register's year
    for (const auto& s : g.config->sources) {
      if (s.name == source) opt.fiscal_year = s.fiscal_year;
    }
    opt.fiscal_year_from = "sources[].fiscal_year";
    return opt;
  }

  // Writer thread. A committed ingest makes the database check ok; a database error fails it.
  Result<store::IngestReport> ingest(const std::filesystem::path& path, const collect::IngestOptions& opt) {
    for (int attempt = 1;; ++attempt) {
      try {
        auto r = collect::ingest_file(db.writer(), path, opt);
        if (r && !r->duplicate_file) health.report("database", true);  // a transaction committed
        return r;
      } catch (const store::DatabaseError& e) {
        // Two instances ingesting files that share vouchers may deadlock on PostgreSQL: the server aborts
        // one, which is read again at once (its transaction left nothing).
        if ((e.sqlstate() == "40P01" || e.sqlstate() == "40001") && attempt < 3) {
          log->info("ingest retried after a concurrent ingest file={} error={}", kv(opt.name), kv(e.what()));
          continue;
        }
        return ingest_failed(opt, e);
      } catch (const std::exception& e) {
        return ingest_failed(opt, e);
      }
    }
  }

  Result<store::IngestReport> ingest_failed(const collect::IngestOptions& opt, const std::exception& e) {
    // While the server is unreachable the outage is logged once (database_threads.cpp); the file waits.
    if (db.server_down()) {
      log->debug("ingest waits for the database file={} error={}", kv(opt.name), kv(e.what()));
    } else {
      log->error("ingest failed on the database file={} error={}", kv(opt.name), kv(e.what()));
    }
    report_database_error(health, e);
    return fail(Errc::unavailable, std::string("database error: ") + e.what(), opt.name);
  }

  // io thread: a file (a source's or an upload) ingested on the writer, counted and logged.
  asio::awaitable<Result<store::IngestReport>> ingest_counted(std::filesystem::path path, collect::IngestOptions opt) {
    const Generation g = generation();  // keeps the column map alive through the ingest
    opt.columns = g.columns.get();
    auto keep = g.columns;
    auto job = [this, path, opt, keep] { return ingest(path, opt); };
    auto task = db.on_writer(std::move(job));  // named, not a temporary inside co_await
    Result<store::IngestReport> outcome = co_await std::move(task);
    ops.ingest(opt.source, outcome);
    if (outcome || outcome.error().code != Errc::unavailable || !db.server_down()) {
      log_ingest_outcome(*logger("collect"), opt.source, opt.name, outcome);
    }
    co_return outcome;
  }

  // ---- tasks --------------------------------------------------------------------------------------------

  void request_evaluation() {
    if (evaluation_pending.exchange(true)) return;
    asio::post(db.writer_pool(), [this] {
      evaluation_pending = false;
      if (!stopping) evaluate();
    });
  }

  // Writer thread.
  void evaluate() {
    const Generation g = generation();
    EvaluationTaskContext ctx;
    ctx.db = &db.writer();
    ctx.config = g.config;
    ctx.tz = g.tz;
    ctx.watched_since = started_at;
    ctx.snapshots = &snapshots;
    ctx.ops = &ops;
    ctx.health = &health;
    ctx.log = log;
    ctx.leader = [this] { return lease->held(); };
    if (lease->shared()) {
      ctx.fence = [this](store::Database& d) {
        store::require_lease(d, store::alerts_lease, lease->self(), store::database_clock_ms(d));
      };
    }
    const EvaluationOutcome out = run_evaluation(ctx);
    if (!out.ok) return;
    {
      std::lock_guard lock(indicators_mutex);
      indicator_evals = out.indicators;
    }
    if (!evaluated.exchange(true)) ops.set_ready(true);
    if (out.messages) {
      asio::post(io, [this] {
        if (delivery_task) delivery_task->wake();
      });
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

  asio::awaitable<void> delivery_tick() {
    const Generation g = generation();
    if (!g.config->alerts.enabled || !lease->held()) co_return;  // a standby instance delivers nothing
    DeliveryContext ctx;
    ctx.io = io.get_executor();
    ctx.db = &db;
    ctx.notifiers = g.notifiers;
    ctx.config = g.config;
    ctx.rng = delivery_rng;
    ctx.ops = &ops;
    ctx.health = &health;
    ctx.log = log;
    ctx.stopping = &stopping;
    ctx.grace = &delivery_grace;
    ctx.claim.owner = lease->self();
    // On a shared database the keeper extends the claims with the lease: a dead holder's rows are
    // claimable again when its lease expires. On SQLite nobody else claims.
    ctx.claim.ttl = lease->shared() ? std::chrono::duration_cast<std::chrono::seconds>(lease->ttl())
                                    : std::chrono::seconds(300);
    ctx.claim.may_send = [this] { return lease->held(); };
    // Named, not a temporary inside co_await: GCC 12 destroys a coroutine's by-value argument twice then.
    auto pass = deliver_due(std::move(ctx));
    co_await std::move(pass);
  }

  void start_tasks() {
    scheduler.every(
        "evaluation", [this] { return until_next_evaluation(); },
        [this]() -> asio::awaitable<void> {
          request_evaluation();
          co_return;
        },
        /*run_first=*/false);
    delivery_task = scheduler.every(
        "delivery",
        [this] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(generation().config->alerts.deliver_interval);
        },
        [this] { return delivery_tick(); }, /*run_first=*/true);
    if (lease->shared()) {
      scheduler.every(
          "alert_lease", [this] { return lease->renew_interval(); },
          [this]() -> asio::awaitable<void> {
            lease->tick();
            co_return;
          },
          /*run_first=*/false);
    }
    scheduler.every(
        "database_watch", [] { return std::chrono::milliseconds(2000); },
        [this]() -> asio::awaitable<void> {
          asio::post(db.writer_pool(), [this] { db.watch(); });
          co_return;
        },
        /*run_first=*/false);
  }

  // ---- reload -------------------------------------------------------------------------------------------

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
                  kv(store::redact_uri(old.config->database.string())), kv(old.config->server.listen));
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
    if (auto s = sources.start(c, state_dir); !s) {
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
    u.ingest = [this](std::filesystem::path path, collect::IngestOptions opt) {
      return ingest_counted(std::move(path), std::move(opt));
    };
    u.authorize = [this](const web::Request& r, const std::string& scope) { return authorize(r, scope); };
    u.changed = [this] { request_evaluation(); };
    return u;
  }

  // Database jobs of the API routes, on the reader's (reads) or the writer's (writes) connection.
  DbJobRunner reads() {
    return [this](web::AlertApiContext::DbJob job) {
      return db.on_reader([this, job = std::move(job)] { return job(db.reader()); });
    };
  }
  DbJobRunner writes() {
    return [this](web::AlertApiContext::DbJob job) {
      return db.on_writer([this, job = std::move(job)] { return job(db.writer()); });
    };
  }

  std::shared_ptr<const web::Router> make_router() {
    web::ApiContext ctx;
    ctx.snapshots = &snapshots;
    ctx.ops = &ops;
    ctx.language = generation().config->language;
    ctx.health = &health;
    ctx.lease = [this] { return lease->view(); };
    ctx.not_ready = [this]() -> std::string {
      if (!db.is_open()) return "database not open";
      if (!evaluated) return "first evaluation not done";
      if (stopping) return "shutting down";
      return "";
    };
    ctx.ingests = [this](std::int64_t offset, std::int64_t limit, std::int64_t rejects) {
      return db.on_reader([this, offset, limit, rejects] { return store::list_ingests(db.reader(), offset, limit, rejects); });
    };
    ctx.failed_files = [this](std::int64_t limit) {
      return db.on_reader([this, limit] { return store::list_failed_files(db.reader(), limit); });
    };
    ctx.skipped_files = [this] { return sources.skipped(); };  // io thread, like the sources
    const Generation g = generation();
    const bool uploads = std::any_of(g.config->tokens.begin(), g.config->tokens.end(), [](const auto& t) {
      return std::find(t.scopes.begin(), t.scopes.end(), "upload") != t.scopes.end() ||
             std::find(t.scopes.begin(), t.scopes.end(), "admin") != t.scopes.end();
    });
    if (uploads) ctx.upload = [this](web::Request& r) { return web::handle_upload(upload_context(), r); };
    ctx.midyear = [this](std::shared_ptr<const engine::Snapshot> snap) {
      return db.on_reader([this, snap] { return midyear_inputs(db.reader(), *snap); });
    };
    // ?as_of= and ?fiscal_year=: another date's figures, from the reader's connection (issue 14).
    ctx.fiscal_year_start_month = g.config->policy.fiscal_year_start_month;
    ctx.today = [this] {
      const Generation now = generation();
      return now.config->evaluation.as_of.value_or(now.tz->date_at(SysClock::now()));
    };
    ctx.snapshot_at = [this](engine::CivilDate d) {
      return db.on_reader([this, d]() -> std::shared_ptr<const engine::Snapshot> {
        const PastSnapshots::Basis basis{store::ledger_version(db.reader()), generation().config};
        if (auto hit = past_snapshots.find(d, basis)) return hit;
        auto e = evaluate_at(db.reader(), d, basis.config->policy, std::nullopt, false);
        if (!e) throw std::runtime_error(e.error().message);
        past_snapshots.put(d, basis, e->snapshot);
        return e->snapshot;
      });
    };
    const bool alerts_on = g.config->alerts.enabled;
    // The pages behind the links (issue 17) read the same figures as the API: a copy of its context.
    web::PageContext pages{ctx, reads()};
    ctx.extra_routes = [this, alerts_on, pages = std::move(pages)](web::Router& router) {
      web::add_page_routes(router, pages);
      web::IndicatorApiContext ic;
      ic.on_reader = reads();
      ic.on_writer = writes();
      ic.evaluations = [this] {
        std::lock_guard lock(indicators_mutex);
        return indicator_evals;
      };
      ic.changed = [this] { request_evaluation(); };
      ic.fiscal_start_month = generation().config->policy.fiscal_year_start_month;
      web::add_indicator_routes(router, std::move(ic));
      web::add_revision_routes(router, reads());
      if (alerts_on) {
        web::AlertApiContext a;
        a.on_reader = reads();
        a.on_writer = writes();
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

  // ---- the alert lease (issue 15) -----------------------------------------------------------------------

  void make_lease(const config::Config& c) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    const auto ep = server->local_endpoint();
    LeaseKeeper::Options o;
    o.database = c.database;
    o.self = std::string(host) + ":" + std::to_string(::getpid()) + ":" + ep.address().to_string() + ":" +
             std::to_string(ep.port());
    // By default renewed every 2 s, expiring 8 s after its last renewal: another instance takes over
    // within 10 s of a holder's death (SIGKILL). Read at start (a SIGHUP does not change it).
    o.ttl = c.alerts.lease_ttl;
    o.renew = c.alerts.lease_renew;
    LeaseKeeper::Events e;
    e.acquired = [this] {
      asio::post(io, [this] {
        // A new holder evaluates alert state, then delivers. Not before the first evaluation: at start it
        // waits for the sources' first polls (an alert cycle on a half-read ledger would fire alerts that
        // the rest of the exports resolve).
        if (evaluated) request_evaluation();
        if (delivery_task) delivery_task->wake();
      });
    };
    e.changed = [this](const LeaseView& v) { ops.lease(v.held, v.token); };
    e.health = [this](bool ok, const std::string& reason) { health.report("database", ok, reason); };
    lease = std::make_unique<LeaseKeeper>(logger("daemon"), std::move(o), std::move(e));
    ops.lease(lease->held(), 0);
    if (!lease->shared()) {
      // One daemon owns a SQLite file: claims left by a previous process (killed mid-delivery) are void.
      asio::post(db.writer_pool(), [this] {
        try {
          store::release_claims(db.writer(), "");
        } catch (const std::exception& ex) {
          log->warn("outbox claims not released error={}", kv(ex.what()));
        }
      });
    }
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

  void fail_and_stop() {
    exit_status = 1;
    asio::post(io, [this] { begin_shutdown(); });
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    cancel_ingest = true;
    server->stop();
    scheduler.stop();
    sources.stop();
    boost::system::error_code ignored;
    signals.cancel(ignored);
    asio::co_spawn(io, drain(), asio::detached);
  }

  // Waits for the writer's current task and open requests to finish, at most drain_deadline.
  asio::awaitable<void> drain() {
    auto writer_idle = std::make_shared<std::atomic<bool>>(false);
    asio::post(db.writer_pool(), [writer_idle] { *writer_idle = true; });
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
  impl_->db.join();
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

  // Uploads live beside the database file; with a PostgreSQL database, beside the config file.
  const bool server_db = store::is_server_uri(c.database.native());
  const std::filesystem::path beside = server_db ? m.options.config_file.parent_path() : c.database.parent_path();
  m.state_dir = beside.empty() ? std::filesystem::path(".") : beside;
  std::error_code ec;
  std::filesystem::create_directories(m.state_dir / "uploads", ec);
  if (ec) {
    return fail(Errc::io, "cannot create " + (m.state_dir / "uploads").string() + ": " + ec.message());
  }
  for (const auto& s : c.sources) {
    if (s.kind == config::SourceKind::drop_folder) std::filesystem::create_directories(s.path, ec);
  }
  // One daemon per database file, and never an empty database silently in place of a deleted one.
  if (auto present = server_db ? Result<void>{} : store::check_database_present(c.database, m.options.create_database);
      !present) {
    return tl::unexpected(present.error());
  }
  if (!server_db) {
    std::string owner = "pid " + std::to_string(::getpid()) + ", listen " + c.server.listen + ", since " +
                        utc_iso(SysClock::now());
    if (!m.options.config_file.empty()) owner += ", config " + m.options.config_file.string();
    auto lock = store::InstanceLock::acquire(c.database, owner);
    if (!lock) return tl::unexpected(lock.error());
    m.instance_lock.emplace(std::move(*lock));
  }
  if (auto opened = m.db.open(c.database); !opened) return tl::unexpected(opened.error());

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
  so.on_handler_error = [impl](const std::string&, const std::exception& e) {
    report_database_error(impl->health, e);
  };
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
  m.make_lease(c);
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
  if (auto s = m.sources.start(*g.config, m.state_dir); !s) {
    m.log->error("sources not started error={}", kv(s.error().to_string()));
    return 1;
  }
  m.lease->renew_now();  // the first evaluation knows whether this instance is the alert leader
  m.start_tasks();
  m.server->start();
  const auto ep = m.server->local_endpoint();
  const std::string base = std::string(m.server->tls() ? "https://" : "http://") + ep.address().to_string() + ":" +
                           std::to_string(ep.port());
  m.log->info("serving listen={} sources={} database={}", base, g.config->sources.size(),
              kv(store::redact_uri(g.config->database.string())));
  if (const BlockCacheSetup& blocks = block_cache_setup(); blocks.from_env != nullptr) {
    if (blocks.env_ignored) {
      m.log->warn(
          "BUDGETWATCH_BLOCK_CACHE_MIB={} is not a number of MiB (0 to 1048576): ignored, large blocks "
          "are kept up to {} MiB",
          kv(blocks.from_env), blocks.capacity_mib);
    } else {
      m.log->info("large blocks kept between evaluations up to {} MiB (BUDGETWATCH_BLOCK_CACHE_MIB)",
                  blocks.capacity_mib);
    }
  }
  if (m.options.announce) {
    std::cout << "budgetwatch " << BW_VERSION << " is serving " << base << " (Ctrl-C to stop)\n"
              << "  metrics   " << base << "/metrics\n"
              << "  summary   " << base << "/api/v1/summary\n"
              << "  laggards  " << base << "/api/v1/projects?kind=project&sort=execution&per_page=20\n"
              << "  report    " << base << "/api/v1/reports/execution?format=md\n"
              << "  ingests   " << base << "/api/v1/ingests\n";
    for (const auto& s : g.config->sources) {
      if (s.kind == config::SourceKind::drop_folder) std::cout << "  drop new exports into " << s.path.string() << "\n";
    }
    std::cout << "  database  " << store::redact_uri(g.config->database.string()) << "\n" << std::flush;
  }
  m.io.run();
  m.lease->release();  // a clean stop hands the alert lease over at once
  m.db.join();
  m.db.checkpoint();
  if (m.exit_status != 0) {
    m.log->error("stopped on a database failure (above) exit_status={}", m.exit_status.load());
  } else {
    m.log->info("stopped");
  }
  return m.exit_status;
}

void App::stop() {
  asio::post(impl_->io, [m = impl_.get()] { m->begin_shutdown(); });
}

void App::reload() {
  asio::post(impl_->io, [m = impl_.get()] { m->reload(); });
}

std::uint16_t App::port() const { return impl_->server->local_endpoint().port(); }

}  // namespace bw::daemon
