// The Notifier base (alerts/notifiers/notifier.h) owns what every kind shares: an exception from a
// kind's attempt becomes a permanent "internal error", every attempt is timed, and every reason
// leaves send() without the attempt's URLs (labels instead) or the configured secrets. A small
// recording kind stands in.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "alerts/notifiers/notifier.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;

// Answers `reply` (or throws `thrown`), naming `urls` as the attempt's; counts its attempts.
class ScriptedNotifier final : public Notifier {
 public:
  std::string_view kind() const override { return "scripted"; }
  DeliveryResult reply{Outcome::delivered, "ok", std::nullopt};
  std::string thrown;
  std::vector<std::string> urls;
  std::string url = "https://hooks.example.org/notify?token=T0KEN-1234";
  std::string password = "pa55w0rd-xyz";
  int attempts = 0;
  std::chrono::milliseconds delay{0};  ///< waits this long (on a timer) before it answers or throws

 private:
  asio::awaitable<DeliveryResult> do_send(asio::any_io_executor, const Notification&,
                                          Attempt& a) override {
    ++attempts;
    a.urls = urls;
    if (delay.count() > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor, delay);
      co_await t.async_wait(asio::use_awaitable);
    }
    if (!thrown.empty()) throw std::runtime_error(thrown);
    co_return reply;
  }
  std::string_view endpoint() const override { return url; }
  std::vector<std::string> secrets() const override { return {password}; }
};

DeliveryResult send(Notifier& notifier) {
  asio::io_context ioc;
  const Notification n;
  auto f = asio::co_spawn(ioc, notifier.send(ioc.get_executor(), n), asio::use_future);
  ioc.run();
  return f.get();
}

TEST(NotifierBaseTest, an_exception_becomes_a_permanent_internal_error_without_secrets) {
  ScriptedNotifier s;
  s.thrown = "boom at https://hooks.example.org/notify?token=T0KEN-1234 with pa55w0rd-xyz";
  const DeliveryResult r = send(s);
  EXPECT_EQ(r.outcome, Outcome::permanent);
  EXPECT_EQ(r.reason, "internal error: boom at https://hooks.example.org/… with ***");
  EXPECT_EQ(s.attempts, 1);
}

TEST(NotifierBaseTest, reasons_lose_the_attempts_urls_in_order_and_the_configured_secrets) {
  ScriptedNotifier s;
  s.reply = {Outcome::retry,
             "HTTP 503 from https://signed.example.org/x?sign=S1GNATURE99 (pa55w0rd-xyz)",
             std::chrono::seconds(7)};
  s.urls = {"https://signed.example.org/x?sign=S1GNATURE99"};
  const DeliveryResult r = send(s);
  EXPECT_EQ(r.outcome, Outcome::retry);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(7));
  EXPECT_EQ(r.reason, "HTTP 503 from https://signed.example.org/… (***)");
}

TEST(NotifierBaseTest, a_clean_reason_is_returned_as_is) {
  ScriptedNotifier s;
  const DeliveryResult r = send(s);
  EXPECT_EQ(r.outcome, Outcome::delivered);
  EXPECT_EQ(r.reason, "ok");
}

// The base times every attempt, a failed one too, so that the daemon's
// budgetwatch_notification_duration_seconds and its log need no timing in the kinds.
TEST(NotifierBaseTest, every_attempt_is_timed_by_the_base_including_one_that_throws) {
  ScriptedNotifier s;
  s.delay = std::chrono::milliseconds(60);
  const DeliveryResult ok = send(s);
  EXPECT_GE(ok.took.count(), 60);
  EXPECT_LT(ok.took.count(), 5000);
  s.thrown = "boom";
  const DeliveryResult failed = send(s);
  EXPECT_EQ(failed.outcome, Outcome::permanent);
  EXPECT_GE(failed.took.count(), 60);
  s.delay = std::chrono::milliseconds(0);
  s.thrown.clear();
  EXPECT_LT(send(s).took.count(), 60);
}

}  // namespace
}  // namespace bw::alerts
