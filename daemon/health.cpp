#include "daemon/health.h"

#include <algorithm>

namespace bw::daemon {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Health::report(const std::string& name, bool ok, const std::string& message) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = unix_now();
    auto [it, inserted] = checks_.try_emplace(name);
    Check& c = it->second;
    if (inserted) {
      c.name = name;
      c.since = now;
      changed = true;
    } else if (c.ok != ok) {
      c.since = now;
      changed = true;
    }
    c.ok = ok;
    c.checked_at = now;
    c.message = ok ? std::string() : message;
    c.failures = ok ? 0 : c.failures + 1;
  }
  if (changed && observer_) observer_(name, ok, false);
}

void Health::retain(const std::string& prefix, const std::vector<std::string>& keep) {
  std::vector<std::string> dropped;
  {
    std::lock_guard lock(mutex_);
    for (auto it = checks_.begin(); it != checks_.end();) {
      if (it->first.rfind(prefix, 0) == 0 && std::find(keep.begin(), keep.end(), it->first) == keep.end()) {
        dropped.push_back(it->first);
        it = checks_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (observer_) {
    for (const auto& name : dropped) observer_(name, true, true);
  }
}

std::vector<Health::Check> Health::checks() const {
  std::lock_guard lock(mutex_);
  std::vector<Check> out;
  out.reserve(checks_.size());
  for (const auto& [name, c] : checks_) out.push_back(c);
  return out;
}

std::vector<Health::Check> Health::failing() const {
  std::vector<Check> all = checks();
  std::erase_if(all, [](const Check& c) { return c.ok; });
  return all;
}

}  // namespace bw::daemon
