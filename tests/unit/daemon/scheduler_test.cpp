#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "daemon/log.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

TEST(SchedulerTest, runs_first_or_after_the_delay_catches_each_failure_and_wakes) {
  asio::io_context io;
  std::vector<std::string> errors;
  Scheduler s(io, logger("daemon"), [&](const std::string& task, const std::exception& e) {
    errors.push_back(task + ": " + e.what());
  });
  int a = 0;
  int b = 0;
  // a: runs at once, fails twice with the same error, then another, then succeeds; every 5 ms.
  s.every(
      "a", [] { return milliseconds(5); },
      [&]() -> asio::awaitable<void> {
        ++a;
        if (a <= 2) throw std::runtime_error("disk full");
        if (a == 3) throw std::runtime_error("locked");
        co_return;
      },
      /*run_first=*/true);
  // b: a long delay, not run first: only wake() runs it.
  auto task_b = s.every(
      "b", [] { return milliseconds(60'000); },
      [&]() -> asio::awaitable<void> {
        ++b;
        co_return;
      },
      /*run_first=*/false);
  asio::steady_timer t(io);
  t.expires_after(milliseconds(100));
  t.async_wait([&](auto) {
    EXPECT_EQ(b, 0);
    task_b->wake();
    asio::steady_timer* again = new asio::steady_timer(io);
    again->expires_after(milliseconds(50));
    again->async_wait([&, again](auto) {
      s.stop();
      delete again;
    });
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(s.stopped());
  EXPECT_GE(a, 10);  // went on after the failures
  EXPECT_EQ(b, 1);   // woken once
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "a: disk full");
  EXPECT_EQ(errors[2], "a: locked");
}

TEST(SchedulerTest, jitter_stays_within_ten_percent) {
  for (int i = 0; i < 200; ++i) {
    const auto d = jittered(milliseconds(1000));
    EXPECT_GE(d.count(), 900);
    EXPECT_LE(d.count(), 1100);
  }
}

}  // namespace
}  // namespace bw::daemon
