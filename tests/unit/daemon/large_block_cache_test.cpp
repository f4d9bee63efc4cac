#include "daemon/large_block_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>

namespace bw::daemon {
namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

// The blocks the cache asked for or gave up, to check that none leaks and none is freed twice.
std::set<void*> live;
int acquired = 0;
int released = 0;

void* acquire(std::size_t n) {
  void* p = std::malloc(n);
  live.insert(p);
  ++acquired;
  return p;
}
void release(void* p) {
  ASSERT_EQ(live.erase(p), 1U) << "a block the test does not own was freed";
  std::free(p);
  ++released;
}

class LargeBlockCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live.clear();
    acquired = released = 0;
  }
  void TearDown() override {
    for (void* p : live) std::free(p);
    live.clear();
  }
  // A block as the program would have made it (operator new), owned by the test until kept.
  static void* block(std::size_t n) { return acquire(n); }
  // A block the cache refused or handed back: the program frees it.
  static void give_back(void* p) { release(p); }
};

TEST_F(LargeBlockCacheTest, KeepsOnlyTheSizesAskedForInsideRecordMisses) {
  LargeBlockCache cache(MiB, 64 * MiB, &acquire, &release);
  void* plain_text = block(6 * MiB);
  EXPECT_FALSE(cache.keep(plain_text, 6 * MiB))
      << "nothing was asked for yet: a web thread's block";
  give_back(plain_text);
  {
    const LargeBlockCache::RecordMisses evaluation;
    EXPECT_EQ(cache.take(10 * MiB), nullptr);
  }
  void* lines = block(10 * MiB);
  EXPECT_TRUE(cache.keep(lines, 10 * MiB));
  void* other = block(6 * MiB);
  EXPECT_FALSE(cache.keep(other, 6 * MiB)) << "6 MiB serves no 10 MiB request";
  give_back(other);
  EXPECT_EQ(cache.stats().cached_bytes, 10 * MiB);
  EXPECT_EQ(cache.take(10 * MiB), lines);
  EXPECT_EQ(cache.stats().hits, 1U);
  give_back(lines);
}

TEST_F(LargeBlockCacheTest, ServesASizeBetweenTheRequestAndHalfAgain) {
  LargeBlockCache cache(MiB, 256 * MiB, &acquire, &release);
  {
    const LargeBlockCache::RecordMisses evaluation;
    for (std::size_t n : {4 * MiB, 10 * MiB, 40 * MiB}) EXPECT_EQ(cache.take(n), nullptr);
  }
  void* b10 = block(10 * MiB);
  void* b40 = block(40 * MiB);
  ASSERT_TRUE(cache.keep(b10, 10 * MiB));
  ASSERT_TRUE(cache.keep(b40, 40 * MiB));
  EXPECT_EQ(cache.take(4 * MiB), nullptr) << "a 10 MiB block is more than 1.5 × 4 MiB";
  EXPECT_EQ(cache.take(41 * MiB), nullptr) << "too small";
  EXPECT_EQ(cache.take(8 * MiB), b10) << "10 MiB serves 8 MiB (≤ 1.5 ×)";
  EXPECT_EQ(cache.take(30 * MiB), b40);
  EXPECT_EQ(cache.take(512 * 1024), nullptr) << "below the minimum: never cached";
  give_back(b10);
  give_back(b40);
}

TEST_F(LargeBlockCacheTest, RefusesBeyondItsCapacityWithoutEvicting) {
  LargeBlockCache cache(MiB, 20 * MiB, &acquire, &release);
  {
    const LargeBlockCache::RecordMisses evaluation;
    cache.take(8 * MiB);
  }
  void* a = block(8 * MiB);
  void* b = block(8 * MiB);
  void* c = block(8 * MiB);
  EXPECT_TRUE(cache.keep(a, 8 * MiB));
  EXPECT_TRUE(cache.keep(b, 8 * MiB));
  EXPECT_FALSE(cache.keep(c, 8 * MiB)) << "24 MiB would exceed 20";
  give_back(c);
  EXPECT_EQ(cache.stats().cached_blocks, 2U);
  EXPECT_EQ(released, 1) << "only the refused block was freed, by its owner";
  cache.release_all();
  EXPECT_EQ(cache.stats().cached_bytes, 0U);
  EXPECT_TRUE(live.empty());
}

TEST_F(LargeBlockCacheTest, PrimeMakesTheMissedSizesWarmForTheNextRun) {
  LargeBlockCache cache(MiB, 100 * MiB, &acquire, &release);
  // The first evaluation: its line array (30 MiB) stays in the published snapshot; its inputs
  // (12 MiB) are freed into the cache.
  void* inputs = nullptr;
  {
    const LargeBlockCache::RecordMisses evaluation;
    EXPECT_EQ(cache.take(12 * MiB), nullptr);
    inputs = block(12 * MiB);
    EXPECT_EQ(cache.take(30 * MiB), nullptr);
  }
  void* snapshot_lines = block(30 * MiB);
  ASSERT_TRUE(cache.keep(inputs, 12 * MiB));
  // A web thread's miss is not primed.
  EXPECT_EQ(cache.take(5 * MiB), nullptr);
  const int before = acquired;
  EXPECT_EQ(cache.prime(), 30 * MiB) << "only the line array: the inputs' block is there";
  EXPECT_EQ(acquired, before + 1);
  EXPECT_EQ(cache.stats().primed, 1U);
  EXPECT_EQ(cache.prime(), 0U) << "the misses were consumed";
  // The second evaluation finds both, while the first snapshot is still served.
  {
    const LargeBlockCache::RecordMisses evaluation;
    void* again = cache.take(12 * MiB);
    EXPECT_EQ(again, inputs);
    void* lines2 = cache.take(30 * MiB);
    EXPECT_NE(lines2, nullptr);
    EXPECT_NE(lines2, snapshot_lines);
    EXPECT_EQ(cache.stats().misses, 3U) << "12 and 30 MiB the first time, 5 MiB on the web thread";
    give_back(again);
    give_back(lines2);
  }
  give_back(snapshot_lines);
}

TEST_F(LargeBlockCacheTest, PrimeEvictsTheOldestBlocksToMakeRoom) {
  LargeBlockCache cache(MiB, 45 * MiB, &acquire, &release);
  {
    const LargeBlockCache::RecordMisses evaluation;
    cache.take(10 * MiB);
    cache.take(16 * MiB);
  }
  void* old1 = block(10 * MiB);
  void* old2 = block(16 * MiB);
  ASSERT_TRUE(cache.keep(old1, 10 * MiB));
  ASSERT_TRUE(cache.keep(old2, 16 * MiB));
  {
    const LargeBlockCache::RecordMisses evaluation;
    EXPECT_EQ(cache.take(25 * MiB), nullptr);
  }
  // 10 + 16 + 25 > 45: the oldest (10 MiB) goes; 16 + 25 fits.
  EXPECT_EQ(cache.prime(), 25 * MiB);
  EXPECT_EQ(live.count(old1), 0U) << "evicted and freed";
  EXPECT_EQ(live.count(old2), 1U);
  EXPECT_EQ(cache.stats().evicted, 1U);
  EXPECT_EQ(cache.stats().cached_bytes, (16 + 25) * MiB);
  cache.release_all();
  EXPECT_TRUE(live.empty());
}

TEST_F(LargeBlockCacheTest, PrimedPagesAreWritable) {
  LargeBlockCache cache(MiB, 16 * MiB, &acquire, &release);
  {
    const LargeBlockCache::RecordMisses evaluation;
    cache.take(3 * MiB);
  }
  ASSERT_EQ(cache.prime(), 3 * MiB);
  auto* p = static_cast<unsigned char*>(cache.take(3 * MiB));
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xab, 3 * MiB);
  EXPECT_EQ(p[3 * MiB - 1], 0xab);
  give_back(p);
}

}  // namespace
}  // namespace bw::daemon
