// The daemon's alert lease (daemon/lease_keeper.h) on a real PostgreSQL 15 and on SQLite: one
// keeper holds the lease and the other is standby naming it; a clean stop hands it over at once; a
// holder that stops renewing (SIGKILL, a pause) loses it to the standby after the expiry, and knows
// it at its next renewal; on SQLite it is trivially held.
#include "daemon/lease_keeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "daemon/log.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace bw::daemon {
namespace {

using namespace std::chrono_literals;

class LeaseKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BW_REQUIRE_POSTGRES();
    pg_ = std::make_unique<test::PostgresDatabase>();
    store::Database db = store::Database::open(pg_->uri());
    store::migrate(db);
  }
  std::unique_ptr<LeaseKeeper> keeper(const std::string& self, std::chrono::milliseconds ttl,
                                      std::atomic<int>* acquired = nullptr) {
    LeaseKeeper::Options o;
    o.database = pg_->uri();
    o.self = self;
    o.ttl = ttl;
    o.renew = 200ms;
    LeaseKeeper::Events e;
    e.acquired = [acquired] {
      if (acquired != nullptr) ++*acquired;
    };
    return std::make_unique<LeaseKeeper>(logger("daemon"), std::move(o), std::move(e));
  }
  std::unique_ptr<test::PostgresDatabase> pg_;
};

TEST_F(LeaseKeeperTest, one_leader_one_standby_and_a_clean_stop_hands_over_at_once) {
  std::atomic<int> a_acquired{0};
  std::atomic<int> b_acquired{0};
  auto a = keeper("host:1:127.0.0.1:9464", 8000ms, &a_acquired);
  auto b = keeper("host:2:127.0.0.1:9465", 8000ms, &b_acquired);
  EXPECT_TRUE(a->shared());
  a->renew_now();
  b->renew_now();
  EXPECT_TRUE(a->held());
  EXPECT_FALSE(b->held());
  EXPECT_EQ(a_acquired.load(), 1);
  EXPECT_EQ(b_acquired.load(), 0);
  const LeaseView vb = b->view();
  EXPECT_EQ(vb.holder, "host:1:127.0.0.1:9464") << "the standby names the leader";
  EXPECT_EQ(vb.token, 1);
  EXPECT_FALSE(vb.held);
  a->renew_now();
  EXPECT_EQ(a_acquired.load(), 1) << "a renewal is not an acquisition";

  a->release();
  EXPECT_FALSE(a->held());
  b->renew_now();
  EXPECT_TRUE(b->held()) << "taken without waiting for the expiry";
  EXPECT_EQ(b->view().token, 2);
  EXPECT_EQ(b_acquired.load(), 1);
}

TEST_F(LeaseKeeperTest, a_holder_that_stops_renewing_loses_the_lease_after_its_expiry) {
  auto a = keeper("a", 1500ms);
  auto b = keeper("b", 1500ms);
  a->renew_now();
  ASSERT_TRUE(a->held());
  b->renew_now();
  EXPECT_FALSE(b->held());
  // a stops renewing (killed, or paused): its own hold ends 1 s before the row's expiry, so it
  // sends nothing more by then...
  std::this_thread::sleep_for(600ms);
  EXPECT_FALSE(a->held()) << "not held 0.6 s after the last renewal of a 1.5 s lease";
  b->renew_now();
  EXPECT_FALSE(b->held()) << "the row has not expired yet";
  // ...and once the row expired the standby takes it.
  std::this_thread::sleep_for(1000ms);
  b->renew_now();
  EXPECT_TRUE(b->held());
  EXPECT_EQ(b->view().token, 2);
  a->renew_now();
  EXPECT_FALSE(a->held());
  EXPECT_EQ(a->view().holder, "b") << "a, back, is standby and names the new holder";
}

TEST(LeaseKeeperSqliteTest, on_sqlite_the_lease_is_trivially_held) {
  test::TempDir dir;
  LeaseKeeper::Options o;
  o.database = dir.path() / "bw.db";
  o.self = "host:1:127.0.0.1:9464";
  LeaseKeeper k(logger("daemon"), o, {});
  EXPECT_FALSE(k.shared());
  EXPECT_TRUE(k.held());
  k.renew_now();
  k.tick();
  EXPECT_TRUE(k.held());
  EXPECT_EQ(k.view().holder, "host:1:127.0.0.1:9464");
}

}  // namespace
}  // namespace bw::daemon
