// The configuration schema (config/schema.h): every key once, with its type, kinds, documentation
// and printer.
#include "config/schema.h"

#include "config/load.h"
#include "net/redact.h"

// The tables below are aggregates that leave trailing members (kinds, required, …) at their
// defaults on purpose; -Wextra's missing-field-initializers would ask for every one of them on
// every key.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace bw::config::detail {
namespace {

using Out = YAML::Emitter;

// ---- printers over a member ----

template <class T>
auto text(std::string T::*m) {
  return [m](Out& o, const T& t) { o << t.*m; };
}
template <class T, class M>
auto number(M T::*m) {
  return [m](Out& o, const T& t) { o << std::to_string(t.*m); };
}
template <class T>
auto flag(bool T::*m) {
  return [m](Out& o, const T& t) { o << (t.*m ? "true" : "false"); };
}
template <class T>
auto duration(std::chrono::seconds T::*m) {
  return [m](Out& o, const T& t) { o << seconds_text(t.*m); };
}
template <class T>
auto duration(std::chrono::milliseconds T::*m) {
  return [m](Out& o, const T& t) { o << format_duration_ms((t.*m).count()); };
}
template <class T, class M>
auto bytes(M T::*m) {
  return [m](Out& o, const T& t) { o << format_size(t.*m); };
}
template <class T>
auto pct(int T::*m) {
  return [m](Out& o, const T& t) { o << format_percent(t.*m); };
}
/// An optional path: `~` when unset (the loader reads `~` as unset).
template <class T>
auto opt_path(std::filesystem::path T::*m) {
  return [m](Out& o, const T& t) {
    if ((t.*m).empty()) {
      o << YAML::Null;
    } else {
      o << (t.*m).string();
    }
  };
}
template <class T>
auto a_path(std::filesystem::path T::*m) {
  return [m](Out& o, const T& t) { o << (t.*m).string(); };
}
template <class T>
auto words(std::vector<std::string> T::*m) {
  return [m](Out& o, const T& t) {
    o << YAML::Flow << YAML::BeginSeq;
    for (const auto& w : t.*m) o << w;
    o << YAML::EndSeq;
  };
}
template <class T>
auto string_map(std::map<std::string, std::string> T::*m) {
  return [m](Out& o, const T& t) {
    o << YAML::Flow << YAML::BeginMap;
    for (const auto& [k, v] : t.*m) o << YAML::Key << k << YAML::Value << v;
    o << YAML::EndMap;
  };
}
template <class T, class V>
auto nonempty_member(V T::*m) {
  return [m](const T& t) { return !(t.*m).empty(); };
}

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

const std::vector<std::string_view> source_kinds = {"drop_folder", "files", "http", "upload"};
const std::vector<std::string_view> receiver_kinds = {"email", "webhook",  "alertmanager",
                                                      "wecom", "dingtalk", "feishu"};
const std::vector<std::string_view> http_receivers = {"webhook", "alertmanager", "wecom",
                                                      "dingtalk", "feishu"};
const std::vector<std::string_view> robots = {"wecom", "dingtalk", "feishu"};
const std::vector<std::string_view> rule_kinds(std::begin(all_rule_kinds),
                                               std::end(all_rule_kinds));

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
           text(&S::listen)},
          {"max_body_bytes", "size", "larger uploads are refused (413)", bytes(&S::max_body_bytes)},
          {"max_header_bytes", "size", "requests with larger headers are refused (431)",
           bytes(&S::max_header_bytes)},
          {"read_timeout", "duration", "a whole request, headers and body",
           duration(&S::read_timeout)},
          {"write_timeout", "duration", "a whole response", duration(&S::write_timeout)},
          {"idle_timeout", "duration", "keep-alive between requests", duration(&S::idle_timeout)},
          {"max_connections", "integer", "connections served at once", number(&S::max_connections)},
          {"tls_cert_file", "path",
           "PEM certificate chain; with tls_key_file: HTTPS (re-read on SIGHUP)",
           opt_path(&S::tls_cert_file)},
          {"tls_key_file", "path", "PEM private key of tls_cert_file", opt_path(&S::tls_key_file)},
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
           text(&S::time_zone)},
          {"as_of", "date", "replay this date instead of today (~: today)",
           [](Out& o, const S& e) {
             if (e.as_of) {
               o << engine::to_iso(*e.as_of);
             } else {
               o << YAML::Null;
             }
           }},
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
           number(&S::fiscal_year_start_month)},
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
           number(&S::department_unit_code_digits)},
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
           number(&S::completion_points)},
          {"completion_floor", "percent (< 100%)", "the completion rate that scores nothing",
           pct(&S::completion_floor_bp)},
          {"adjustment_points", "integer (0-100)", "budget adjustment rate (预算调整率)",
           number(&S::adjustment_points)},
          {"balance_points", "integer (0-100)", "spending balance (支出均衡性)",
           number(&S::balance_points)},
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
           pct(&S::threshold_bp)},
          {"low_band", "percent", "the lower band edge; below the threshold", pct(&S::low_bp)},
          {"balance_checkpoints", "list of months",
           "month ends that are spending-balance checkpoints",
           [](Out& o, const S& p) {
             o << YAML::Flow << YAML::BeginSeq;
             for (unsigned m : p.balance_checkpoint_months) o << std::to_string(m);
             o << YAML::EndSeq;
           }},
          {"curve", "curve kind or {kind, monthly | milestones}",
           "the default curve: linear_to_deadline, month_linear, by_days, custom_monthly, "
           "milestones",
           [](Out& o, const S& p) {
             const auto k = p.default_curve.kind;
             if (k == engine::CurveKind::custom_monthly || k == engine::CurveKind::milestones) {
               o << YAML::BeginMap;
               emit_curve_body(o, p.default_curve);
               o << YAML::EndMap;
             } else {
               o << engine::to_string(k);
             }
           }},
          {"curves", "list of {unit | line, kind, monthly | milestones}",
           "curves for some units or lines",
           [](Out& o, const S& p) {
             if (p.unit_curves.empty() && p.line_curves.empty()) o << YAML::Flow;
             o << YAML::BeginSeq;
             for (const auto* group : {&p.unit_curves, &p.line_curves}) {
               for (const auto& [code, curve] : *group) {
                 o << YAML::BeginMap << YAML::Key << (group == &p.unit_curves ? "unit" : "line")
                   << YAML::Value << code;
                 emit_curve_body(o, curve);
                 o << YAML::EndMap;
               }
             }
             o << YAML::EndSeq;
           }},
          Key<S>{"scores", "section", "the evaluation's scores",
                 [](Out& o, const S& p) { emit(o, scores_section(), p); }}
              .nested("policy.scores"),
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
           [](Out& o, const MetricsConfig& m) { o << to_string(m.project_series); }},
      }}.seal();
  return s;
}

const Section<IngestConfig>& ingest_section() {
  using S = IngestConfig;
  static const auto s = Section<S>{
      "ingest",
      "Bounds on what one file may add to the ledger's rejects.",
      {},
      {},
      {},
      {
          {"max_stored_rejects", "integer", "rejected rows kept with their text per file",
           number(&S::max_stored_rejects)},
          {"max_reject_share", "percent",
           "a file with a larger share of rejected rows is refused whole",
           pct(&S::max_reject_share_bp)},
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
                 [](const S& a) -> const Secret& { return a.secret; }},
          Key<S>{
              "username", "string", "HTTP basic auth user (no ':')", text(&S::username), {"basic"}},
          Key<S>{"password",
                 "secret",
                 "HTTP basic auth password",
                 nullptr,
                 {"basic"},
                 {},
                 {},
                 [](const S& a) -> const Secret& { return a.secret; }},
      }}.seal();
  return s;
}

const Section<SourceConfig>& source_section() {
  using S = SourceConfig;
  static const auto s = Section<S>{
      "sources[]",
      "Where export files come from.",
      [](const S& x) { return x.kind; },
      source_kinds,
      {},
      {
          Key<S>{"name", "name", "unique; a metrics label", text(&S::name)}.needs(),
          Key<S>{"kind", "drop_folder | files | http | upload",
                 "how files arrive (one upload source at most)", text(&S::kind)}
              .needs(),
          Key<S>{"interval", "duration", "poll period", duration(&S::interval)}.only(
              {"drop_folder", "files", "http"}),
          {"encoding", "auto | utf-8 | gb18030",
           "text encoding (gbk and gb2312 are read as gb18030)", text(&S::encoding)},
          {"file_kind", "budget | adjustments | payments", "~: from the file's header",
           [](Out& o, const S& x) {
             if (x.file_kind) {
               o << *x.file_kind;
             } else {
               o << YAML::Null;
             }
           }},
          {"fiscal_year", "year (YYYY)",
           "the 预算年度 of registers without a 预算年度 column; ~: the fiscal year of all their "
           "完成时限 "
           "dates, else the register is refused",
           [](Out& o, const S& x) {
             if (x.fiscal_year) {
               o << std::to_string(*x.fiscal_year);
             } else {
               o << YAML::Null;
             }
           }},
          Key<S>{"path", "path", "the folder", a_path(&S::path)}.only({"drop_folder"}).needs(),
          Key<S>{"glob", "file name pattern", "files taken from the folder", text(&S::glob)}.only(
              {"drop_folder"}),
          Key<S>{"require_done_marker", "bool", "take X.csv only once X.csv.done exists",
                 flag(&S::require_done_marker)}
              .only({"drop_folder"}),
          Key<S>{"files", "list of paths", "ingested at start and whenever their content changes",
                 [](Out& o, const S& x) {
                   o << YAML::BeginSeq;
                   for (const auto& p : x.files) o << p.string();
                   o << YAML::EndSeq;
                 }}
              .only({"files"})
              .needs(),
          Key<S>{"incomplete_after", "duration",
                 "a file not ending in a line end is taken after staying unchanged this long",
                 duration(&S::incomplete_after)}
              .only({"drop_folder", "files"}),
          Key<S>{"url", "http(s) URL",
                 "no user:pass@ (use auth); printed with signed query values masked",
                 [](Out& o, const S& x) { o << net::redact_url(x.url); }}
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
                 number(&S::retries)}
              .only({"http"}),
          Key<S>{"backoff_initial", "duration", "", duration(&S::backoff_initial)}.only({"http"}),
          Key<S>{"backoff_max", "duration", "at least backoff_initial", duration(&S::backoff_max)}
              .only({"http"}),
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
          Key<S>{"name", "name", "for logs; never the token", text(&S::name)}.needs(),
          Key<S>{"token",
                 "secret",
                 "the bearer token",
                 nullptr,
                 {},
                 "required",
                 {},
                 [](const S& t) -> const Secret& { return t.token; }},
          Key<S>{"scopes", "list of upload | write | admin", "what the token may do",
                 words(&S::scopes)}
              .needs(),
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
          {{"level", "trace | debug | info | warn | error", "", text(&LoggingConfig::level)}}}
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
              .when(nonempty_member(&S::times)),
          Key<S>{"weekdays", "list of sunday … saturday", "none: every day",
                 [](Out& o, const S& t) {
                   static const char* names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};
                   o << YAML::Flow << YAML::BeginSeq;
                   for (unsigned d : t.weekdays) o << names[d % 7];
                   o << YAML::EndSeq;
                 }}
              .when(nonempty_member(&S::weekdays)),
          Key<S>{"dates", "list of dates", "whole days (holidays)", words(&S::dates)}.when(
              nonempty_member(&S::dates)),
      }}.seal();
  return s;
}

const Section<ReceiverConfig>& receiver_section() {
  using S = ReceiverConfig;
  auto secret_of = [](Secret S::*m) { return [m](const S& r) -> const Secret& { return r.*m; }; };
  static const auto s = Section<S>{
      "alerts.receivers[]",
      "Where messages go.",
      [](const S& r) { return r.kind; },
      receiver_kinds,
      "receivers",
      {
          Key<S>{"name", "name", "named by routes", text(&S::name)}.needs(),
          Key<S>{"kind", "email | webhook | alertmanager | wecom | dingtalk | feishu", "",
                 text(&S::kind)}
              .needs(),
          Key<S>{"addressee", "string",
                 "whom its messages greet (e.g. 区财政局); none: the owner or group",
                 text(&S::addressee)}
              .when(nonempty_member(&S::addressee)),
          Key<S>{"smtp_host", "host", "", text(&S::smtp_host)}.only({"email"}),
          Key<S>{"smtp_port", "port", "", number(&S::smtp_port)}.only({"email"}),
          Key<S>{"smtp_tls", "none | starttls | tls", "", text(&S::smtp_tls)}.only({"email"}),
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
                 secret_of(&S::smtp_password),
                 nonempty_member(&S::smtp_password)},
          Key<S>{"from", "address", "", text(&S::from)}.only({"email"}),
          Key<S>{"to", "list of addresses", "fixed recipients", words(&S::to)}
              .only({"email"})
              .needs("required unless to_owner: true"),
          Key<S>{"to_owner", "bool", "also the project owner's address from the budget register",
                 flag(&S::to_owner)}
              .only({"email"}),
          // Not a plain secret: an inline URL prints with its query masked (robot keys live there).
          Key<S>{"url",
                 "secret URL",
                 "webhook / Alertmanager base / robot URL; url_file, url_env: a secret URL",
                 [](Out& o, const S& r) { o << redact_query(r.url); },
                 http_receivers,
                 "required",
                 {},
                 secret_of(&S::url_secret)},
          Key<S>{"token",
                 "secret",
                 "bearer token",
                 nullptr,
                 {"webhook", "alertmanager"},
                 {},
                 {},
                 secret_of(&S::token),
                 nonempty_member(&S::token)},
          Key<S>{"secret",
                 "secret",
                 "signing secret",
                 nullptr,
                 {"dingtalk", "feishu"},
                 {},
                 {},
                 secret_of(&S::secret),
                 nonempty_member(&S::secret)},
          Key<S>{"at_mobiles", "list of strings", "always @ these", words(&S::at_mobiles)}.only(
              robots),
          Key<S>{"owner_mobiles", "map owner → mobile", "@ the owner",
                 string_map(&S::owner_mobiles)}
              .only(robots),
          Key<S>{"ca_file", "path", "extra CA bundle", a_path(&S::ca_file)}.when(
              nonempty_member(&S::ca_file)),
          Key<S>{"timeout", "duration", "one delivery attempt", duration(&S::timeout)},
      }}.seal();
  return s;
}

const Section<RuleConfig>& rule_section() {
  using S = RuleConfig;
  static const std::vector<std::string_view> unspent = {
      "below_threshold", "pace_below", "no_spending", "deadline_near", "budget_revised"};
  static const auto s = Section<S>{
      "alerts.rules[]",
      "Alert rules: kind selects the condition.",
      [](const S& r) { return r.kind; },
      rule_kinds,
      "rules",
      {
          Key<S>{"name", "name", "unique; the alertname label", text(&S::name)}.needs(),
          Key<S>{"kind", "rule kind", "", text(&S::kind)}.needs(),
          {"severity", "info | warning | critical", "", text(&S::severity)},
          Key<S>{"threshold", "percent (> 0%)",
                 "execution rate (below_threshold) or pace (pace_below) limit",
                 pct(&S::threshold_bp)}
              .only({"below_threshold", "pace_below"}),
          Key<S>{"checkpoints", "list of MM-DD", "applies from the first that has passed",
                 [](Out& o, const S& r) {
                   o << YAML::Flow << YAML::BeginSeq;
                   for (auto md : r.checkpoints) o << month_day_text(md);
                   o << YAML::EndSeq;
                 }}
              .only({"below_threshold"})
              .when(nonempty_member(&S::checkpoints)),
          Key<S>{"at_deadline", "bool", "also at/after the line's deadline", flag(&S::at_deadline)}
              .only({"below_threshold"}),
          Key<S>{"by", "MM-DD", "nothing paid by this day",
                 [](Out& o, const S& r) { o << month_day_text(r.by); }}
              .only({"no_spending"}),
          Key<S>{"grace_days", "integer (0-366)", "days in force before the rule applies",
                 number(&S::grace_days)}
              .only({"pace_below", "no_spending"}),
          Key<S>{"within_days", "integer (0-366)",
                 "deadline within / revision or failed file at most this many days old",
                 number(&S::within_days)}
              .only({"deadline_near", "budget_revised", "ingest_failed"}),
          Key<S>{"stale_after", "duration", "no new export for this long",
                 duration(&S::stale_after)}
              .only({"stale_source"}),
          Key<S>{"min_unspent_yuan", "amount", "only lines with at least this unspent",
                 [](Out& o, const S& r) {
                   o << engine::format_yuan(engine::Money{r.min_unspent_fen}, false);
                 }}
              .only(unspent),
          Key<S>{"min_change", "percent (> 0%)", "initial budget changed by at least this share",
                 pct(&S::min_change_bp)}
              .only({"budget_revised"}),
          {"line_kinds", "list of project | basic", "only these line kinds", words(&S::line_kinds)},
          {"units", "list of unit codes", "only these units; []: all", words(&S::units)},
          {"tags", "list of tags", "only lines with one of these tags; []: all", words(&S::tags)},
          {"for", "duration", "how long the condition holds before the alert fires",
           [](Out& o, const S& r) { o << seconds_text(r.pending_for); }},
          {"labels", "map", "added to the alert", string_map(&S::labels)},
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
          {"match", "list of matchers",
           "label=value, label!=value, label=~regex, label!~regex (RE2, anchored)",
           [](Out& o, const S& r) {
             o << YAML::Flow << YAML::BeginSeq;
             for (const auto& m : r.matchers) o << matcher_text(m);
             o << YAML::EndSeq;
           }},
          Key<S>{"receivers", "list of receiver names", "", words(&S::receivers)}.needs(),
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
          Key<S>{"language", "zh-CN | en", "none: the top-level language", text(&S::language)}.when(
              nonempty_member(&S::language)),
          Key<S>{"external_url", "http(s) URL", "budgetwatch's URL in links; none: http://<listen>",
                 text(&S::external_url)}
              .when(nonempty_member(&S::external_url)),
          Key<S>{"rules", "list", "",
                 [](Out& o, const S& a) { emit_list(o, rule_section(), a.rules); }}
              .nested("alerts.rules[]"),
          Key<S>{"routes", "list", "",
                 [](Out& o, const S& a) { emit_list(o, route_section(), a.routes); }}
              .nested("alerts.routes[]"),
          Key<S>{"receivers", "list", "",
                 [](Out& o, const S& a) { emit_list(o, receiver_section(), a.receivers); }}
              .nested("alerts.receivers[]"),
          Key<S>{
              "time_intervals", "list", "",
              [](Out& o, const S& a) { emit_list(o, time_interval_section(), a.time_intervals); }}
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
          Key<S>{"database", "path", "the SQLite file", a_path(&S::database)}.needs(),
          {"language", "zh-CN | en", "user-facing text", text(&S::language)},
          Key<S>{"server", "section", "",
                 [](Out& o, const S& c) { emit(o, server_section(), c.server); }}
              .nested("server"),
          Key<S>{"evaluation", "section", "",
                 [](Out& o, const S& c) { emit(o, evaluation_section(), c.evaluation); }}
              .nested("evaluation"),
          Key<S>{"fiscal_year", "section", "",
                 [](Out& o, const S& c) { emit(o, fiscal_year_section(), c.policy); }}
              .nested("fiscal_year"),
          Key<S>{"departments", "section", "",
                 [](Out& o, const S& c) { emit(o, departments_section(), c.policy); }}
              .nested("departments")
              .when([](const S& c) { return c.policy.department_unit_code_digits != 0; }),
          Key<S>{"policy", "section", "",
                 [](Out& o, const S& c) { emit(o, policy_section(), c.policy); }}
              .nested("policy"),
          Key<S>{"metrics", "section", "",
                 [](Out& o, const S& c) { emit(o, metrics_section(), c.metrics); }}
              .nested("metrics"),
          Key<S>{"ingest", "section", "",
                 [](Out& o, const S& c) { emit(o, ingest_section(), c.ingest); }}
              .nested("ingest"),
          Key<S>{"sources", "list", "",
                 [](Out& o, const S& c) { emit_list(o, source_section(), c.sources); }}
              .nested("sources[]"),
          Key<S>{"tokens", "list", "",
                 [](Out& o, const S& c) { emit_list(o, token_section(), c.tokens); }}
              .nested("tokens[]"),
          {"columns", "map field → list of header names",
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
           }},
          Key<S>{"alerts", "section", "",
                 [](Out& o, const S& c) { emit(o, alerts_section(), c.alerts); }}
              .nested("alerts")
              .when([](const S& c) { return c.alerts.enabled; }),
          Key<S>{"logging", "section", "",
                 [](Out& o, const S& c) { emit(o, logging_section(), c.logging); }}
              .nested("logging"),
      }}.seal();
  return s;
}

}  // namespace bw::config::detail
