// The configuration schema of the alerts section (config/schema.h): its time intervals, receivers,
// rules and routes, every key once, with its type, kinds, documentation, and how it prints and
// parses (config/values.h); the other sections are in schema.cpp.
#include "config/load.h"
#include "config/schema.h"
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

const std::vector<std::string_view> http_receivers = {"webhook", "alertmanager", "wecom",
                                                      "dingtalk", "feishu"};
const std::vector<std::string_view> robots = {"wecom", "dingtalk", "feishu"};

}  // namespace

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
          {"lease_ttl", "duration",
           "on a PostgreSQL database shared by several instances: the alert lease expires this "
           "long "
           "after its last renewal (another instance takes over after it)",
           duration(&S::lease_ttl)},
          {"lease_renew", "duration", "how often the holder renews the alert lease",
           duration(&S::lease_renew)},
      },
      [](const Map& m, S& a, const Reader&) {
        backoff_order(m, a.backoff_initial, a.backoff_max);
        lease_timing(m, a.lease_ttl, a.lease_renew);
      }}.seal();
  return s;
}

}  // namespace bw::config::detail
