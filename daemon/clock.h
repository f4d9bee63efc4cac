// Wall-clock helpers of the daemon (the only layer that reads the clock, STYLE §2): UTC timestamps
// for records and "today" as a civil date in the configured time zone (Asia/Shanghai by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/civil_date.h"
#include "engine/result.h"

namespace bw::daemon {

/// UTC ISO 8601 with seconds, "2026-11-22T18:44:18Z".
std::string utc_iso(std::chrono::system_clock::time_point t);

/// A time zone for civil dates: "Asia/Shanghai" (UTC+8, no daylight saving since 1991: computed
/// without the tz database, so it works in minimal containers), "UTC", a fixed offset
/// "+08:00"/"UTC+8", or any IANA name present under /usr/share/zoneinfo, read from its TZif file
/// (RFC 8536, version 2+): the transitions and, after the last one, the footer's POSIX TZ rule (a
/// fixed offset "CST-8" or "EST5EDT,M3.2.0,M11.1.0" with optional /time). No libc local-time call
/// and no process TZ: immutable, cheap to copy, thread-safe.
class TimeZone {
 public:
  /// Errc::invalid_input "unknown time zone 'Mars/Base' (no /usr/share/zoneinfo/Mars/Base)", or
  /// "time zone 'X': <why>" for a file that is not TZif version 2+ or a footer rule not supported.
  static Result<TimeZone> from_name(std::string_view name);
  /// The civil date at instant t in this zone.
  engine::CivilDate date_at(std::chrono::system_clock::time_point t) const;
  /// Unix seconds of the local midnight that starts day d in this zone (the first instant of the
  /// day when a change skips midnight).
  std::int64_t midnight_utc(engine::CivilDate d) const;
  const std::string& name() const { return name_; }
  /// A zone's TZif data (defined in clock.cpp).
  struct Table;

 private:
  std::string name_;
  /// UTC offset in seconds at Unix time t (table zones).
  std::int64_t offset_at(std::int64_t t) const;
  bool fixed_ = true;
  int offset_minutes_ = 0;
  std::shared_ptr<const Table> table_;  ///< the TZif data when !fixed_
};

}  // namespace bw::daemon
