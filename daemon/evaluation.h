// The one evaluation path of budgetwatch: the daemon, `budgetwatch report` and `budgetwatch alerts
// replay` build the snapshot of a date, its indicator completion and the alert cycle's context
// through these functions, so that a replay on the daemon's database raises the same alerts the
// daemon would (indicator rules, source freshness, budget revisions and links included).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/cycle.h"
#include "config/config.h"
#include "daemon/clock.h"
#include "engine/indicators.h"
#include "engine/snapshot.h"
#include "store/database.h"

namespace bw::daemon {

/// A date's figures.
struct Evaluation {
  std::shared_ptr<const engine::Snapshot> snapshot;
  /// Indicator completion as of the snapshot's date (empty when the database has no indicators).
  std::shared_ptr<const std::vector<engine::IndicatorEval>> indicators;
  long long load_ms = 0;      ///< reading the inputs
  long long evaluate_ms = 0;  ///< the engine
};

/// Evaluates the fiscal year that contains `as_of` (policy.fiscal_year_start_month) from `db`, and
/// only that year: its register lines, the adjustments dated in it and its payments up to `as_of`
/// (another year's lines, adjustments and payments never count, issue 14), and (with
/// `with_indicators`) the indicators' completion. `department` gives the snapshot seen from one
/// department (reports::restrict_to_department), as `report --department` does; `unit` the
/// snapshot seen from one budget unit (reports::restrict_to_unit of the whole evaluation), as
/// `report --unit` and the API's `?unit=` do, so both give the same figures. Errc::not_found "no
/// budget unit 'X'" / "no department 'X' in fiscal year Y (departments: …)" when the snapshot has
/// no such unit or department. Throws store::DatabaseError.
Result<Evaluation> evaluate_at(store::Database& db, engine::CivilDate as_of,
                               const engine::Policy& policy,
                               const std::optional<std::string>& unit = std::nullopt,
                               bool with_indicators = true,
                               const std::optional<std::string>& department = std::nullopt);

/// The links in messages: `alerts.external_url`, else the server's own address (https:// with TLS).
std::string external_url(const config::Config& c);

/// The alert cycle's context at `now` (unix seconds) in the config's time zone: local time for mute
/// intervals, language, links, each configured source's freshness (newest file; watched since
/// `watched_since`), the indicators of `e` and the recent budget revisions.
alerts::CycleContext cycle_context(store::Database& db, const config::Config& c, const TimeZone& tz,
                                   std::int64_t now, std::int64_t watched_since,
                                   const Evaluation& e);

}  // namespace bw::daemon
