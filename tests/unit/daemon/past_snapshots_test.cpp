// The API's cache of past dates: a hit only on the same date, ledger and config; a new file, a file
// applied again or a reload evaluates afresh; the least recently used date goes first.
#include "daemon/past_snapshots.h"

#include <gtest/gtest.h>

#include <memory>

namespace bw::daemon {
namespace {

using engine::make_date;

std::shared_ptr<const engine::Snapshot> snap() {
  return std::make_shared<const engine::Snapshot>();
}

TEST(PastSnapshotsTest, hit_only_on_the_same_date_ledger_and_config) {
  PastSnapshots cache(4);
  const auto config = std::make_shared<const config::Config>();
  const PastSnapshots::Basis basis{{3, 0}, config};
  const auto june = make_date(2021, 6, 30);
  EXPECT_EQ(cache.find(june, basis), nullptr);
  const auto s = snap();
  cache.put(june, basis, s);
  EXPECT_EQ(cache.find(june, basis), s);
  EXPECT_EQ(cache.find(make_date(2021, 7, 31), basis), nullptr);
  EXPECT_EQ(cache.find(june, {{4, 0}, config}), nullptr) << "a new file changes the ledger";
  EXPECT_EQ(cache.find(june, {{3, 1}, config}), nullptr) << "a file applied again changes it";
  EXPECT_EQ(cache.find(june, {{3, 0}, std::make_shared<const config::Config>()}), nullptr)
      << "a reload";
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 5u);
}

TEST(PastSnapshotsTest, a_new_basis_drops_the_old_entries_and_the_least_recent_goes_first) {
  PastSnapshots cache(2);
  const auto config = std::make_shared<const config::Config>();
  const PastSnapshots::Basis v1{{1, 0}, config}, v2{{2, 0}, config};
  const auto a = make_date(2021, 3, 31), b = make_date(2021, 6, 30), c = make_date(2021, 9, 30);
  cache.put(a, v1, snap());
  cache.put(b, v1, snap());
  ASSERT_NE(cache.find(a, v1), nullptr);  // a is now the most recent: b goes when c comes
  cache.put(c, v1, snap());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.find(a, v1), nullptr);
  EXPECT_EQ(cache.find(b, v1), nullptr);
  EXPECT_NE(cache.find(c, v1), nullptr);
  cache.put(b, v2, snap());
  EXPECT_EQ(cache.size(), 1u) << "entries of the old ledger can never be used again";
  // The same date again replaces its entry.
  const auto newer = snap();
  cache.put(b, v2, newer);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find(b, v2), newer);
}

TEST(PastSnapshotsTest, capacity_zero_keeps_nothing) {
  PastSnapshots cache(0);
  const PastSnapshots::Basis basis{{1, 0}, std::make_shared<const config::Config>()};
  cache.put(make_date(2021, 6, 30), basis, snap());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find(make_date(2021, 6, 30), basis), nullptr);
}

}  // namespace
}  // namespace bw::daemon
