// What a notifier delivers: one grouped message for one receiver, already rendered
// (alerts/render.h), with the alerts it lists in Alertmanager's shape. Notifiers
// (alerts/notifiers/) turn it into an email, a webhook call or a robot message; they know
// protocols, not budgets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/enums.h"

namespace bw::alerts {

/// info | warning | critical: a rule's configured severity, parsed once by the config loader.
using Severity = config::Severity;
using config::to_string;
enum class Status { firing, resolved };

std::string_view to_string(Status s);

/// One alert as listed in a notification (Alertmanager webhook / API v2 shape).
struct AlertItem {
  std::string fingerprint;  ///< 16 hex digits, stable for rule + subject
  std::string rule;         ///< "below_threshold", "no_spending", ...
  Severity severity = Severity::warning;
  Status status = Status::firing;
  /// alertname (= rule), severity, project_code, project_name, unit, department, kind, owner, ...
  std::map<std::string, std::string> labels;
  /// summary (one line), description (the figures), runbook_url when configured
  std::map<std::string, std::string> annotations;
  std::int64_t starts_at = 0;  ///< unix seconds (UTC) when it started firing
  std::int64_t ends_at = 0;    ///< unix seconds when resolved; 0 while firing
  /// The project's HTML page, {external_url}/projects/{code}?fiscal_year=YYYY ("generatorURL"):
  /// what a person opens. Empty for alerts without a project (sources, files).
  std::string url;
  /// The same project in the JSON API, {external_url}/api/v1/projects/{code}?fiscal_year=YYYY, for
  /// machines (the webhook's `api_url`, Alertmanager's annotation `api_url`).
  std::string api_url;
};

/// One message to one receiver.
struct Notification {
  /// Unique per outbox row: "<receiver>/<16 hex digits of the group key>/<sequence>" (the group's
  /// message count, stored with the row: see plan_cycle in alerts/cycle.cpp). Sent as a header
  /// (Idempotency-Key / X-Budgetwatch-Idempotency-Key) and in the email Message-ID, so a receiver
  /// can drop a duplicate after a crash between delivery and acknowledgement.
  std::string idempotency_key;
  std::string receiver;            ///< receiver name from config
  std::string group_key;           ///< what the alerts were grouped by, e.g. "owner=张三"
  Status status = Status::firing;  ///< firing when any listed alert fires
  std::string title;               ///< subject / robot title, zh-CN by default
  std::string text;                ///< plain-text body (email, WeCom text)
  std::string markdown;            ///< Markdown body (DingTalk/WeCom/Feishu)
  /// HTML body with the same content as `text` (escaped, inline styles, no external resources): the
  /// e-mail's text/html alternative. Empty in payloads queued before it existed (text only then).
  std::string html;
  std::vector<AlertItem> alerts;
  std::vector<std::string> recipients;              ///< email addresses (email receivers)
  std::vector<std::string> mention_mobiles;         ///< robots: @ these mobiles
  std::string external_url;                         ///< budgetwatch's base URL ("externalURL")
  std::map<std::string, std::string> group_labels;  ///< "groupLabels"
};

/// How one delivery attempt ended.
enum class Outcome {
  delivered,  ///< accepted by the receiver
  retry,  ///< transient (connect refused, timeout, 5xx, 429, SMTP 4yz, robot rate limit): try later
  permanent,  ///< will not succeed by retrying (HTTP 4xx, SMTP 5yz, robot errcode ≠ 0, bad config)
};

struct DeliveryResult {
  Outcome outcome = Outcome::retry;
  /// Short and safe to log and to show in the API: never a token, password, signature or signed
  /// URL.
  std::string reason;
  /// When the receiver said when to come back (Retry-After, robot rate limit).
  std::optional<std::chrono::seconds> retry_after;
  /// How long the attempt took, measured by Notifier::send (connect, TLS, request, answer).
  std::chrono::milliseconds took{0};
};

}  // namespace bw::alerts
