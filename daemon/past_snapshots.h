// The API's figures of other dates (`?as_of=`, `?fiscal_year=`, issue 14): an evaluation of a past
// date reads the whole fiscal year from the ledger (0.2 s at 10,000 lines and 1,000,000 payments),
// and a dashboard or a page asks for the same date many times. PastSnapshots keeps the most
// recently used few, each valid while the ledger (store::ledger_version) and the config it was
// computed with are unchanged: a new file, a file applied again or a reload makes the next request
// evaluate afresh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>

#include "config/config.h"
#include "engine/civil_date.h"
#include "engine/snapshot.h"
#include "store/inputs.h"

namespace bw::daemon {

class PastSnapshots {
 public:
  /// What an evaluation depends on besides its date.
  struct Basis {
    store::LedgerVersion ledger;
    std::shared_ptr<const config::Config>
        config;  ///< compared by identity: a reload is another config
  };

  explicit PastSnapshots(std::size_t capacity = 8) : capacity_(capacity) {}

  /// The snapshot of `as_of` computed on `basis`, or null. Thread-safe.
  std::shared_ptr<const engine::Snapshot> find(engine::CivilDate as_of, const Basis& basis);
  /// Keeps `snapshot` as `as_of`'s on `basis`, dropping the least recently used beyond the capacity
  /// and every entry on another basis (they can never be used again). Thread-safe.
  void put(engine::CivilDate as_of, const Basis& basis,
           std::shared_ptr<const engine::Snapshot> snapshot);

  std::uint64_t hits() const;
  std::uint64_t misses() const;
  std::size_t size() const;

 private:
  struct Entry {
    engine::CivilDate as_of;
    Basis basis;
    std::shared_ptr<const engine::Snapshot> snapshot;
  };
  static bool same(const Basis& a, const Basis& b) {
    return a.ledger == b.ledger && a.config == b.config;
  }

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace bw::daemon
