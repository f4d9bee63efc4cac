#include "daemon/clock.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "engine/utf8.h"

namespace bw::daemon {

std::string utc_iso(std::chrono::system_clock::time_point t) {
  return engine::format_rfc3339_utc(std::chrono::floor<std::chrono::seconds>(t));
}

Result<TimeZone> TimeZone::from_name(std::string_view name) {
  TimeZone z;
  z.name_ = std::string(name);
  if (name == "Asia/Shanghai" || name == "Asia/Chongqing" || name == "PRC") {
    z.offset_minutes_ = 8 * 60;
    return z;
  }
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return z;
  std::string_view off = name;
  if (off.substr(0, 3) == "UTC") off.remove_prefix(3);
  if (!off.empty() && (off[0] == '+' || off[0] == '-')) {
    const int sign = off[0] == '-' ? -1 : 1;
    off.remove_prefix(1);
    int hours = 0;
    int minutes = 0;
    std::size_t i = 0;
    while (i < off.size() && off[i] >= '0' && off[i] <= '9') hours = hours * 10 + (off[i++] - '0');
    if (i < off.size() && off[i] == ':') {
      ++i;
      while (i < off.size() && off[i] >= '0' && off[i] <= '9') minutes = minutes * 10 + (off[i++] - '0');
    }
    if (i == off.size() && hours <= 14 && minutes < 60) {
      z.offset_minutes_ = sign * (hours * 60 + minutes);
      return z;
    }
  }
  const std::string path = "/usr/share/zoneinfo/" + std::string(name);
  if (name.find("..") != std::string_view::npos || !std::filesystem::is_regular_file(path)) {
    return fail(Errc::invalid_input, "unknown time zone '" + std::string(name) + "' (no " + path + ")");
  }
  z.fixed_ = false;
  setenv("TZ", z.name_.c_str(), 1);
  tzset();
  return z;
}

engine::CivilDate TimeZone::date_at(std::chrono::system_clock::time_point t) const {
  if (fixed_) {
    const auto local = std::chrono::floor<std::chrono::days>(t + std::chrono::minutes(offset_minutes_));
    return engine::CivilDate{local};
  }
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return engine::make_date(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                           static_cast<unsigned>(tm.tm_mday));
}

}  // namespace bw::daemon

namespace bw::daemon {

std::int64_t TimeZone::midnight_utc(engine::CivilDate d) const {
  const std::int64_t utc_midnight =
      static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400;
  if (fixed_) return utc_midnight - static_cast<std::int64_t>(offset_minutes_) * 60;
  std::tm tm{};
  tm.tm_year = static_cast<int>(d.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(d.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(d.day()));
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm));
}

}  // namespace bw::daemon
