#include "alerts/notifiers/webhook.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>

#include <boost/json.hpp>

#include "engine/utf8.h"
#include "net/crypto.h"
#include "net/redact.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using Labels = std::map<std::string, std::string>;

constexpr std::string_view zero_time = "0001-01-01T00:00:00Z";

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
}

// "https://user:pw@host:8443/path?q" → "https://host:8443/…"; text without a scheme → "…".
std::string url_label(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "…";
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(url.substr(0, scheme_end + 3)) + std::string(authority) + "/…";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// Values of secret-looking query parameters, as written and decoded.
std::vector<std::string> query_secrets(std::string_view url) {
  std::vector<std::string> out;
  const auto q = url.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, std::min(query.find('#'), query.size()));
  while (!query.empty()) {
    const auto amp = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, amp);
    if (const auto eq = pair.find('='); eq != std::string_view::npos) {
      if (net::is_secret_name(pair.substr(0, eq))) {
        out.emplace_back(pair.substr(eq + 1));
        out.push_back(percent_decode(pair.substr(eq + 1)));
      }
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return out;
}

// Header values should be visible ASCII (RFC 9110 §5.5: other bytes are obs-text that proxies
// and servers decode differently). Keys name receivers and groups, often in Chinese: percent-encode
// the UTF-8 bytes, and '%' itself so that the encoding is reversible.
std::string header_safe(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if (c < 0x20 || c >= 0x7f || c == '%') {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

json::object to_json(const Labels& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

// An alert's labels with alertname and severity always present (Alertmanager requires alertname
// to route; receivers key on both).
Labels labels_of(const AlertItem& a) {
  Labels l = a.labels;
  if (!l.count("alertname")) l["alertname"] = a.rule;
  if (!l.count("severity")) l["severity"] = std::string(to_string(a.severity));
  return l;
}

// The pairs every map shares (Alertmanager's commonLabels / commonAnnotations).
Labels common(const std::vector<Labels>& all) {
  if (all.empty()) return {};
  Labels out = all.front();
  for (std::size_t i = 1; i < all.size(); ++i) {
    for (auto it = out.begin(); it != out.end();) {
      const auto found = all[i].find(it->first);
      it = (found == all[i].end() || found->second != it->second) ? out.erase(it) : std::next(it);
    }
  }
  return out;
}

}  // namespace

std::chrono::system_clock::time_point now_of(const WallClock& clock) {
  return clock ? clock() : std::chrono::system_clock::now();
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return std::string(zero_time);
  return engine::format_rfc3339_utc(std::chrono::sys_seconds{std::chrono::seconds{unix_seconds}});
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes, std::string_view note) {
  if (text.size() <= max_bytes) return std::string(text);
  if (note.size() >= max_bytes) return engine::truncate_bytes_utf8(note, max_bytes);
  std::string out = engine::truncate_bytes_utf8(text, max_bytes - note.size());
  out += note;
  return out;
}

std::string reason_excerpt(std::string_view text, std::size_t max_bytes) {
  const auto eol = text.find_first_of("\r\n");
  std::string line(text.substr(0, eol));
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return truncate_utf8(line, max_bytes, "…");
}

DeliveryResult classify_http_status(int status, std::string_view body,
                                    std::optional<std::chrono::seconds> retry_after) {
  std::string reason = "HTTP " + std::to_string(status);
  if (status >= 200 && status <= 299) return {Outcome::delivered, reason, std::nullopt};
  if (const std::string excerpt = reason_excerpt(body); !excerpt.empty()) reason += ": " + excerpt;
  if (net::retryable_status(status)) return {Outcome::retry, reason, retry_after};
  return {Outcome::permanent, reason, std::nullopt};
}

DeliveryResult classify_http_response(const net::HttpResponse& r,
                                      std::chrono::system_clock::time_point now) {
  std::optional<std::chrono::seconds> retry_after;
  if (const auto v = r.header("Retry-After")) retry_after = net::parse_retry_after(*v, now);
  return classify_http_status(r.status, r.body, retry_after);
}

std::string safe_reason(std::string reason, std::string_view url,
                        std::initializer_list<std::string_view> secrets) {
  if (!url.empty()) {
    const std::string label = url_label(url);
    replace_all(reason, url, label);
    replace_all(reason, net::redact_url(url), label);
  }
  for (const std::string& s : query_secrets(url)) reason = net::redact_secrets(reason, {s});
  for (std::string_view s : secrets) reason = net::redact_secrets(reason, {s});
  return reason;
}

std::string idempotency_header(std::string_view key) { return header_safe(key); }

void append_auth_headers(std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view bearer_token, std::string_view username,
                         std::string_view password) {
  if (!bearer_token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + std::string(bearer_token));
  } else if (!username.empty()) {
    headers.emplace_back(
        "Authorization",
        "Basic " + net::base64_encode(std::string(username) + ":" + std::string(password)));
  }
}

asio::awaitable<tl::expected<net::HttpResponse, DeliveryResult>> post_request(
    asio::any_io_executor ex, const BuiltRequest& b, const HttpOptions& o) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = b.url;
  req.headers = b.headers;
  req.body = b.body;
  req.connect_timeout = o.connect_timeout;
  req.read_timeout = o.read_timeout;
  req.max_body_bytes = o.max_response_bytes;
  req.ca_file = o.ca_file;
  auto r = co_await net::http_request(ex, req);
  if (!r) {
    co_return tl::unexpected(DeliveryResult{
        r.error().retryable ? Outcome::retry : Outcome::permanent, r.error().reason, std::nullopt});
  }
  co_return std::move(*r);
}

std::string build_webhook_payload(const Notification& n, std::size_t max_alerts) {
  const std::size_t listed =
      max_alerts == 0 ? n.alerts.size() : std::min(max_alerts, n.alerts.size());
  std::vector<Labels> labels, annotations;
  json::array alerts;
  for (std::size_t i = 0; i < n.alerts.size(); ++i) {
    const AlertItem& a = n.alerts[i];
    labels.push_back(labels_of(a));
    annotations.push_back(a.annotations);
    if (i >= listed) continue;
    json::object o;
    o["status"] = to_string(a.status);
    o["labels"] = to_json(labels.back());
    o["annotations"] = to_json(a.annotations);
    o["startsAt"] = format_rfc3339(a.starts_at);
    o["endsAt"] = a.status == Status::firing ? std::string(zero_time) : format_rfc3339(a.ends_at);
    o["generatorURL"] = a.url;  // the project's HTML page
    if (!a.api_url.empty()) o["api_url"] = a.api_url;  // its JSON, for machines
    o["fingerprint"] = a.fingerprint;
    alerts.push_back(std::move(o));
  }
  json::object body;
  body["version"] = "4";
  body["groupKey"] = n.group_key;
  body["truncatedAlerts"] = static_cast<std::uint64_t>(n.alerts.size() - listed);
  body["status"] = to_string(n.status);
  body["receiver"] = n.receiver;
  body["groupLabels"] = to_json(n.group_labels);
  body["commonLabels"] = to_json(common(labels));
  body["commonAnnotations"] = to_json(common(annotations));
  body["externalURL"] = n.external_url;
  body["alerts"] = std::move(alerts);
  return json::serialize(body);
}

BuiltRequest build_webhook_request(const Notification& n, const WebhookOptions& o) {
  BuiltRequest b;
  b.url = o.url;
  b.headers.emplace_back("Content-Type", "application/json");
  if (!n.idempotency_key.empty()) {
    b.headers.emplace_back("Idempotency-Key", idempotency_header(n.idempotency_key));
  }
  append_auth_headers(b.headers, o.bearer_token, o.username, o.password);
  b.body = build_webhook_payload(n, o.max_alerts);
  return b;
}

asio::awaitable<DeliveryResult> WebhookNotifier::do_send(asio::any_io_executor ex,
                                                         const Notification& n, Attempt& attempt) {
  const BuiltRequest b = build_webhook_request(n, o_);
  attempt.urls = {b.url};
  auto r = co_await post_request(ex, b, o_.http);
  co_return r ? classify_http_response(*r, now_of(o_.clock)) : r.error();
}

}  // namespace bw::alerts
