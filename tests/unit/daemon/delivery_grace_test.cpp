// Issue 17: the demo's SMTP receiver is unreachable until a mail server runs; its failures are
// logged at info for alerts.unreachable_warn_after (10 minutes by default), then as warnings.
#include "daemon/delivery_grace.h"

#include <gtest/gtest.h>

namespace bw::daemon {
namespace {

using namespace std::chrono_literals;

TEST(DeliveryGraceTest, an_unreachable_receiver_is_info_for_the_grace_then_a_warning) {
  const DeliveryGrace::TimePoint start{std::chrono::seconds(1'700'000'000)};
  DeliveryGrace grace(start);
  EXPECT_EQ(grace.failed("owners", false, start + 5s, 10min), spdlog::level::info);
  EXPECT_EQ(grace.failed("owners", false, start + 9min, 10min), spdlog::level::info);
  EXPECT_EQ(grace.failed("owners", false, start + 10min, 10min), spdlog::level::warn);
  EXPECT_EQ(grace.failed("owners", false, start + 3h, 10min), spdlog::level::warn);
  // Reached once: its failures start over from then, other receivers keep their own.
  grace.delivered("owners", start + 4h);
  EXPECT_EQ(grace.failed("owners", false, start + 4h + 1min, 10min), spdlog::level::info);
  EXPECT_EQ(grace.failed("bureau", false, start + 4h + 1min, 10min), spdlog::level::warn);
  EXPECT_EQ(grace.failed("owners", false, start + 4h + 11min, 10min), spdlog::level::warn);
  // An address or credentials refused is not a matter of waiting.
  EXPECT_EQ(grace.failed("owners", true, start + 4h + 1min, 10min), spdlog::level::warn);
  // No grace: warnings at once.
  EXPECT_EQ(grace.failed("fresh", false, start, 0s), spdlog::level::warn);
}

}  // namespace
}  // namespace bw::daemon
