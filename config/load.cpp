// The loader: config/schema.cpp's rows parse each key; here are the entry points, the reading of
// secrets and paths, and the values and checks that take more than one grammar (curves, auth,
// receivers, routes, unique names).
#include "config/load.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/matcher.h"
#include "config/schema.h"
#include "config/walk.h"
#include "net/redact.h"

namespace bw::config {
namespace detail {

namespace fs = std::filesystem;

fs::path Reader::path(const Field& f) const {
  const fs::path p(nonempty(f));
  return (p.is_absolute() ? p : base_ / p).lexically_normal();
}

// One of `<stem>` (inline), `<stem>_file`, `<stem>_env`; nullopt when none is given.
std::optional<Secret> Reader::secret(const Map& m, const std::string& stem) const {
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

// ---- policy ----

std::vector<unsigned> checkpoint_months(const Field& f) {
  std::vector<unsigned> out;
  for (const Field& item : nonempty_items(f)) {
    const auto month = static_cast<unsigned>(integer(item, 1, 12));
    if (std::find(out.begin(), out.end(), month) != out.end()) {
      item.fail(std::to_string(month) + " is listed twice");
    }
    out.push_back(month);
  }
  return out;
}

namespace {
engine::Curve curve_body(const Map& m);
std::array<int, 12> monthly_values(const Field& f);
std::vector<engine::Milestone> milestone_values(const Field& f);
}  // namespace

engine::CurveKind curve_kind(const Field& f) {
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
engine::Curve default_curve(const Field& f) {
  if (f.value.IsMap()) {
    const Map m(f, {"kind", "monthly", "milestones"});
    return curve_body(m);
  }
  engine::Curve c;
  c.kind = curve_kind(f);
  if (c.kind == engine::CurveKind::custom_monthly) {
    f.fail("custom_monthly needs its values: write curve: {kind: custom_monthly, monthly: [...]}");
  }
  if (c.kind == engine::CurveKind::milestones) {
    f.fail("milestones needs its dates: write curve: {kind: milestones, milestones: [...]}");
  }
  return c;
}

namespace {
engine::Curve curve_body(const Map& m) {
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
}  // namespace

namespace {
std::array<int, 12> monthly_values(const Field& f) {
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
}  // namespace

namespace {
std::vector<engine::Milestone> milestone_values(const Field& f) {
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
}  // namespace

void curve_overrides(const Field& f, engine::Policy& p) {
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

// ---- sources ----

std::string http_source_url(const Field& url) {
  std::string u = nonempty(url);
  const auto scheme_end = u.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : u.substr(0, scheme_end);
  const std::string rest = scheme_end == std::string::npos ? "" : u.substr(scheme_end + 3);
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if ((scheme != "http" && scheme != "https") || authority.empty() ||
      std::any_of(u.begin(), u.end(), [](char c) { return c <= ' '; })) {
    url.fail("'" + u + "' is not an http:// or https:// URL");
  }
  // Printed by check-config and logged: credentials belong in auth, where they are masked.
  if (authority.find('@') != std::string::npos)
    url.fail("credentials in the URL are not allowed (use auth)");
  return u;
}

void backoff_order(const Map& m, std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  if (max >= initial) return;
  const auto f = m.get("backoff_max") ? m.get("backoff_max") : m.get("backoff_initial");
  f->fail(format_duration_ms(max.count()) + " is below backoff_initial (" +
          format_duration_ms(initial.count()) + ")");
}

void lease_timing(const Map& m, std::chrono::milliseconds ttl, std::chrono::milliseconds renew) {
  using std::chrono::milliseconds;
  if (renew < milliseconds(200)) {
    m.get("lease_renew")->fail(format_duration_ms(renew.count()) + " is below 200ms");
  }
  if (ttl >= 2 * renew + milliseconds(1000)) return;
  const auto f = m.get("lease_ttl") ? m.get("lease_ttl") : m.get("lease_renew");
  f->fail("lease_ttl (" + format_duration_ms(ttl.count()) + ") must be at least twice lease_renew (" +
          format_duration_ms(renew.count()) + ") plus 1s: the holder stops sending 1s before it expires");
}

HttpAuth read_auth(const Field& f, const Reader& r) {
  HttpAuth a;
  if (f.value.IsNull()) return a;  // `auth: ~`: none
  const Map m(f, auth_section().known());
  auto bearer = r.secret(m, "bearer_token");
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
  auto password = r.secret(m, "password");
  if (!password)
    invalid(f.value.Mark(), join_key(f.path, "password_file"),
            "required (or password_env, password)");
  a.kind = HttpAuth::Kind::basic;
  a.secret = std::move(*password);
  return a;
}

namespace {

// The path of the list element `i` before `item` ("sources[0]").
std::string sibling(const Field& item, std::size_t i) {
  return join_index(item.path.substr(0, item.path.rfind('[')), i);
}

Field key_of(const Field& item, std::string_view key) { return *Map(item, {}).get(key); }

}  // namespace

void distinct_source(const Field& item, const std::vector<SourceConfig>& before,
                     const SourceConfig& s) {
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i].name == s.name)
      key_of(item, "name").fail("'" + s.name + "' is already used by " + sibling(item, i));
  }
  if (s.kind != SourceKind::upload) return;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i].kind == SourceKind::upload) {
      key_of(item, "kind")
          .fail("only one upload source is allowed (" + sibling(item, i) + " is one)");
    }
  }
}

void distinct_token(const Field& item, const std::vector<TokenConfig>& before,
                    const TokenConfig& t) {
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i].name == t.name)
      key_of(item, "name").fail("'" + t.name + "' is already used by " + sibling(item, i));
  }
}

std::map<std::string, std::vector<std::string>> header_names(const Field& f) {
  std::map<std::string, std::vector<std::string>> out;
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
  return out;
}

// ---- alerts (DESIGN §8) ----

// "09-30" → {9, 30}
std::pair<unsigned, unsigned> month_day(const Field& f) {
  const std::string& s = nonempty(f);
  if (s.size() == 5 && s[2] == '-' && all_digits(s.substr(0, 2)) && all_digits(s.substr(3))) {
    const unsigned mo = static_cast<unsigned>(std::stoi(s.substr(0, 2)));
    const unsigned d = static_cast<unsigned>(std::stoi(s.substr(3)));
    if (std::chrono::month_day{std::chrono::month{mo}, std::chrono::day{d}}.ok()) return {mo, d};
  }
  f.fail("'" + s + "' is not a month-day like 06-30");
}

std::int64_t yuan_fen(const Field& f) {
  const std::string& s = scalar(f);
  auto m = engine::parse_money(s);
  if (!m || m->fen < 0) f.fail("'" + s + "' is not an amount in yuan");
  return m->fen;
}

// "20:00-08:00" → minutes
std::pair<int, int> time_range(const Field& f) {
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
MatcherConfig matcher(const Field& f) {
  auto m = parse_matcher(nonempty(f));
  if (!m) f.fail(m.error().message);
  return std::move(*m);
}

void finish_receiver(const Map& m, ReceiverConfig& r, const Reader&) {
  const Field& f = m.self();
  if (r.kind == ReceiverKind::email) {
    if (r.to.empty() && !r.to_owner)
      invalid(f.value.Mark(), join_key(f.path, "to"), "required (or to_owner: true)");
    return;
  }
  if (r.url_secret.origin.empty())
    invalid(f.value.Mark(), join_key(f.path, "url"), "required (or url_file, url_env)");
  r.url = r.url_secret.value;
  if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0)
    invalid(f.value.Mark(), join_key(f.path, "url"), "not an http:// or https:// URL");
}

void check_route_names(const Field& item, const AlertsConfig& a) {
  const Map m(item, {});
  for (const Field& x : items(*m.get("receivers"))) {
    const std::string& name = nonempty(x);
    if (std::none_of(a.receivers.begin(), a.receivers.end(),
                     [&](const ReceiverConfig& rc) { return rc.name == name; }))
      x.fail("no receiver named '" + name + "'");
  }
  if (auto v = m.get("mute_time_intervals")) {
    for (const Field& x : items(*v)) {
      const std::string& name = nonempty(x);
      if (std::none_of(a.time_intervals.begin(), a.time_intervals.end(),
                       [&](const TimeIntervalConfig& t) { return t.name == name; }))
        x.fail("no time interval named '" + name + "'");
    }
  }
}

void distinct_rule(const Field& item, const std::vector<RuleConfig>& before, const RuleConfig& r) {
  for (const auto& other : before)
    if (other.name == r.name) item.fail("rule '" + r.name + "' is defined twice");
}

void distinct_receiver(const Field& item, const std::vector<ReceiverConfig>& before,
                       const ReceiverConfig& r) {
  for (const auto& other : before)
    if (other.name == r.name) item.fail("receiver '" + r.name + "' is defined twice");
}

}  // namespace detail

namespace {
namespace fs = std::filesystem;
using namespace detail;
}  // namespace

Result<Config> load_config_text(const std::string& yaml, const std::string& name,
                                const fs::path& base_dir) {
  std::error_code ec;
  fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::absolute(base_dir, ec);
  if (ec) base = base_dir;
  try {
    Config c;
    read(Field{"", YAML::Load(yaml), std::nullopt}, config_section(), c,
         Reader(base.lexically_normal()));
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

}  // namespace bw::config
