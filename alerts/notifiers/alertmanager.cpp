#include "alerts/notifiers/alertmanager.h"

#include <algorithm>
#include <exception>
#include <map>

#include <boost/json.hpp>

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::string_view alerts_path = "/api/v2/alerts";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Prometheus' label name rule [a-zA-Z_][a-zA-Z0-9_]*, which Alertmanager 0.25 enforces on labels
// and annotations alike. One '_' per invalid character (not per UTF-8 byte).
std::string label_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (!out.empty() && out.front() >= '0' && out.front() <= '9') out.insert(0, "_");
  return out;
}

json::object label_set(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) {
    const std::string name = label_name(k);
    if (name.empty() || v.empty()) continue;
    o[name] = v;
  }
  return o;
}

}  // namespace

std::string alertmanager_alerts_url(std::string_view base) {
  std::string url(base);
  if (ends_with(url, alerts_path)) return url;
  if (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(alerts_path);
}

std::string build_alertmanager_payload(const Notification& n, std::chrono::seconds resolve_timeout,
                                       std::int64_t now_s) {
  json::array out;
  for (const AlertItem& a : n.alerts) {
    std::map<std::string, std::string> labels = a.labels;
    if (!labels.count("alertname")) labels["alertname"] = a.rule;
    if (!labels.count("severity")) labels["severity"] = std::string(to_string(a.severity));
    json::object o;
    o["labels"] = label_set(labels);
    // The project's JSON for machines beside generatorURL (its HTML page): Alertmanager's alert has no
    // other field for it.
    std::map<std::string, std::string> annotations = a.annotations;
    if (!a.api_url.empty()) annotations["api_url"] = a.api_url;
    o["annotations"] = label_set(annotations);
    if (a.starts_at > 0) o["startsAt"] = format_rfc3339(a.starts_at);
    std::int64_t ends = a.status == Status::firing ? now_s + resolve_timeout.count()
                                                   : (a.ends_at > 0 ? a.ends_at : now_s);
    if (a.starts_at > 0) ends = std::max(ends, a.starts_at);
    o["endsAt"] = format_rfc3339(ends);
    if (!a.url.empty()) o["generatorURL"] = a.url;
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

BuiltRequest build_alertmanager_request(const Notification& n, const AlertmanagerOptions& o,
                                        std::int64_t now_s) {
  BuiltRequest b;
  b.url = alertmanager_alerts_url(o.url);
  b.headers.emplace_back("Content-Type", "application/json");
  if (!n.idempotency_key.empty()) {
    b.headers.emplace_back("Idempotency-Key", idempotency_header(n.idempotency_key));
  }
  append_auth_headers(b.headers, o.bearer_token, o.username, o.password);
  b.body = build_alertmanager_payload(n, o.resolve_timeout, now_s);
  return b;
}

asio::awaitable<DeliveryResult> AlertmanagerNotifier::do_send(asio::any_io_executor ex,
                                                              const Notification& n,
                                                              Attempt& attempt) {
  const auto now = now_of(o_.clock);
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const BuiltRequest b = build_alertmanager_request(n, o_, now_s);
  attempt.urls = {b.url};  // the API path's label, not the configured base URL's
  auto r = co_await post_request(ex, b, o_.http);
  co_return r ? classify_http_response(*r, now) : r.error();
}

}  // namespace bw::alerts
