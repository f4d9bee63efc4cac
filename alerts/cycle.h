// One alerting cycle per evaluation (DESIGN §8): rules over the snapshot → state transitions →
// silences and inhibition → routes and groups → rendered messages in the outbox, all written in ONE
// transaction, so a crash leaves either the old state or the new state with its messages queued.
// Delivery is separate (alerts/outbox.h).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "alerts/notification.h"
#include "alerts/routes.h"
#include "alerts/rules.h"
#include "alerts/state_machine.h"
#include "config/config.h"
#include "engine/snapshot.h"
#include "store/alert_store.h"
#include "store/database.h"

namespace bw::alerts {

struct CycleContext {
  std::int64_t now = 0;  ///< unix seconds: the alert clock (wall clock; the as-of date when replaying)
  /// Unix seconds (wall clock) stamped on the outbox rows written: created_at (the start of
  /// `give_up_after`, the outbox age metric) and the first attempt. 0: `now`. A replay sets the wall
  /// clock, so that messages of a past date are not given up at their first failed attempt.
  std::int64_t queued_at = 0;
  LocalTime local;       ///< `now` in the evaluation time zone (mute intervals)
  std::vector<SourceFreshness> sources;
  std::vector<BudgetRevision> revisions;  ///< budget_revised rules (store::recent_revisions)
  const std::vector<engine::IndicatorEval>* indicators = nullptr;
  std::string language = "zh-CN";
  std::string external_url;
};

struct CycleReport {
  int pending = 0;
  int firing = 0;
  int resolved = 0;
  int fired_now = 0;
  int resolved_now = 0;
  int silenced = 0;
  int inhibited = 0;
  int messages = 0;  ///< outbox rows written
};

/// The revisions that budget_revised rules look at: the newest revision of each line recorded within the
/// longest `within_days` of those rules before `now` (none without such a rule). Throws store::DatabaseError.
std::vector<BudgetRevision> load_revisions(store::Database& db, const config::AlertsConfig& cfg, std::int64_t now);

/// Runs the cycle on `db` (writer connection) in one transaction. Throws store::DatabaseError.
CycleReport run_cycle(store::Database& db, const engine::Snapshot& snap, const config::AlertsConfig& cfg,
                      const CycleContext& ctx);

/// Alerts as stored, with their silenced/inhibited flags at `now` (the API and metrics).
struct AlertView {
  AlertState alert;
  bool silenced = false;
  bool inhibited = false;
};
std::vector<AlertView> list_alerts(store::Database& db, const config::AlertsConfig& cfg,
                                   std::int64_t now);

std::vector<Silence> read_silences(store::Database& db);
std::string matchers_json(const std::vector<config::MatcherConfig>& ms);
std::vector<config::MatcherConfig> matchers_from_json(std::string_view json);

AlertState from_row(const store::AlertRow& r);
store::AlertRow to_row(const AlertState& a);

}  // namespace bw::alerts
