// The `alerts:` section of the configuration (DESIGN §8): rules with their parameters and severity,
// routes, receivers, mute time intervals and delivery settings. Plain data; alerts/ interprets it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/enums.h"
#include "config/secret.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace bw::config {

/// One rule. `kind` selects the condition; parameters a kind does not use are ignored (and rejected
/// by the loader when written).
struct RuleConfig {
  std::string name;  ///< unique; the `alertname` label
  /// The condition (config/enums.h; messages have words for each kind: engine/messages.h, a test).
  RuleKind kind = RuleKind::below_threshold;
  Severity severity = Severity::warning;
  /// below_threshold: execution rate limit; pace_below: pace (execution ÷ 序时进度) limit.
  int threshold_bp = 8000;
  /// below_threshold: month-day checkpoints ("09-30"); the rule applies from the first one that has
  /// passed. Empty: from the fiscal year's start.
  std::vector<std::pair<unsigned, unsigned>> checkpoints;
  /// below_threshold: also (or only, with no checkpoints and this set) at/after the line's
  /// deadline.
  bool at_deadline = true;
  /// no_spending: nothing paid by this month-day (default 30 June).
  std::pair<unsigned, unsigned> by = {6, 30};
  /// pace_below / no_spending: days after the budget is in force before the rule applies.
  int grace_days = 30;
  /// deadline_near: the deadline is within this many days; budget_revised: the revision is at most
  /// this many days old; ingest_failed: the file was refused or unreadable at most this many days
  /// ago.
  int within_days = 30;
  /// budget_revised: a register changed the line's initial budget (年初预算数) by at least this
  /// share of the previous value (basis points).
  int min_change_bp = 2000;
  /// stale_source: no new export for this long.
  std::chrono::seconds stale_after{std::chrono::hours(24 * 7)};
  /// Amount floor: only lines with at least this unspent (adjusted − paid), in fen.
  std::int64_t min_unspent_fen = 0;
  /// Only these line kinds ("project", "basic"); empty = both. Default: project lines only.
  std::vector<std::string> line_kinds = {"project"};
  std::vector<std::string> units;  ///< only these unit codes; empty = all
  std::vector<std::string> tags;   ///< only lines with one of these tags; empty = all
  /// Only lines of these 指标来源 (`source:` in the config): initial, mid_year, carried_forward, or
  /// new_money (initial or mid_year); empty = all.
  std::vector<std::string> sources;
  /// Only carry-forward lines (上年结转) carried for at least this many years (`min_age:`); 0 = any
  /// line.
  int min_age = 0;
  /// How long the condition must hold before the alert fires (pending until then).
  std::chrono::seconds pending_for{0};
  std::map<std::string, std::string> labels;  ///< added to the alert (e.g. escalate: bureau)
};

/// A label matcher: `name=value`, `name!=value`, `name=~regex`, `name!~regex` (config/matcher.h
/// parses, compiles and evaluates them).
struct MatcherConfig {
  std::string name;
  enum class Op { eq, ne, re, nre } op = Op::eq;
  std::string value;
  /// The RE2 program of `value` for =~ and !~, set by config::make_matcher / parse_matcher (config,
  /// silences API, silences read back). Null for = and != or when built by hand: matching then
  /// compiles through a bounded cache. Shared and immutable: copies are cheap, matching is
  /// thread-safe.
  std::shared_ptr<const re2::RE2> compiled = nullptr;
};

/// A route: alerts matching every matcher go to the receivers, grouped.
struct RouteConfig {
  std::vector<MatcherConfig> matchers;
  std::vector<std::string> receivers;
  /// Labels a message groups by; "owner" gives one message per project owner.
  std::vector<std::string> group_by = {"owner"};
  std::chrono::seconds repeat_interval{std::chrono::hours(24)};
  std::vector<std::string> mute_time_intervals;  ///< names of time_intervals
  bool continue_matching = false;                ///< `continue: true` tries later routes too
};

/// A time interval when notifications wait (nights, weekends, holidays), in the evaluation time
/// zone.
struct TimeIntervalConfig {
  std::string name;
  /// Minutes after midnight [start, end); end < start wraps midnight ("20:00-08:00"). Empty: all
  /// day.
  std::vector<std::pair<int, int>> times;
  std::vector<unsigned> weekdays;  ///< 0 = Sunday … 6 = Saturday; empty = every day
  std::vector<std::string> dates;  ///< YYYY-MM-DD holidays (the whole day)
};

/// Where messages go.
struct ReceiverConfig {
  std::string name;
  ReceiverKind kind = ReceiverKind::email;
  /// Whom its messages greet when it is an office, not the group's owner (e.g. 区财政局 for the
  /// bureau's escalations); empty: the owner or the group's values.
  std::string addressee;
  // email
  std::string smtp_host = "127.0.0.1";
  std::uint16_t smtp_port = 25;
  SmtpTls smtp_tls = SmtpTls::none;
  std::string smtp_username;
  Secret smtp_password;
  std::string from = "budgetwatch@localhost";
  std::vector<std::string> to;  ///< fixed addresses
  bool to_owner = false;        ///< add the project owner's address from the budget register
  // http kinds
  std::string url;    ///< webhook URL / Alertmanager base URL / robot webhook URL (may carry a key)
  Secret url_secret;  ///< when the URL itself is a secret (robot keys): read from file/env
  Secret token;       ///< webhook bearer token
  Secret secret;      ///< DingTalk/Feishu signing secret
  std::vector<std::string> at_mobiles;               ///< robots: always @ these
  std::map<std::string, std::string> owner_mobiles;  ///< robots: owner name → mobile to @
  std::filesystem::path ca_file;
  std::chrono::seconds timeout{10};
};

struct AlertsConfig {
  bool enabled = false;
  std::string language;      ///< zh-CN | en; empty = the top-level language
  std::string external_url;  ///< budgetwatch's URL for links; empty = http://<listen>
  std::vector<RuleConfig> rules;
  std::vector<RouteConfig> routes;
  std::vector<ReceiverConfig> receivers;
  std::vector<TimeIntervalConfig> time_intervals;
  bool inhibit_warning_by_critical = true;  ///< a critical alert on a subject mutes its warnings
  /// Outbox delivery: retries with exponential backoff and jitter, then give up.
  std::chrono::seconds deliver_interval{5};
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(10)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(10)};
  std::chrono::seconds give_up_after{std::chrono::hours(72)};
  /// A receiver's failed deliveries are logged at info until it has failed this long since its last
  /// success (or the start): an SMTP server not yet running is expected for a while (the demo).
  std::chrono::seconds unreachable_warn_after{std::chrono::minutes(10)};
  std::chrono::seconds resolved_retention{std::chrono::hours(24 * 7)};
  /// The alert lease on a shared (PostgreSQL) database: renewed every lease_renew, expiring
  /// lease_ttl after its last renewal. Another instance takes over within about lease_ttl +
  /// lease_renew of a holder's death.
  std::chrono::milliseconds lease_ttl{std::chrono::seconds(8)};
  std::chrono::milliseconds lease_renew{std::chrono::seconds(2)};
};

}  // namespace bw::config
