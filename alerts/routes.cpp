#include "alerts/routes.h"

#include <algorithm>

#include "config/matcher.h"

namespace bw::alerts {

bool matches(const config::MatcherConfig& m, const Labels& labels) {
  const auto it = labels.find(m.name);
  return config::matches_value(m, it == labels.end() ? std::string_view() : std::string_view(it->second));
}

bool matches_all(const std::vector<config::MatcherConfig>& ms, const Labels& labels) {
  return std::all_of(ms.begin(), ms.end(),
                     [&](const config::MatcherConfig& m) { return matches(m, labels); });
}

std::vector<std::size_t> route(const std::vector<config::RouteConfig>& routes, const Labels& labels) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (!matches_all(routes[i].matchers, labels)) continue;
    out.push_back(i);
    if (!routes[i].continue_matching) break;
  }
  return out;
}

std::string group_key(const std::vector<std::string>& group_by, const Labels& labels) {
  std::string key;
  for (const std::string& name : group_by) {
    const auto it = labels.find(name);
    if (!key.empty()) key += ',';
    key += name + "=" + (it == labels.end() ? std::string() : it->second);
  }
  return key;
}

bool in_interval(const config::TimeIntervalConfig& t, const LocalTime& at) {
  if (!t.dates.empty()) {
    const std::string d = engine::to_iso(at.date);
    if (std::find(t.dates.begin(), t.dates.end(), d) != t.dates.end()) return true;
    if (t.times.empty() && t.weekdays.empty()) return false;
  }
  if (!t.weekdays.empty() &&
      std::find(t.weekdays.begin(), t.weekdays.end(), at.weekday) == t.weekdays.end())
    return false;
  if (t.times.empty()) return !t.weekdays.empty();
  return std::any_of(t.times.begin(), t.times.end(), [&](const std::pair<int, int>& r) {
    return r.first < r.second ? (at.minute_of_day >= r.first && at.minute_of_day < r.second)
                              : (at.minute_of_day >= r.first || at.minute_of_day < r.second);
  });
}

bool muted(const std::vector<config::TimeIntervalConfig>& intervals,
           const std::vector<std::string>& names, const LocalTime& at) {
  for (const std::string& n : names) {
    for (const auto& t : intervals) {
      if (t.name == n && in_interval(t, at)) return true;
    }
  }
  return false;
}

std::string_view to_string(config::MatcherConfig::Op op) {
  using Op = config::MatcherConfig::Op;
  switch (op) {
    case Op::eq: return "=";
    case Op::ne: return "!=";
    case Op::re: return "=~";
    case Op::nre: return "!~";
  }
  return "=";
}

}  // namespace bw::alerts
