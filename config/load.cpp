#include "config/load.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/matcher.h"
#include "net/redact.h"

namespace bw::config {
namespace {

namespace fs = std::filesystem;
using namespace std::string_view_literals;

// yaml-cpp reports syntax errors by exception; the walk below does the same with Invalid so that
// each check is one line. load_config_text catches both and returns the Result: nothing escapes
// this file (STYLE §4).
struct Invalid {
  YAML::Mark mark;
  std::string message;  // "key: reason"
};

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

std::string join_words(const std::vector<std::string_view>& words,
                       std::string_view last_sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_sep : ", ";
    out += words[i];
  }
  return out;
}

// ---- value grammars (shared by the loader and print_config) -------------------------------------

constexpr std::int64_t ms_per_s = 1000;
constexpr std::int64_t ms_per_m = 60 * ms_per_s;
constexpr std::int64_t ms_per_h = 60 * ms_per_m;
constexpr std::int64_t ms_per_d = 24 * ms_per_h;

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

// A URL's query (where robot keys and access tokens live) is never printed.
std::string redact_for_print(const std::string& url) {
  const auto q = url.find('?');
  return q == std::string::npos ? url : url.substr(0, q) + "?<redacted>";
}

std::string secret_mask(const Secret& s) {
  return s.origin == "inline" || s.origin.empty() ? "<secret inline>"
                                                  : "<secret from " + s.origin + ">";
}

const char* to_string(ProjectSeries p) {
  switch (p) {
    case ProjectSeries::all:
      return "all";
    case ProjectSeries::below_threshold:
      return "below_threshold";
    case ProjectSeries::none:
      return "none";
  }
  return "all";
}

// The field keys of collectors/column_map.h (config must not depend on collectors).
const std::vector<std::string_view> column_keys = {
    "voucher_no", "pay_date",   "unit_code",  "unit_name", "project_code", "project_name",
    "func_class", "econ_class", "pay_method", "fund_type", "payee",        "amount",
    "memo",       "kind",       "initial",    "owner",     "owner_email",  "deadline",
    "tags",       "adj_date",   "adj_amount", "doc_no",    "note",         "seq",
    "source_no",  "indicator_class", "indicator_subclass", "indicator_name", "period_target_raw",
    "target_raw", "date",       "value"};

// ---- the YAML walk ------------------------------------------------------------------------------

// A node with the dotted path of its key and, for map values, the key node (yaml-cpp marks an empty
// value at the next token, so errors about an empty value point at its key).
struct Field {
  std::string path;
  YAML::Node value;
  std::optional<YAML::Node> key;

  YAML::Mark mark() const { return key && value.IsNull() ? key->Mark() : value.Mark(); }
  YAML::Mark key_mark() const { return key ? key->Mark() : value.Mark(); }
  [[noreturn]] void fail(const std::string& reason) const { invalid(mark(), path, reason); }
};

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
class Map {
 public:
  Map(Field self, const std::vector<std::string_view>& known) : self_(std::move(self)) {
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

  std::optional<Field> get(std::string_view key) const {
    for (const Field& f : fields_) {
      if (f.key && f.key->Scalar() == key) return f;
    }
    return std::nullopt;
  }

  Field require(std::string_view key) const {
    if (auto f = get(key)) return *f;
    invalid(self_.mark(), join_key(self_.path, key), "required");
  }

  const Field& self() const { return self_; }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  Field self_;
  std::vector<Field> fields_;
};

template <class F>
void if_present(const Map& m, std::string_view key, F&& apply) {
  if (auto f = m.get(key)) apply(*f);
}

template <class T>
T unwrap(const Field& f, Result<T> r) {
  if (!r) f.fail(r.error().message);
  return *r;
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

constexpr std::uint64_t secret_file_limit = 64 << 10;  // a token file, not a data file

class Loader {
 public:
  explicit Loader(fs::path base) : base_(std::move(base)) {}

  Config load(const YAML::Node& root) {
    Config c;
    const Map m(Field{"", root, std::nullopt},
                {"database", "language", "server", "evaluation", "fiscal_year", "policy", "metrics",
                 "sources", "tokens", "columns", "ingest", "logging", "alerts"});
    c.database = path(m.require("database"));
    if_present(m, "language", [&](const Field& f) { c.language = choice(f, {"zh-CN", "en"}); });
    if_present(m, "server", [&](const Field& f) { server(f, c.server); });
    if_present(m, "evaluation", [&](const Field& f) { evaluation(f, c.evaluation); });
    if_present(m, "fiscal_year", [&](const Field& f) {
      const Map fy(f, {"start_month"});
      if_present(fy, "start_month", [&](const Field& s) {
        c.policy.fiscal_year_start_month = static_cast<unsigned>(integer(s, 1, 12));
      });
    });
    if_present(m, "policy", [&](const Field& f) { policy(f, c.policy); });
    if_present(m, "metrics", [&](const Field& f) {
      const Map mm(f, {"project_series"});
      if_present(mm, "project_series", [&](const Field& s) {
        const std::string v = choice(s, {"all", "below_threshold", "none"});
        c.metrics.project_series = v == "all"               ? ProjectSeries::all
                                   : v == "below_threshold" ? ProjectSeries::below_threshold
                                                            : ProjectSeries::none;
      });
    });
    if_present(m, "sources", [&](const Field& f) { sources(f, c.sources); });
    if_present(m, "tokens", [&](const Field& f) { tokens(f, c.tokens); });
    if_present(m, "columns", [&](const Field& f) { columns(f, c.columns); });
    if_present(m, "ingest", [&](const Field& f) {
      const Map im(f, {"max_stored_rejects", "max_reject_share"});
      if_present(im, "max_stored_rejects",
                 [&](const Field& v) { c.ingest.max_stored_rejects = integer(v, 0, 100'000'000); });
      if_present(im, "max_reject_share", [&](const Field& v) { c.ingest.max_reject_share_bp = percent(v); });
    });
    if_present(m, "alerts", [&](const Field& f) { alerts(f, c.alerts); });
    if_present(m, "logging", [&](const Field& f) {
      const Map lm(f, {"level"});
      if_present(lm, "level", [&](const Field& s) {
        c.logging.level = choice(s, {"trace", "debug", "info", "warn", "error"});
      });
    });
    return c;
  }

 private:
  fs::path path(const Field& f) const {
    const fs::path p(nonempty(f));
    return (p.is_absolute() ? p : base_ / p).lexically_normal();
  }

  void server(const Field& f, ServerConfig& s) const {
    const Map m(f, {"listen", "max_body_bytes", "max_header_bytes", "read_timeout", "write_timeout",
                    "idle_timeout", "max_connections", "tls_cert_file", "tls_key_file"});
    if_present(m, "listen", [&](const Field& v) {
      check_listen(v);
      s.listen = scalar(v);
    });
    if_present(m, "max_body_bytes", [&](const Field& v) { s.max_body_bytes = size(v); });
    if_present(m, "max_header_bytes", [&](const Field& v) { s.max_header_bytes = size(v); });
    if_present(m, "read_timeout", [&](const Field& v) { s.read_timeout = seconds(v); });
    if_present(m, "write_timeout", [&](const Field& v) { s.write_timeout = seconds(v); });
    if_present(m, "idle_timeout", [&](const Field& v) { s.idle_timeout = seconds(v); });
    if_present(m, "max_connections", [&](const Field& v) {
      s.max_connections = static_cast<std::size_t>(integer(v, 1, 1000000));
    });
    auto readable_file = [&](const Field& v) {
      fs::path p = path(v);
      std::error_code ec;
      if (!fs::is_regular_file(p, ec)) v.fail("'" + p.string() + "' is not a readable file");
      return p;
    };
    if_present(m, "tls_cert_file", [&](const Field& v) {
      if (!v.value.IsNull()) s.tls_cert_file = readable_file(v);
    });
    if_present(m, "tls_key_file", [&](const Field& v) {
      if (!v.value.IsNull()) s.tls_key_file = readable_file(v);
    });
    if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
      f.fail(std::string("give both tls_cert_file and tls_key_file (or neither); ") +
             (s.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file") + " is missing");
    }
  }

  void evaluation(const Field& f, EvaluationConfig& e) const {
    const Map m(f, {"interval", "time_zone", "as_of"});
    if_present(m, "interval", [&](const Field& v) { e.interval = seconds(v); });
    if_present(m, "time_zone", [&](const Field& v) {
      check_time_zone(v);
      e.time_zone = scalar(v);
    });
    if_present(m, "as_of", [&](const Field& v) {
      if (!v.value.IsNull()) e.as_of = date(v);  // `as_of: ~` (print_config's "none") follows today
    });
  }

  void policy(const Field& f, engine::Policy& p) const {
    const Map m(f, {"threshold", "low_band", "balance_checkpoints", "curve", "curves", "scores"});
    if_present(m, "threshold", [&](const Field& v) {
      p.threshold_bp = percent(v);
      if (p.threshold_bp == 0) v.fail("'" + scalar(v) + "' must be more than 0%");
    });
    if_present(m, "low_band", [&](const Field& v) { p.low_bp = percent(v); });
    if (p.low_bp >= p.threshold_bp) {
      if (auto low = m.get("low_band")) {
        low->fail(format_percent(p.low_bp) + " is not below the threshold (" +
                  format_percent(p.threshold_bp) + ")");
      }
      m.require("threshold")
          .fail(format_percent(p.threshold_bp) + " is not above low_band (" +
                format_percent(p.low_bp) + "); set low_band too");
    }
    if_present(m, "balance_checkpoints", [&](const Field& v) {
      p.balance_checkpoint_months.clear();
      for (const Field& item : nonempty_items(v)) {
        const auto month = static_cast<unsigned>(integer(item, 1, 12));
        if (std::find(p.balance_checkpoint_months.begin(), p.balance_checkpoint_months.end(),
                      month) != p.balance_checkpoint_months.end()) {
          item.fail(std::to_string(month) + " is listed twice");
        }
        p.balance_checkpoint_months.push_back(month);
      }
    });
    if_present(m, "curve", [&](const Field& v) { p.default_curve = default_curve(v); });
    if_present(m, "curves", [&](const Field& v) { curve_overrides(v, p); });
    if_present(m, "scores", [&](const Field& v) {
      const Map sm(
          v, {"completion_points", "completion_floor", "adjustment_points", "balance_points"});
      if_present(sm, "completion_points",
                 [&](const Field& x) { p.completion_points = int_points(x); });
      if_present(sm, "completion_floor", [&](const Field& x) {
        p.completion_floor_bp = percent(x);
        if (p.completion_floor_bp >= 10000) x.fail("'" + scalar(x) + "' must be below 100%");
      });
      if_present(sm, "adjustment_points",
                 [&](const Field& x) { p.adjustment_points = int_points(x); });
      if_present(sm, "balance_points", [&](const Field& x) { p.balance_points = int_points(x); });
    });
  }

  static int int_points(const Field& f) { return static_cast<int>(integer(f, 0, 100)); }

  static engine::CurveKind curve_kind(const Field& f) {
    const std::string& s = nonempty(f);
    if (auto k = engine::parse_curve_kind(s)) return *k;
    const std::vector<std::string_view> kinds = {"linear_to_deadline", "month_linear", "by_days",
                                                 "custom_monthly", "milestones"};
    std::string reason = "unknown curve kind '" + s + "' (" + join_words(kinds, " or ") + ")";
    if (auto guess = closest(s, kinds)) reason += "; did you mean " + std::string(*guess) + "?";
    f.fail(reason);
  }

  // `curve: month_linear`, or a map with the parameters: `curve: {kind: custom_monthly, monthly:
  // [...]}`.
  engine::Curve default_curve(const Field& f) const {
    if (f.value.IsMap()) {
      const Map m(f, {"kind", "monthly", "milestones"});
      return curve_body(m);
    }
    engine::Curve c;
    c.kind = curve_kind(f);
    if (c.kind == engine::CurveKind::custom_monthly) {
      f.fail(
          "custom_monthly needs its values: write curve: {kind: custom_monthly, monthly: [...]}");
    }
    if (c.kind == engine::CurveKind::milestones) {
      f.fail("milestones needs its dates: write curve: {kind: milestones, milestones: [...]}");
    }
    return c;
  }

  engine::Curve curve_body(const Map& m) const {
    engine::Curve c;
    c.kind = curve_kind(m.require("kind"));
    const bool monthly = c.kind == engine::CurveKind::custom_monthly;
    const bool milestones = c.kind == engine::CurveKind::milestones;
    if (auto v = m.get("monthly"); v && !monthly)
      invalid(v->key_mark(), v->path, "only for kind custom_monthly");
    if (auto v = m.get("milestones"); v && !milestones) {
      invalid(v->key_mark(), v->path, "only for kind milestones");
    }
    if (monthly) c.monthly_bp = monthly_values(m.require("monthly"));
    if (milestones) c.milestones = milestone_values(m.require("milestones"));
    return c;
  }

  static std::array<int, 12> monthly_values(const Field& f) {
    const auto list = nonempty_items(f);
    if (list.size() != 12) {
      f.fail("expected 12 values (one per fiscal month), got " + std::to_string(list.size()));
    }
    std::array<int, 12> out{};
    for (std::size_t i = 0; i < 12; ++i) {
      out[i] = percent(list[i]);
      if (i > 0 && out[i] < out[i - 1]) {
        list[i].fail(format_percent(out[i]) + " is below the month before (" +
                     format_percent(out[i - 1]) + ")");
      }
    }
    if (out[11] != 10000)
      list[11].fail("the last month must be 100%, got " + format_percent(out[11]));
    return out;
  }

  static std::vector<engine::Milestone> milestone_values(const Field& f) {
    std::vector<engine::Milestone> out;
    for (const Field& item : nonempty_items(f)) {
      const Map m(item, {"date", "share"});
      const Field d = m.require("date");
      const Field s = m.require("share");
      engine::Milestone ms{date(d), percent(s)};
      if (ms.share_bp == 0) s.fail("'" + scalar(s) + "' must be more than 0%");
      if (!out.empty() && ms.date <= out.back().date) {
        d.fail(engine::to_iso(ms.date) + " is not after the milestone before (" +
               engine::to_iso(out.back().date) + ")");
      }
      if (!out.empty() && ms.share_bp < out.back().share_bp) {
        s.fail(format_percent(ms.share_bp) + " is below the milestone before (" +
               format_percent(out.back().share_bp) + ")");
      }
      out.push_back(ms);
    }
    return out;
  }

  void curve_overrides(const Field& f, engine::Policy& p) const {
    p.unit_curves.clear();
    p.line_curves.clear();
    std::map<std::string, std::string> seen;  // "unit 101001" → the entry's path
    for (const Field& item : items(f)) {
      const Map m(item, {"unit", "line", "kind", "monthly", "milestones"});
      const auto unit = m.get("unit");
      const auto line = m.get("line");
      if (!unit && !line)
        invalid(item.value.Mark(), join_key(item.path, "unit"), "required (or line)");
      if (unit && line) invalid(line->key_mark(), line->path, "give unit or line, not both");
      const Field& which = unit ? *unit : *line;
      const std::string code = nonempty(which);
      const std::string id = (unit ? "unit " : "line ") + code;
      if (auto it = seen.find(id); it != seen.end()) {
        which.fail("'" + code + "' already has a curve (" + it->second + ")");
      }
      seen.emplace(id, item.path);
      (unit ? p.unit_curves : p.line_curves)[code] = curve_body(m);
    }
  }

  static void check_kind(const Field& f, const std::string& kind) {
    struct Only {
      std::string_view key;
      std::vector<std::string_view> kinds;
    };
    static const std::vector<Only> table = {
        {"interval", {"drop_folder", "files", "http"}},
        {"path", {"drop_folder"}},
        {"glob", {"drop_folder"}},
        {"require_done_marker", {"drop_folder"}},
        {"incomplete_after", {"drop_folder", "files"}},
        {"files", {"files"}},
        {"url", {"http"}},
        {"auth", {"http"}},
        {"connect_timeout", {"http"}},
        {"read_timeout", {"http"}},
        {"max_bytes", {"http"}},
        {"ca_file", {"http"}},
        {"retries", {"http"}},
        {"backoff_initial", {"http"}},
        {"backoff_max", {"http"}},
    };
    const std::string key = f.key->Scalar();
    for (const Only& o : table) {
      if (o.key == key && std::find(o.kinds.begin(), o.kinds.end(), kind) == o.kinds.end()) {
        invalid(f.key_mark(), f.path,
                (o.kinds.size() == 1 ? "only for kind " : "only for kinds ") + join_words(o.kinds));
      }
    }
  }

  void sources(const Field& f, std::vector<SourceConfig>& out) const {
    std::map<std::string, std::string> names;  // name → path of the source that has it
    std::optional<std::string> upload;
    for (const Field& item : items(f)) {
      const Map m(item,
                  {"name", "kind", "interval", "encoding", "file_kind", "path", "glob",
                   "require_done_marker", "incomplete_after", "files", "url", "auth", "connect_timeout", "read_timeout",
                   "max_bytes", "ca_file", "retries", "backoff_initial", "backoff_max"});
      SourceConfig s;
      const Field name = m.require("name");
      s.name = nonempty(name);
      if (!is_name(s.name)) name.fail("'" + s.name + "' is not a name (letters, digits, _ . -)");
      if (auto it = names.find(s.name); it != names.end()) {
        name.fail("'" + s.name + "' is already used by " + it->second);
      }
      names.emplace(s.name, item.path);
      const Field kind = m.require("kind");
      s.kind = choice(kind, {"drop_folder", "files", "http", "upload"});
      if (s.kind == "upload") {
        if (upload) kind.fail("only one upload source is allowed (" + *upload + " is one)");
        upload = item.path;
      }
      for (const Field& v : m.fields()) check_kind(v, s.kind);

      if_present(m, "interval", [&](const Field& v) { s.interval = seconds(v); });
      if_present(m, "encoding", [&](const Field& v) {
        const std::string& e = nonempty(v);
        if (iequals(e, "auto")) {
          s.encoding = "auto";
        } else if (iequals(e, "utf-8") || iequals(e, "utf8")) {
          s.encoding = "utf-8";
        } else if (iequals(e, "gb18030") || iequals(e, "gbk") || iequals(e, "gb2312")) {
          s.encoding = "gb18030";  // GBK and GB2312 are subsets of GB18030
        } else {
          v.fail("'" + e +
                 "' is not one of auto, utf-8, gb18030 (gbk and gb2312 are read as gb18030)");
        }
      });
      if_present(m, "file_kind", [&](const Field& v) {
        if (!v.value.IsNull()) s.file_kind = choice(v, {"budget", "adjustments", "payments"});
      });

      if_present(m, "incomplete_after", [&](const Field& v) { s.incomplete_after = seconds(v); });
      if (s.kind == "drop_folder") {
        s.path = path(m.require("path"));
        if_present(m, "glob", [&](const Field& v) {
          s.glob = nonempty(v);
          if (s.glob.find('/') != std::string::npos)
            v.fail("'" + s.glob + "' is a path; give a file name pattern");
        });
        if_present(m, "require_done_marker",
                   [&](const Field& v) { s.require_done_marker = boolean(v); });
      } else if (s.kind == "files") {
        for (const Field& v : nonempty_items(m.require("files"))) s.files.push_back(path(v));
      } else if (s.kind == "http") {
        http(m, s);
      }
      out.push_back(std::move(s));
    }
  }

  void http(const Map& m, SourceConfig& s) const {
    const Field url = m.require("url");
    s.url = nonempty(url);
    const auto scheme_end = s.url.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : s.url.substr(0, scheme_end);
    const std::string rest = scheme_end == std::string::npos ? "" : s.url.substr(scheme_end + 3);
    const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
    if ((scheme != "http" && scheme != "https") || authority.empty() ||
        std::any_of(s.url.begin(), s.url.end(), [](char c) { return c <= ' '; })) {
      url.fail("'" + s.url + "' is not an http:// or https:// URL");
    }
    // Printed by check-config and logged: credentials belong in auth, where they are masked.
    if (authority.find('@') != std::string::npos)
      url.fail("credentials in the URL are not allowed (use auth)");
    if_present(m, "auth", [&](const Field& v) { s.auth = auth(v); });
    if_present(m, "connect_timeout", [&](const Field& v) { s.connect_timeout = seconds(v); });
    if_present(m, "read_timeout", [&](const Field& v) { s.read_timeout = seconds(v); });
    if_present(m, "max_bytes", [&](const Field& v) { s.max_bytes = size(v); });
    if_present(m, "ca_file", [&](const Field& v) {
      if (!v.value.IsNull()) s.ca_file = path(v);
    });
    if_present(m, "retries",
               [&](const Field& v) { s.retries = static_cast<int>(integer(v, 0, 100)); });
    if_present(m, "backoff_initial", [&](const Field& v) { s.backoff_initial = millis(v); });
    if_present(m, "backoff_max", [&](const Field& v) { s.backoff_max = millis(v); });
    if (s.backoff_max < s.backoff_initial) {
      const auto f = m.get("backoff_max") ? m.get("backoff_max") : m.get("backoff_initial");
      f->fail(format_duration_ms(s.backoff_max.count()) + " is below backoff_initial (" +
              format_duration_ms(s.backoff_initial.count()) + ")");
    }
  }

  // One of `<stem>` (inline), `<stem>_file`, `<stem>_env`; nullopt when none is given.
  std::optional<Secret> secret(const Map& m, const std::string& stem) const {
    std::optional<Field> given;
    for (const std::string& key : {stem, stem + "_file", stem + "_env"}) {
      if (auto f = m.get(key)) {
        if (given)
          invalid(f->key_mark(), f->path,
                  "give only one of " + stem + ", " + stem + "_file, " + stem + "_env");
        given = f;
      }
    }
    if (!given) return std::nullopt;
    const Field& f = *given;
    const std::string& key = f.key->Scalar();
    Secret s;
    std::string what;  // names the origin in messages, never the value
    if (key == stem + "_file") {
      const fs::path p = path(f);
      std::error_code ec;
      if (fs::is_directory(p, ec)) f.fail("cannot read " + p.string() + ": Is a directory");
      auto text = read_file(p, secret_file_limit);
      if (!text) f.fail("cannot read " + p.string() + ": " + text.error().message);
      s.value = std::move(*text);
      s.origin = "file " + p.string();
      what = p.string() + " ";
    } else if (key == stem + "_env") {
      const std::string& var = nonempty(f);
      if (!(is_alpha(var[0]) || var[0] == '_') || !std::all_of(var.begin(), var.end(), [](char c) {
            return is_alpha(c) || is_digit(c) || c == '_';
          })) {
        f.fail("'" + var + "' is not an environment variable name");
      }
      const char* v = std::getenv(var.c_str());
      if (v == nullptr) f.fail("environment variable " + var + " is not set");
      s.value = v;
      s.origin = "env " + var;
      what = "environment variable " + var + " ";
    } else {
      s.value = scalar(f);
      s.origin = "inline";
      // print_config's masks must not become working (and public) secrets when its output is
      // reused.
      if (s.value.rfind("<secret ", 0) == 0 && s.value.back() == '>') {
        f.fail("'" + s.value + "' is a masked value printed by check-config; give " + stem +
               "_file or " + stem + "_env");
      }
    }
    // A trailing newline is how editors save files; anything else would go into an HTTP header
    // verbatim.
    while (!s.value.empty() && (s.value.back() == '\n' || s.value.back() == '\r' ||
                                s.value.back() == ' ' || s.value.back() == '\t')) {
      s.value.pop_back();
    }
    if (s.value.empty()) f.fail(what.empty() ? "empty" : what + "is empty");
    if (std::any_of(s.value.begin(), s.value.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      f.fail(what + "contains a line break or another control character");
    }
    return s;
  }

  HttpAuth auth(const Field& f) const {
    HttpAuth a;
    if (f.value.IsNull()) return a;  // `auth: ~`: none
    const Map m(f, {"bearer_token", "bearer_token_file", "bearer_token_env", "username", "password",
                    "password_file", "password_env"});
    auto bearer = secret(m, "bearer_token");
    const auto user = m.get("username");
    if (bearer) {
      if (user)
        invalid(user->key_mark(), user->path, "a bearer token and a username exclude each other");
      for (const char* k : {"password", "password_file", "password_env"}) {
        if (auto p = m.get(k))
          invalid(p->key_mark(), p->path, "a bearer token and a password exclude each other");
      }
      a.kind = HttpAuth::Kind::bearer;
      a.secret = std::move(*bearer);
      return a;
    }
    if (!user) {
      for (const char* k : {"password", "password_file", "password_env"}) {
        if (m.get(k))
          invalid(f.value.Mark(), join_key(f.path, "username"), "required with a password");
      }
      f.fail(
          "give bearer_token_file or bearer_token_env, or username with password_file or "
          "password_env");
    }
    a.username = nonempty(*user);
    if (a.username.find(':') != std::string::npos)
      user->fail("a user name cannot contain ':' (HTTP basic auth)");
    auto password = secret(m, "password");
    if (!password)
      invalid(f.value.Mark(), join_key(f.path, "password_file"),
              "required (or password_env, password)");
    a.kind = HttpAuth::Kind::basic;
    a.secret = std::move(*password);
    return a;
  }

  void tokens(const Field& f, std::vector<TokenConfig>& out) const {
    std::map<std::string, std::string> names;
    for (const Field& item : items(f)) {
      const Map m(item, {"name", "token", "token_file", "token_env", "scopes"});
      TokenConfig t;
      const Field name = m.require("name");
      t.name = nonempty(name);
      if (!is_name(t.name)) name.fail("'" + t.name + "' is not a name (letters, digits, _ . -)");
      if (auto it = names.find(t.name); it != names.end()) {
        name.fail("'" + t.name + "' is already used by " + it->second);
      }
      names.emplace(t.name, item.path);
      auto s = secret(m, "token");
      if (!s)
        invalid(item.value.Mark(), join_key(item.path, "token_file"),
                "required (or token_env, token)");
      t.token = std::move(*s);
      for (const Field& v : nonempty_items(m.require("scopes"))) {
        std::string scope = choice(v, {"upload", "write", "admin"});
        if (std::find(t.scopes.begin(), t.scopes.end(), scope) != t.scopes.end())
          v.fail(scope + " is listed twice");
        t.scopes.push_back(std::move(scope));
      }
      out.push_back(std::move(t));
    }
  }

  static void columns(const Field& f, std::map<std::string, std::vector<std::string>>& out) {
    const Map m(f, {});
    for (const Field& v : m.fields()) {
      const std::string& key = v.key->Scalar();
      if (std::find(column_keys.begin(), column_keys.end(), key) == column_keys.end()) {
        const auto guess = closest(key, column_keys);
        invalid(v.key_mark(), v.path,
                guess ? "unknown field (did you mean " + std::string(*guess) + "?)"
                      : "unknown field (known: " + join_words(column_keys) + ")");
      }
      std::vector<std::string> names;
      for (const Field& n : nonempty_items(v)) names.push_back(nonempty(n));
      out[key] = std::move(names);
    }
  }

  // ---- alerts (DESIGN §8) ----

  // "09-30" → {9, 30}
  static std::pair<unsigned, unsigned> month_day(const Field& f) {
    const std::string& s = nonempty(f);
    if (s.size() == 5 && s[2] == '-' && all_digits(s.substr(0, 2)) && all_digits(s.substr(3))) {
      const unsigned mo = static_cast<unsigned>(std::stoi(s.substr(0, 2)));
      const unsigned d = static_cast<unsigned>(std::stoi(s.substr(3)));
      if (std::chrono::month_day{std::chrono::month{mo}, std::chrono::day{d}}.ok()) return {mo, d};
    }
    f.fail("'" + s + "' is not a month-day like 06-30");
  }

  static std::int64_t yuan_fen(const Field& f) {
    const std::string& s = scalar(f);
    auto m = engine::parse_money(s);
    if (!m || m->fen < 0) f.fail("'" + s + "' is not an amount in yuan");
    return m->fen;
  }

  static std::vector<std::string> strings(const Field& f) {
    std::vector<std::string> out;
    for (const Field& v : items(f)) out.push_back(nonempty(v));
    return out;
  }

  static std::map<std::string, std::string> string_map(const Field& f) {
    std::map<std::string, std::string> out;
    const Map m(f, {});
    for (const Field& v : m.fields()) out[v.key->Scalar()] = scalar(v);
    return out;
  }

  // "20:00-08:00" → minutes
  static std::pair<int, int> time_range(const Field& f) {
    const std::string& s = nonempty(f);
    auto hm = [&](std::string_view t) {
      if (t.size() != 5 || t[2] != ':' || !all_digits(t.substr(0, 2)) || !all_digits(t.substr(3)))
        f.fail("'" + s + "' is not a time range like 20:00-08:00");
      const int h = std::stoi(std::string(t.substr(0, 2)));
      const int mi = std::stoi(std::string(t.substr(3)));
      if (h > 24 || mi > 59 || (h == 24 && mi != 0))
        f.fail("'" + s + "' is not a time range like 20:00-08:00");
      return h * 60 + mi;
    };
    if (s.size() != 11 || s[5] != '-') f.fail("'" + s + "' is not a time range like 20:00-08:00");
    const int a = hm(std::string_view(s).substr(0, 5));
    const int b = hm(std::string_view(s).substr(6));
    if (a == b) f.fail("'" + s + "' is empty");
    return {a, b};
  }

  // One parser and compiler for config, routes and silences (config/matcher.h).
  static MatcherConfig matcher(const Field& f) {
    auto m = parse_matcher(nonempty(f));
    if (!m) f.fail(m.error().message);
    return std::move(*m);
  }

  void alerts(const Field& f, AlertsConfig& a) const {
    const Map m(f, {"enabled", "language", "external_url", "rules", "routes", "receivers",
                    "time_intervals", "inhibit_warning_by_critical", "deliver_interval",
                    "backoff_initial", "backoff_max", "give_up_after", "resolved_retention"});
    a.enabled = true;
    if_present(m, "enabled", [&](const Field& v) { a.enabled = boolean(v); });
    if_present(m, "language", [&](const Field& v) { a.language = choice(v, {"zh-CN", "en"}); });
    if_present(m, "external_url", [&](const Field& v) {
      a.external_url = nonempty(v);
      if (a.external_url.rfind("http://", 0) != 0 && a.external_url.rfind("https://", 0) != 0)
        v.fail("'" + a.external_url + "' is not an http:// or https:// URL");
      while (!a.external_url.empty() && a.external_url.back() == '/') a.external_url.pop_back();
    });
    if_present(m, "inhibit_warning_by_critical",
               [&](const Field& v) { a.inhibit_warning_by_critical = boolean(v); });
    if_present(m, "deliver_interval", [&](const Field& v) { a.deliver_interval = seconds(v); });
    if_present(m, "backoff_initial", [&](const Field& v) { a.backoff_initial = millis(v); });
    if_present(m, "backoff_max", [&](const Field& v) { a.backoff_max = millis(v); });
    if_present(m, "give_up_after", [&](const Field& v) { a.give_up_after = seconds(v); });
    if_present(m, "resolved_retention", [&](const Field& v) { a.resolved_retention = seconds(v); });
    if (a.backoff_max < a.backoff_initial) {
      const auto b = m.get("backoff_max") ? m.get("backoff_max") : m.get("backoff_initial");
      b->fail(format_duration_ms(a.backoff_max.count()) + " is below backoff_initial (" +
              format_duration_ms(a.backoff_initial.count()) + ")");
    }
    if_present(m, "time_intervals", [&](const Field& v) {
      for (const Field& item : items(v)) a.time_intervals.push_back(time_interval(item));
    });
    if_present(m, "receivers", [&](const Field& v) {
      for (const Field& item : items(v)) {
        ReceiverConfig r = receiver(item);
        for (const auto& other : a.receivers)
          if (other.name == r.name) item.fail("receiver '" + r.name + "' is defined twice");
        a.receivers.push_back(std::move(r));
      }
    });
    if_present(m, "rules", [&](const Field& v) {
      for (const Field& item : items(v)) {
        RuleConfig r = rule(item);
        for (const auto& other : a.rules)
          if (other.name == r.name) item.fail("rule '" + r.name + "' is defined twice");
        a.rules.push_back(std::move(r));
      }
    });
    if_present(m, "routes", [&](const Field& v) {
      for (const Field& item : items(v)) a.routes.push_back(route(item, a));
    });
  }

  static TimeIntervalConfig time_interval(const Field& f) {
    const Map m(f, {"name", "times", "weekdays", "dates"});
    TimeIntervalConfig t;
    t.name = nonempty(m.require("name"));
    if_present(m, "times", [&](const Field& v) {
      for (const Field& x : nonempty_items(v)) t.times.push_back(time_range(x));
    });
    if_present(m, "weekdays", [&](const Field& v) {
      static const std::vector<std::string_view> names = {
          "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
      for (const Field& x : nonempty_items(v)) {
        const std::string d = choice(x, names);
        t.weekdays.push_back(static_cast<unsigned>(
            std::find(names.begin(), names.end(), d) - names.begin()));
      }
    });
    if_present(m, "dates", [&](const Field& v) {
      for (const Field& x : nonempty_items(v)) t.dates.push_back(engine::to_iso(date(x)));
    });
    return t;
  }

  ReceiverConfig receiver(const Field& f) const {
    const Map m(f, {"name", "kind", "smtp_host", "smtp_port", "smtp_tls", "smtp_username",
                    "smtp_password", "smtp_password_file", "smtp_password_env", "from", "to",
                    "to_owner", "url", "url_file", "url_env", "token", "token_file", "token_env",
                    "secret", "secret_file", "secret_env", "at_mobiles", "owner_mobiles",
                    "ca_file", "timeout"});
    ReceiverConfig r;
    const Field name = m.require("name");
    r.name = nonempty(name);
    if (!is_name(r.name)) name.fail("'" + r.name + "' is not a name (letters, digits, _ . -)");
    r.kind = choice(m.require("kind"),
                    {"email", "webhook", "alertmanager", "wecom", "dingtalk", "feishu"});
    if (r.kind == "email") {
      if_present(m, "smtp_host", [&](const Field& v) { r.smtp_host = nonempty(v); });
      if_present(m, "smtp_port", [&](const Field& v) {
        r.smtp_port = static_cast<std::uint16_t>(integer(v, 1, 65535));
      });
      if_present(m, "smtp_tls",
                 [&](const Field& v) { r.smtp_tls = choice(v, {"none", "starttls", "tls"}); });
      if_present(m, "smtp_username", [&](const Field& v) { r.smtp_username = nonempty(v); });
      if (auto pw = secret(m, "smtp_password")) r.smtp_password = std::move(*pw);
      if_present(m, "from", [&](const Field& v) { r.from = nonempty(v); });
      if_present(m, "to", [&](const Field& v) { r.to = strings(v); });
      if_present(m, "to_owner", [&](const Field& v) { r.to_owner = boolean(v); });
      if (r.to.empty() && !r.to_owner)
        invalid(f.value.Mark(), join_key(f.path, "to"), "required (or to_owner: true)");
    } else {
      if (auto u = secret(m, "url")) {
        r.url_secret = std::move(*u);
        r.url = r.url_secret.value;
      } else {
        invalid(f.value.Mark(), join_key(f.path, "url"), "required (or url_file, url_env)");
      }
      if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0)
        invalid(f.value.Mark(), join_key(f.path, "url"), "not an http:// or https:// URL");
      if (auto t = secret(m, "token")) r.token = std::move(*t);
      if (auto s = secret(m, "secret")) r.secret = std::move(*s);
      if_present(m, "at_mobiles", [&](const Field& v) { r.at_mobiles = strings(v); });
      if_present(m, "owner_mobiles", [&](const Field& v) { r.owner_mobiles = string_map(v); });
    }
    if_present(m, "ca_file", [&](const Field& v) { r.ca_file = path(v); });
    if_present(m, "timeout", [&](const Field& v) { r.timeout = seconds(v); });
    return r;
  }

  static RuleConfig rule(const Field& f) {
    const Map m(f, {"name", "kind", "severity", "threshold", "checkpoints", "at_deadline", "by",
                    "grace_days", "within_days", "stale_after", "min_unspent_yuan", "min_change",
                    "line_kinds", "units", "tags", "for", "labels"});
    RuleConfig r;
    const Field name = m.require("name");
    r.name = nonempty(name);
    if (!is_name(r.name)) name.fail("'" + r.name + "' is not a name (letters, digits, _ . -)");
    r.kind = choice(m.require("kind"), {"below_threshold", "pace_below", "no_spending", "deadline_near",
                                        "overspend", "stale_source", "indicator_overdue",
                                        "indicator_behind", "budget_revised"});
    // Parameters that mean something for this kind; others are refused, not silently ignored.
    const std::map<std::string, std::vector<std::string_view>> params = {
        {"below_threshold", {"threshold", "checkpoints", "at_deadline", "min_unspent_yuan"}},
        {"pace_below", {"threshold", "grace_days", "min_unspent_yuan"}},
        {"no_spending", {"by", "grace_days", "min_unspent_yuan"}},
        {"deadline_near", {"within_days", "min_unspent_yuan"}},
        {"overspend", {}},
        {"stale_source", {"stale_after"}},
        {"indicator_overdue", {}},
        {"indicator_behind", {}},
        {"budget_revised", {"min_change", "within_days", "min_unspent_yuan"}}};
    const auto& allowed = params.at(r.kind);
    for (const char* k : {"threshold", "checkpoints", "at_deadline", "by", "grace_days",
                          "within_days", "stale_after", "min_unspent_yuan", "min_change"}) {
      if (auto v = m.get(k); v && std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        invalid(v->key_mark(), v->path, "does not apply to rules of kind " + r.kind);
    }
    if_present(m, "severity",
               [&](const Field& v) { r.severity = choice(v, {"info", "warning", "critical"}); });
    if_present(m, "threshold", [&](const Field& v) {
      r.threshold_bp = percent(v);
      if (r.threshold_bp == 0) v.fail("'" + scalar(v) + "' must be more than 0%");
    });
    if_present(m, "checkpoints", [&](const Field& v) {
      for (const Field& x : nonempty_items(v)) r.checkpoints.push_back(month_day(x));
      std::sort(r.checkpoints.begin(), r.checkpoints.end());
    });
    if_present(m, "at_deadline", [&](const Field& v) { r.at_deadline = boolean(v); });
    if (r.kind == "below_threshold" && r.checkpoints.empty() && !r.at_deadline)
      f.fail("a below_threshold rule needs checkpoints or at_deadline: true");
    if_present(m, "by", [&](const Field& v) { r.by = month_day(v); });
    if_present(m, "grace_days",
               [&](const Field& v) { r.grace_days = static_cast<int>(integer(v, 0, 366)); });
    if_present(m, "within_days",
               [&](const Field& v) { r.within_days = static_cast<int>(integer(v, 0, 366)); });
    if_present(m, "stale_after", [&](const Field& v) { r.stale_after = seconds(v); });
    if_present(m, "min_change", [&](const Field& v) {
      r.min_change_bp = percent(v);
      if (r.min_change_bp == 0) v.fail("'" + scalar(v) + "' must be more than 0%");
    });
    if_present(m, "min_unspent_yuan", [&](const Field& v) { r.min_unspent_fen = yuan_fen(v); });
    if_present(m, "line_kinds", [&](const Field& v) {
      r.line_kinds.clear();
      for (const Field& x : nonempty_items(v)) r.line_kinds.push_back(choice(x, {"project", "basic"}));
    });
    if_present(m, "units", [&](const Field& v) { r.units = strings(v); });
    if_present(m, "tags", [&](const Field& v) { r.tags = strings(v); });
    if_present(m, "for", [&](const Field& v) {
      const std::int64_t ms = unwrap(v, parse_duration_ms(scalar(v)));
      if (ms < 0 || ms % ms_per_s != 0) v.fail("'" + scalar(v) + "' is not a whole number of seconds");
      r.pending_for = std::chrono::seconds{ms / ms_per_s};
    });
    if_present(m, "labels", [&](const Field& v) { r.labels = string_map(v); });
    return r;
  }

  static RouteConfig route(const Field& f, const AlertsConfig& a) {
    const Map m(f, {"match", "receivers", "group_by", "repeat_interval", "mute_time_intervals",
                    "continue"});
    RouteConfig r;
    if_present(m, "match", [&](const Field& v) {
      for (const Field& x : items(v)) r.matchers.push_back(matcher(x));
    });
    for (const Field& x : nonempty_items(m.require("receivers"))) {
      const std::string& name = nonempty(x);
      if (std::none_of(a.receivers.begin(), a.receivers.end(),
                       [&](const ReceiverConfig& rc) { return rc.name == name; }))
        x.fail("no receiver named '" + name + "'");
      r.receivers.push_back(name);
    }
    if_present(m, "group_by", [&](const Field& v) { r.group_by = strings(v); });
    if_present(m, "repeat_interval", [&](const Field& v) { r.repeat_interval = seconds(v); });
    if_present(m, "mute_time_intervals", [&](const Field& v) {
      for (const Field& x : items(v)) {
        const std::string& name = nonempty(x);
        if (std::none_of(a.time_intervals.begin(), a.time_intervals.end(),
                         [&](const TimeIntervalConfig& t) { return t.name == name; }))
          x.fail("no time interval named '" + name + "'");
        r.mute_time_intervals.push_back(name);
      }
    });
    if_present(m, "continue", [&](const Field& v) { r.continue_matching = boolean(v); });
    return r;
  }

  fs::path base_;
};

// ---- printing -----------------------------------------------------------------------------------

void emit_curve_body(YAML::Emitter& out, const engine::Curve& c) {
  out << YAML::Key << "kind" << YAML::Value << engine::to_string(c.kind);
  if (c.kind == engine::CurveKind::custom_monthly) {
    out << YAML::Key << "monthly" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (int bp : c.monthly_bp) out << format_percent(bp);
    out << YAML::EndSeq;
  }
  if (c.kind == engine::CurveKind::milestones) {
    out << YAML::Key << "milestones" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const engine::Milestone& m : c.milestones) {
      out << YAML::BeginMap << YAML::Key << "date" << YAML::Value << engine::to_iso(m.date)
          << YAML::Key << "share" << YAML::Value << format_percent(m.share_bp) << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
}

bool has_parameters(const engine::Curve& c) {
  return c.kind == engine::CurveKind::custom_monthly || c.kind == engine::CurveKind::milestones;
}

std::string seconds_text(std::chrono::seconds s) {
  return format_duration_ms(s.count() * ms_per_s);
}

void emit_source(YAML::Emitter& out, const SourceConfig& s) {
  auto kv = [&](const char* k, const std::string& v) { out << YAML::Key << k << YAML::Value << v; };
  auto null_kv = [&](const char* k) { out << YAML::Key << k << YAML::Value << YAML::Null; };
  out << YAML::BeginMap;
  kv("name", s.name);
  kv("kind", s.kind);
  if (s.kind != "upload") kv("interval", seconds_text(s.interval));
  kv("encoding", s.encoding);
  if (s.file_kind) {
    kv("file_kind", *s.file_kind);
  } else {
    null_kv("file_kind");
  }
  if (s.kind == "drop_folder") {
    kv("path", s.path.string());
    kv("glob", s.glob);
    kv("require_done_marker", s.require_done_marker ? "true" : "false");
    kv("incomplete_after", seconds_text(s.incomplete_after));
  } else if (s.kind == "files") {
    out << YAML::Key << "files" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : s.files) out << p.string();
    out << YAML::EndSeq;
    kv("incomplete_after", seconds_text(s.incomplete_after));
  } else if (s.kind == "http") {
    kv("url", net::redact_url(s.url));  // signed URLs (X-Amz-Signature, access_token): as the logs show them
    out << YAML::Key << "auth" << YAML::Value;
    switch (s.auth.kind) {
      case HttpAuth::Kind::none:
        out << YAML::Null;
        break;
      case HttpAuth::Kind::bearer:
        out << YAML::BeginMap << YAML::Key << "bearer_token" << YAML::Value
            << secret_mask(s.auth.secret) << YAML::EndMap;
        break;
      case HttpAuth::Kind::basic:
        out << YAML::BeginMap << YAML::Key << "username" << YAML::Value << s.auth.username
            << YAML::Key << "password" << YAML::Value << secret_mask(s.auth.secret) << YAML::EndMap;
        break;
    }
    kv("connect_timeout", seconds_text(s.connect_timeout));
    kv("read_timeout", seconds_text(s.read_timeout));
    kv("max_bytes", format_size(s.max_bytes));
    if (s.ca_file.empty()) {
      null_kv("ca_file");
    } else {
      kv("ca_file", s.ca_file.string());
    }
    kv("retries", std::to_string(s.retries));
    kv("backoff_initial", format_duration_ms(s.backoff_initial.count()));
    kv("backoff_max", format_duration_ms(s.backoff_max.count()));
  }
  out << YAML::EndMap;
}

}  // namespace

Result<Config> load_config_text(const std::string& yaml, const std::string& name,
                                const fs::path& base_dir) {
  std::error_code ec;
  fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::absolute(base_dir, ec);
  if (ec) base = base_dir;
  try {
    Config c = Loader(base.lexically_normal()).load(YAML::Load(yaml));
    c.file = name;
    return c;
  } catch (const Invalid& e) {
    return fail(Errc::invalid_input, e.message, where_of(name, e.mark));
  } catch (const YAML::Exception& e) {
    return fail(Errc::invalid_input, "invalid YAML: " + e.msg, where_of(name, e.mark));
  }
}

Result<Config> load_config(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    return fail(Errc::io, "cannot read the config file: Is a directory", file.string());
  // Bounded before parsing: yaml-cpp holds the whole tree (a 10 MB list took 19 s and 989 MB). The
  // read itself stops at the limit too (a pipe or a file that grows has no useful size).
  const std::uint64_t limit = defaults::max_config_bytes;
  if (const auto bytes = fs::file_size(file, ec); !ec && bytes > limit) {
    return fail(Errc::invalid_input,
                "the config file is " + std::to_string(bytes) + " bytes, more than the limit of " +
                    format_size(limit),
                file.string());
  }
  auto text = read_file(file, limit);
  if (!text)
    return fail(Errc::io, "cannot read the config file: " + text.error().message, file.string());
  const fs::path abs = fs::absolute(file, ec);
  auto c = load_config_text(*text, file.string(), (ec ? file : abs).parent_path());
  if (c) c->file = file;
  return c;
}

std::string print_config(const Config& c) {
  YAML::Emitter out;
  auto kv = [&](const char* k, const std::string& v) { out << YAML::Key << k << YAML::Value << v; };
  out << YAML::BeginMap;
  kv("database", c.database.string());
  kv("language", c.language);

  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  kv("listen", c.server.listen);
  kv("max_body_bytes", format_size(c.server.max_body_bytes));
  kv("max_header_bytes", format_size(c.server.max_header_bytes));
  kv("read_timeout", seconds_text(c.server.read_timeout));
  kv("write_timeout", seconds_text(c.server.write_timeout));
  kv("idle_timeout", seconds_text(c.server.idle_timeout));
  kv("max_connections", std::to_string(c.server.max_connections));
  for (const auto& [key, file] : {std::pair{"tls_cert_file", &c.server.tls_cert_file},
                                  std::pair{"tls_key_file", &c.server.tls_key_file}}) {
    out << YAML::Key << key << YAML::Value;
    if (file->empty()) {
      out << YAML::Null;
    } else {
      out << file->string();
    }
  }
  out << YAML::EndMap;

  out << YAML::Key << "evaluation" << YAML::Value << YAML::BeginMap;
  kv("interval", seconds_text(c.evaluation.interval));
  kv("time_zone", c.evaluation.time_zone);
  out << YAML::Key << "as_of" << YAML::Value;
  if (c.evaluation.as_of) {
    out << engine::to_iso(*c.evaluation.as_of);
  } else {
    out << YAML::Null;
  }
  out << YAML::EndMap;

  out << YAML::Key << "fiscal_year" << YAML::Value << YAML::BeginMap;
  kv("start_month", std::to_string(c.policy.fiscal_year_start_month));
  out << YAML::EndMap;

  const engine::Policy& p = c.policy;
  out << YAML::Key << "policy" << YAML::Value << YAML::BeginMap;
  kv("threshold", format_percent(p.threshold_bp));
  kv("low_band", format_percent(p.low_bp));
  out << YAML::Key << "balance_checkpoints" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (unsigned m : p.balance_checkpoint_months) out << std::to_string(m);
  out << YAML::EndSeq;
  out << YAML::Key << "curve" << YAML::Value;
  if (has_parameters(p.default_curve)) {
    out << YAML::BeginMap;
    emit_curve_body(out, p.default_curve);
    out << YAML::EndMap;
  } else {
    out << engine::to_string(p.default_curve.kind);
  }
  out << YAML::Key << "curves" << YAML::Value;
  if (p.unit_curves.empty() && p.line_curves.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const auto* group : {&p.unit_curves, &p.line_curves}) {
    for (const auto& [code, curve] : *group) {
      out << YAML::BeginMap;
      kv(group == &p.unit_curves ? "unit" : "line", code);
      emit_curve_body(out, curve);
      out << YAML::EndMap;
    }
  }
  out << YAML::EndSeq;
  out << YAML::Key << "scores" << YAML::Value << YAML::BeginMap;
  kv("completion_points", std::to_string(p.completion_points));
  kv("completion_floor", format_percent(p.completion_floor_bp));
  kv("adjustment_points", std::to_string(p.adjustment_points));
  kv("balance_points", std::to_string(p.balance_points));
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
  kv("project_series", to_string(c.metrics.project_series));
  out << YAML::EndMap;

  out << YAML::Key << "ingest" << YAML::Value << YAML::BeginMap;
  kv("max_stored_rejects", std::to_string(c.ingest.max_stored_rejects));
  kv("max_reject_share", format_percent(c.ingest.max_reject_share_bp));
  out << YAML::EndMap;

  out << YAML::Key << "sources" << YAML::Value;
  if (c.sources.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const SourceConfig& s : c.sources) emit_source(out, s);
  out << YAML::EndSeq;

  out << YAML::Key << "tokens" << YAML::Value;
  if (c.tokens.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const TokenConfig& t : c.tokens) {
    out << YAML::BeginMap;
    kv("name", t.name);
    kv("token", secret_mask(t.token));
    out << YAML::Key << "scopes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : t.scopes) out << s;
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "columns" << YAML::Value;
  if (c.columns.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  for (const auto& [key, names] : c.columns) {
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& n : names) out << n;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;

  if (c.alerts.enabled) {
    const AlertsConfig& a = c.alerts;
    out << YAML::Key << "alerts" << YAML::Value << YAML::BeginMap;
    kv("language", a.language.empty() ? c.language : a.language);
    kv("external_url", a.external_url);
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const RuleConfig& r : a.rules) {
      out << YAML::Flow << YAML::BeginMap;
      kv("name", r.name);
      kv("kind", r.kind);
      kv("severity", r.severity);
      if (r.kind == "below_threshold" || r.kind == "pace_below")
        kv("threshold", format_percent(r.threshold_bp));
      if (r.min_unspent_fen > 0)
        kv("min_unspent_yuan", engine::format_yuan(engine::Money{r.min_unspent_fen}));
      kv("for", seconds_text(r.pending_for));
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq;
    for (const ReceiverConfig& r : a.receivers) {
      out << YAML::Flow << YAML::BeginMap;
      kv("name", r.name);
      kv("kind", r.kind);
      if (r.kind == "email") {
        kv("smtp", r.smtp_host + ":" + std::to_string(r.smtp_port) + " tls=" + r.smtp_tls);
        if (!r.smtp_password.empty()) kv("smtp_password", secret_mask(r.smtp_password));
      } else {
        kv("url", r.url_secret.origin == "inline" ? redact_for_print(r.url)
                                                  : secret_mask(r.url_secret));
        if (!r.secret.empty()) kv("secret", secret_mask(r.secret));
        if (!r.token.empty()) kv("token", secret_mask(r.token));
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "routes" << YAML::Value << std::to_string(a.routes.size()) + " route(s)";
    out << YAML::EndMap;
  }

  out << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
  kv("level", c.logging.level);
  out << YAML::EndMap;
  out << YAML::EndMap;
  // The emitter refuses only malformed text (a path that is not UTF-8): say so, not half a config.
  if (!out.good()) return "# print_config: " + out.GetLastError() + "\n";
  return std::string(out.c_str()) + "\n";
}

}  // namespace bw::config
