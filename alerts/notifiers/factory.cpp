#include "alerts/notifiers/factory.h"

#include <algorithm>
#include <mutex>

#include "alerts/notifiers/alertmanager.h"
#include "alerts/notifiers/email.h"
#include "alerts/notifiers/robots.h"
#include "alerts/notifiers/webhook.h"

namespace bw::alerts {
namespace {

HttpOptions http_options(const config::ReceiverConfig& r) {
  HttpOptions h;
  h.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(r.timeout);
  h.connect_timeout = std::min(h.connect_timeout, h.read_timeout);
  h.ca_file = r.ca_file;
  return h;
}

// One limiter per robot URL for the life of the process: receivers posting to the same robot share its
// 20 messages a minute, and a config reload does not reset the count.
std::shared_ptr<RateLimiter> limiter_for_url(const std::string& url) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<RateLimiter>> limiters;
  std::lock_guard lock(mutex);
  auto& slot = limiters[url];
  auto l = slot.lock();
  if (!l) {
    l = std::make_shared<RateLimiter>(20, std::chrono::minutes(1));
    slot = l;
  }
  return l;
}

template <class O>
O robot_options(const config::ReceiverConfig& r) {
  O o;
  o.url = r.url;
  o.http = http_options(r);
  o.limiter = limiter_for_url(r.url);
  return o;
}

}  // namespace

NotifierPtr make_notifier(const config::ReceiverConfig& r, std::chrono::seconds repeat_interval) {
  switch (r.kind) {
    case config::ReceiverKind::email: {
      EmailOptions o;
      o.host = r.smtp_host;
      o.port = r.smtp_port;
      switch (r.smtp_tls) {
        case config::SmtpTls::none:
          o.tls = net::SmtpTls::none;
          break;
        case config::SmtpTls::starttls:
          o.tls = net::SmtpTls::starttls;
          break;
        case config::SmtpTls::tls:
          o.tls = net::SmtpTls::implicit;
          break;
      }
      o.username = r.smtp_username;
      o.password = r.smtp_password.value;
      o.from = r.from;
      o.to = r.to;
      o.ca_file = r.ca_file;
      o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(r.timeout);
      o.connect_timeout = std::min(o.connect_timeout, o.timeout);
      return std::make_unique<EmailNotifier>(std::move(o));
    }
    case config::ReceiverKind::webhook: {
      WebhookOptions o;
      o.url = r.url;
      o.bearer_token = r.token.value;
      o.http = http_options(r);
      return std::make_unique<WebhookNotifier>(std::move(o));
    }
    case config::ReceiverKind::alertmanager: {
      AlertmanagerOptions o;
      o.url = r.url;
      o.bearer_token = r.token.value;
      o.http = http_options(r);
      // Alertmanager resolves an alert by itself once endsAt passes: keep it well beyond the next
      // re-send.
      o.resolve_timeout =
          std::max<std::chrono::seconds>(std::chrono::hours(1), 3 * repeat_interval);
      return std::make_unique<AlertmanagerNotifier>(std::move(o));
    }
    case config::ReceiverKind::wecom:
      return std::make_unique<WecomNotifier>(robot_options<WecomOptions>(r));
    case config::ReceiverKind::dingtalk: {
      auto o = robot_options<DingtalkOptions>(r);
      o.secret = r.secret.value;
      return std::make_unique<DingtalkNotifier>(std::move(o));
    }
    case config::ReceiverKind::feishu: {
      auto o = robot_options<FeishuOptions>(r);
      o.secret = r.secret.value;
      return std::make_unique<FeishuNotifier>(std::move(o));
    }
  }
  return nullptr;
}

std::map<std::string, NotifierPtr> make_notifiers(const config::AlertsConfig& c) {
  std::map<std::string, NotifierPtr> out;
  for (const auto& r : c.receivers) {
    std::chrono::seconds repeat{0};
    for (const auto& route : c.routes) {
      if (std::find(route.receivers.begin(), route.receivers.end(), r.name) != route.receivers.end())
        repeat = std::max(repeat, route.repeat_interval);
    }
    out[r.name] = make_notifier(r, repeat);
  }
  return out;
}

}  // namespace bw::alerts
