// Pairs the polling sources built from a config (collect::build_sources) with their config entries,
// by name: used by the App when it starts or rebuilds its sources.
#pragma once

#include <memory>
#include <vector>

#include "collectors/source.h"
#include "config/config.h"
#include "engine/result.h"

namespace bw::daemon {

/// A built source and the config entry of the same name (its interval, …).
struct PairedSource {
  std::shared_ptr<collect::Source> source;
  const config::SourceConfig* config =
      nullptr;  ///< points into the `entries` given to pair_sources
};

/// Pairs each built source with the entry of `entries` named as it is (Source::name()), in the
/// order of `built`. Entries of kind "upload" have no built source. Errc::internal "source 'x' has
/// no config entry", "source 'x' is built twice" or "config source 'x' was not built" on a
/// mismatch: never a wrong pairing. Pure; `entries` must outlive the result.
Result<std::vector<PairedSource>> pair_sources(std::vector<std::unique_ptr<collect::Source>> built,
                                               const std::vector<config::SourceConfig>& entries);

}  // namespace bw::daemon
