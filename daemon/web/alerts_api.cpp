#include "daemon/web/alerts_api.h"

#include <chrono>
#include <random>

#include <boost/json.hpp>

#include "alerts/cycle.h"
#include "alerts/render.h"
#include "config/matcher.h"
#include "store/alert_store.h"

namespace bw::web {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::object labels_json(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

json::value opt_time(const std::optional<std::int64_t>& t) {
  return t ? json::value(alerts::rfc3339(*t)) : json::value(nullptr);
}

std::optional<int> int_param(const Request& r, const std::string& k, int lo, int hi, int dflt,
                             std::string& error) {
  const auto it = r.query.find(k);
  if (it == r.query.end()) return dflt;
  try {
    std::size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used == it->second.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  error = k + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  return std::nullopt;
}

json::object silence_json(const alerts::Silence& s, std::int64_t now) {
  json::object o;
  o["id"] = s.id;
  json::array ms;
  for (const auto& m : s.matchers)
    ms.push_back(json::object{{"name", m.name}, {"op", std::string(alerts::to_string(m.op))},
                              {"value", m.value}});
  o["matchers"] = std::move(ms);
  o["created_by"] = s.created_by;
  o["comment"] = s.comment;
  o["starts_at"] = alerts::rfc3339(s.starts_at);
  o["ends_at"] = alerts::rfc3339(s.ends_at);
  o["created_at"] = alerts::rfc3339(s.created_at);
  o["state"] = s.active(now) ? "active" : (now < s.starts_at ? "pending" : "expired");
  return o;
}

// "2021-12-31T00:00:00Z" (or with an offset, fraction ignored) → unix seconds. Hand-parsed: the fixed
// shape needs no regular expression.
std::optional<std::int64_t> parse_time(std::string_view s) {
  std::size_t i = 0;
  auto num = [&](std::size_t digits) -> std::optional<int> {
    if (s.size() < i + digits) return std::nullopt;
    int v = 0;
    for (std::size_t k = 0; k < digits; ++k, ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto sep = [&](std::string_view any) {
    if (i >= s.size() || any.find(s[i]) == std::string_view::npos) return false;
    ++i;
    return true;
  };
  const auto y = num(4);
  if (!y || !sep("-")) return std::nullopt;
  const auto mo = num(2);
  if (!mo || !sep("-")) return std::nullopt;
  const auto d = num(2);
  if (!d || !sep("T ")) return std::nullopt;
  const auto h = num(2);
  if (!h || !sep(":")) return std::nullopt;
  const auto mi = num(2);
  if (!mi || !sep(":")) return std::nullopt;
  const auto sec = num(2);
  if (!sec) return std::nullopt;
  if (sep(".")) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  int offset_s = 0;
  if (!sep("Z")) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
    const int sign = s[i++] == '-' ? -1 : 1;
    const auto oh = num(2);
    if (!oh || !sep(":")) return std::nullopt;
    const auto om = num(2);
    if (!om) return std::nullopt;
    offset_s = sign * (*oh * 3600 + *om * 60);
  }
  if (i != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd).time_since_epoch().count() * std::int64_t{86400} + *h * 3600 + *mi * 60 + *sec -
         offset_s;
}

std::string new_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return std::string(buf, 32);
}

struct Api {
  AlertApiContext ctx;

  asio::awaitable<Response> alerts_list(Request& r) {
    std::string error;
    const auto limit = int_param(r, "per_page", 1, 1000, 100, error);
    const auto page = int_param(r, "page", 1, 1000000, 1, error);
    if (!limit || !page) co_return error_response(400, error);
    for (const auto& [k, v] : r.query) {
      static const std::vector<std::string> known = {"state", "rule", "severity", "unit", "project", "owner",
                                                     "page", "per_page", "silenced", "fiscal_year"};
      if (std::find(known.begin(), known.end(), k) == known.end())
        co_return error_response(400, "unknown parameter '" + k + "'");
    }
    const auto cfg = ctx.config();
    auto q = r.query;
    const int lim = *limit;
    const int pg = *page;
    auto job = [cfg, q, lim, pg](store::Database& db) {
      const std::int64_t now = now_s();
      auto views = alerts::list_alerts(db, *cfg, now);
      auto want = [&](const char* k, const std::string& v) {
        const auto it = q.find(k);
        return it == q.end() || it->second == v;
      };
      json::array items;
      std::int64_t total = 0;
      for (const auto& v : views) {
        const auto& a = v.alert;
        auto label = [&](const char* k) { return a.labels.count(k) ? a.labels.at(k) : std::string(); };
        if (!want("state", std::string(alerts::to_string(a.state))) || !want("rule", a.rule) ||
            !want("severity", std::string(alerts::to_string(a.severity))) || !want("unit", label("unit")) ||
            !want("project", label("project_code")) || !want("owner", label("owner")) ||
            !want("silenced", v.silenced ? "true" : "false") || !want("fiscal_year", label("fiscal_year")))
          continue;
        ++total;
        if (total <= static_cast<std::int64_t>(pg - 1) * lim || total > static_cast<std::int64_t>(pg) * lim)
          continue;
        json::object o;
        o["fingerprint"] = a.fingerprint;
        o["rule"] = a.rule;
        o["severity"] = alerts::to_string(a.severity);
        o["state"] = alerts::to_string(a.state);
        o["silenced"] = v.silenced;
        o["inhibited"] = v.inhibited;
        o["labels"] = labels_json(a.labels);
        o["annotations"] = labels_json(a.annotations);
        o["active_since"] = alerts::rfc3339(a.active_since);
        o["fired_at"] = opt_time(a.fired_at);
        o["resolved_at"] = opt_time(a.resolved_at);
        o["episode"] = a.episode;
        items.push_back(std::move(o));
      }
      json::object body;
      body["alerts"] = std::move(items);
      body["total"] = total;
      body["page"] = pg;
      body["per_page"] = lim;
      return json_response(200, body);
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }

  asio::awaitable<Response> silences_list(Request&) {
    auto job = [](store::Database& db) {
      const std::int64_t now = now_s();
      json::array items;
      for (const auto& s : alerts::read_silences(db)) items.push_back(silence_json(s, now));
      return json_response(200, json::object{{"silences", std::move(items)}});
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }

  asio::awaitable<Response> silences_create(Request& r) {
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) co_return error_response(400, "the body must be a JSON object");
    const json::object& o = v.as_object();
    auto str = [&](const char* k) -> std::optional<std::string> {
      const auto* p = o.if_contains(k);
      if (p && p->is_string()) return std::string(p->as_string());
      return std::nullopt;
    };
    alerts::Silence s;
    s.id = new_id();
    s.created_at = now_s();
    const auto who = str("created_by");
    const auto why = str("comment");
    if (!who || who->empty()) co_return error_response(400, "created_by is required (who sets the silence)");
    if (!why || why->empty()) co_return error_response(400, "comment is required (why)");
    if (who->size() > 200 || why->size() > 2000) co_return error_response(400, "created_by or comment too long");
    s.created_by = *who;
    s.comment = *why;
    s.starts_at = s.created_at;
    if (auto st = str("starts_at")) {
      const auto t = parse_time(*st);
      if (!t) co_return error_response(400, "starts_at must be an RFC 3339 time like 2021-07-01T00:00:00Z");
      s.starts_at = *t;
    }
    const auto until = str("ends_at");
    const auto t_end = until ? parse_time(*until) : std::nullopt;
    if (!t_end) co_return error_response(400, "ends_at is required, an RFC 3339 time like 2021-07-31T00:00:00Z");
    s.ends_at = *t_end;
    if (s.ends_at <= s.starts_at) co_return error_response(400, "ends_at must be after starts_at");
    const auto* ms = o.if_contains("matchers");
    if (!ms || !ms->is_array() || ms->as_array().empty())
      co_return error_response(400, "matchers must be a non-empty list of {name, op, value}");
    for (const auto& x : ms->as_array()) {
      if (!x.is_object()) co_return error_response(400, "each matcher must be an object {name, op, value}");
      const auto& mo = x.as_object();
      const auto* n = mo.if_contains("name");
      const auto* val = mo.if_contains("value");
      const auto* op = mo.if_contains("op");
      if (!n || !n->is_string() || n->as_string().empty() || !val || !val->is_string())
        co_return error_response(400, "each matcher needs a name and a value");
      const auto op_kind = config::parse_op(op && op->is_string() ? std::string_view(op->as_string()) : "=");
      if (!op_kind) co_return error_response(400, "op must be one of =, !=, =~, !~");
      // The same RE2 compiler as the config's routes: linear-time matching, length and memory caps.
      auto m = config::make_matcher(std::string(n->as_string()), *op_kind, std::string(val->as_string()));
      if (!m) co_return error_response(400, m.error().message);
      s.matchers.push_back(std::move(*m));
    }
    auto job = [s](store::Database& db) {
      store::insert_silence(db, store::SilenceRow{s.id, alerts::matchers_json(s.matchers), s.created_by,
                                                  s.comment, s.starts_at, s.ends_at, s.created_at});
      return json_response(201, silence_json(s, now_s()));
    };
    auto task = ctx.on_writer(std::move(job));
    Response out = co_await std::move(task);
    if (out.status == 201 && ctx.changed) ctx.changed();
    co_return out;
  }

  asio::awaitable<Response> silences_expire(Request& r) {
    const std::string id = r.path_params.at("id");
    auto job = [id](store::Database& db) {
      if (!store::expire_silence(db, id, now_s())) return error_response(404, "no silence '" + id + "'");
      return json_response(200, json::object{{"id", id}, {"state", "expired"}});
    };
    auto task = ctx.on_writer(std::move(job));
    Response out = co_await std::move(task);
    if (out.status == 200 && ctx.changed) ctx.changed();
    co_return out;
  }

  asio::awaitable<Response> notifications(Request& r) {
    std::string error;
    const auto limit = int_param(r, "per_page", 1, 1000, 50, error);
    const auto page = int_param(r, "page", 1, 1000000, 1, error);
    if (!limit || !page) co_return error_response(400, error);
    store::OutboxQuery q;
    if (auto it = r.query.find("state"); it != r.query.end()) {
      if (it->second != "pending" && it->second != "delivered" && it->second != "failed")
        co_return error_response(400, "state must be pending, delivered or failed");
      q.state = it->second;
    }
    if (auto it = r.query.find("receiver"); it != r.query.end()) q.receiver = it->second;
    q.limit = *limit;
    q.offset = (*page - 1) * *limit;
    const bool with_body = r.query.count("body") && r.query.at("body") == "true";
    auto job = [q, with_body](store::Database& db) {
      json::array items;
      for (const auto& row : store::list_outbox(db, q)) {
        json::object o;
        o["id"] = row.id;
        o["idempotency_key"] = row.idempotency_key;
        o["receiver"] = row.receiver;
        o["group_key"] = row.group_key;
        o["status"] = row.status;
        o["title"] = row.title;
        o["alerts"] = row.alert_count;
        o["state"] = row.state;
        o["attempts"] = row.attempts;
        o["created_at"] = alerts::rfc3339(row.created_at);
        o["next_attempt_at"] = row.state == "pending" ? json::value(alerts::rfc3339(row.next_attempt_at))
                                                      : json::value(nullptr);
        o["delivered_at"] = opt_time(row.delivered_at);
        o["last_error"] = row.last_error.empty() ? json::value(nullptr) : json::value(row.last_error);
        if (with_body) {
          if (auto n = alerts::notification_from_json(row.payload)) o["text"] = n->text;
        }
        items.push_back(std::move(o));
      }
      json::object body;
      body["notifications"] = std::move(items);
      body["total"] = store::count_outbox(db, q);
      return json_response(200, body);
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }
};

}  // namespace

void add_alert_routes(Router& router, AlertApiContext ctx) {
  auto api = std::make_shared<Api>(Api{std::move(ctx)});
  auto bind = [api](asio::awaitable<Response> (Api::*f)(Request&)) {
    return Handler([api, f](Request& r) { return ((*api).*f)(r); });
  };
  router.add({"GET", "/api/v1/alerts", "api_alerts", BodyKind::none, "", bind(&Api::alerts_list)});
  router.add({"GET", "/api/v1/silences", "api_silences", BodyKind::none, "", bind(&Api::silences_list)});
  router.add({"POST", "/api/v1/silences", "api_silences_create", BodyKind::small, "write",
              bind(&Api::silences_create)});
  router.add({"DELETE", "/api/v1/silences/{id}", "api_silences_expire", BodyKind::none, "write",
              bind(&Api::silences_expire)});
  router.add({"GET", "/api/v1/notifications", "api_notifications", BodyKind::none, "",
              bind(&Api::notifications)});
}

}  // namespace bw::web
