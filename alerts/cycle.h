// One alerting cycle per evaluation (DESIGN §8) in three stages: load_cycle_state reads the stored
// alerts, silences and groups; plan_cycle (pure: rules → state transitions → silences and
// inhibition → routes and groups → dedup → mute intervals → rendered messages) says which rows to
// write; apply_plan writes them. run_cycle holds ONE transaction across the three, so a crash
// leaves either the old state or the new state with its messages queued. Delivery is separate
// (alerts/outbox.h).
#pragma once

#include <cstdint>
#include <functional>
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
  std::int64_t now =
      0;  ///< unix seconds: the alert clock (wall clock; the as-of date when replaying)
  /// Unix seconds (wall clock) stamped on the outbox rows written: created_at (the start of
  /// `give_up_after`, the outbox age metric) and the first attempt. 0: `now`. A replay sets the
  /// wall clock, so that messages of a past date are not given up at their first failed attempt.
  std::int64_t queued_at = 0;
  LocalTime local;  ///< `now` in the evaluation time zone (mute intervals)
  std::vector<SourceFreshness> sources;
  std::vector<BudgetRevision> revisions;     ///< budget_revised rules (store::recent_revisions)
  std::vector<FailedIngest> failed_ingests;  ///< ingest_failed rules (load_failed_ingests)
  const std::vector<engine::IndicatorEval>* indicators = nullptr;
  std::string language = "zh-CN";
  std::string external_url;
  /// Called inside the cycle's transaction before its reads; throws to abandon the cycle (several
  /// daemons on one database: the daemon checks that it still holds the alert lease,
  /// store::require_lease). Empty: none.
  std::function<void(store::Database&)> fence;
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
  /// Alerts of another fiscal year than the evaluated one closed now, quietly (no message): see
  /// plan_cycle.
  int year_closed = 0;
};

/// The revisions that budget_revised rules look at: the newest revision of each line recorded
/// within the longest `within_days` of those rules before `now` (none without such a rule). Throws
/// store::DatabaseError.
std::vector<BudgetRevision> load_revisions(store::Database& db, const config::AlertsConfig& cfg,
                                           std::int64_t now);

/// The files that ingest_failed rules look at: refused or unreadable files
/// (store::list_failed_files, the newest 200) that failed within the longest `within_days` of those
/// rules before `now` (none without such a rule). Throws store::DatabaseError.
std::vector<FailedIngest> load_failed_ingests(store::Database& db, const config::AlertsConfig& cfg,
                                              std::int64_t now);

/// What a cycle reads from the database before it plans: the stored alerts, the silences, the
/// groups (last message time and sequence) and their memberships (the alerts each receiver was told
/// fire).
struct CycleState {
  std::vector<AlertState> alerts;
  std::vector<Silence> silences;
  std::vector<store::GroupRow> groups;
  std::vector<store::MemberRow> members;
};

/// Reads the CycleState. Call inside the transaction that applies the plan (run_cycle), so that the
/// plan is made from the state it replaces. Throws store::DatabaseError.
CycleState load_cycle_state(store::Database& db);

/// The rows one cycle writes, made without the database (plan_cycle) and written by apply_plan.
struct CyclePlan {
  std::vector<AlertState> alerts;    ///< every live alert after this evaluation (upserted)
  std::vector<std::string> deleted;  ///< fingerprints to forget
  /// Stored line alerts of a release without fiscal years, re-keyed to their year's fingerprint
  /// (old, new): the row and its group memberships move, so the receivers are not told again.
  std::vector<std::pair<std::string, std::string>> renamed;
  std::vector<store::OutboxRow> outbox;  ///< messages to queue, in group order
  std::vector<store::GroupRow> groups;   ///< groups told now: last_sent_at = now, sequence + 1
  std::vector<store::MemberRow> members_added;    ///< firing alerts the receiver is told about now
  std::vector<store::MemberRow> members_removed;  ///< resolved (told now) or forgotten alerts
  std::int64_t members_added_at = 0;              ///< stamped on members_added (the alert clock)
  /// Counts at this evaluation; `messages` is the planned outbox rows (apply_plan tells how many
  /// were new).
  CycleReport report;
};

/// The cycle as a pure function: rules over `snap` → state transitions (state.alerts → plan.alerts)
/// → the year boundary (below)
/// → silences and inhibition → routes and groups → dedup (members, repeat interval) → mute
/// intervals → rendered outbox rows with their idempotency keys. No I/O, no clock but `ctx`.
/// Thread-safe.
///
/// The year boundary (issue 14): an alert on a budget line or indicator belongs to the fiscal year
/// of its line (label `fiscal_year`, part of its fingerprint). An alert of another fiscal year than
/// `snap`'s is closed quietly: a firing one becomes resolved with the annotation
/// `closed = year_closed`, a pending one is forgotten, and its group memberships are cleared
/// without a resolved message (that year's final figures are in its year-end report, which stays
/// available for any past date). So on 1 January the receivers get the new year's firing alerts,
/// never a flood of "resolved" messages for the old year's lines. Alerts without a year (sources,
/// failed files) are not touched. A stored line alert without the label (written before fiscal
/// years) takes the fiscal year of its `as_of` annotation (else `snap`'s) and is re-keyed
/// (CyclePlan::renamed).
CyclePlan plan_cycle(const engine::Snapshot& snap, const CycleState& state,
                     const config::AlertsConfig& cfg, const CycleContext& ctx);

/// Writes `plan` inside the caller's transaction `tx` (on `db`). Returns the outbox rows inserted
/// (a row whose idempotency key is already queued is kept, not counted). Throws
/// store::DatabaseError.
int apply_plan(store::Transaction& tx, store::Database& db, const CyclePlan& plan);

/// Runs the cycle on `db` (writer connection) in one transaction: load_cycle_state → plan_cycle →
/// apply_plan → commit. Throws store::DatabaseError.
CycleReport run_cycle(store::Database& db, const engine::Snapshot& snap,
                      const config::AlertsConfig& cfg, const CycleContext& ctx);

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
