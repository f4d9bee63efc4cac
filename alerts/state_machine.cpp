#include "alerts/state_machine.h"

#include <unordered_map>

namespace bw::alerts {

std::string_view to_string(State s) {
  switch (s) {
    case State::pending: return "pending";
    case State::firing: return "firing";
    case State::resolved: return "resolved";
  }
  return "pending";
}

std::optional<State> parse_state(std::string_view s) {
  if (s == "pending") return State::pending;
  if (s == "firing") return State::firing;
  if (s == "resolved") return State::resolved;
  return std::nullopt;
}

StepResult step(const std::vector<AlertState>& previous, const std::vector<Candidate>& candidates,
                std::int64_t now, std::chrono::seconds resolved_retention) {
  StepResult out;
  std::unordered_map<std::string, const Candidate*> active;
  for (const Candidate& c : candidates) active.emplace(c.fingerprint, &c);
  std::unordered_map<std::string, bool> seen;

  auto fire = [&](AlertState& a) {
    a.state = State::firing;
    a.fired_at = now;
    a.resolved_at.reset();
    ++a.episode;
    out.fired.push_back(a.fingerprint);
  };

  for (const AlertState& prev : previous) {
    AlertState a = prev;
    seen[a.fingerprint] = true;
    const auto it = active.find(a.fingerprint);
    if (it != active.end()) {
      const Candidate& c = *it->second;
      a.rule = c.rule;
      a.severity = c.severity;
      a.labels = c.labels;
      a.annotations = c.annotations;
      a.updated_at = now;
      if (a.state == State::resolved) {  // the condition is back: a new episode
        a.active_since = now;
        a.state = State::pending;
        a.fired_at.reset();
      }
      if (a.state == State::pending && now - a.active_since >= c.pending_for.count()) fire(a);
      out.alerts.push_back(std::move(a));
      continue;
    }
    switch (a.state) {
      case State::pending:  // never fired: forgotten
        out.deleted.push_back(a.fingerprint);
        break;
      case State::firing:
        a.state = State::resolved;
        a.resolved_at = now;
        a.updated_at = now;
        out.resolved.push_back(a.fingerprint);
        out.alerts.push_back(std::move(a));
        break;
      case State::resolved:
        if (now - a.resolved_at.value_or(a.updated_at) > resolved_retention.count()) {
          out.deleted.push_back(a.fingerprint);
        } else {
          out.alerts.push_back(std::move(a));
        }
        break;
    }
  }
  for (const Candidate& c : candidates) {
    if (seen.count(c.fingerprint)) continue;
    seen[c.fingerprint] = true;
    AlertState a;
    a.fingerprint = c.fingerprint;
    a.rule = c.rule;
    a.severity = c.severity;
    a.labels = c.labels;
    a.annotations = c.annotations;
    a.active_since = now;
    a.updated_at = now;
    a.state = State::pending;
    if (c.pending_for.count() <= 0) fire(a);
    out.alerts.push_back(std::move(a));
  }
  return out;
}

}  // namespace bw::alerts
