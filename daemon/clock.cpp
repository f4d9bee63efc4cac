#include "daemon/clock.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "engine/utf8.h"

namespace bw::daemon {

// A zone's rule after its last transition: the TZif footer, a POSIX TZ string (RFC 8536 §3.3).
struct PosixRule {
  std::int64_t std_offset = 0;  // seconds east of UTC (POSIX writes them west: "EST5" is -5 h)
  bool dst = false;
  std::int64_t dst_offset = 0;
  struct Change {
    unsigned month = 0, week = 0, weekday = 0;  // Mm.w.d
    std::int64_t time = 7200;                   // seconds after local midnight, 02:00 by default
  } start, end;
};

struct TimeZone::Table {
  std::vector<std::int64_t> transitions;  // Unix seconds, ascending
  std::vector<std::int64_t> offsets;      // offset from transitions[i] on
  std::int64_t initial = 0;               // before the first transition: time type 0
  std::optional<PosixRule> rule;          // after the last transition (else its offset stays)
};

namespace {

// Parses a POSIX TZ string of the forms "CST-8", "<+0330>-3:30" and "EST5EDT,M3.2.0,M11.1.0[/time]".
class PosixParser {
 public:
  explicit PosixParser(std::string_view s) : s_(s) {}
  std::optional<PosixRule> parse() {
    PosixRule r;
    if (!name()) return std::nullopt;
    auto off = hms(true);
    if (!off) return std::nullopt;
    r.std_offset = -*off;
    if (done()) return r;
    if (!name()) return std::nullopt;
    r.dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (!done() && s_[i_] != ',') {
      auto d = hms(true);
      if (!d) return std::nullopt;
      r.dst_offset = -*d;
    }
    if (done() || s_[i_] != ',') return std::nullopt;  // DST without a rule: not supported
    ++i_;
    if (!change(r.start) || done() || s_[i_] != ',') return std::nullopt;
    ++i_;
    if (!change(r.end) || !done()) return std::nullopt;
    return r;
  }

 private:
  bool done() const { return i_ >= s_.size(); }
  bool name() {
    const std::size_t from = i_;
    if (!done() && s_[i_] == '<') {
      while (!done() && s_[i_] != '>') ++i_;
      if (done()) return false;
      ++i_;
      return i_ - from >= 5;
    }
    while (!done() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    return i_ - from >= 3;
  }
  std::optional<std::int64_t> number() {
    if (done() || s_[i_] < '0' || s_[i_] > '9') return std::nullopt;
    std::int64_t v = 0;
    while (!done() && s_[i_] >= '0' && s_[i_] <= '9' && v < 1000) v = v * 10 + (s_[i_++] - '0');
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<std::int64_t> hms(bool sign_allowed) {
    std::int64_t sign = 1;
    if (sign_allowed && !done() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    auto h = number();
    if (!h || *h > 167) return std::nullopt;
    std::int64_t v = *h * 3600;
    for (std::int64_t unit : {60, 1}) {
      if (done() || s_[i_] != ':') break;
      ++i_;
      auto m = number();
      if (!m || *m > 59) return std::nullopt;
      v += *m * unit;
    }
    return sign * v;
  }
  bool change(PosixRule::Change& c) {
    if (done() || s_[i_] != 'M') return false;  // Jn and n (Julian days) are not supported
    ++i_;
    auto m = number();
    if (!m || *m < 1 || *m > 12 || done() || s_[i_++] != '.') return false;
    auto w = number();
    if (!w || *w < 1 || *w > 5 || done() || s_[i_++] != '.') return false;
    auto d = number();
    if (!d || *d > 6) return false;
    c.month = static_cast<unsigned>(*m);
    c.week = static_cast<unsigned>(*w);
    c.weekday = static_cast<unsigned>(*d);
    if (!done() && s_[i_] == '/') {
      ++i_;
      auto t = hms(true);
      if (!t) return false;
      c.time = *t;
    }
    return true;
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

// Unix seconds of a rule's change in year y, given the offset in effect before it.
std::int64_t change_utc(const PosixRule::Change& c, int y, std::int64_t offset_before) {
  using namespace std::chrono;
  const std::int64_t first = days_from_civil(y, c.month, 1);
  const unsigned first_wd = weekday{sys_days{days{first}}}.c_encoding();
  std::int64_t day = first + (c.weekday + 7 - first_wd) % 7 + (c.week - 1) * 7;
  const std::int64_t last_day = first +
                            static_cast<std::int64_t>(static_cast<unsigned>(
                                (year{y} / month{c.month} / std::chrono::last).day())) - 1;
  while (day > last_day) day -= 7;
  return day * 86400 + c.time - offset_before;
}

std::int64_t rule_offset(const PosixRule& r, std::int64_t t) {
  if (!r.dst) return r.std_offset;
  const std::int64_t local = t + r.std_offset;
  const std::chrono::year_month_day ymd{std::chrono::sys_days{
      std::chrono::days{local >= 0 ? local / 86400 : (local - 86399) / 86400}}};
  const int y = static_cast<int>(ymd.year());
  const std::int64_t start = change_utc(r.start, y, r.std_offset);
  const std::int64_t end = change_utc(r.end, y, r.dst_offset);
  const bool in_dst = start < end ? (t >= start && t < end) : (t >= start || t < end);
  return in_dst ? r.dst_offset : r.std_offset;
}

std::int64_t be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

// Reads a TZif file's version-2+ block and footer; the error says why, without the zone's name.
tl::expected<TimeZone::Table, std::string> read_tzif(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto header = [&](std::size_t at, std::array<std::int64_t, 6>& n) {
    if (b.size() < at + 44 || b[at] != 'T' || b[at + 1] != 'Z' || b[at + 2] != 'i' || b[at + 3] != 'f') {
      return false;
    }
    for (int i = 0; i < 6; ++i) n[static_cast<std::size_t>(i)] = be(&b[at + 20 + 4 * static_cast<std::size_t>(i)], 4);
    return true;
  };
  std::array<std::int64_t, 6> n{};  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, n)) return tl::unexpected(std::string("not a TZif file"));
  if (b[4] < '2') return tl::unexpected(std::string("TZif version 1 is not supported"));
  const std::size_t v1 = static_cast<std::size_t>(n[3] * 5 + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0]);
  if (!header(44 + v1, n)) return tl::unexpected(std::string("truncated TZif file"));
  if (n[2] != 0) return tl::unexpected(std::string("leap-second zones are not supported"));
  const auto timecnt = static_cast<std::size_t>(n[3]);
  const auto typecnt = static_cast<std::size_t>(n[4]);
  std::size_t at = 44 + v1 + 44;
  const std::size_t block = timecnt * 9 + typecnt * 6 + static_cast<std::size_t>(n[5] + n[1] + n[0]);
  if (typecnt == 0 || b.size() < at + block) return tl::unexpected(std::string("truncated TZif file"));
  TimeZone::Table t;
  std::vector<std::int64_t> type_offset(typecnt);
  const std::size_t types_at = at + timecnt * 9;
  for (std::size_t i = 0; i < typecnt; ++i) type_offset[i] = be(&b[types_at + i * 6], 4);
  for (std::size_t i = 0; i < timecnt; ++i) {
    const std::size_t type = b[at + timecnt * 8 + i];
    if (type >= typecnt) return tl::unexpected(std::string("bad TZif time type"));
    t.transitions.push_back(be(&b[at + i * 8], 8));
    t.offsets.push_back(type_offset[type]);
  }
  t.initial = type_offset[0];
  at += block;
  if (at < b.size() && b[at] == '\n') {
    const auto nl = std::find(b.begin() + static_cast<std::ptrdiff_t>(at) + 1, b.end(), '\n');
    const std::string footer(b.begin() + static_cast<std::ptrdiff_t>(at) + 1, nl);
    if (!footer.empty()) {
      t.rule = PosixParser(footer).parse();
      if (!t.rule) return tl::unexpected("rule '" + footer + "' is not supported (a fixed offset or Mm.w.d rules)");
    }
  }
  return t;
}

}  // namespace

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
  auto table = read_tzif(path);
  if (!table) return fail(Errc::invalid_input, "time zone '" + std::string(name) + "': " + table.error());
  z.fixed_ = false;
  z.table_ = std::make_shared<const Table>(std::move(*table));
  return z;
}

engine::CivilDate TimeZone::date_at(std::chrono::system_clock::time_point t) const {
  if (fixed_) {
    const auto local = std::chrono::floor<std::chrono::days>(t + std::chrono::minutes(offset_minutes_));
    return engine::CivilDate{local};
  }
  const std::int64_t u = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  const std::int64_t local = u + offset_at(u);
  return engine::CivilDate{std::chrono::sys_days{std::chrono::days{local >= 0 ? local / 86400 : (local - 86399) / 86400}}};
}

std::int64_t TimeZone::offset_at(std::int64_t t) const {
  const Table& z = *table_;
  if (z.transitions.empty() || t < z.transitions.front()) {
    return z.transitions.empty() && z.rule ? rule_offset(*z.rule, t) : z.initial;
  }
  if (t >= z.transitions.back() && z.rule) return rule_offset(*z.rule, t);
  const auto it = std::upper_bound(z.transitions.begin(), z.transitions.end(), t);
  return z.offsets[static_cast<std::size_t>(it - z.transitions.begin()) - 1];
}
}  // namespace bw::daemon

namespace bw::daemon {

std::int64_t TimeZone::midnight_utc(engine::CivilDate d) const {
  const std::int64_t utc_midnight =
      static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400;
  if (fixed_) return utc_midnight - static_cast<std::int64_t>(offset_minutes_) * 60;
  // The instant u with u + offset(u) = local midnight; in a gap (a change skips midnight) the day starts
  // at the change, the later of the two candidates.
  const std::int64_t u1 = utc_midnight - offset_at(utc_midnight - offset_at(utc_midnight));
  if (u1 + offset_at(u1) == utc_midnight) return u1;
  const std::int64_t u2 = utc_midnight - offset_at(u1);
  if (u2 + offset_at(u2) == utc_midnight) return u2;
  return std::max(u1, u2);
}

}  // namespace bw::daemon
