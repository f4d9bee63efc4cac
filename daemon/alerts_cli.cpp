#include "daemon/alerts_cli.h"

#include <iostream>
#include <random>

#include <boost/asio.hpp>

#include "alerts/cycle.h"
#include "alerts/notifiers/factory.h"
#include "alerts/outbox.h"
#include "collectors/ingest.h"
#include "config/load.h"
#include "daemon/args.h"
#include "daemon/cli.h"
#include "daemon/clock.h"
#include "daemon/evaluation.h"
#include "daemon/log.h"
#include "engine/snapshot.h"
#include "store/inputs.h"
#include "store/migrations.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;

constexpr const char* usage =
    "usage: budgetwatch alerts replay --config FILE --from YYYY-MM-DD --to YYYY-MM-DD [--step month|day]\n"
    "                                 [--deliver] [--at HH:MM]\n"
    "  Steps the alert cycle through past dates (month ends by default) on the config's database, with the\n"
    "  alert clock at --at (default 09:00) local time of each date. The config's `files` sources are ingested\n"
    "  first. --deliver sends the messages through the configured receivers after each step.\n";

}  // namespace

int cmd_alerts(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] != "replay") {
    err << usage;
    return exit_usage;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  auto args = Args::parse(rest, {"config", "from", "to", "step", "at"}, {"deliver"});
  if (!args) {
    err << "budgetwatch alerts replay: " << args.error().message << "\n" << usage;
    return exit_usage;
  }
  const auto file = args->get("config");
  const auto from_s = args->get("from");
  const auto to_s = args->get("to");
  if (!file || !from_s || !to_s) {
    err << "budgetwatch alerts replay: needs --config, --from and --to\n" << usage;
    return exit_usage;
  }
  auto from = engine::parse_date(*from_s);
  auto to = engine::parse_date(*to_s);
  if (!from || !to || *to < *from) {
    err << "budgetwatch alerts replay: --from and --to must be dates YYYY-MM-DD, --from first\n";
    return exit_usage;
  }
  const std::string step = args->get_or("step", "month");
  if (step != "month" && step != "day") {
    err << "budgetwatch alerts replay: --step is month or day\n";
    return exit_usage;
  }
  const std::string at = args->get_or("at", "09:00");
  if (at.size() != 5 || at[2] != ':' || !std::isdigit(static_cast<unsigned char>(at[0])) ||
      !std::isdigit(static_cast<unsigned char>(at[1])) || !std::isdigit(static_cast<unsigned char>(at[3])) ||
      !std::isdigit(static_cast<unsigned char>(at[4])) || std::stoi(at.substr(0, 2)) > 23 ||
      std::stoi(at.substr(3)) > 59) {
    err << "budgetwatch alerts replay: --at is a time HH:MM\n";
    return exit_usage;
  }
  const int minute_of_day = std::stoi(at.substr(0, 2)) * 60 + std::stoi(at.substr(3));
  auto cfg = config::load_config(*file);
  if (!cfg) {
    err << cfg.error().to_string() << "\n";
    return exit_config;
  }
  if (!cfg->alerts.enabled) {
    err << "budgetwatch alerts replay: " << *file << " has no alerts section\n";
    return exit_config;
  }
  auto tz = TimeZone::from_name(cfg->evaluation.time_zone);
  if (!tz) {
    err << tz.error().to_string() << "\n";
    return exit_config;
  }
  setup_logging("warn");
  store::Database db = store::Database::open(cfg->database);
  store::migrate(db);
  for (const auto& s : cfg->sources) {
    if (s.kind != config::SourceKind::files) continue;
    for (const auto& f : s.files) {
      collect::IngestOptions o;
      o.source = s.name;
      o.received_at = utc_iso(std::chrono::system_clock::now());
      o.name = f.filename().string();
      auto r = collect::ingest_file(db, f, o);
      if (!r) {
        err << "budgetwatch alerts replay: " << r.error().to_string() << "\n";
        return exit_failure;
      }
    }
  }
  std::shared_ptr<const std::map<std::string, alerts::NotifierPtr>> notifiers;
  if (args->flag("deliver")) {
    notifiers = std::make_shared<const std::map<std::string, alerts::NotifierPtr>>(alerts::make_notifiers(cfg->alerts));
  }
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());

  out << "date        firing  pending  fired  resolved  messages" << (notifiers ? "  delivered  waiting" : "") << "\n";
  engine::CivilDate d = step == "month" ? engine::month_end(*from) : *from;
  while (d <= *to) {
    // The daemon's own path: the snapshot with its indicators, and the cycle's context (sources, revisions,
    // links), with the alert clock at --at of the date.
    auto e = evaluate_at(db, d, cfg->policy);
    if (!e) {
      err << "budgetwatch alerts replay: " << e.error().message << "\n";
      return exit_failure;
    }
    const std::int64_t now = tz->midnight_utc(d) + minute_of_day * 60;
    alerts::CycleContext ctx = cycle_context(db, *cfg, *tz, now, now, *e);
    ctx.queued_at = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    const alerts::CycleReport r = alerts::run_cycle(db, *e->snapshot, cfg->alerts, ctx);
    char line[160];
    std::snprintf(line, sizeof line, "%s  %6d  %7d  %5d  %8d  %8d", engine::to_iso(d).c_str(), r.firing, r.pending,
                  r.fired_now, r.resolved_now, r.messages);
    out << line;
    if (notifiers) {
      asio::io_context io;
      alerts::RunOnDb run_db = [&db](std::function<void(store::Database&)> f) -> asio::awaitable<int> {
        f(db);
        co_return 0;
      };
      alerts::PassReport pass;
      auto job = alerts::deliver_pass(io.get_executor(), run_db, notifiers, alerts::delivery_policy(cfg->alerts), rng,
                                      nullptr, nullptr, [] { return std::chrono::system_clock::now(); });
      asio::co_spawn(io, std::move(job), [&pass](std::exception_ptr failed, alerts::PassReport p) {
        if (!failed) pass = p;
      });
      io.run();
      const auto st = store::outbox_stats(db);
      std::snprintf(line, sizeof line, "  %9d  %7lld", pass.delivered, static_cast<long long>(st.pending));
      out << line;
    }
    out << "\n";
    d = step == "month" ? engine::month_end(engine::add_days(d, 1)) : engine::add_days(d, 1);
  }
  return exit_ok;
}

}  // namespace bw::daemon
