// What /readyz and budgetwatch_check_up{check} tell: the state of each part the daemon depends on —
// the database (its last write), the evaluation, each source (its last poll), each receiver (its
// last delivery). A failing check does not make the daemon unready: it keeps serving the last good
// figures, and says so
// ("degraded", with the failing checks, since when and why). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace bw::daemon {

class Health {
 public:
  struct Check {
    std::string name;  ///< "database", "evaluation", "source:inbox", "receiver:owners"
    bool ok = true;
    std::int64_t since = 0;       ///< Unix seconds of the last change between ok and failing
    std::int64_t checked_at = 0;  ///< Unix seconds of the last report
    std::string message;          ///< the last error (already redacted), empty when ok
    std::uint64_t failures = 0;   ///< consecutive failed reports
  };
  /// Called on every change between ok and failing, and when a check is dropped (removed = true):
  /// the metrics gauge follows it.
  using Observer = std::function<void(const std::string& name, bool ok, bool removed)>;

  explicit Health(Observer observer = {}) : observer_(std::move(observer)) {}

  /// Records one outcome of `name`. The message must not hold a secret (redact before).
  void report(const std::string& name, bool ok, const std::string& message = {});
  /// Drops checks whose name starts with `prefix` and is not in `keep` (sources or receivers
  /// removed by a reload).
  void retain(const std::string& prefix, const std::vector<std::string>& keep);
  std::vector<Check> checks() const;
  /// The failing checks, by name.
  std::vector<Check> failing() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Check> checks_;
  Observer observer_;
};

}  // namespace bw::daemon
