// Rules (DESIGN §8): pure functions from a snapshot (and the sources' freshness) to the alerts
// whose condition holds now. Every parameter comes from config (config/alerts_config.h); no
// province's numbers are written here. The set is open: a rule kind is a function of (rule,
// snapshot, context).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/notification.h"
#include "config/alerts_config.h"
#include "engine/indicators.h"
#include "engine/snapshot.h"

namespace bw::alerts {

/// An alert whose condition holds at this evaluation.
struct Candidate {
  std::string
      fingerprint;   ///< fingerprint(rule name, subject); line_fingerprint for a year's lines
  std::string rule;  ///< rule name (the alertname label)
  std::string kind;  ///< rule kind
  Severity severity = Severity::warning;
  std::chrono::seconds pending_for{0};
  std::string subject;  ///< project code, or "source:<name>"
  /// alertname, severity, rule_kind, subject, and for lines: fiscal_year, project_code,
  /// project_name, unit, unit_name, line_kind, owner, owner_email, tags; for sources: source. Plus
  /// the rule's labels.
  std::map<std::string, std::string> labels;
  /// The figures of this evaluation: as_of, execution_pct, expected_pct, gap_pp, threshold_pct,
  /// adjusted_fen, paid_fen, unspent_fen, unspent_wan, deadline, days_left, pace_pct, …
  std::map<std::string, std::string> annotations;
};

/// A source's freshness, for stale_source rules.
struct SourceFreshness {
  std::string name;
  std::optional<std::int64_t> last_file_at;  ///< unix seconds of the newest ingested file
  std::int64_t watched_since = 0;            ///< unix seconds since when it has been watched
};

/// The newest revision of a budget line's register entry (store/revisions.h), for budget_revised
/// rules.
struct BudgetRevision {
  std::string code;
  int version = 0;
  std::int64_t initial_before_fen = 0;
  std::int64_t initial_after_fen = 0;
  std::int64_t recorded_at = 0;  ///< unix seconds
  std::string file;              ///< the register that made it
  std::string source;
  int fiscal_year = 0;  ///< the revised line's fiscal year; 0: any (the rule matches by code)
};

/// A file refused (every row, or more than ingest.max_reject_share, rejected) or unreadable
/// (store's failed_files), for ingest_failed rules.
struct FailedIngest {
  std::string name;
  std::string source;
  std::string error;
  std::int64_t failed_at = 0;  ///< unix seconds
};

struct RuleContext {
  std::int64_t now = 0;  ///< unix seconds (the alert clock)
  std::vector<SourceFreshness> sources;
  /// Files that failed recently (ingest_failed rules), newest first.
  std::vector<FailedIngest> failed_ingests;
  /// The newest revision of each line recorded recently (budget_revised rules).
  std::vector<BudgetRevision> revisions;
  /// Indicator completion of this evaluation (indicator_overdue / indicator_behind rules); may be
  /// null.
  const std::vector<engine::IndicatorEval>* indicators = nullptr;
};

/// 16 hex digits (FNV-1a 64 of rule and subject): stable across restarts and versions.
std::string fingerprint(std::string_view rule, std::string_view subject);

/// The fingerprint of an alert on a budget line (or one of its indicators) of a fiscal year:
/// fingerprint(rule, "<year>/<subject>"). A line is identified by (fiscal year, code) (issue 14),
/// so a 2022 line that reuses a 2021 code is another alert; such alerts carry a `fiscal_year`
/// label.
std::string line_fingerprint(std::string_view rule, int fiscal_year, std::string_view subject);

Severity parse_severity(std::string_view s);

/// Updates a line alert's figures (execution, expected progress, paid, unspent, …) to the
/// snapshot's: a resolved message shows where the project stands now, not when it last fired.
void refresh_figures(const engine::Snapshot& snap, const std::string& project_code,
                     std::map<std::string, std::string>& annotations);

/// The alerts whose conditions hold, in rule order then line order.
std::vector<Candidate> evaluate_rules(const engine::Snapshot& snap,
                                      const std::vector<config::RuleConfig>& rules,
                                      const RuleContext& ctx);

}  // namespace bw::alerts
