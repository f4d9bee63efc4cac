#include "daemon/delivery_grace.h"

namespace bw::daemon {

void DeliveryGrace::delivered(const std::string& receiver, TimePoint now) {
  const std::lock_guard lock(mutex_);
  last_success_[receiver] = now;
}

spdlog::level::level_enum DeliveryGrace::failed(const std::string& receiver, bool permanent,
                                                TimePoint now, std::chrono::seconds grace) {
  if (permanent) return spdlog::level::warn;
  const std::lock_guard lock(mutex_);
  const auto it = last_success_.find(receiver);
  const TimePoint since = it != last_success_.end() ? it->second : started_;
  return now - since < grace ? spdlog::level::info : spdlog::level::warn;
}

}  // namespace bw::daemon
