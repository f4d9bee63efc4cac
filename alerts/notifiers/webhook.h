// The generic webhook notifier (JSON in Alertmanager's webhook shape, DESIGN §8) and the HTTP
// plumbing it shares with alertmanager.h and robots.h: transport options, the request a builder
// produces, status classification and secret-free reasons. Built from config by the daemon; the
// builders are pure and exposed for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <tl/expected.hpp>

#include "alerts/notification.h"
#include "alerts/notifiers/notifier.h"
#include "net/http_client.h"

namespace bw::alerts {

/// Where a notifier reads the wall-clock time (signing timestamps, Alertmanager's endsAt,
/// Retry-After dates). Empty: std::chrono::system_clock::now. The daemon passes its clock; tests
/// pass a fixed one.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

/// clock() when set, else std::chrono::system_clock::now().
std::chrono::system_clock::time_point now_of(const WallClock& clock);

/// How one notifier talks HTTP. Every default is stated beside the member.
struct HttpOptions {
  /// Budget for resolve + connect + TLS handshake. Default 5 s.
  std::chrono::milliseconds connect_timeout{5000};
  /// Budget for sending the request and reading the whole response. Default 10 s.
  std::chrono::milliseconds read_timeout{10000};
  /// HTTPS: the only trusted CA bundle (PEM) when set; the system CAs when empty (default).
  std::filesystem::path ca_file;
  /// A response body larger than this is a permanent failure (receivers answer a few hundred
  /// bytes). Default 64 KiB.
  std::uint64_t max_response_bytes = 64 * 1024;
};

/// What a builder produces: one JSON POST. `url` and `headers` may carry secrets (robot keys,
/// signatures, bearer tokens): never log them; pass reasons through safe_reason().
struct BuiltRequest {
  std::string url;
  /// Content-Type and, per receiver, Authorization / Idempotency-Key.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Unix seconds as RFC 3339 UTC ("2021-06-30T08:00:00Z"); 0 (unknown / not ended) as Go's zero
/// time "0001-01-01T00:00:00Z", as Alertmanager writes a firing alert's endsAt. Negative values
/// are taken as 0. Pure.
std::string format_rfc3339(std::int64_t unix_seconds);

/// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary, `note` included: when
/// `text` fits it is returned unchanged; otherwise the longest prefix that ends on a character
/// boundary and leaves room for `note` is followed by `note` (just a prefix of `note`, cut at a
/// boundary, when `note` alone is longer than `max_bytes`). A sequence is never split, so valid
/// UTF-8 stays valid. Pure.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes, std::string_view note = {});

/// A one-line excerpt of a response body or message for a reason: the first line, control
/// characters replaced by spaces, at most `max_bytes` bytes (cut at a UTF-8 boundary, "…"
/// appended when cut). Pure.
std::string reason_excerpt(std::string_view text, std::size_t max_bytes = 200);

/// Classifies a plain HTTP answer (webhook, Alertmanager, and robots before their JSON code):
/// 2xx → delivered ("HTTP 200"); 408, 429 and 5xx → retry with `retry_after` (the parsed
/// Retry-After, if any); anything else (1xx, 3xx — redirects are not followed —, other 4xx) →
/// permanent. Reasons read "HTTP 503: <first line of the body, at most 200 bytes>" ("HTTP 503"
/// for an empty body); the body excerpt is not scrubbed here (see safe_reason). Pure.
DeliveryResult classify_http_status(int status, std::string_view body,
                                    std::optional<std::chrono::seconds> retry_after);

/// classify_http_status() for a received response, with its Retry-After header parsed against
/// `now` (net::parse_retry_after). Pure.
DeliveryResult classify_http_response(const net::HttpResponse& r,
                                      std::chrono::system_clock::time_point now);

/// Makes a reason safe to log and to show: every occurrence of `url` (raw or as redact_url()
/// prints it) becomes "<scheme>://<host:port>/…", the values of secret-looking query parameters
/// of `url` (net/redact.h's list) and each of `secrets` (≥ 4 bytes) become "***". Pure.
std::string safe_reason(std::string reason, std::string_view url,
                        std::initializer_list<std::string_view> secrets);

/// The Idempotency-Key header value for a notification's key: bytes outside visible ASCII (the
/// UTF-8 of "owner=张三") and '%' are percent-encoded, so the value survives proxies and is
/// reversible: "r/owner=张三/3" → "r/owner=%E5%BC%A0%E4%B8%89/3". Pure.
std::string idempotency_header(std::string_view key);

/// Adds "Authorization: Bearer <token>" when `bearer_token` is set, else "Authorization: Basic
/// base64(username:password)" when `username` is set, else nothing.
void append_auth_headers(std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view bearer_token, std::string_view username,
                         std::string_view password);

/// One POST of `b` with the limits of `o`: the response, whatever its status, or a transport
/// failure as a DeliveryResult (connect failures, timeouts, resets → retry; invalid URL, TLS
/// verification, oversized response → permanent) whose reason is NOT yet scrubbed: callers pass
/// it through safe_reason(). Never throws (bad_alloc aside). `b` must outlive the awaitable.
boost::asio::awaitable<tl::expected<net::HttpResponse, DeliveryResult>> post_request(
    boost::asio::any_io_executor ex, const BuiltRequest& b, const HttpOptions& o);

/// A generic webhook receiver. Every default is stated beside the member.
struct WebhookOptions {
  /// http:// or https:// endpoint; may carry secrets in its query (redacted in reasons).
  std::string url;
  /// Non-empty: "Authorization: Bearer <token>". Default none.
  std::string bearer_token;
  /// Non-empty (and no bearer token): HTTP Basic authentication. Default none.
  std::string username;
  std::string password;
  /// At most this many alerts are listed; the rest are counted in "truncatedAlerts" (as
  /// Alertmanager's webhook_config max_alerts). 0 (default): all.
  std::size_t max_alerts = 0;
  HttpOptions http;
  WallClock clock;  ///< for Retry-After dates; empty: system clock
};

/// The JSON body Alertmanager's webhook receiver sends (version "4"): groupKey, status, receiver,
/// groupLabels, commonLabels / commonAnnotations (the pairs every listed alert shares),
/// externalURL, alerts[{status, labels, annotations, startsAt, endsAt ("0001-01-01T00:00:00Z"
/// while firing), generatorURL (the project's HTML page), api_url (its JSON, when the alert has a
/// project), fingerprint}] and truncatedAlerts. Labels always include
/// alertname (the rule) and severity. Pure.
std::string build_webhook_payload(const Notification& n, std::size_t max_alerts = 0);

/// The whole request: POST `o.url` with the payload, "Content-Type: application/json",
/// "Idempotency-Key: <idempotency_header(n.idempotency_key)>" (when set) and the authentication
/// header. Pure.
BuiltRequest build_webhook_request(const Notification& n, const WebhookOptions& o);

/// POSTs Alertmanager-shaped JSON to a URL. 2xx → delivered; 408/429/5xx → retry (Retry-After
/// honoured); other statuses → permanent; transport failures as post_request(). Stateless between
/// sends: thread-safe, any number of concurrent sends.
class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(WebhookOptions o) : o_(std::move(o)) {}
  std::string_view kind() const override { return "webhook"; }

 private:
  boost::asio::awaitable<DeliveryResult> do_send(boost::asio::any_io_executor ex,
                                                 const Notification& n, Attempt& attempt) override;
  std::string_view endpoint() const override { return o_.url; }
  std::vector<std::string> secrets() const override { return {o_.bearer_token, o_.password}; }

  WebhookOptions o_;
};

}  // namespace bw::alerts
