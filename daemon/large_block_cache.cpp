#include "daemon/large_block_cache.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

namespace bw::daemon {
namespace {

std::atomic<LargeBlockCache*> installed{nullptr};
thread_local int recording = 0;

// A cached block serves a request of n bytes when it is at least n and at most 1.5 n.
bool serves(std::size_t block, std::size_t n) { return block >= n && block - n <= n / 2; }

BlockCacheSetup setup_noted;  // written once before main()

}  // namespace

const BlockCacheSetup& block_cache_setup() { return setup_noted; }
void note_block_cache_setup(const BlockCacheSetup& setup) { setup_noted = setup; }

LargeBlockCache* installed_block_cache() { return installed.load(std::memory_order_acquire); }

void install_block_cache(LargeBlockCache* cache) {
  installed.store(cache, std::memory_order_release);
}

LargeBlockCache::LargeBlockCache(std::size_t min_block, std::size_t capacity,
                                 void* (*acquire)(std::size_t), void (*release)(void*))
    : min_block_(min_block), capacity_(capacity), acquire_(acquire), release_(release) {}

LargeBlockCache::~LargeBlockCache() { release_all(); }

void LargeBlockCache::remove(std::size_t i) {
  bytes_ -= entries_[i].size;
  entries_[i] = entries_[count_ - 1];
  entries_[count_ - 1] = Entry{};
  --count_;
}

bool LargeBlockCache::fits_locked(std::size_t n) const {
  return std::any_of(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(count_),
                     [n](const Entry& e) { return serves(e.size, n); });
}

LargeBlockCache::RecordMisses::RecordMisses() { ++recording; }
LargeBlockCache::RecordMisses::~RecordMisses() { --recording; }

void LargeBlockCache::record_miss_locked(std::size_t n) {
  if (recording == 0 || n > capacity_) return;
  const auto end = missed_.begin() + static_cast<std::ptrdiff_t>(missed_count_);
  if (std::find(missed_.begin(), end, n) != end) return;
  if (missed_count_ < max_missed) {
    missed_[missed_count_++] = n;
  } else {  // keep the largest: they cost the most faults
    auto smallest = std::min_element(missed_.begin(), missed_.end());
    *smallest = std::max(*smallest, n);
  }
}

void LargeBlockCache::record_wanted_locked(std::size_t n) {
  if (recording == 0 || std::find(wanted_.begin(), wanted_.end(), n) != wanted_.end()) return;
  wanted_[wanted_next_] = n;
  wanted_next_ = (wanted_next_ + 1) % wanted_.size();
}

void* LargeBlockCache::take(std::size_t n) {
  if (n < min_block_) return nullptr;
  const std::lock_guard lock(m_);
  record_wanted_locked(n);
  std::size_t best = count_;
  for (std::size_t i = 0; i < count_; ++i) {
    if (!serves(entries_[i].size, n)) continue;
    if (best == count_ || entries_[i].size < entries_[best].size) best = i;
  }
  if (best == count_) {
    ++stats_.misses;
    record_miss_locked(n);
    return nullptr;
  }
  void* p = entries_[best].p;
  remove(best);
  ++stats_.hits;
  return p;
}

bool LargeBlockCache::keep(void* p, std::size_t usable) {
  if (p == nullptr || usable < min_block_) return false;
  const std::lock_guard lock(m_);
  if (count_ == max_blocks || bytes_ + usable > capacity_) return false;
  if (std::none_of(wanted_.begin(), wanted_.end(),
                   [usable](std::size_t w) { return w > 0 && serves(usable, w); })) {
    return false;
  }
  push_locked(p, usable);
  return true;
}

void LargeBlockCache::push_locked(void* p, std::size_t usable) {
  entries_[count_++] = Entry{p, usable, ++seq_};
  bytes_ += usable;
}

bool LargeBlockCache::keep_evicting(void* p, std::size_t usable) {
  const std::lock_guard lock(m_);
  if (usable > capacity_) return false;
  while (count_ == max_blocks || bytes_ + usable > capacity_) {
    std::size_t oldest = 0;
    for (std::size_t i = 1; i < count_; ++i) {
      if (entries_[i].seq < entries_[oldest].seq) oldest = i;
    }
    void* gone = entries_[oldest].p;
    remove(oldest);
    ++stats_.evicted;
    release_(gone);
  }
  push_locked(p, usable);
  return true;
}

std::size_t LargeBlockCache::prime() {
  std::array<std::size_t, max_missed> sizes{};
  std::size_t n = 0;
  {
    const std::lock_guard lock(m_);
    for (std::size_t i = 0; i < missed_count_; ++i) {
      if (!fits_locked(missed_[i])) sizes[n++] = missed_[i];
    }
    missed_count_ = 0;
  }
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t primed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto* p = static_cast<unsigned char*>(acquire_(sizes[i]));
    if (p == nullptr) break;
    // One write a page: the kernel zeroes the page on the fault, which is the cost moved here.
    for (std::size_t at = 0; at < sizes[i]; at += page)
      static_cast<volatile unsigned char*>(p)[at] = 0;
    if (!keep_evicting(p, sizes[i])) {
      release_(p);
      continue;
    }
    primed += sizes[i];
    const std::lock_guard lock(m_);
    ++stats_.primed;
  }
  return primed;
}

void LargeBlockCache::release_all() {
  const std::lock_guard lock(m_);
  while (count_ > 0) {
    void* gone = entries_[count_ - 1].p;
    remove(count_ - 1);
    release_(gone);
  }
}

LargeBlockCache::Stats LargeBlockCache::stats() const {
  const std::lock_guard lock(m_);
  Stats s = stats_;
  s.cached_bytes = bytes_;
  s.cached_blocks = count_;
  return s;
}

}  // namespace bw::daemon
