// Messages from templates (DESIGN §8): one grouped message per receiver and evaluation, zh-CN by
// default and English by config. The templates are the tables in render.cpp: one text per rule
// kind and language, with {placeholders} filled from the alert's labels and annotations.
#pragma once

#include <string>
#include <vector>

#include "alerts/notification.h"
#include "alerts/state_machine.h"

namespace bw::alerts {

struct RenderInput {
  std::string language = "zh-CN";  ///< zh-CN | en
  std::string external_url;        ///< links: <external_url>/api/v1/projects/<code>
  std::string as_of;               ///< YYYY-MM-DD of the snapshot
  std::string group_key;
  std::map<std::string, std::string> group_labels;
  std::vector<const AlertState*> firing;
  std::vector<const AlertState*> resolved;
};

/// Fills title, text, markdown, alerts, status and group fields of a notification.
Notification render(const RenderInput& in);

/// "{name}" → values[name]; unknown placeholders stay as written.
std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& values);

/// The outbox payload and back.
std::string to_json(const Notification& n);
std::optional<Notification> notification_from_json(std::string_view json);

/// RFC 3339 UTC ("2021-12-31T01:00:00Z") of unix seconds.
std::string rfc3339(std::int64_t unix_seconds);

}  // namespace bw::alerts
