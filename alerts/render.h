// Messages from templates (DESIGN §8): one grouped message per receiver and evaluation, zh-CN by
// default and English by config. The templates are the tables in render.cpp: one text per rule
// kind and language, with {placeholders} filled from the alert's labels and annotations.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/notification.h"
#include "alerts/state_machine.h"

namespace bw::alerts {

struct RenderInput {
  std::string language = "zh-CN";  ///< zh-CN | en
  /// Links: <external_url>/projects/<code>?fiscal_year=YYYY (the HTML page), and the JSON API's
  /// <external_url>/api/v1/projects/<code>?fiscal_year=YYYY in AlertItem::api_url.
  std::string external_url;
  /// Whom the message greets when the receiver is an office rather than the group (receiver key
  /// `addressee`, e.g. 区财政局 for the bureau's escalations); empty: the owner or the group's
  /// values.
  std::string addressee;
  std::string as_of;  ///< YYYY-MM-DD of the snapshot
  std::string group_key;
  std::map<std::string, std::string> group_labels;
  std::vector<const AlertState*> firing;
  std::vector<const AlertState*> resolved;
};

/// Fills title, text, markdown, html, alerts, status and group fields of a notification. One entry
/// per project (its line alerts, its indicators, and the rules of it cleared meanwhile, under it),
/// counted in the title; a project still needing attention is not also listed as recovered.
Notification render(const RenderInput& in);

/// "{name}" → values[name]; unknown placeholders stay as written.
std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& values);

/// The outbox payload and back.
std::string to_json(const Notification& n);
std::optional<Notification> notification_from_json(std::string_view json);

/// RFC 3339 UTC ("2021-12-31T01:00:00Z") of unix seconds.
std::string rfc3339(std::int64_t unix_seconds);

}  // namespace bw::alerts
