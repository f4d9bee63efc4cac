// Large blocks kept warm between evaluations. A bureau's evaluation allocates its big arrays afresh
// each time (60,000 line evaluations are one 61 MB block; the inputs' lines and payment series two
// more of ~20 MB), and glibc maps each block of 4 MiB or more on its own and unmaps it when freed:
// every page of the next evaluation's arrays is then a page fault that the kernel must zero. On the
// virtual machines budgetwatch was measured on, that fault costs tens of microseconds a page: the
// engine's share of an evaluation went from 0.11 s on warm memory to 0.6–1.9 s.
//
// The cache keeps blocks of at least `min_block` bytes that the program frees, up to `capacity`
// bytes in all, and hands one back for a later request of about its size. It never allocates
// itself (operator new goes through it) and takes a mutex only for large blocks. The executable
// installs it as the global operator new/delete (daemon/operator_new.cpp); tests use it directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace bw::daemon {

class LargeBlockCache {
 public:
  struct Stats {
    std::uint64_t hits = 0;     ///< requests served from the cache
    std::uint64_t misses = 0;   ///< large requests the cache could not serve
    std::uint64_t evicted = 0;  ///< blocks freed to make room (or too big to keep)
    std::uint64_t primed = 0;   ///< blocks made by prime()
    std::size_t cached_bytes = 0;
    std::size_t cached_blocks = 0;
  };

  /// `acquire` allocates a block for prime() (std::malloc in the program), `release` frees a block
  /// given up by the cache (std::free).
  LargeBlockCache(std::size_t min_block, std::size_t capacity, void* (*acquire)(std::size_t),
                  void (*release)(void*));
  LargeBlockCache(const LargeBlockCache&) = delete;
  LargeBlockCache& operator=(const LargeBlockCache&) = delete;
  ~LargeBlockCache();

  std::size_t min_block() const { return min_block_; }

  /// A cached block of at least `n` usable bytes and at most 1.5 n (the smallest such), removed
  /// from the cache; nullptr when there is none (or n is below min_block).
  void* take(std::size_t n);
  /// Offers a freed block of `usable` bytes. True: the cache keeps it (the caller must not free
  /// it). False: below min_block, of no size asked for inside RecordMisses (a web thread's plain
  /// text is not worth keeping), or no room left (only prime() makes room, for sizes that were
  /// missed); the caller frees it.
  bool keep(void* p, std::size_t usable);
  /// Frees every cached block (a long idle period, or shutdown).
  void release_all();
  /// For each size that take() missed on a thread inside RecordMisses since the last prime() and
  /// that no cached block fits now, allocates a block, touches its pages and keeps it, freeing the
  /// oldest cached blocks to make room: the next run of the same work finds warm memory. An
  /// evaluation's line array is the case: it is allocated while the previous snapshot's is still
  /// being served, so without this the second evaluation of a daemon always met fresh pages.
  /// Called after an evaluation is published. Returns the bytes primed.
  std::size_t prime();

  /// While one lives, the sizes this thread asks for are the ones the cache keeps, and its misses
  /// are recorded for prime() (the evaluation's; not a web thread's inflating plain text for a
  /// scrape).
  class RecordMisses {
   public:
    RecordMisses();
    ~RecordMisses();
    RecordMisses(const RecordMisses&) = delete;
    RecordMisses& operator=(const RecordMisses&) = delete;
  };

  Stats stats() const;

 private:
  struct Entry {
    void* p = nullptr;
    std::size_t size = 0;
    std::uint64_t seq = 0;  // when it was kept: the oldest goes first
  };
  static constexpr std::size_t max_blocks = 32;
  static constexpr std::size_t max_missed = 8;

  void remove(std::size_t i);
  bool fits_locked(std::size_t n) const;
  void record_miss_locked(std::size_t n);
  void record_wanted_locked(std::size_t n);
  bool keep_evicting(void* p, std::size_t usable);
  void push_locked(void* p, std::size_t usable);

  const std::size_t min_block_;
  const std::size_t capacity_;
  void* (*acquire_)(std::size_t);
  void (*release_)(void*);
  mutable std::mutex m_;
  std::array<Entry, max_blocks> entries_{};
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t seq_ = 0;
  std::array<std::size_t, max_missed> missed_{};  // sizes take() could not serve, largest kept
  std::size_t missed_count_ = 0;
  std::array<std::size_t, max_blocks> wanted_{};  // sizes asked for inside RecordMisses (a ring)
  std::size_t wanted_next_ = 0;
  Stats stats_;
};

/// How the executable set its cache up (daemon/operator_new.cpp), for the daemon's start to log.
struct BlockCacheSetup {
  std::size_t capacity_mib = 0;    ///< 0: off
  const char* from_env = nullptr;  ///< BUDGETWATCH_BLOCK_CACHE_MIB as set, when it was
  bool env_ignored = false;        ///< it was not a number of MiB: the default applies
};
const BlockCacheSetup& block_cache_setup();
void note_block_cache_setup(const BlockCacheSetup& setup);

/// The program's cache when the executable installed it (nullptr in tests and libraries).
LargeBlockCache* installed_block_cache();
/// Set by daemon/operator_new.cpp at static initialisation.
void install_block_cache(LargeBlockCache* cache);

}  // namespace bw::daemon
