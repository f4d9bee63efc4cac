// The notifier interface: one implementation per receiver kind (email, webhook, alertmanager,
// wecom, dingtalk, feishu), built from config by the daemon. send() performs one attempt; the
// outbox worker (alerts/outbox.h) owns retries and backoff. The base owns the policy every kind
// shares (spdlog's base_sink pattern): send() times the attempt, catches, scrubs the reason and
// calls the kind's private do_send().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notification.h"

namespace bw::alerts {

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// "email", "webhook", "alertmanager", "wecom", "dingtalk", "feishu"
  virtual std::string_view kind() const = 0;
  /// One attempt: do_send(), timed (DeliveryResult::took). Never throws (bad_alloc aside): an
  /// exception from do_send() becomes Outcome::permanent "internal error: <what>". Every reason is
  /// scrubbed before it is returned: each URL the attempt used (Attempt::urls, else endpoint())
  /// becomes its "scheme://host/…" label and its key/token query values "***" (safe_reason), then
  /// each of secrets() becomes "***". `n` must stay alive until the awaitable completes.
  /// Thread-safe when do_send() is.
  boost::asio::awaitable<DeliveryResult> send(boost::asio::any_io_executor ex,
                                              const Notification& n);

 protected:
  /// What one attempt used that its reason must not show besides the configured secrets.
  struct Attempt {
    /// The URLs sent to, in the order they are scrubbed (a signed robot URL, then the configured
    /// one; Alertmanager's API path). Empty: endpoint().
    std::vector<std::string> urls;
  };

 private:
  /// The kind's attempt: build, send, classify. May throw; reasons need not be scrubbed.
  virtual boost::asio::awaitable<DeliveryResult> do_send(boost::asio::any_io_executor ex,
                                                         const Notification& n,
                                                         Attempt& attempt) = 0;
  /// The configured endpoint URL, scrubbed from reasons when the attempt named none. Default: none.
  virtual std::string_view endpoint() const { return {}; }
  /// Configured secrets that must never appear in a reason (passwords, tokens, signing keys); those
  /// shorter than 4 bytes are ignored (net::redact_secrets).
  virtual std::vector<std::string> secrets() const = 0;
};

using NotifierPtr = std::unique_ptr<Notifier>;

}  // namespace bw::alerts
