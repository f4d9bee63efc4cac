// How loud a failed delivery is logged: a receiver that cannot be reached is expected for a while
// (the demo's SMTP server until someone starts one, a mail relay restarting), so its failures are
// logged at info until it has failed for `alerts.unreachable_warn_after` since its last success (or
// since the daemon started), then as warnings (issue 17). A permanent failure (an address or
// credentials refused) is a warning at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include <spdlog/common.h>

namespace bw::daemon {

/// Thread-safe.
class DeliveryGrace {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  /// `started`: when the daemon started (a receiver never reached has failed since then).
  explicit DeliveryGrace(TimePoint started) : started_(started) {}

  /// A delivery to `receiver` succeeded at `now`: its failures start over.
  void delivered(const std::string& receiver, TimePoint now);
  /// The level of a failed attempt at `now`: info while the receiver's failures (since its last
  /// success, else since the start) are younger than `grace`; warn after, and at once for a
  /// permanent failure.
  spdlog::level::level_enum failed(const std::string& receiver, bool permanent, TimePoint now,
                                   std::chrono::seconds grace);

 private:
  TimePoint started_;
  std::mutex mutex_;
  std::map<std::string, TimePoint> last_success_;  // guarded by mutex_
};

}  // namespace bw::daemon
