// The executable's global operator new/delete, through the large-block cache
// (daemon/large_block_cache.h): blocks of 1 MiB and more freed by the program are kept, up to
// BUDGETWATCH_BLOCK_CACHE_MIB (default 192; 0 turns the cache off), for the next evaluation's
// arrays of the same sizes. Smaller blocks go straight to malloc and free, as without this file.
// Linked into `budgetwatch` only (not the libraries, not the tests); left out of sanitizer builds,
// whose runtime provides operator new and must see every block freed.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BW_SANITIZER_OPERATOR_NEW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define BW_SANITIZER_OPERATOR_NEW 1  // clang's spelling
#endif
#endif
#ifndef BW_SANITIZER_OPERATOR_NEW

#include <malloc.h>

#include <cstdlib>
#include <new>

#include "daemon/large_block_cache.h"

namespace {

constexpr std::size_t min_block = std::size_t{1} << 20;
constexpr std::size_t default_capacity_mib = 192;

// Large blocks are allocated with up to 1/16 more than asked (rounded up to a multiple of a 16th of
// the power of two below the size), so that next time the same array, grown by a few lines, still
// fits the kept block.
std::size_t rounded(std::size_t n) {
  std::size_t step = std::size_t{1} << (63 - __builtin_clzll(n));
  step /= 16;
  return (n + step - 1) / step * step;
}

void* acquire(std::size_t n) { return std::malloc(rounded(n)); }

// Never destroyed: blocks freed by static destructors at exit still pass through it.
alignas(bw::daemon::LargeBlockCache) unsigned char storage[sizeof(bw::daemon::LargeBlockCache)];

bw::daemon::LargeBlockCache* cache() {
  static bw::daemon::LargeBlockCache* const c = [] {
    std::size_t mib = default_capacity_mib;
    bw::daemon::BlockCacheSetup setup;
    if (const char* v = std::getenv("BUDGETWATCH_BLOCK_CACHE_MIB"); v != nullptr && *v != '\0') {
      setup.from_env = v;
      char* end = nullptr;
      const unsigned long long parsed = std::strtoull(v, &end, 10);
      if (*v >= '0' && *v <= '9' && end != nullptr && *end == '\0' &&
          parsed <= (std::size_t{1} << 20)) {
        mib = parsed;
      } else {
        setup.env_ignored = true;
      }
    }
    setup.capacity_mib = mib;
    bw::daemon::note_block_cache_setup(setup);
    auto* made =
        new (storage) bw::daemon::LargeBlockCache(min_block, mib << 20, &acquire, &std::free);
    if (mib > 0) bw::daemon::install_block_cache(made);
    return made;
  }();
  return c;
}

void* allocate(std::size_t n) {
  std::size_t size = n == 0 ? 1 : n;
  if (n >= min_block) {
    if (void* p = cache()->take(n)) return p;
    size = rounded(n);
  }
  for (;;) {
    if (void* p = std::malloc(size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

// Installed before main(), so that the first evaluation's misses are recorded for prime().
[[maybe_unused]] const bool installed_at_start = cache() != nullptr;

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t n) noexcept {
  if (n >= min_block && p != nullptr && cache()->keep(p, malloc_usable_size(p))) return;
  std::free(p);
}
void operator delete[](void* p, std::size_t n) noexcept { operator delete(p, n); }

#endif
