// Several daemons on one database (issue 15): the alert lease (store/lease.h), the atomic outbox
// claim (store/alert_store.h) and the file ledger's uniqueness under concurrency, on SQLite and on
// a real PostgreSQL 15. The concurrent tests use two connections and two threads, as two daemons
// do.
#include "store/lease.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "store/alert_store.h"
#include "store/ledger.h"
#include "tests/support/store_engines.h"

namespace bw::store {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // ms
constexpr std::int64_t ttl = 8000;

class LeaseTest : public test::StoreEngineTest {
 protected:
  Database second() { return Database::open(where_->target()); }
  OutboxRow row(const std::string& key, std::int64_t created) {
    OutboxRow r;
    r.idempotency_key = key;
    r.receiver = "owners";
    r.group_key = "g/" + key;
    r.status = "firing";
    r.title = "t";
    r.payload = "{}";
    r.alert_count = 1;
    r.created_at = created;
    r.next_attempt_at = created;
    return r;
  }
};
BW_ON_BOTH_ENGINES(LeaseTest);

TEST_P(LeaseTest, one_holder_renews_the_other_waits_until_it_expired_then_takes_a_new_term) {
  const Lease a = acquire_lease(*db_, alerts_lease, "a:1:9464", t0, ttl);
  EXPECT_TRUE(a.held);
  EXPECT_EQ(a.token, 1);
  EXPECT_EQ(a.expires_at_ms, t0 + ttl);

  const Lease b = acquire_lease(*db_, alerts_lease, "b:2:9465", t0 + 1000, ttl);
  EXPECT_FALSE(b.held);
  EXPECT_EQ(b.holder, "a:1:9464") << "the standby sees who holds it";
  EXPECT_EQ(b.token, 1);

  const Lease renewed = acquire_lease(*db_, alerts_lease, "a:1:9464", t0 + 3000, ttl);
  EXPECT_TRUE(renewed.held);
  EXPECT_EQ(renewed.token, 1) << "a renewal keeps the term";
  EXPECT_EQ(renewed.acquired_at_ms, t0);
  EXPECT_EQ(renewed.expires_at_ms, t0 + 3000 + ttl);

  // Just before the expiry the lease is still a's; at it, b takes it (a was SIGKILLed).
  EXPECT_FALSE(acquire_lease(*db_, alerts_lease, "b:2:9465", t0 + 3000 + ttl - 1, ttl).held);
  const Lease taken = acquire_lease(*db_, alerts_lease, "b:2:9465", t0 + 3000 + ttl, ttl);
  EXPECT_TRUE(taken.held);
  EXPECT_EQ(taken.token, 2) << "a takeover is a new term";
  EXPECT_EQ(taken.acquired_at_ms, t0 + 3000 + ttl);

  // a, back (a pause, not a death), finds it taken and may not write alert state.
  const Lease back = acquire_lease(*db_, alerts_lease, "a:1:9464", t0 + 3000 + ttl + 10, ttl);
  EXPECT_FALSE(back.held);
  EXPECT_EQ(back.holder, "b:2:9465");
  {
    Transaction tx(*db_);
    EXPECT_THROW(require_lease(*db_, alerts_lease, "a:1:9464", t0 + 3000 + ttl + 10), LeaseLost);
  }
  {
    Transaction tx(*db_);
    EXPECT_NO_THROW(require_lease(*db_, alerts_lease, "b:2:9465", t0 + 3000 + ttl + 10));
  }
  const auto seen = read_lease(*db_, alerts_lease, "a:1:9464", t0 + 3000 + ttl + 10);
  ASSERT_TRUE(seen.has_value());
  EXPECT_FALSE(seen->held);
  EXPECT_EQ(seen->holder, "b:2:9465");
}

TEST_P(LeaseTest, a_released_lease_is_taken_at_once_and_only_its_holder_can_release_it) {
  ASSERT_TRUE(acquire_lease(*db_, alerts_lease, "a", t0, ttl).held);
  EXPECT_FALSE(release_lease(*db_, alerts_lease, "b")) << "b does not hold it";
  EXPECT_FALSE(acquire_lease(*db_, alerts_lease, "b", t0 + 100, ttl).held);
  EXPECT_TRUE(release_lease(*db_, alerts_lease, "a"));
  const Lease b = acquire_lease(*db_, alerts_lease, "b", t0 + 200, ttl);
  EXPECT_TRUE(b.held) << "a clean stop hands over without waiting for the expiry";
  EXPECT_EQ(b.token, 2);
}

TEST_P(LeaseTest, the_database_clock_is_now) {
  const auto local = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_NEAR(static_cast<double>(database_clock_ms(*db_)), static_cast<double>(local), 5000.0);
}

TEST_P(LeaseTest, two_instances_racing_for_a_free_lease_get_one_holder) {
  for (int round = 0; round < 20; ++round) {
    const std::int64_t now = t0 + round * 100'000;  // every round: the last lease has expired
    Database other = second();
    std::atomic<int> held{0};
    std::atomic<bool> go{false};
    auto contend = [&](Database& d, const std::string& who) {
      while (!go) std::this_thread::yield();
      Transaction tx(d);
      if (acquire_lease(d, alerts_lease, who, now, ttl).held) ++held;
      tx.commit();
    };
    std::thread t1([&] { contend(*db_, "a-" + std::to_string(round)); });
    std::thread t2([&] { contend(other, "b-" + std::to_string(round)); });
    go = true;
    t1.join();
    t2.join();
    EXPECT_EQ(held.load(), 1) << "round " << round;
  }
}

TEST_P(LeaseTest, a_claimed_row_is_no_one_elses_until_its_claim_expires_and_keeps_its_key) {
  const std::int64_t now = 1000;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(enqueue(*db_, row("owners/g/" + std::to_string(i), now + i)));
  const auto a = claim_due(*db_, "a", now + 10, now + 18, 2);
  ASSERT_EQ(a.size(), 2U);
  EXPECT_EQ(a[0].idempotency_key, "owners/g/0") << "oldest first";
  EXPECT_EQ(a[1].idempotency_key, "owners/g/1");
  const auto b = claim_due(*db_, "b", now + 10, now + 18, 10);
  ASSERT_EQ(b.size(), 1U) << "b gets only the row a did not claim";
  EXPECT_EQ(b[0].idempotency_key, "owners/g/2");
  EXPECT_TRUE(claim_due(*db_, "c", now + 10, now + 18, 10).empty());
  EXPECT_TRUE(claim_held(*db_, a[0].id, "a", now + 10));
  EXPECT_FALSE(claim_held(*db_, a[0].id, "b", now + 10));

  // a's lease heartbeat extends its claims; b's stop at now + 18.
  EXPECT_EQ(extend_claims(*db_, "a", now + 30), 2);
  EXPECT_TRUE(claim_due(*db_, "c", now + 20, now + 40, 10).size() == 1U)
      << "b's expired claim is claimable, a's extended ones are not";

  // a dies (no more heartbeats): after now + 30 its rows are c's, with the same keys.
  const auto c = claim_due(*db_, "c", now + 30, now + 38, 10);
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].id, a[0].id);
  EXPECT_EQ(c[0].idempotency_key, "owners/g/0");
  // a, had it only paused, may not record its attempt on a row that is c's now.
  EXPECT_FALSE(mark_delivered(*db_, a[0].id, now + 31, "a"));
  EXPECT_FALSE(claim_held(*db_, a[0].id, "a", now + 31));
  EXPECT_TRUE(mark_delivered(*db_, c[0].id, now + 32, "c"));
  const auto delivered = list_outbox(*db_, OutboxQuery{std::string("delivered"), std::nullopt});
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0].idempotency_key, "owners/g/0");
  EXPECT_EQ(delivered[0].attempts, 1) << "one attempt recorded, not two";
  EXPECT_TRUE(mark_retry(*db_, c[1].id, now + 100, "refused", "c"));
  EXPECT_TRUE(claim_due(*db_, "d", now + 99, now + 120, 10).size() == 1U)
      << "the retried row is due later; the third row, c's claim expired, is d's";
  EXPECT_EQ(release_claims(*db_, ""), 1) << "d's claim, dropped (SQLite at start)";
}

TEST_P(LeaseTest, two_instances_claiming_at_once_never_claim_a_row_twice) {
  constexpr int rows = 120;
  const std::int64_t now = 5000;
  for (int i = 0; i < rows; ++i) ASSERT_TRUE(enqueue(*db_, row("k" + std::to_string(i), now)));
  Database other = second();
  std::vector<std::int64_t> got_a;
  std::vector<std::int64_t> got_b;
  std::atomic<bool> go{false};
  auto drain = [&](Database& d, const std::string& who, std::vector<std::int64_t>& got) {
    while (!go) std::this_thread::yield();
    for (;;) {
      Transaction tx(d);
      const auto claimed = claim_due(d, who, now, now + 60, 7);
      tx.commit();
      if (claimed.empty()) return;
      for (const auto& r : claimed) got.push_back(r.id);
    }
  };
  std::thread t1([&] { drain(*db_, "a", got_a); });
  std::thread t2([&] { drain(other, "b", got_b); });
  go = true;
  t1.join();
  t2.join();
  std::set<std::int64_t> all(got_a.begin(), got_a.end());
  for (std::int64_t id : got_b)
    EXPECT_TRUE(all.insert(id).second) << "row " << id << " claimed twice";
  EXPECT_EQ(all.size(), static_cast<std::size_t>(rows)) << "every row claimed once";
}

// The same export dropped into two instances' folders: both begin its ingest at once; one stores
// it, the other finds it ingested — a clean duplicate, not an error.
TEST_P(LeaseTest, the_same_file_ingested_by_two_instances_at_once_is_stored_once) {
  Database other = second();
  const FileRecord f{
      "feedbeef", "p.csv", "inbox", FileKind::payments, "utf-8", 10, "2021-01-01T00:00:00Z"};
  PaymentRow p;
  p.voucher_no = "V1";
  p.pay_date = engine::make_date(2021, 3, 15);
  p.unit_code = "U1";
  p.unit_name = "单位";
  p.project_code = "P1";
  p.project_name = "项目";
  p.amount = engine::Money{100};
  p.line = 2;
  Ledger mine(*db_);
  auto first = mine.begin(f);
  ASSERT_TRUE(first.has_value());
  first->add_payment(p);
  std::optional<bool> second_was_duplicate;
  std::thread t([&] {
    Ledger theirs(other);
    auto txn = theirs.begin(f);  // waits for the first instance's transaction
    second_was_duplicate = !txn.has_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(first->commit(std::chrono::milliseconds(1)).has_value());
  t.join();
  ASSERT_TRUE(second_was_duplicate.has_value());
  EXPECT_TRUE(*second_was_duplicate);
  Statement n = db_->prepare("SELECT count(*), sum(amount_fen) FROM payments");
  ASSERT_TRUE(n.step());
  EXPECT_EQ(n.column_int(0), 1);
  EXPECT_EQ(n.column_int(1), 100);
}

// Two exports sharing one voucher (with other amounts), ingested at once by two instances: the
// one whose rows go in first keeps it; the other reports one conflict, and nothing is counted
// twice.
TEST_P(LeaseTest, two_files_sharing_a_voucher_at_once_conflict_once) {
  Database other = second();
  std::atomic<bool> go{false};
  auto ingest = [&go](Database& d, const std::string& sha, const std::string& own, std::int64_t fen,
                      std::optional<IngestReport>& out) {
    PaymentRow p;
    p.voucher_no = "V9";
    p.pay_date = engine::make_date(2021, 3, 15);
    p.unit_code = "U1";
    p.unit_name = "单位";
    p.project_code = "P1";
    p.project_name = "项目";
    p.amount = engine::Money{fen};
    p.line = 2;
    PaymentRow q = p;
    q.voucher_no = own;
    q.amount = engine::Money{7};
    q.line = 3;
    while (!go) std::this_thread::yield();
    Ledger ledger(d);
    auto txn = ledger.begin(FileRecord{sha, sha + ".csv", "inbox", FileKind::payments, "utf-8", 10,
                                       "2021-01-01T00:00:00Z"});
    if (!txn) return;
    txn->add_payment(p);
    txn->add_payment(q);
    auto r = txn->commit(std::chrono::milliseconds(1));
    if (r) out = *r;
  };
  std::optional<IngestReport> ra;
  std::optional<IngestReport> rb;
  std::thread t1([&] { ingest(*db_, "aaaa", "V10", 100, ra); });
  std::thread t2([&] { ingest(other, "bbbb", "V11", 250, rb); });
  go = true;
  t1.join();
  t2.join();
  ASSERT_TRUE(ra.has_value());
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(ra->conflicts + rb->conflicts, 1);
  EXPECT_EQ(ra->accepted + rb->accepted, 3);
  Statement n = db_->prepare("SELECT count(*), sum(amount_fen) FROM payments");
  ASSERT_TRUE(n.step());
  EXPECT_EQ(n.column_int(0), 3);
  const std::int64_t kept = ra->conflicts == 0 ? 100 : 250;
  EXPECT_EQ(n.column_int(1), kept + 14) << "one V9, the first in, and each file's own voucher";
}

}  // namespace
}  // namespace bw::store
