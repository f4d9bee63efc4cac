// The alert lifecycle (DESIGN §8), pure: inactive → pending (while the rule's `for` runs) → firing
// → resolved; a resolved alert is kept for the retention (for the API and its resolved message) and
// starts a new episode if its condition returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/rules.h"

namespace bw::alerts {

enum class State { pending, firing, resolved };
std::string_view to_string(State s);
std::optional<State> parse_state(std::string_view s);

struct AlertState {
  std::string fingerprint;
  std::string rule;
  Severity severity = Severity::warning;
  State state = State::pending;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::int64_t active_since = 0;
  std::optional<std::int64_t> fired_at;
  std::optional<std::int64_t> resolved_at;
  std::int64_t updated_at = 0;
  std::int64_t episode = 0;
};

struct StepResult {
  std::vector<AlertState> alerts;     ///< every live alert after this evaluation
  std::vector<std::string> deleted;   ///< fingerprints to forget (pending cleared, retention over)
  std::vector<std::string> fired;     ///< started firing now
  std::vector<std::string> resolved;  ///< resolved now
};

/// One evaluation's transitions at `now` (unix seconds).
StepResult step(const std::vector<AlertState>& previous, const std::vector<Candidate>& candidates,
                std::int64_t now, std::chrono::seconds resolved_retention);

}  // namespace bw::alerts
