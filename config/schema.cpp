// The configuration schema (config/schema.h): every key once, with its type, kinds, documentation,
// and how it prints and parses (config/values.h); checks across keys are the sections' `finish`.
#include "config/schema.h"

#include "config/load.h"
#include "config/values.h"
#include "net/redact.h"

// The tables below are aggregates that leave trailing members (kinds, required, …) at their
// defaults on purpose; -Wextra's missing-field-initializers would ask for every one of them on
// every key.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace bw::config::detail {
namespace {

using namespace values;  // NOLINT(google-build-using-namespace): the rows' vocabulary

using Out = YAML::Emitter;

std::string month_day_text(std::pair<unsigned, unsigned> md) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u-%02u", md.first % 100, md.second % 100);
  return buf;
}

std::string hhmm(int minutes) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
  return buf;
}

const char* op_text(MatcherConfig::Op op) {
  switch (op) {
    case MatcherConfig::Op::eq:
      return "=";
    case MatcherConfig::Op::ne:
      return "!=";
    case MatcherConfig::Op::re:
      return "=~";
    case MatcherConfig::Op::nre:
      return "!~";
  }
  return "=";
}

// parse_matcher strips one pair of matching quotes: keep a value that has them by quoting it again.
std::string matcher_text(const MatcherConfig& m) {
  std::string v = m.value;
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = (v.front() == '"' ? "'" : "\"") + v + (v.front() == '"' ? "'" : "\"");
  return m.name + op_text(m.op) + v;
}

// A URL's query (where robot keys and access tokens live) is never printed.
std::string redact_query(const std::string& url) {
  const auto q = url.find('?');
  return q == std::string::npos ? url : url.substr(0, q) + "?<redacted>";
}

void emit_curve_body(Out& out, const engine::Curve& c) {
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

const std::vector<std::string_view> http_receivers = {"webhook", "alertmanager", "wecom",
                                                      "dingtalk", "feishu"};
const std::vector<std::string_view> robots = {"wecom", "dingtalk", "feishu"};

}  // namespace

void emit_secret(Out& out, std::string_view stem, const Secret& s) {
  const std::string key(stem);
  if (s.origin.rfind("file ", 0) == 0) {
    out << YAML::Key << key + "_file" << YAML::Value << s.origin.substr(5);
  } else if (s.origin.rfind("env ", 0) == 0) {
    out << YAML::Key << key + "_env" << YAML::Value << s.origin.substr(4);
  } else {
    out << YAML::Key << key << YAML::Value << "<secret inline>";
  }
}

const Section<ServerConfig>& server_section() {
  using S = ServerConfig;
  static const auto s = Section<S>{
      "server",
      "The HTTP server: one port for metrics, the API and uploads.",
      {},
      {},
      {},
      {
          {"listen", "host:port", "IPv4, [IPv6] or name, and port (0: any free port)",
           text(&S::listen,
                [](const Field& f) {
                  check_listen(f);
                  return scalar(f);
                })},
          {"max_body_bytes", "size", "larger uploads are refused (413)", bytes(&S::max_body_bytes)},
          {"max_header_bytes", "size", "requests with larger headers are refused (431)",
           bytes(&S::max_header_bytes)},
          {"read_timeout", "duration", "a whole request, headers and body",
           duration(&S::read_timeout)},
          {"write_timeout", "duration", "a whole response", duration(&S::write_timeout)},
          {"idle_timeout", "duration", "keep-alive between requests", duration(&S::idle_timeout)},
          {"max_connections", "integer", "connections served at once",
           number(&S::max_connections, 1, 1000000)},
          {"tls_cert_file", "path",
           "PEM certificate chain; with tls_key_file: HTTPS (re-read on SIGHUP)",
           opt_path(&S::tls_cert_file, readable_file)},
          {"tls_key_file", "path", "PEM private key of tls_cert_file",
           opt_path(&S::tls_key_file, readable_file)},
      },
      [](const Map& m, S& server, const Reader&) {
        if (server.tls_cert_file.empty() != server.tls_key_file.empty()) {
          m.self().fail(std::string("give both tls_cert_file and tls_key_file (or neither); ") +
                        (server.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file") +
                        " is missing");
        }
      }}.seal();
  return s;
}

const Section<EvaluationConfig>& evaluation_section() {
  using S = EvaluationConfig;
  static const auto s = Section<S>{
      "evaluation",
      "When the snapshot is rebuilt besides after each ingest.",
      {},
      {},
      {},
      {
          {"interval", "duration", "periodic re-evaluation", duration(&S::interval)},
          {"time_zone", "time zone", "the zone of \"today\": UTC, +08:00 or a zoneinfo name",
           text(&S::time_zone,
                [](const Field& f) {
                  check_time_zone(f);
                  return scalar(f);
                })},
          Key<S>{"as_of", "date", "replay this date instead of today (~: today)",
                 [](Out& o, const S& e) {
                   if (e.as_of) {
                     o << engine::to_iso(*e.as_of);
                   } else {
                     o << YAML::Null;
                   }
                 }}
              .reads([](const Field& f, S& e, const Reader&) {
                if (!f.value.IsNull()) e.as_of = date(f);  // `as_of: ~` follows today
              }),
      }}.seal();
  return s;
}

const Section<engine::Policy>& fiscal_year_section() {
  using S = engine::Policy;
  static const auto s = Section<S>{
      "fiscal_year",
      "The fiscal year.",
      {},
      {},
      {},
      {
          {"start_month", "month (1-12)", "the month the fiscal year starts",
           number(&S::fiscal_year_start_month, 1, 12)},
          {"deadline_after_year_end", "fiscal_year_end | own_deadline",
           "a line whose 完成时限 is after its fiscal year is watched against the fiscal year's "
           "last day, "
           "or against its own deadline",
           member(
               &S::deadline_after_year_end,
               [](Out& o, engine::DeadlineAfterYearEnd v) { o << engine::to_string(v); },
               [](const Field& f) {
                 return *engine::parse_deadline_after_year_end(
                     choice(f, {"fiscal_year_end", "own_deadline"}));
               })},
      }}.seal();
  return s;
}

const Section<engine::Policy>& departments_section() {
  using S = engine::Policy;
  static const auto s = Section<S>{
      "departments",
      "Departments (部门, 一级预算单位) of the budget lines whose register has no 部门编码 column.",
      {},
      {},
      {},
      {
          {"from_unit_code_digits", "integer (0-32)",
           "the department is the first N digits of the unit code (3: unit 101001 is in department "
           "101); 0: the whole database is one department (code \"\")",
           number(&S::department_unit_code_digits, 0, 32)},
      }}.seal();
  return s;
}

const Section<engine::Policy>& scores_section() {
  using S = engine::Policy;
  static const auto s = Section<S>{
      "policy.scores",
      "The evaluation's scores (DESIGN §5).",
      {},
      {},
      {},
      {
          {"completion_points", "integer (0-100)",
           "budget completion: (rate − floor) / (100% − floor) × points",
           number(&S::completion_points, 0, 100)},
          {"completion_floor", "percent (< 100%)", "the completion rate that scores nothing",
           pct(&S::completion_floor_bp, below_hundred)},
          {"adjustment_points", "integer (0-100)", "budget adjustment rate (预算调整率)",
           number(&S::adjustment_points, 0, 100)},
          {"balance_points", "integer (0-100)", "spending balance (支出均衡性)",
           number(&S::balance_points, 0, 100)},
      }}.seal();
  return s;
}

const Section<engine::Policy>& policy_section() {
  using S = engine::Policy;
  static const auto s = Section<S>{
      "policy",
      "Thresholds, expected-progress curves and scores.",
      {},
      {},
      {},
      {
          {"threshold", "percent (> 0%)", "the report's line and the pace alerts' threshold",
           pct(&S::threshold_bp, above_zero)},
          {"low_band", "percent", "the lower band edge; below the threshold", pct(&S::low_bp)},
          Key<S>{"balance_checkpoints", "list of months",
                 "month ends that are spending-balance checkpoints",
                 [](Out& o, const S& p) {
                   o << YAML::Flow << YAML::BeginSeq;
                   for (unsigned m : p.balance_checkpoint_months) o << std::to_string(m);
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& p, const Reader&) {
                p.balance_checkpoint_months = checkpoint_months(f);
              }),
          Key<S>{"curve", "curve kind or {kind, monthly | milestones}",
                 "the default curve: linear_to_deadline, month_linear, by_days, custom_monthly, "
                 "milestones",
                 [](Out& o, const S& p) {
                   const auto k = p.default_curve.kind;
                   if (k == engine::CurveKind::custom_monthly ||
                       k == engine::CurveKind::milestones) {
                     o << YAML::BeginMap;
                     emit_curve_body(o, p.default_curve);
                     o << YAML::EndMap;
                   } else {
                     o << engine::to_string(k);
                   }
                 }}
              .reads(
                  [](const Field& f, S& p, const Reader&) { p.default_curve = default_curve(f); }),
          Key<S>{"curves", "list of {unit | line, kind, monthly | milestones}",
                 "curves for some units or lines",
                 [](Out& o, const S& p) {
                   if (p.unit_curves.empty() && p.line_curves.empty()) o << YAML::Flow;
                   o << YAML::BeginSeq;
                   for (const auto* group : {&p.unit_curves, &p.line_curves}) {
                     for (const auto& [code, curve] : *group) {
                       o << YAML::BeginMap << YAML::Key
                         << (group == &p.unit_curves ? "unit" : "line") << YAML::Value << code;
                       emit_curve_body(o, curve);
                       o << YAML::EndMap;
                     }
                   }
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& p, const Reader&) { curve_overrides(f, p); }),
          Key<S>{"scores", "section", "the evaluation's scores", section(&scores_section)}.nested(
              "policy.scores"),
      },
      [](const Map& m, S& p, const Reader&) {
        if (p.low_bp < p.threshold_bp) return;
        if (auto low = m.get("low_band")) {
          low->fail(format_percent(p.low_bp) + " is not below the threshold (" +
                    format_percent(p.threshold_bp) + ")");
        }
        m.require("threshold")
            .fail(format_percent(p.threshold_bp) + " is not above low_band (" +
                  format_percent(p.low_bp) + "); set low_band too");
      }}.seal();
  return s;
}

const Section<MetricsConfig>& metrics_section() {
  static const auto s = Section<MetricsConfig>{
      "metrics",
      "What /metrics carries.",
      {},
      {},
      {},
      {
          {"project_series", "all | below_threshold | none",
           "per-project series (unit and department series always stay)",
           named(&MetricsConfig::project_series)},
      }}.seal();
  return s;
}

const Section<IngestConfig>& ingest_section() {
  using S = IngestConfig;
  static const auto s = Section<S>{
      "ingest",
      "Bounds on what one file may add to the ledger's rejects, and on the workbooks read.",
      {},
      {},
      {},
      {
          {"max_stored_rejects", "integer", "rejected rows kept with their text per file",
           number(&S::max_stored_rejects, 0, 100'000'000)},
          {"max_reject_share", "percent",
           "a file with a larger share of rejected rows is refused whole",
           pct(&S::max_reject_share_bp)},
          {"max_zip_member", "size", "a workbook member inflating past this is refused (zip bomb)",
           bytes(&S::max_zip_member_bytes)},
          {"max_zip_ratio", "integer", "... or one above 1 MiB inflating more than this many times",
           number(&S::max_zip_ratio, 2, 100'000)},
          {"max_zip_members", "integer", "a workbook with more zip members is refused",
           number(&S::max_zip_members, 1, 1'000'000)},
          {"hidden_sheets", "bool", "read a workbook's hidden sheets too", flag(&S::hidden_sheets)},
      }}.seal();
  return s;
}

const Section<HttpAuth>& auth_section() {
  using S = HttpAuth;
  static const auto s = Section<S>{
      "sources[].auth",
      "Authentication of an http source: a bearer token, or username and password.",
      [](const S& a) -> std::string {
        return a.kind == S::Kind::bearer ? "bearer" : a.kind == S::Kind::basic ? "basic" : "none";
      },
      {"bearer", "basic"},
      {},
      {
          Key<S>{"bearer_token",
                 "secret",
                 "sent as Authorization: Bearer",
                 nullptr,
                 {"bearer"},
                 {},
                 {},
                 &S::secret},
          Key<S>{
              "username", "string", "HTTP basic auth user (no ':')", text(&S::username), {"basic"}},
          Key<S>{"password",
                 "secret",
                 "HTTP basic auth password",
                 nullptr,
                 {"basic"},
                 {},
                 {},
                 &S::secret},
      }}.seal();
  return s;
}

const Section<SourceConfig>& source_section() {
  using S = SourceConfig;
  static const auto s = Section<S>{
      "sources[]",
      "Where export files come from.",
      [](const S& x) { return std::string(to_string(x.kind)); },
      names<SourceKind>(),
      {},
      {
          Key<S>{"name", "name", "unique; a metrics label", text(&S::name, a_name)}.needs(),
          Key<S>{"kind", "drop_folder | files | http | upload",
                 "how files arrive (one upload source at most)", named(&S::kind)}
              .needs(),
          Key<S>{"interval", "duration", "poll period", duration(&S::interval)}.only(
              {"drop_folder", "files", "http"}),
          {"encoding", "auto | utf-8 | gb18030",
           "text encoding (gbk and gb2312 are read as gb18030)",
           member(
               &S::encoding, [](Out& o, SourceEncoding e) { o << std::string(to_string(e)); },
               [](const Field& f) {
                 const std::string& e = nonempty(f);
                 const auto enc = parse_encoding(e);
                 if (!enc) {
                   f.fail("'" + e +
                          "' is not one of auto, utf-8, gb18030 (gbk and gb2312 are read as "
                          "gb18030)");
                 }
                 return *enc;
               })},
          Key<S>{"file_kind", "budget | adjustments | payments", "~: from the file's header",
                 [](Out& o, const S& x) {
                   if (x.file_kind) {
                     o << *x.file_kind;
                   } else {
                     o << YAML::Null;
                   }
                 }}
              .reads([](const Field& f, S& x, const Reader&) {
                if (!f.value.IsNull())
                  x.file_kind = choice(f, {"budget", "adjustments", "payments"});
              }),
          Key<S>{"fiscal_year", "year (YYYY)",
                 "the 预算年度 of registers without a 预算年度 column; ~: the fiscal year of all "
                 "their 完成时限 dates, else the register is refused",
                 [](Out& o, const S& x) {
                   if (x.fiscal_year) {
                     o << std::to_string(*x.fiscal_year);
                   } else {
                     o << YAML::Null;
                   }
                 }}
              .reads([](const Field& f, S& x, const Reader&) {
                if (!f.value.IsNull()) x.fiscal_year = static_cast<int>(integer(f, 1900, 2999));
              }),
          Key<S>{"path", "path", "the folder", a_path(&S::path)}.only({"drop_folder"}).needs(),
          Key<S>{"glob", "file name pattern", "files taken from the folder",
                 text(&S::glob,
                      [](const Field& f) {
                        const std::string& g = nonempty(f);
                        if (g.find('/') != std::string::npos)
                          f.fail("'" + g + "' is a path; give a file name pattern");
                        return g;
                      })}
              .only({"drop_folder"}),
          Key<S>{"require_done_marker", "bool", "take X.csv only once X.csv.done exists",
                 flag(&S::require_done_marker)}
              .only({"drop_folder"}),
          Key<S>{"files", "list of paths", "ingested at start and whenever their content changes",
                 [](Out& o, const S& x) {
                   o << YAML::BeginSeq;
                   for (const auto& p : x.files) o << p.string();
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& x, const Reader& r) {
                for (const Field& v : nonempty_items(f)) x.files.push_back(r.path(v));
              })
              .only({"files"})
              .needs(),
          Key<S>{"incomplete_after", "duration",
                 "a file not ending in a line end is taken after staying unchanged this long",
                 duration(&S::incomplete_after)}
              .only({"drop_folder", "files"}),
          Key<S>{"url", "http(s) URL",
                 "no user:pass@ (use auth); printed with signed query values masked",
                 [](Out& o, const S& x) { o << net::redact_url(x.url); }}
              .reads([](const Field& f, S& x, const Reader&) { x.url = http_source_url(f); })
              .only({"http"})
              .needs(),
          Key<S>{"auth", "section", "~: none",
                 [](Out& o, const S& x) {
                   if (x.auth.kind == HttpAuth::Kind::none) {
                     o << YAML::Null;
                   } else {
                     emit(o, auth_section(), x.auth);
                   }
                 }}
              .reads([](const Field& f, S& x, const Reader& r) { x.auth = read_auth(f, r); })
              .only({"http"})
              .nested("sources[].auth"),
          Key<S>{"connect_timeout", "duration", "", duration(&S::connect_timeout)}.only({"http"}),
          Key<S>{"read_timeout", "duration", "the whole download", duration(&S::read_timeout)}.only(
              {"http"}),
          Key<S>{"max_bytes", "size", "a larger download is abandoned", bytes(&S::max_bytes)}.only(
              {"http"}),
          Key<S>{"ca_file", "path", "extra CA bundle (~: the system CAs)", opt_path(&S::ca_file)}
              .only({"http"}),
          Key<S>{"retries", "integer (0-100)", "per poll, exponential backoff with jitter",
                 number(&S::retries, 0, 100)}
              .only({"http"}),
          Key<S>{"backoff_initial", "duration", "", duration(&S::backoff_initial)}.only({"http"}),
          Key<S>{"backoff_max", "duration", "at least backoff_initial", duration(&S::backoff_max)}
              .only({"http"}),
      },
      [](const Map& m, S& x, const Reader&) {
        backoff_order(m, x.backoff_initial, x.backoff_max);
      }}.seal();
  return s;
}

const Section<TokenConfig>& token_section() {
  using S = TokenConfig;
  static const auto s = Section<S>{
      "tokens[]",
      "API tokens and what they may do.",
      {},
      {},
      {},
      {
          Key<S>{"name", "name", "for logs; never the token", text(&S::name, a_name)}.needs(),
          Key<S>{"token", "secret", "the bearer token", nullptr, {}, "required", {}, &S::token},
          Key<S>{"scopes", "list of upload | write | admin", "what the token may do",
                 words(&S::scopes)}
              .reads([](const Field& f, S& t, const Reader&) {
                for (const Field& v : nonempty_items(f)) {
                  std::string scope = choice(v, {"upload", "write", "admin"});
                  if (std::find(t.scopes.begin(), t.scopes.end(), scope) != t.scopes.end())
                    v.fail(scope + " is listed twice");
                  t.scopes.push_back(std::move(scope));
                }
              })
              .needs(),
      },
      [](const Map& m, S& t, const Reader&) {
        if (t.token.origin.empty()) {
          invalid(m.self().value.Mark(), join_key(m.self().path, "token_file"),
                  "required (or token_env, token)");
        }
      }}.seal();
  return s;
}

const Section<LoggingConfig>& logging_section() {
  static const auto s =
      Section<LoggingConfig>{
          "logging",
          "Logging.",
          {},
          {},
          {},
          {{"level", "trace | debug | info | warn | error", "",
            one_of(&LoggingConfig::level, {"trace", "debug", "info", "warn", "error"})}}}
          .seal();
  return s;
}

const Section<TimeIntervalConfig>& time_interval_section() {
  using S = TimeIntervalConfig;
  static const auto s = Section<S>{
      "alerts.time_intervals[]",
      "Times when notifications wait, in the evaluation time zone.",
      {},
      {},
      {},
      {
          Key<S>{"name", "string", "named by routes' mute_time_intervals", text(&S::name)}.needs(),
          Key<S>{"times", "list of HH:MM-HH:MM", "end before start wraps midnight; none: all day",
                 [](Out& o, const S& t) {
                   o << YAML::Flow << YAML::BeginSeq;
                   for (auto [a, b] : t.times) o << hhmm(a) + "-" + hhmm(b);
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& t, const Reader&) {
                for (const Field& x : nonempty_items(f)) t.times.push_back(time_range(x));
              })
              .when(nonempty_member(&S::times)),
          Key<S>{"weekdays", "list of sunday … saturday", "none: every day",
                 [](Out& o, const S& t) {
                   static const char* names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};
                   o << YAML::Flow << YAML::BeginSeq;
                   for (unsigned d : t.weekdays) o << names[d % 7];
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& t, const Reader&) {
                static const std::vector<std::string_view> names = {
                    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
                for (const Field& x : nonempty_items(f)) {
                  const std::string d = choice(x, names);
                  t.weekdays.push_back(static_cast<unsigned>(
                      std::find(names.begin(), names.end(), d) - names.begin()));
                }
              })
              .when(nonempty_member(&S::weekdays)),
          Key<S>{"dates", "list of dates", "whole days (holidays)", words(&S::dates)}
              .reads([](const Field& f, S& t, const Reader&) {
                for (const Field& x : nonempty_items(f)) t.dates.push_back(engine::to_iso(date(x)));
              })
              .when(nonempty_member(&S::dates)),
      }}.seal();
  return s;
}

const Section<ReceiverConfig>& receiver_section() {
  using S = ReceiverConfig;
  static const auto s =
      Section<S>{
          "alerts.receivers[]",
          "Where messages go.",
          [](const S& r) { return std::string(to_string(r.kind)); },
          names<ReceiverKind>(),
          "receivers",
          {
              Key<S>{"name", "name", "named by routes", text(&S::name, a_name)}.needs(),
              Key<S>{"kind", "email | webhook | alertmanager | wecom | dingtalk | feishu", "",
                     named(&S::kind)}
                  .needs(),
              Key<S>{"addressee", "string",
                     "whom its messages greet (e.g. 区财政局); none: the owner or group",
                     text(&S::addressee)}
                  .when(nonempty_member(&S::addressee)),
              Key<S>{"smtp_host", "host", "", text(&S::smtp_host)}.only({"email"}),
              Key<S>{"smtp_port", "port", "", number(&S::smtp_port, 1, 65535)}.only({"email"}),
              Key<S>{"smtp_tls", "none | starttls | tls", "", named(&S::smtp_tls)}.only({"email"}),
              Key<S>{"smtp_username", "string", "AUTH PLAIN/LOGIN user; none: no AUTH",
                     text(&S::smtp_username)}
                  .only({"email"})
                  .when(nonempty_member(&S::smtp_username)),
              Key<S>{"smtp_password",
                     "secret",
                     "",
                     nullptr,
                     {"email"},
                     {},
                     {},
                     &S::smtp_password,
                     nonempty_member(&S::smtp_password)},
              Key<S>{"from", "address", "", text(&S::from)}.only({"email"}),
              Key<S>{"to", "list of addresses", "fixed recipients", words(&S::to)}
                  .only({"email"})
                  .needs("required unless to_owner: true"),
              Key<S>{"to_owner", "bool",
                     "also the project owner's address from the budget register",
                     flag(&S::to_owner)}
                  .only({"email"}),
              // Not a plain secret: an inline URL prints with its query masked (robot keys live
              // there).
              Key<S>{"url",
                     "secret URL",
                     "webhook / Alertmanager base / robot URL; url_file, url_env: a secret URL",
                     [](Out& o, const S& r) { o << redact_query(r.url); },
                     http_receivers,
                     "required",
                     {},
                     &S::url_secret},
              Key<S>{"token",
                     "secret",
                     "bearer token",
                     nullptr,
                     {"webhook", "alertmanager"},
                     {},
                     {},
                     &S::token,
                     nonempty_member(&S::token)},
              Key<S>{"secret",
                     "secret",
                     "signing secret",
                     nullptr,
                     {"dingtalk", "feishu"},
                     {},
                     {},
                     &S::secret,
                     nonempty_member(&S::secret)},
              Key<S>{"at_mobiles", "list of strings", "always @ these", words(&S::at_mobiles)}.only(
                  robots),
              Key<S>{"owner_mobiles", "map owner → mobile", "@ the owner",
                     string_map(&S::owner_mobiles)}
                  .only(robots),
              Key<S>{"ca_file", "path", "extra CA bundle", a_path(&S::ca_file)}.when(
                  nonempty_member(&S::ca_file)),
              Key<S>{"timeout", "duration", "one delivery attempt", duration(&S::timeout)},
          },
          &finish_receiver}
          .seal();
  return s;
}

const Section<RuleConfig>& rule_section() {
  using S = RuleConfig;
  static const std::vector<std::string_view> line_rules = {"below_threshold", "pace_below",
                                                           "no_spending",     "deadline_near",
                                                           "overspend",       "budget_revised"};
  static const std::vector<std::string_view> unspent = {
      "below_threshold", "pace_below", "no_spending", "deadline_near", "budget_revised"};
  static const auto s = Section<S>{
      "alerts.rules[]",
      "Alert rules: kind selects the condition.",
      [](const S& r) { return std::string(to_string(r.kind)); },
      names<RuleKind>(),
      "rules",
      {
          Key<S>{"name", "name", "unique; the alertname label", text(&S::name, a_name)}.needs(),
          Key<S>{"kind", "rule kind", "", named(&S::kind)}.needs(),
          {"severity", "info | warning | critical", "", named(&S::severity)},
          Key<S>{"threshold", "percent (> 0%)",
                 "execution rate (below_threshold) or pace (pace_below) limit",
                 pct(&S::threshold_bp, above_zero)}
              .only({"below_threshold", "pace_below"}),
          Key<S>{"checkpoints", "list of MM-DD", "applies from the first that has passed",
                 [](Out& o, const S& r) {
                   o << YAML::Flow << YAML::BeginSeq;
                   for (auto md : r.checkpoints) o << month_day_text(md);
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& r, const Reader&) {
                for (const Field& x : nonempty_items(f)) r.checkpoints.push_back(month_day(x));
                std::sort(r.checkpoints.begin(), r.checkpoints.end());
              })
              .only({"below_threshold"})
              .when(nonempty_member(&S::checkpoints)),
          Key<S>{"at_deadline", "bool", "also at/after the line's deadline", flag(&S::at_deadline)}
              .only({"below_threshold"}),
          Key<S>{"by", "MM-DD", "nothing paid by this day",
                 [](Out& o, const S& r) { o << month_day_text(r.by); }}
              .reads([](const Field& f, S& r, const Reader&) { r.by = month_day(f); })
              .only({"no_spending"}),
          Key<S>{"grace_days", "integer (0-366)", "days in force before the rule applies",
                 number(&S::grace_days, 0, 366)}
              .only({"pace_below", "no_spending"}),
          Key<S>{"within_days", "integer (0-366)",
                 "deadline within / revision or failed file at most this many days old",
                 number(&S::within_days, 0, 366)}
              .only({"deadline_near", "budget_revised", "ingest_failed"}),
          Key<S>{"stale_after", "duration", "no new export for this long",
                 duration(&S::stale_after)}
              .only({"stale_source"}),
          Key<S>{"min_unspent_yuan", "amount", "only lines with at least this unspent",
                 [](Out& o, const S& r) {
                   o << engine::format_yuan(engine::Money{r.min_unspent_fen}, false);
                 }}
              .reads([](const Field& f, S& r, const Reader&) { r.min_unspent_fen = yuan_fen(f); })
              .only(unspent),
          Key<S>{"min_change", "percent (> 0%)", "initial budget changed by at least this share",
                 pct(&S::min_change_bp, above_zero)}
              .only({"budget_revised"}),
          {"line_kinds", "list of project | basic", "only these line kinds",
           words(&S::line_kinds,
                 [](const Field& x) {
                   return choice(x, {"project", "basic"});
                 })},
          {"units", "list of unit codes", "only these units; []: all", words(&S::units)},
          {"tags", "list of tags", "only lines with one of these tags; []: all", words(&S::tags)},
          Key<S>{"source", "list of initial | mid_year | carried_forward | new_money",
                 "only lines of these 指标来源 (new_money: initial or mid_year); []: all",
                 words(&S::sources,
                       [](const Field& x) {
                         return choice(x, {"initial", "mid_year", "carried_forward", "new_money"});
                       })}
              .only(line_rules)
              .when(nonempty_member(&S::sources)),
          Key<S>{"min_age", "integer (1-50)",
                 "only carry-forward lines (上年结转) carried for at least this many years",
                 number(&S::min_age, 1, 50)}
              .only(line_rules)
              .when([](const S& r) { return r.min_age > 0; }),
          {"for", "duration", "how long the condition holds before the alert fires",
           member(
               &S::pending_for, [](Out& o, std::chrono::seconds v) { o << seconds_text(v); },
               [](const Field& f) {
                 const std::int64_t ms = unwrap(f, parse_duration_ms(scalar(f)));
                 if (ms < 0 || ms % ms_per_s != 0)
                   f.fail("'" + scalar(f) + "' is not a whole number of seconds");
                 return std::chrono::seconds{ms / ms_per_s};
               })},
          {"labels", "map", "added to the alert", string_map(&S::labels)},
      },
      [](const Map& m, S& r, const Reader&) {
        if (r.kind == RuleKind::below_threshold && r.checkpoints.empty() && !r.at_deadline)
          m.self().fail("a below_threshold rule needs checkpoints or at_deadline: true");
      }}.seal();
  return s;
}

const Section<RouteConfig>& route_section() {
  using S = RouteConfig;
  static const auto s = Section<S>{
      "alerts.routes[]",
      "Alerts matching every matcher go to the receivers, grouped.",
      {},
      {},
      {},
      {
          Key<S>{"match", "list of matchers",
                 "label=value, label!=value, label=~regex, label!~regex (RE2, anchored)",
                 [](Out& o, const S& r) {
                   o << YAML::Flow << YAML::BeginSeq;
                   for (const auto& m : r.matchers) o << matcher_text(m);
                   o << YAML::EndSeq;
                 }}
              .reads([](const Field& f, S& r, const Reader&) {
                for (const Field& x : items(f)) r.matchers.push_back(matcher(x));
              }),
          Key<S>{"receivers", "list of receiver names", "", words(&S::receivers)}
              .reads([](const Field& f, S& r, const Reader&) {
                for (const Field& x : nonempty_items(f)) r.receivers.push_back(nonempty(x));
              })
              .needs(),
          {"group_by", "list of labels", "one message per group; owner: one per project owner",
           words(&S::group_by)},
          {"repeat_interval", "duration", "a still-firing group is sent again after this",
           duration(&S::repeat_interval)},
          {"mute_time_intervals", "list of time interval names", "",
           words(&S::mute_time_intervals)},
          {"continue", "bool", "try later routes too", flag(&S::continue_matching)},
      }}.seal();
  return s;
}

const Section<AlertsConfig>& alerts_section() {
  using S = AlertsConfig;
  static const auto s = Section<S>{
      "alerts",
      "Alerts (DESIGN §8); the section's presence enables them.",
      {},
      {},
      {},
      {
          {"enabled", "bool", "false: keep the section but send nothing", flag(&S::enabled)},
          Key<S>{"language", "zh-CN | en", "none: the top-level language",
                 one_of(&S::language, {"zh-CN", "en"})}
              .when(nonempty_member(&S::language)),
          Key<S>{"external_url", "http(s) URL", "budgetwatch's URL in links; none: http://<listen>",
                 text(&S::external_url,
                      [](const Field& f) {
                        std::string u = nonempty(f);
                        if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0)
                          f.fail("'" + u + "' is not an http:// or https:// URL");
                        while (!u.empty() && u.back() == '/') u.pop_back();
                        return u;
                      })}
              .when(nonempty_member(&S::external_url)),
          Key<S>{"rules", "list", "", list(&S::rules, &rule_section, distinct_rule)}.nested(
              "alerts.rules[]"),
          // Routes name receivers and time intervals: read once those are.
          Key<S>{"routes", "list", "", list(&S::routes, &route_section)}
              .reads([](const Field& f, S& a, const Reader& r) {
                for (const Field& item : items(f)) {
                  RouteConfig x;
                  read(item, route_section(), x, r);
                  check_route_names(item, a);
                  a.routes.push_back(std::move(x));
                }
              })
              .nested("alerts.routes[]")
              .after_the_others(),
          Key<S>{"receivers", "list", "", list(&S::receivers, &receiver_section, distinct_receiver)}
              .nested("alerts.receivers[]"),
          Key<S>{"time_intervals", "list", "", list(&S::time_intervals, &time_interval_section)}
              .nested("alerts.time_intervals[]"),
          {"inhibit_warning_by_critical", "bool",
           "a critical alert on a subject mutes its warnings",
           flag(&S::inhibit_warning_by_critical)},
          {"deliver_interval", "duration", "outbox delivery period",
           duration(&S::deliver_interval)},
          {"backoff_initial", "duration", "first retry delay", duration(&S::backoff_initial)},
          {"backoff_max", "duration", "at least backoff_initial", duration(&S::backoff_max)},
          {"give_up_after", "duration", "a message undelivered this long is given up",
           duration(&S::give_up_after)},
          {"unreachable_warn_after", "duration",
           "a receiver's failed deliveries are logged at info until it has failed this long (since "
           "its "
           "last success or the start), then as warnings",
           duration(&S::unreachable_warn_after)},
          {"resolved_retention", "duration", "resolved alerts are kept this long",
           duration(&S::resolved_retention)},
      },
      [](const Map& m, S& a, const Reader&) {
        backoff_order(m, a.backoff_initial, a.backoff_max);
      }}.seal();
  return s;
}

const Section<Config>& config_section() {
  using S = Config;
  static const auto s = Section<S>{
      "",
      "The top level of the file.",
      {},
      {},
      {},
      {
          // A SQLite file (relative to the config's folder) or a PostgreSQL URI, taken as written
          // and printed without its password.
          Key<S>{
              "database", "path | postgresql:// URI", "the SQLite file, or a PostgreSQL database",
              member(
                  &S::database,
                  [](Out& o, const std::filesystem::path& p) { o << net::redact_url(p.string()); },
                  [](const Field& f, const Reader& r) {
                    const std::string& v = nonempty(f);
                    if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0)
                      return std::filesystem::path(v);
                    return r.path(f);
                  })}
              .needs(),
          {"language", "zh-CN | en", "user-facing text", one_of(&S::language, {"zh-CN", "en"})},
          Key<S>{"server", "section", "", section(&S::server, &server_section)}.nested("server"),
          Key<S>{"evaluation", "section", "", section(&S::evaluation, &evaluation_section)}.nested(
              "evaluation"),
          Key<S>{"fiscal_year", "section", "", section(&S::policy, &fiscal_year_section)}.nested(
              "fiscal_year"),
          Key<S>{"departments", "section", "", section(&S::policy, &departments_section)}
              .nested("departments")
              .when([](const S& c) { return c.policy.department_unit_code_digits != 0; }),
          Key<S>{"policy", "section", "", section(&S::policy, &policy_section)}.nested("policy"),
          Key<S>{"metrics", "section", "", section(&S::metrics, &metrics_section)}.nested(
              "metrics"),
          Key<S>{"ingest", "section", "", section(&S::ingest, &ingest_section)}.nested("ingest"),
          Key<S>{"sources", "list", "", list(&S::sources, &source_section, distinct_source)}.nested(
              "sources[]"),
          Key<S>{"tokens", "list", "", list(&S::tokens, &token_section, distinct_token)}.nested(
              "tokens[]"),
          Key<S>{"columns", "map field → list of header names",
                 "extra header names per field (voucher_no, pay_date, amount, …)",
                 [](Out& o, const S& c) {
                   if (c.columns.empty()) o << YAML::Flow;
                   o << YAML::BeginMap;
                   for (const auto& [key, names] : c.columns) {
                     o << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
                     for (const auto& n : names) o << n;
                     o << YAML::EndSeq;
                   }
                   o << YAML::EndMap;
                 }}
              .reads([](const Field& f, S& c, const Reader&) { c.columns = header_names(f); }),
          Key<S>{"alerts", "section", "", section(&S::alerts, &alerts_section)}
              .reads([](const Field& f, S& c, const Reader& r) {
                c.alerts.enabled = true;  // the section's presence enables alerts
                read(f, alerts_section(), c.alerts, r);
              })
              .nested("alerts")
              .when([](const S& c) { return c.alerts.enabled; }),
          Key<S>{"logging", "section", "", section(&S::logging, &logging_section)}.nested(
              "logging"),
      }}.seal();
  return s;
}

}  // namespace bw::config::detail
