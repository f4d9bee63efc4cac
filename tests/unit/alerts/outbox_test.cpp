// The outbox (alerts/outbox.h) on a real SQLite file: backoff doubling with its ±20% jitter and
// cap, record_attempt for each outcome (delivered, retry with backoff or Retry-After, permanent,
// give-up after give_up_after), the idempotency key (stable across restarts, unique per
// evaluation), and delivery passes through a real webhook notifier to a local HTTP receiver
// (tests/support/receiver.py), including a crash between the send and its record.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "alerts/cycle.h"
#include "alerts/notifiers/webhook.h"
#include "alerts/outbox.h"
#include "alerts/render.h"
#include "engine/snapshot.h"
#include "store/alert_store.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/receiver.h"
#include "tests/support/test_support.h"
#include "tests/unit/alerts/overspent_fixture.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

DeliveryPolicy policy(std::chrono::milliseconds initial = 10s, std::chrono::milliseconds max = 600s,
                      std::chrono::seconds give_up = 3600s) {
  return DeliveryPolicy{initial, max, give_up};
}

// ---- backoff ----

TEST(OutboxBackoffTest, doubles_from_the_initial_wait_within_20_percent_jitter_and_is_capped) {
  const DeliveryPolicy p = policy(10s, 600s);
  std::mt19937_64 rng(20210630);
  for (std::int64_t attempts = 0; attempts <= 40; ++attempts) {
    const double nominal =
        std::min(10000.0 * std::pow(2.0, static_cast<double>(std::min<std::int64_t>(attempts, 30))),
                 600000.0);
    double lo = 1e18, hi = 0, sum = 0;
    constexpr int samples = 2000;
    for (int i = 0; i < samples; ++i) {
      const double w = static_cast<double>(backoff(attempts, p, rng).count());
      lo = std::min(lo, w);
      hi = std::max(hi, w);
      sum += w;
    }
    EXPECT_GE(lo, 0.8 * nominal - 1) << "attempts " << attempts;
    EXPECT_LE(hi, 1.2 * nominal) << "attempts " << attempts;
    // The jitter spreads the waits over the whole band (2000 draws: the odds of missing either edge
    // are nil).
    EXPECT_LT(lo, 0.82 * nominal) << "attempts " << attempts;
    EXPECT_GT(hi, 1.18 * nominal) << "attempts " << attempts;
    EXPECT_NEAR(sum / samples, nominal, 0.02 * nominal) << "attempts " << attempts;
  }
  // 10 s, 20 s, 40 s, … 320 s, then the 600 s cap from the seventh retry on, also for absurd
  // counts.
  EXPECT_LE(backoff(5, p, rng), 384000ms);
  EXPECT_GE(backoff(6, p, rng), 480000ms);
  EXPECT_LE(backoff(1000000, p, rng), 720000ms);
}

TEST(OutboxBackoffTest, two_workers_with_different_seeds_do_not_retry_in_step) {
  const DeliveryPolicy p = policy();
  std::mt19937_64 a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += backoff(3, p, a) == backoff(3, p, b);
  EXPECT_LT(same, 5);
}

// ---- record_attempt ----

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    db_.reset();
    db_.emplace(store::Database::open(dir_ / "outbox.db"));
    store::migrate(*db_);
  }

  store::OutboxRow enqueue(const std::string& key, std::int64_t created_at,
                           const std::string& receiver = "hook") {
    Notification n;
    n.idempotency_key = key;
    n.receiver = receiver;
    n.group_key = "owner=张三";
    n.title = "【预算执行预警】张三：1 个项目需关注（截至 2021-12-31）";
    n.text = "张三，您好：\n\n1. 交通战备工作经费（LW2021-P06）";
    store::OutboxRow r;
    r.idempotency_key = key;
    r.receiver = receiver;
    r.group_key = n.group_key;
    r.status = "firing";
    r.title = n.title;
    r.payload = to_json(n);
    r.alert_count = 1;
    r.created_at = created_at;
    r.next_attempt_at = created_at;
    EXPECT_TRUE(store::enqueue(*db_, r));
    return row(key);
  }

  store::OutboxRow row(const std::string& key) {
    store::OutboxQuery q;
    q.limit = 1000;
    for (const auto& r : store::list_outbox(*db_, q))
      if (r.idempotency_key == key) return r;
    ADD_FAILURE() << "no outbox row " << key;
    return {};
  }

  std::size_t rows() {
    store::OutboxQuery q;
    return static_cast<std::size_t>(store::count_outbox(*db_, q));
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
  std::mt19937_64 rng_{7};
};

TEST_F(OutboxTest, delivered_is_final) {
  const std::int64_t t0 = 1640912400;
  const auto r = enqueue("hook/a/1", t0);
  EXPECT_EQ(record_attempt(*db_, r, {Outcome::delivered, "HTTP 200", std::nullopt}, t0 + 5,
                           policy(), rng_),
            "delivered");
  const auto after = row("hook/a/1");
  EXPECT_EQ(after.state, "delivered");
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.delivered_at, t0 + 5);
  EXPECT_EQ(after.last_error, "");
  EXPECT_TRUE(store::due_rows(*db_, t0 + 1'000'000, 10).empty()) << "never sent again";
  EXPECT_EQ(store::outbox_stats(*db_).pending, 0);
}

TEST_F(OutboxTest, permanent_fails_at_once_with_its_reason) {
  const std::int64_t t0 = 1640912400;
  const auto r = enqueue("hook/a/1", t0);
  EXPECT_EQ(record_attempt(*db_, r, {Outcome::permanent, "HTTP 400: bad request", std::nullopt},
                           t0 + 1, policy(), rng_),
            "failed");
  const auto after = row("hook/a/1");
  EXPECT_EQ(after.state, "failed");
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.last_error, "HTTP 400: bad request");
  EXPECT_FALSE(after.delivered_at);
  EXPECT_TRUE(store::due_rows(*db_, t0 + 1'000'000, 10).empty())
      << "a permanent failure is not retried";
  EXPECT_EQ(store::outbox_stats(*db_).failed, 1);
}

TEST_F(OutboxTest, retry_waits_the_backoff_and_doubles_it_each_attempt) {
  const std::int64_t t0 = 1640912400;
  auto r = enqueue("hook/a/1", t0);
  std::int64_t now = t0;
  // Initial 10 s: attempt 1 waits 8..12 s, attempt 2 16..24 s, attempt 3 32..48 s.
  for (std::int64_t attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_EQ(record_attempt(*db_, r, {Outcome::retry, "connection refused", std::nullopt}, now,
                             policy(), rng_),
              "pending");
    r = row("hook/a/1");
    EXPECT_EQ(r.state, "pending");
    EXPECT_EQ(r.attempts, attempt);
    EXPECT_EQ(r.last_error, "connection refused");
    const std::int64_t nominal = 10 << (attempt - 1);
    const std::int64_t wait = r.next_attempt_at - now;
    EXPECT_GE(wait, nominal * 8 / 10) << "attempt " << attempt;
    EXPECT_LE(wait, nominal * 12 / 10) << "attempt " << attempt;
    EXPECT_TRUE(store::due_rows(*db_, r.next_attempt_at - 1, 10).empty())
        << "not due before its time";
    ASSERT_EQ(store::due_rows(*db_, r.next_attempt_at, 10).size(), 1u);
    now = r.next_attempt_at;
  }
}

TEST_F(OutboxTest, retry_after_from_the_receiver_wins_when_longer_and_waits_are_whole_seconds) {
  const std::int64_t t0 = 1640912400;
  auto r = enqueue("hook/a/1", t0);
  record_attempt(*db_, r, {Outcome::retry, "HTTP 429", std::chrono::seconds(300)}, t0, policy(),
                 rng_);
  r = row("hook/a/1");
  EXPECT_EQ(r.next_attempt_at, t0 + 300);
  // A Retry-After shorter than the backoff does not shorten it.
  record_attempt(*db_, r, {Outcome::retry, "HTTP 429", std::chrono::seconds(1)}, t0 + 300, policy(),
                 rng_);
  r = row("hook/a/1");
  EXPECT_GE(r.next_attempt_at - (t0 + 300), 16);
  // A sub-second backoff still waits at least a second (no busy loop).
  auto q = enqueue("hook/b/1", t0);
  record_attempt(*db_, q, {Outcome::retry, "timeout", std::nullopt}, t0, policy(100ms, 1s), rng_);
  EXPECT_EQ(row("hook/b/1").next_attempt_at, t0 + 1);
}

TEST_F(OutboxTest, gives_up_after_give_up_after_counted_from_the_queueing) {
  const std::int64_t t0 = 1640912400;
  auto r = enqueue("hook/a/1", t0);
  const DeliveryPolicy p = policy(10s, 600s, 3600s);
  EXPECT_EQ(record_attempt(*db_, r, {Outcome::retry, "connection refused", std::nullopt}, t0 + 3599,
                           p, rng_),
            "pending")
      << "one second before the limit it is retried";
  r = row("hook/a/1");
  EXPECT_EQ(record_attempt(*db_, r, {Outcome::retry, "connection refused", std::nullopt}, t0 + 3600,
                           p, rng_),
            "failed");
  r = row("hook/a/1");
  EXPECT_EQ(r.state, "failed");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.last_error, "gave up after 2 attempts: connection refused");
  EXPECT_TRUE(store::due_rows(*db_, t0 + 1'000'000, 10).empty());
  // A delivery that succeeds late is still a delivery (give_up_after only ends retries).
  auto late = enqueue("hook/b/1", t0);
  EXPECT_EQ(record_attempt(*db_, late, {Outcome::delivered, "HTTP 200", std::nullopt}, t0 + 100000,
                           p, rng_),
            "delivered");
}

TEST_F(OutboxTest, the_same_idempotency_key_is_queued_once) {
  const std::int64_t t0 = 1640912400;
  const auto first = enqueue("owners/0b0891ceb28afce0/3", t0);
  store::OutboxRow again = first;
  again.title = "another title";
  again.created_at = t0 + 60;
  EXPECT_FALSE(store::enqueue(*db_, again));
  EXPECT_EQ(rows(), 1u);
  EXPECT_EQ(row("owners/0b0891ceb28afce0/3").title, first.title) << "the first row is kept";
}

// ---- the key a cycle writes ----

using test_fixture::line;
using test_fixture::overspent;

config::AlertsConfig owners_config() {
  config::AlertsConfig c;
  c.enabled = true;
  config::RuleConfig over;
  over.name = "overspend";
  over.kind = config::RuleKind::overspend;
  over.severity = config::Severity::critical;
  c.rules = {over};
  config::ReceiverConfig owners;
  owners.name = "owners";
  owners.kind = config::ReceiverKind::email;
  owners.to_owner = true;
  c.receivers = {owners};
  config::RouteConfig r;
  r.receivers = {"owners"};
  r.group_by = {"owner"};
  r.repeat_interval = 1h;
  c.routes = {r};
  return c;
}

CycleContext at(std::int64_t now) {
  CycleContext ctx;
  ctx.now = now;
  ctx.local = LocalTime{engine::make_date(2021, 12, 31), 9 * 60, 5};
  return ctx;
}

std::map<std::string, std::string> keys_by_group(store::Database& db) {
  std::map<std::string, std::string> out;
  store::OutboxQuery q;
  q.limit = 1000;
  for (const auto& r : store::list_outbox(db, q)) out[r.idempotency_key] = r.group_key;
  return out;
}

TEST_F(OutboxTest,
       key_is_receiver_group_hash_and_sequence_stable_across_restarts_unique_per_evaluation) {
  const auto cfg = owners_config();
  const std::int64_t t0 = 1640912400;
  const std::string zhang = "owners/" + fingerprint("owner=张三", "") + "/";
  const std::string li = "owners/" + fingerprint("owner=李四", "") + "/";
  ASSERT_NE(zhang, li);

  EXPECT_EQ(run_cycle(*db_, overspent({"P1", "P2"}), cfg, at(t0)).messages, 2);
  EXPECT_EQ(keys_by_group(*db_), (std::map<std::string, std::string>{{zhang + "1", "owner=张三"},
                                                                     {li + "1", "owner=李四"}}));
  // Nothing new within the repeat interval: no message, no key used up.
  EXPECT_EQ(run_cycle(*db_, overspent({"P1", "P2"}), cfg, at(t0 + 60)).messages, 0);

  // Restart (a new connection on the same file): the sequence continues where it was.
  open();
  EXPECT_EQ(run_cycle(*db_, overspent({"P1", "P2", "P3"}), cfg, at(t0 + 120)).messages, 1)
      << "P3 is news for 张三";
  EXPECT_EQ(keys_by_group(*db_).count(zhang + "2"), 1u);
  open();
  EXPECT_EQ(run_cycle(*db_, overspent({"P1", "P2", "P3"}), cfg, at(t0 + 3600)).messages, 1)
      << "李四's repeat";
  EXPECT_EQ(run_cycle(*db_, overspent({"P1", "P2", "P3"}), cfg, at(t0 + 3720)).messages, 1)
      << "张三's repeat";
  const auto keys = keys_by_group(*db_);
  EXPECT_EQ(keys, (std::map<std::string, std::string>{{zhang + "1", "owner=张三"},
                                                      {zhang + "2", "owner=张三"},
                                                      {zhang + "3", "owner=张三"},
                                                      {li + "1", "owner=李四"},
                                                      {li + "2", "owner=李四"}}));
  // The payload carries the same key (the header and Message-ID are made from it).
  store::OutboxQuery q;
  for (const auto& r : store::list_outbox(*db_, q)) {
    const auto n = notification_from_json(r.payload);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->idempotency_key, r.idempotency_key);
  }
}

TEST_F(OutboxTest, rows_of_a_replayed_date_are_queued_at_the_wall_clock) {
  const auto cfg = owners_config();
  const std::int64_t as_of_nine = 1640912400;  // 2021-12-31 09:00 Asia/Shanghai: the alert clock
  const std::int64_t wall = wall_now();
  CycleContext ctx = at(as_of_nine);
  ctx.queued_at = wall;
  ASSERT_EQ(run_cycle(*db_, overspent({"P1"}), cfg, ctx).messages, 1);
  store::OutboxQuery q;
  const auto r = store::list_outbox(*db_, q).at(0);
  EXPECT_EQ(r.created_at, wall);
  EXPECT_EQ(r.next_attempt_at, wall);
  // So a failed first attempt is retried, not given up because 2021 is long ago.
  EXPECT_EQ(record_attempt(*db_, r, {Outcome::retry, "connection refused", std::nullopt}, wall + 1,
                           policy(), rng_),
            "pending");
  const auto group = store::find_group(*db_, "owners", "owner=张三");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->last_sent_at, as_of_nine) << "the repeat interval runs on the alert clock";
}

// ---- delivery passes through a real webhook notifier ----

PassReport pass(store::Database& db, const std::map<std::string, NotifierPtr>& owned,
                const DeliveryPolicy& p, std::vector<std::string>* states = nullptr) {
  auto notifiers = std::shared_ptr<const std::map<std::string, NotifierPtr>>(&owned, [](auto*) {});
  asio::io_context io;
  RunOnDb run_db = [&db](std::function<void(store::Database&)> f) -> asio::awaitable<int> {
    f(db);
    co_return 0;
  };
  OnAttempt on = [states](const store::OutboxRow& row, const DeliveryResult&,
                          const std::string& state) {
    if (states) states->push_back(row.idempotency_key + "=" + state);
  };
  auto f = asio::co_spawn(io,
                          deliver_pass(io.get_executor(), run_db, notifiers, p,
                                       std::make_shared<std::mt19937_64>(3), on, nullptr),
                          asio::use_future);
  io.run();
  return f.get();
}

NotifierPtr webhook(const std::string& url) {
  WebhookOptions o;
  o.url = url;
  o.http.connect_timeout = 2000ms;
  o.http.read_timeout = 5000ms;
  return std::make_unique<WebhookNotifier>(o);
}

TEST_F(OutboxTest, a_pass_records_each_outcome_from_a_real_receiver) {
  test::Receiver receiver;
  std::map<std::string, NotifierPtr> notifiers;
  notifiers["ok"] = webhook(receiver.base_url() + "/hooks/ok");
  notifiers["busy"] = webhook(receiver.base_url() + "/status/503?retry_after=120");
  notifiers["refused"] = webhook(receiver.base_url() + "/status/400");
  const std::int64_t now = wall_now();
  enqueue("ok/a/1", now, "ok");
  enqueue("busy/a/1", now, "busy");
  enqueue("refused/a/1", now, "refused");
  enqueue("gone/a/1", now, "gone");  // its receiver was removed from the config

  std::vector<std::string> states;
  const PassReport r = pass(*db_, notifiers, policy(10s, 600s, 3600s), &states);
  EXPECT_EQ(r.attempted, 4);
  EXPECT_EQ(r.delivered, 1);
  EXPECT_EQ(r.retried, 1);
  EXPECT_EQ(r.failed, 2);
  std::sort(states.begin(), states.end());
  EXPECT_EQ(states, (std::vector<std::string>{"busy/a/1=pending", "gone/a/1=failed",
                                              "ok/a/1=delivered", "refused/a/1=failed"}));
  EXPECT_EQ(row("ok/a/1").state, "delivered");
  const auto busy = row("busy/a/1");
  EXPECT_EQ(busy.state, "pending");
  EXPECT_GE(busy.next_attempt_at, now + 120) << "Retry-After: 120 from the receiver";
  EXPECT_EQ(busy.last_error.rfind("HTTP 503", 0), 0u) << busy.last_error;
  EXPECT_EQ(row("refused/a/1").last_error.rfind("HTTP 400", 0), 0u)
      << row("refused/a/1").last_error;
  EXPECT_EQ(row("gone/a/1").last_error, "no receiver named 'gone' in the config");

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u) << "the missing receiver sends nothing";
  std::set<std::string> keys;
  for (const auto& q : requests) keys.insert(q.header("Idempotency-Key").value_or(""));
  EXPECT_EQ(keys, (std::set<std::string>{"ok/a/1", "busy/a/1", "refused/a/1"}));

  // The next pass right away: nothing is due (delivered and failed are final, busy waits for its
  // time).
  EXPECT_EQ(pass(*db_, notifiers, policy()).attempted, 0);
  EXPECT_EQ(receiver.requests().size(), 3u);
}

TEST_F(OutboxTest, a_crash_between_send_and_record_resends_once_with_the_same_key) {
  test::Receiver receiver;
  std::map<std::string, NotifierPtr> notifiers;
  notifiers["hook"] = webhook(receiver.base_url() + "/hooks/budget");
  enqueue("hook/0b0891ceb28afce0/3", wall_now(), "hook");

  // The worker sends the row, then dies before recording the outcome.
  {
    const auto due = store::due_rows(*db_, wall_now(), 10);
    ASSERT_EQ(due.size(), 1u);
    asio::io_context io;
    auto f = asio::co_spawn(io, send_row(io.get_executor(), notifiers, due[0]), asio::use_future);
    io.run();
    ASSERT_EQ(f.get().outcome, Outcome::delivered);
  }
  open();  // restart
  EXPECT_EQ(pass(*db_, notifiers, policy()).delivered, 1);
  EXPECT_EQ(pass(*db_, notifiers, policy()).attempted, 0) << "delivered once recorded";
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u) << "at least once: the unrecorded send is repeated, once";
  EXPECT_EQ(requests[0].header("Idempotency-Key"), requests[1].header("Idempotency-Key"));
  EXPECT_EQ(requests[0].header("Idempotency-Key"), "hook/0b0891ceb28afce0/3")
      << "so the receiver can drop it";
  EXPECT_EQ(requests[0].body, requests[1].body);
  const auto r = row("hook/0b0891ceb28afce0/3");
  EXPECT_EQ(r.state, "delivered");
  EXPECT_EQ(r.attempts, 1);
}

}  // namespace
}  // namespace bw::alerts
