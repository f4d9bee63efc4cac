// deliver_pass (alerts/outbox.h) reads "now" from the caller's clock: which rows are due, and the
// times recorded for an attempt (delivered_at, the next attempt). A recording notifier stands in
// for a receiver; the database is a real SQLite file.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "alerts/outbox.h"
#include "alerts/render.h"
#include "store/alert_store.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Answers `outcome` to every send and counts them.
class CountingNotifier final : public Notifier {
 public:
  explicit CountingNotifier(Outcome o) : outcome_(o) {}
  std::string_view kind() const override { return "counting"; }
  int sends = 0;

 private:
  asio::awaitable<DeliveryResult> do_send(asio::any_io_executor, const Notification&,
                                          Attempt&) override {
    ++sends;
    co_return DeliveryResult{outcome_, outcome_ == Outcome::delivered ? "ok" : "HTTP 503",
                             std::nullopt};
  }
  std::vector<std::string> secrets() const override { return {}; }
  Outcome outcome_;
};

class OutboxClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_.path() / "outbox.db"));
    store::migrate(*db_);
  }

  void enqueue(const std::string& key, std::int64_t due) {
    Notification n;
    n.idempotency_key = key;
    n.receiver = "hook";
    store::OutboxRow r;
    r.idempotency_key = key;
    r.receiver = "hook";
    r.group_key = "owner=张三";
    r.status = "firing";
    r.payload = to_json(n);
    r.alert_count = 1;
    r.created_at = due;
    r.next_attempt_at = due;
    ASSERT_TRUE(store::enqueue(*db_, r));
  }

  PassReport pass(Notifier* notifier, std::int64_t now) {
    auto notifiers = std::make_shared<std::map<std::string, NotifierPtr>>();
    (*notifiers)["hook"] = NotifierPtr(notifier);
    asio::io_context io;
    RunOnDb run_db = [this](std::function<void(store::Database&)> f) -> asio::awaitable<int> {
      f(*db_);
      co_return 0;
    };
    WallClock clock = [now] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(now));
    };
    auto f = asio::co_spawn(
        io,
        deliver_pass(io.get_executor(), run_db, notifiers, DeliveryPolicy{10s, 600s, 3600s},
                     std::make_shared<std::mt19937_64>(1), nullptr, nullptr, clock),
        asio::use_future);
    io.run();
    const PassReport r = f.get();
    (*notifiers)["hook"].release();  // owned by the test
    return r;
  }

  store::OutboxRow row(const std::string& key) {
    store::OutboxQuery q;
    for (const auto& r : store::list_outbox(*db_, q))
      if (r.idempotency_key == key) return r;
    ADD_FAILURE() << "no row " << key;
    return {};
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
};

TEST_F(OutboxClockTest, rows_are_due_by_the_callers_clock_and_delivered_at_its_time) {
  constexpr std::int64_t t = 1640912400;  // 2021-12-31 09:00 +08:00, long before the wall clock
  enqueue("k1", t);
  enqueue("k2", t + 600);
  CountingNotifier hook(Outcome::delivered);

  EXPECT_EQ(pass(&hook, t - 1).attempted, 0) << "nothing is due before t on the caller's clock";
  EXPECT_EQ(hook.sends, 0);

  EXPECT_EQ(pass(&hook, t + 5).delivered, 1) << "k2 is not due until t + 600";
  EXPECT_EQ(row("k1").state, "delivered");
  EXPECT_EQ(row("k1").delivered_at, t + 5);
  EXPECT_EQ(row("k2").state, "pending");
}

TEST_F(OutboxClockTest, a_retry_is_scheduled_from_the_callers_clock) {
  constexpr std::int64_t t = 1640912400;
  enqueue("k1", t);
  CountingNotifier hook(Outcome::retry);
  EXPECT_EQ(pass(&hook, t + 100).retried, 1);
  const store::OutboxRow r = row("k1");
  EXPECT_EQ(r.state, "pending");
  // First backoff: 10 s ± 20 %.
  EXPECT_GE(r.next_attempt_at, t + 100 + 8);
  EXPECT_LE(r.next_attempt_at, t + 100 + 12);
}

}  // namespace
}  // namespace bw::alerts
