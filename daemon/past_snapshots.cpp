#include "daemon/past_snapshots.h"

#include <utility>

namespace bw::daemon {

std::shared_ptr<const engine::Snapshot> PastSnapshots::find(engine::CivilDate as_of,
                                                            const Basis& basis) {
  const std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->as_of == as_of && same(it->basis, basis)) {
      entries_.splice(entries_.begin(), entries_, it);
      ++hits_;
      return entries_.front().snapshot;
    }
  }
  ++misses_;
  return nullptr;
}

void PastSnapshots::put(engine::CivilDate as_of, const Basis& basis,
                        std::shared_ptr<const engine::Snapshot> snapshot) {
  if (capacity_ == 0 || !snapshot) return;
  const std::lock_guard lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return !same(e.basis, basis) || e.as_of == as_of; });
  entries_.push_front(Entry{as_of, basis, std::move(snapshot)});
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::uint64_t PastSnapshots::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t PastSnapshots::misses() const {
  const std::lock_guard lock(mutex_);
  return misses_;
}

std::size_t PastSnapshots::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace bw::daemon
