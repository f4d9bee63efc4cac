// The Alertmanager API v2 notifier: POSTs the notification's alerts to <base>/api/v2/alerts, for
// sites that route everything through their own Alertmanager (DESIGN §8). Built from config by the
// daemon; the builder is pure and exposed for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/notifiers/webhook.h"

namespace bw::alerts {

/// An Alertmanager to post to. Every default is stated beside the member.
struct AlertmanagerOptions {
  /// Alertmanager's base URL ("http://alertmanager:9093", "https://host/am" behind a path
  /// prefix). "/api/v2/alerts" is appended unless the URL already ends with it.
  std::string url;
  /// Non-empty: "Authorization: Bearer <token>" (a reverse proxy in front). Default none.
  std::string bearer_token;
  /// Non-empty (and no bearer token): HTTP Basic authentication. Default none.
  std::string username;
  std::string password;
  /// A firing alert is posted with endsAt = now + resolve_timeout, as Prometheus does: if
  /// budgetwatch stops re-sending it, Alertmanager resolves it by itself after this long. The
  /// outbox worker re-sends a firing notification at its repeat interval, which must therefore be
  /// shorter than this (the daemon's config check says so). Default 1 h.
  std::chrono::seconds resolve_timeout{3600};
  HttpOptions http;
  WallClock clock;  ///< for endsAt and Retry-After dates; empty: system clock
};

/// "<base>/api/v2/alerts" for a base URL (one trailing slash ignored; unchanged when it already
/// ends with "/api/v2/alerts"). Pure.
std::string alertmanager_alerts_url(std::string_view base);

/// The JSON array of postable alerts (API v2 `PostableAlerts`): per listed alert {labels,
/// annotations, startsAt, endsAt, generatorURL}.
/// - labels: the alert's labels plus alertname (= rule) and severity when absent; names are made
///   valid Prometheus label names (invalid characters → '_', '_' prepended before a leading
///   digit); pairs with an empty value are dropped (Alertmanager treats them as absent).
///   Annotations the same way.
/// - startsAt: starts_at (omitted when 0: Alertmanager uses the time of receipt).
/// - endsAt: firing → now_s + resolve_timeout; resolved → ends_at (now_s when 0), never before
///   startsAt (Alertmanager rejects the whole batch otherwise).
/// - generatorURL: the alert's url (the project's HTML page), omitted when empty; its api_url (the
///   project's JSON) is the annotation `api_url`.
/// `now_s` is unix seconds. Pure.
std::string build_alertmanager_payload(const Notification& n, std::chrono::seconds resolve_timeout,
                                       std::int64_t now_s);

/// The whole request: POST alertmanager_alerts_url(o.url) with the payload,
/// "Content-Type: application/json", "Idempotency-Key" (when set) and the authentication header.
/// Pure.
BuiltRequest build_alertmanager_request(const Notification& n, const AlertmanagerOptions& o,
                                        std::int64_t now_s);

/// Posts alerts to Alertmanager API v2. Classified as WebhookNotifier: 2xx delivered;
/// 408/429/5xx retry (Retry-After honoured); other statuses permanent (400 "start time must be
/// before end time", invalid labels); transport failures per post_request(). Stateless between
/// sends: thread-safe.
class AlertmanagerNotifier final : public Notifier {
 public:
  explicit AlertmanagerNotifier(AlertmanagerOptions o) : o_(std::move(o)) {}
  std::string_view kind() const override { return "alertmanager"; }

 private:
  boost::asio::awaitable<DeliveryResult> do_send(boost::asio::any_io_executor ex,
                                                 const Notification& n, Attempt& attempt) override;
  std::string_view endpoint() const override { return o_.url; }
  std::vector<std::string> secrets() const override { return {o_.bearer_token, o_.password}; }

  AlertmanagerOptions o_;
};

}  // namespace bw::alerts
