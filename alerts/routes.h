// Matching (routes, silences), mute time intervals and group keys (DESIGN §8), pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/alerts_config.h"
#include "engine/civil_date.h"

namespace bw::alerts {

using Labels = std::map<std::string, std::string>;

/// A missing label matches as the empty string (as in Alertmanager). Regular expressions are RE2,
/// fully anchored, linear in the label's length (config/matcher.h). Thread-safe.
bool matches(const config::MatcherConfig& m, const Labels& labels);
bool matches_all(const std::vector<config::MatcherConfig>& ms, const Labels& labels);

/// The routes an alert takes, in order: the first matching route, and the ones after it while
/// `continue: true`. Indices into `routes`.
std::vector<std::size_t> route(const std::vector<config::RouteConfig>& routes,
                               const Labels& labels);

/// "owner=陈志远" (labels named by group_by, in that order, joined by ",").
std::string group_key(const std::vector<std::string>& group_by, const Labels& labels);

/// Local wall time in the evaluation time zone.
struct LocalTime {
  engine::CivilDate date;
  int minute_of_day = 0;
  unsigned weekday = 0;  ///< 0 = Sunday
};

bool in_interval(const config::TimeIntervalConfig& t, const LocalTime& at);
/// Whether any of the named intervals holds at `at`.
bool muted(const std::vector<config::TimeIntervalConfig>& intervals,
           const std::vector<std::string>& names, const LocalTime& at);

/// A silence (API): matchers, who, why, from/until.
struct Silence {
  std::string id;
  std::vector<config::MatcherConfig> matchers;
  std::string created_by;
  std::string comment;
  std::int64_t starts_at = 0;
  std::int64_t ends_at = 0;
  std::int64_t created_at = 0;

  bool active(std::int64_t now) const { return starts_at <= now && now < ends_at; }
  bool silences(const Labels& labels, std::int64_t now) const {
    return active(now) && matches_all(matchers, labels);
  }
};

std::string_view to_string(config::MatcherConfig::Op op);

}  // namespace bw::alerts
