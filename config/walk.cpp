// The YAML walk and value grammars shared by config/'s loader, printer and schema (config/walk.h).
#include "config/walk.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

namespace bw::config::detail {

namespace fs = std::filesystem;
using namespace std::string_view_literals;

[[noreturn]] void invalid(const YAML::Mark& mark, const std::string& path,
                          const std::string& reason) {
  throw Invalid{mark, path.empty() ? reason : path + ": " + reason};
}

std::string where_of(const std::string& file, const YAML::Mark& m) {
  // An empty document has no mark (-1); point at its start.
  const int line = m.line < 0 ? 1 : m.line + 1;
  const int col = m.column < 0 ? 1 : m.column + 1;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

std::string join_key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string join_index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// ---- text helpers -------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
  });
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest known word, for "did you mean …?": within two edits (but not every letter changed, so
// 'zh' does not suggest 'en'), else a word it begins or that begins it ('warning' → warn, 'zh' →
// zh-CN).
std::optional<std::string_view> closest(std::string_view word,
                                        const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  std::size_t best_d = 3;
  for (std::string_view k : known) {
    const std::size_t d = edit_distance(word, k);
    if (d < best_d && d < std::max(word.size(), k.size())) {
      best_d = d;
      best = k;
    }
  }
  if (best || word.size() < 2) return best;
  for (std::string_view k : known) {
    if (k.size() >= 2 && (k.substr(0, word.size()) == word || word.substr(0, k.size()) == k))
      return k;
  }
  return std::nullopt;
}

std::string join_words(const std::vector<std::string_view>& words, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_sep : ", ";
    out += words[i];
  }
  return out;
}

// ---- value grammars (shared by the loader and print_config) -------------------------------------

const std::string duration_hint = "(use 500ms, 30s, 5m, 1h, 1d)";

// "1h30m", "500ms": whole numbers with units in decreasing order, each at most once (Go's form, no
// fractions).
Result<std::int64_t> parse_duration_ms(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  auto bad = [&] {
    return fail(Errc::invalid_input, quoted + " is not a duration " + duration_hint);
  };
  if (text.empty()) return bad();
  constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> units = {
      {{"d", ms_per_d}, {"h", ms_per_h}, {"m", ms_per_m}, {"s", ms_per_s}, {"ms", 1}}};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must decrease
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && is_digit(text[j])) ++j;
    if (j == i || j - i > 12)
      return j - i > 12 ? fail(Errc::invalid_input, quoted + " is too long") : bad();
    const std::int64_t n = std::stoll(std::string(text.substr(i, j - i)));
    std::size_t k = j;
    while (k < text.size() && is_alpha(text[k])) ++k;
    const std::string_view unit = text.substr(j, k - j);
    std::size_t u = next_unit;
    while (u < units.size() && units[u].first != unit) ++u;
    if (u == units.size()) return bad();
    if (n >
        std::numeric_limits<std::int64_t>::max() / units[u].second - total / units[u].second - 1) {
      return fail(Errc::invalid_input, quoted + " is too long");
    }
    total += n * units[u].second;
    next_unit = u + 1;
    i = k;
  }
  return total;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (auto [unit, size] :
       {std::pair{"d", ms_per_d}, std::pair{"h", ms_per_h}, std::pair{"m", ms_per_m},
        std::pair{"s", ms_per_s}, std::pair{"ms", std::int64_t{1}}}) {
    if (ms >= size) {
      out += std::to_string(ms / size) + unit;
      ms %= size;
    }
  }
  return out;
}

struct SizeUnit {
  std::string_view name;
  std::uint64_t bytes;
};
constexpr std::array<SizeUnit, 7> size_units = {{{"GiB", 1ull << 30},
                                                 {"MiB", 1ull << 20},
                                                 {"KiB", 1ull << 10},
                                                 {"GB", 1000ull * 1000 * 1000},
                                                 {"MB", 1000ull * 1000},
                                                 {"KB", 1000ull},
                                                 {"B", 1}}};

// "256MiB", "1 GB", "4096": a whole number of bytes with an optional unit (case-insensitive).
Result<std::uint64_t> parse_size(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::size_t j = 0;
  while (j < text.size() && is_digit(text[j])) ++j;
  std::string_view unit = text.substr(j);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  std::uint64_t mult = 0;
  if (unit.empty()) mult = 1;
  for (const SizeUnit& u : size_units) {
    if (iequals(unit, u.name)) mult = u.bytes;
  }
  if (j == 0 || mult == 0) {
    return fail(Errc::invalid_input,
                quoted + " is not a size (use bytes or 512KiB, 256MiB, 1GiB, 10MB)");
  }
  if (j > 19) return fail(Errc::invalid_input, quoted + " is too large");
  const std::uint64_t n = std::stoull(std::string(text.substr(0, j)));
  if (n > std::numeric_limits<std::uint64_t>::max() / mult) {
    return fail(Errc::invalid_input, quoted + " is too large");
  }
  return n * mult;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const SizeUnit& u : size_units) {
    if (bytes % u.bytes == 0 && u.bytes > 1)
      return std::to_string(bytes / u.bytes) + std::string(u.name);
  }
  return std::to_string(bytes) + "B";
}

// "80%", "91.38%" (at most two decimals) or a ratio "0.8" (at most four) → basis points, 0..10000.
Result<int> parse_percent_bp(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const bool percent = !text.empty() && text.back() == '%';
  const std::string_view num = percent ? text.substr(0, text.size() - 1) : text;
  const std::size_t dot = num.find('.');
  const std::string_view whole = num.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : num.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) {
    return fail(Errc::invalid_input, quoted + " is not a percentage (use 80% or 0.8)");
  }
  const std::size_t scale_digits = percent ? 2 : 4;  // digits of a basis point after the point
  if (frac.size() > scale_digits) {
    return fail(Errc::invalid_input, quoted + " is finer than 0.01%");
  }
  if (whole.size() > 6) return fail(Errc::invalid_input, quoted + " is above 100%");
  std::int64_t bp = std::stoll(std::string(whole));
  for (std::size_t i = 0; i < scale_digits; ++i)
    bp = bp * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  if (bp > 10000) {
    return fail(Errc::invalid_input,
                percent ? quoted + " is above 100%"
                        : quoted + " is not a ratio between 0 and 1 (did you mean " +
                              std::string(text) + "%?)");
  }
  return static_cast<int>(bp);
}

std::string format_percent(int bp) {
  std::string out = std::to_string(bp / 100);
  if (const int frac = bp % 100; frac != 0) {
    out += '.';
    out += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
  }
  return out + "%";
}

// The field keys of collectors/column_map.h (config must not depend on collectors).
const std::vector<std::string_view> column_keys = {"voucher_no",
                                                   "pay_date",
                                                   "unit_code",
                                                   "unit_name",
                                                   "project_code",
                                                   "project_name",
                                                   "func_class",
                                                   "econ_class",
                                                   "pay_method",
                                                   "fund_type",
                                                   "payee",
                                                   "amount",
                                                   "memo",
                                                   "kind",
                                                   "initial",
                                                   "owner",
                                                   "owner_email",
                                                   "deadline",
                                                   "tags",
                                                   "adj_date",
                                                   "adj_amount",
                                                   "doc_no",
                                                   "note",
                                                   "seq",
                                                   "source_no",
                                                   "indicator_class",
                                                   "indicator_subclass",
                                                   "indicator_name",
                                                   "period_target_raw",
                                                   "target_raw",
                                                   "date",
                                                   "value"};

// ---- the YAML walk ------------------------------------------------------------------------------

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "nothing";
  }
}

const std::string& scalar(const Field& f) {
  if (!f.value.IsScalar()) f.fail("expected a value, got " + describe(f.value));
  return f.value.Scalar();
}

const std::string& nonempty(const Field& f) {
  const std::string& s = scalar(f);
  if (s.empty()) f.fail("empty");
  return s;
}

// The elements of a list; an empty value is an empty list.
std::vector<Field> items(const Field& f) {
  if (f.value.IsNull()) return {};
  if (!f.value.IsSequence()) f.fail("expected a list, got " + describe(f.value));
  std::vector<Field> out;
  std::size_t i = 0;
  for (const YAML::Node& n : f.value)
    out.push_back(Field{join_index(f.path, i++), n, std::nullopt});
  return out;
}

std::vector<Field> nonempty_items(const Field& f) {
  auto out = items(f);
  if (out.empty()) f.fail("empty list");
  return out;
}

// A map whose keys must all be known; duplicates are errors. An empty value is an empty map.
Map::Map(Field self, const std::vector<std::string_view>& known) : self_(std::move(self)) {
  if (self_.value.IsNull()) return;
  if (!self_.value.IsMap()) self_.fail("expected a map of keys, got " + describe(self_.value));
  for (auto it = self_.value.begin(); it != self_.value.end(); ++it) {
    const YAML::Node k = it->first;  // copies: the iterator's -> yields a temporary
    if (!k.IsScalar()) invalid(k.Mark(), self_.path, "expected a key, got " + describe(k));
    const std::string& name = k.Scalar();
    Field f{join_key(self_.path, name), YAML::Node(it->second), k};
    if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
      const auto guess = closest(name, known);
      invalid(k.Mark(), f.path,
              guess ? "unknown key (did you mean " + std::string(*guess) + "?)" : "unknown key");
    }
    if (get(name)) invalid(k.Mark(), f.path, "duplicate key");
    fields_.push_back(std::move(f));
  }
}

std::optional<Field> Map::get(std::string_view key) const {
  for (const Field& f : fields_) {
    if (f.key && f.key->Scalar() == key) return f;
  }
  return std::nullopt;
}

Field Map::require(std::string_view key) const {
  if (auto f = get(key)) return *f;
  invalid(self_.mark(), join_key(self_.path, key), "required");
}

std::int64_t integer(const Field& f, std::int64_t lo, std::int64_t hi) {
  const std::string& s = scalar(f);
  const bool neg = !s.empty() && s[0] == '-';
  const std::string_view digits = std::string_view(s).substr(neg ? 1 : 0);
  if (!all_digits(digits)) f.fail("'" + s + "' is not a whole number");
  if (digits.size() > 12 || std::stoll(s) < lo || std::stoll(s) > hi) {
    f.fail("'" + s + "' is out of range (" + std::to_string(lo) + "-" + std::to_string(hi) + ")");
  }
  return std::stoll(s);
}

bool boolean(const Field& f) {
  const std::string& s = scalar(f);
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  f.fail("'" + s + "' is not true or false");
}

std::string choice(const Field& f, const std::vector<std::string_view>& options) {
  const std::string& s = scalar(f);
  if (std::find(options.begin(), options.end(), s) != options.end()) return s;
  std::string reason = "'" + s + "' is not one of " + join_words(options);
  if (auto guess = closest(s, options)) reason += " (did you mean " + std::string(*guess) + "?)";
  f.fail(reason);
}

std::int64_t positive_duration_ms(const Field& f) {
  const std::int64_t ms = unwrap(f, parse_duration_ms(scalar(f)));
  if (ms <= 0) f.fail("'" + scalar(f) + "' must be more than zero");
  return ms;
}

std::chrono::seconds seconds(const Field& f) {
  const std::int64_t ms = positive_duration_ms(f);
  if (ms % ms_per_s != 0) f.fail("'" + scalar(f) + "' is not a whole number of seconds");
  return std::chrono::seconds{ms / ms_per_s};
}

std::chrono::milliseconds millis(const Field& f) {
  return std::chrono::milliseconds{positive_duration_ms(f)};
}

std::uint64_t size(const Field& f) {
  const std::uint64_t n = unwrap(f, parse_size(scalar(f)));
  if (n == 0) f.fail("'" + scalar(f) + "' must be more than zero");
  return n;
}

int percent(const Field& f) { return unwrap(f, parse_percent_bp(scalar(f))); }

engine::CivilDate date(const Field& f) {
  auto d = engine::parse_date(scalar(f));
  if (!d) f.fail(d.error().message);
  return *d;
}

// "host:port": an IPv4 address, a [bracketed] IPv6 address or a host name; port 0 means any free
// port.
void check_listen(const Field& f) {
  if (f.value.IsSequence())
    f.fail("expected host:port, got a list (quote IPv6 addresses: \"[::1]:9464\")");
  const std::string& s = nonempty(f);
  const std::string hint =
      "'" + s + "' is not host:port (e.g. 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464)";
  std::string host;
  std::string port;
  if (s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') f.fail(hint);
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    const bool ok =
        host.find(':') != std::string::npos && std::all_of(host.begin(), host.end(), [](char c) {
          return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') || c == ':' ||
                 c == '.';
        });
    if (!ok) f.fail("'" + s + "': '" + host + "' is not an IPv6 address");
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) f.fail(hint);
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      f.fail("'" + s + "': write IPv6 addresses in brackets ([::1]:9464)");
    if (host.empty())
      f.fail("'" + s + "' has no host (use 0.0.0.0:" + port + " for every interface)");
    const bool numeric =
        std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
    if (numeric) {
      int parts = 0;
      std::size_t start = 0;
      bool ok = true;
      while (ok) {
        const auto dot = host.find('.', start);
        const std::string part =
            host.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        ok = all_digits(part) && part.size() <= 3 && std::stoi(part) <= 255;
        ++parts;
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      if (!ok || parts != 4) f.fail("'" + s + "': '" + host + "' is not an IPv4 address");
    } else if (!is_name(host) || host.find('_') != std::string::npos) {
      f.fail("'" + s + "': '" + host + "' is not a host name");
    }
  }
  if (!all_digits(port) || port.size() > 5 || std::stoi(port) > 65535) {
    f.fail("'" + s + "' has an invalid port (1-65535, or 0 for any free port)");
  }
}

// The forms daemon/clock.cpp accepts: fixed offsets and the zones of China, else a zoneinfo file.
void check_time_zone(const Field& f) {
  const std::string& s = nonempty(f);
  for (const char* fixed : {"Asia/Shanghai", "Asia/Chongqing", "PRC", "UTC", "Etc/UTC", "Z"}) {
    if (s == fixed) return;
  }
  std::string_view off = s;
  if (off.substr(0, 3) == "UTC") off.remove_prefix(3);
  if (!off.empty() && (off[0] == '+' || off[0] == '-')) {
    off.remove_prefix(1);
    const auto colon = off.find(':');
    const std::string_view h = off.substr(0, colon);
    const std::string_view m = colon == std::string_view::npos ? "0"sv : off.substr(colon + 1);
    if (all_digits(h) && all_digits(m) && h.size() <= 2 && m.size() <= 2 &&
        std::stoi(std::string(h)) <= 14 && std::stoi(std::string(m)) < 60) {
      return;
    }
    f.fail("'" + s + "' is not a UTC offset (e.g. +08:00)");
  }
  const std::string file = "/usr/share/zoneinfo/" + s;
  std::error_code ec;
  if (s.find("..") != std::string::npos || !fs::is_regular_file(file, ec)) {
    f.fail("unknown time zone '" + s + "' (no " + file + ")");
  }
}

// Reads a whole file; the error is the OS's reason ("No such file or directory").
Result<std::string> read_file(const fs::path& p, std::uint64_t limit) {
  std::FILE* fp = std::fopen(p.c_str(), "rb");
  if (fp == nullptr) return fail(Errc::io, std::strerror(errno));
  std::string out;
  std::array<char, 8192> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), fp)) > 0) {
    out.append(buf.data(), n);
    if (out.size() > limit) {
      std::fclose(fp);
      return fail(Errc::io, "larger than " + format_size(limit));
    }
  }
  const bool err = std::ferror(fp) != 0;
  const int saved = errno;
  std::fclose(fp);
  if (err) return fail(Errc::io, std::strerror(saved));
  return out;
}

std::string seconds_text(std::chrono::seconds s) {
  return format_duration_ms(s.count() * ms_per_s);
}

}  // namespace bw::config::detail
