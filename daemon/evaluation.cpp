#include "daemon/evaluation.h"

#include <chrono>

#include "reports/report.h"
#include "store/indicators_repo.h"
#include "store/inputs.h"

namespace bw::daemon {
namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

Result<Evaluation> evaluate_at(store::Database& db, engine::CivilDate as_of,
                               const engine::Policy& policy, const std::optional<std::string>& unit,
                               bool with_indicators, const std::optional<std::string>& department) {
  Evaluation e;
  const auto started = Clock::now();
  // One fiscal year: the one that contains as_of ("today" for the daemon). The inputs hold that
  // year's lines (by fiscal_year), adjustments and payments (by date) and nothing of another year.
  const auto fy = engine::FiscalYear::containing(as_of, policy.fiscal_year_start_month);
  engine::Inputs in = store::load_inputs(db, as_of, fy);
  e.load_ms = ms_since(started);
  const auto t = Clock::now();
  // The whole department is evaluated, then seen from the unit (as the API's ?unit= does): a
  // payment that another unit makes against one of the unit's lines counts on that line, where
  // engine::filter_unit would drop it here and make it an unregistered payment of the paying unit.
  // The lines move into the snapshot and the rest of the inputs is released before it is seen from
  // a department or unit.
  engine::Snapshot full = [&] {
    engine::Inputs taken = std::move(in);
    return engine::evaluate(std::move(taken), as_of, policy);
  }();
  if (department) {
    auto scoped = reports::restrict_to_department(full, *department);
    if (!scoped) return tl::unexpected(scoped.error());
    full = std::move(*scoped);
  }
  std::shared_ptr<const engine::Snapshot> snap;
  if (unit) {
    auto scoped = reports::restrict_to_unit(full, *unit);
    if (!scoped) return tl::unexpected(scoped.error());
    snap = std::make_shared<const engine::Snapshot>(std::move(*scoped));
  } else {
    snap = std::make_shared<const engine::Snapshot>(std::move(full));
  }
  e.evaluate_ms = ms_since(t);
  if (with_indicators) {
    e.indicators = std::make_shared<const std::vector<engine::IndicatorEval>>(
        engine::evaluate_indicators(store::load_indicators(db, snap->fiscal_year),
                                    store::load_actuals(db, snap->fiscal_year), *snap));
  } else {
    e.indicators = std::make_shared<const std::vector<engine::IndicatorEval>>();
  }
  e.snapshot = std::move(snap);
  return e;
}

std::string external_url(const config::Config& c) {
  if (!c.alerts.external_url.empty()) return c.alerts.external_url;
  return (c.server.tls() ? "https://" : "http://") + c.server.listen;
}

alerts::CycleContext cycle_context(store::Database& db, const config::Config& c, const TimeZone& tz,
                                   std::int64_t now, std::int64_t watched_since,
                                   const Evaluation& e) {
  alerts::CycleContext ctx;
  ctx.now = now;
  const auto now_tp = std::chrono::system_clock::time_point(std::chrono::seconds(now));
  const engine::CivilDate today = tz.date_at(now_tp);
  ctx.local.date = today;
  ctx.local.minute_of_day = static_cast<int>((now - tz.midnight_utc(today)) / 60);
  ctx.local.weekday = std::chrono::weekday(std::chrono::sys_days(today)).c_encoding();
  ctx.language = c.alerts.language.empty() ? c.language : c.alerts.language;
  ctx.indicators = e.indicators.get();
  ctx.external_url = external_url(c);
  std::map<std::string, std::int64_t> last;
  for (const auto& [source, at] : store::last_file_per_source(db)) last[source] = at;
  for (const auto& s : c.sources) {
    alerts::SourceFreshness f;
    f.name = s.name;
    if (auto it = last.find(s.name); it != last.end()) f.last_file_at = it->second;
    f.watched_since = watched_since;
    ctx.sources.push_back(std::move(f));
  }
  ctx.revisions = alerts::load_revisions(db, c.alerts, now);
  ctx.failed_ingests = alerts::load_failed_ingests(db, c.alerts, now);
  return ctx;
}

}  // namespace bw::daemon
