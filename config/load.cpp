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
namespace {

namespace fs = std::filesystem;
using namespace std::string_view_literals;
using namespace detail;
class Loader {
 public:
  explicit Loader(fs::path base) : base_(std::move(base)) {}

  Config load(const YAML::Node& root) {
    Config c;
    const Map m(Field{"", root, std::nullopt}, config_section().known());
    c.database = path(m.require("database"));
    if_present(m, "language", [&](const Field& f) { c.language = choice(f, {"zh-CN", "en"}); });
    if_present(m, "server", [&](const Field& f) { server(f, c.server); });
    if_present(m, "evaluation", [&](const Field& f) { evaluation(f, c.evaluation); });
    if_present(m, "fiscal_year", [&](const Field& f) {
      const Map fy(f, fiscal_year_section().known());
      if_present(fy, "start_month", [&](const Field& s) {
        c.policy.fiscal_year_start_month = static_cast<unsigned>(integer(s, 1, 12));
      });
    });
    if_present(m, "departments", [&](const Field& f) {
      const Map dm(f, departments_section().known());
      if_present(dm, "from_unit_code_digits",
                 [&](const Field& v) { c.policy.department_unit_code_digits = static_cast<int>(integer(v, 0, 32)); });
    });
    if_present(m, "policy", [&](const Field& f) { policy(f, c.policy); });
    if_present(m, "metrics", [&](const Field& f) {
      const Map mm(f, metrics_section().known());
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
      const Map im(f, ingest_section().known());
      if_present(im, "max_stored_rejects",
                 [&](const Field& v) { c.ingest.max_stored_rejects = integer(v, 0, 100'000'000); });
      if_present(im, "max_reject_share",
                 [&](const Field& v) { c.ingest.max_reject_share_bp = percent(v); });
    });
    if_present(m, "alerts", [&](const Field& f) { alerts(f, c.alerts); });
    if_present(m, "logging", [&](const Field& f) {
      const Map lm(f, logging_section().known());
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
    const Map m(f, server_section().known());
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
    const Map m(f, evaluation_section().known());
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
    const Map m(f, policy_section().known());
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
      const Map sm(v, scores_section().known());
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

  void sources(const Field& f, std::vector<SourceConfig>& out) const {
    std::map<std::string, std::string> names;  // name → path of the source that has it
    std::optional<std::string> upload;
    for (const Field& item : items(f)) {
      const Map m(item, source_section().known());
      SourceConfig s;
      const Field name = m.require("name");
      s.name = nonempty(name);
      if (!is_name(s.name)) name.fail("'" + s.name + "' is not a name (letters, digits, _ . -)");
      if (auto it = names.find(s.name); it != names.end()) {
        name.fail("'" + s.name + "' is already used by " + it->second);
      }
      names.emplace(s.name, item.path);
      const Field kind = m.require("kind");
      s.kind = choice(kind, source_section().all_kinds);
      if (s.kind == "upload") {
        if (upload) kind.fail("only one upload source is allowed (" + *upload + " is one)");
        upload = item.path;
      }
      source_section().check_kinds(m, s.kind);

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
      if_present(m, "fiscal_year", [&](const Field& v) {
        if (!v.value.IsNull()) s.fiscal_year = static_cast<int>(integer(v, 1900, 2999));
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
    const Map m(f, auth_section().known());
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
      const Map m(item, token_section().known());
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
    const Map m(f, alerts_section().known());
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
    if_present(m, "unreachable_warn_after",
               [&](const Field& v) { a.unreachable_warn_after = seconds(v); });
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
    const Map m(f, time_interval_section().known());
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
        t.weekdays.push_back(
            static_cast<unsigned>(std::find(names.begin(), names.end(), d) - names.begin()));
      }
    });
    if_present(m, "dates", [&](const Field& v) {
      for (const Field& x : nonempty_items(v)) t.dates.push_back(engine::to_iso(date(x)));
    });
    return t;
  }

  ReceiverConfig receiver(const Field& f) const {
    const Map m(f, receiver_section().known());
    ReceiverConfig r;
    const Field name = m.require("name");
    r.name = nonempty(name);
    if (!is_name(r.name)) name.fail("'" + r.name + "' is not a name (letters, digits, _ . -)");
    r.kind = choice(m.require("kind"), receiver_section().all_kinds);
    receiver_section().check_kinds(m, r.kind);
    if_present(m, "addressee", [&](const Field& v) { r.addressee = nonempty(v); });
    if (r.kind == "email") {
      if_present(m, "smtp_host", [&](const Field& v) { r.smtp_host = nonempty(v); });
      if_present(m, "smtp_port", [&](const Field& v) {
        r.smtp_port = static_cast<std::uint16_t>(integer(v, 1, 65535));
      });
      if_present(m, "smtp_tls", [&](const Field& v) {
        r.smtp_tls = choice(v, {"none", "starttls", "tls"});
      });
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
    const Map m(f, rule_section().known());
    RuleConfig r;
    const Field name = m.require("name");
    r.name = nonempty(name);
    if (!is_name(r.name)) name.fail("'" + r.name + "' is not a name (letters, digits, _ . -)");
    r.kind = choice(m.require("kind"), rule_section().all_kinds);
    // Parameters that mean something for this kind; others are refused, not silently ignored.
    rule_section().check_kinds(m, r.kind);
    if_present(m, "severity", [&](const Field& v) {
      r.severity = choice(v, {"info", "warning", "critical"});
    });
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
      for (const Field& x : nonempty_items(v))
        r.line_kinds.push_back(choice(x, {"project", "basic"}));
    });
    if_present(m, "units", [&](const Field& v) { r.units = strings(v); });
    if_present(m, "tags", [&](const Field& v) { r.tags = strings(v); });
    if_present(m, "for", [&](const Field& v) {
      const std::int64_t ms = unwrap(v, parse_duration_ms(scalar(v)));
      if (ms < 0 || ms % ms_per_s != 0)
        v.fail("'" + scalar(v) + "' is not a whole number of seconds");
      r.pending_for = std::chrono::seconds{ms / ms_per_s};
    });
    if_present(m, "labels", [&](const Field& v) { r.labels = string_map(v); });
    return r;
  }

  static RouteConfig route(const Field& f, const AlertsConfig& a) {
    const Map m(f, route_section().known());
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

}  // namespace bw::config
