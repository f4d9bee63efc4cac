// The configuration schema (config/schema.h): every key once, with its type, kinds, documentation,
// and how it prints and parses (config/values.h); checks across keys are the sections' `finish`.
// The alerts sections (receivers, rules, routes, time intervals) are in schema_alerts.cpp.
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

const Section<engine::Policy>& department_section() {
  using S = engine::Policy;
  static const auto s = Section<S>{
      "department",
      "The department (部门, 一级预算单位) of the budget lines that neither a register's 部门编码 "
      "column nor departments.from_unit_code_digits places in one: by default code \"\" and no "
      "name.",
      {},
      {},
      {},
      {
          Key<S>{"code", "string",
                 "its code (the `department` label of every series, the reports' department code); "
                 "default \"\"",
                 text(&S::single_department_code)}
              .when([](const S& p) { return !p.single_department_code.empty(); }),
          Key<S>{"name", "string",
                 "its name (部门名称: the `name` label of budgetwatch_department_info, "
                 "`department_name` of the _info series, the reports' department name)",
                 text(&S::single_department_name)}
              .when([](const S& p) { return !p.single_department_name.empty(); }),
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
          {"max_xls_size", "size",
           "a larger old .xls is refused before it is read (FreeXL holds a whole .xls in memory)",
           bytes(&S::max_xls_bytes)},
          {"max_xls_rows", "integer",
           "an old .xls with a sheet declaring more rows is refused (and more cells in all than "
           "max_xls_rows × max_xls_columns)",
           number(&S::max_xls_rows, 1, 1'048'576)},
          {"max_xls_columns", "integer", "... or a sheet declaring more columns",
           number(&S::max_xls_columns, 1, 16'384)},
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
          Key<S>{"department", "section", "", section(&S::policy, &department_section)}
              .nested("department")
              .when([](const S& c) {
                return !c.policy.single_department_code.empty() ||
                       !c.policy.single_department_name.empty();
              }),
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
