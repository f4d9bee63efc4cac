// The notifier interface: one implementation per receiver kind (email, webhook, alertmanager, wecom,
// dingtalk, feishu), built from config by the daemon. send() performs one attempt; the outbox worker
// (alerts/outbox_worker.h) owns retries and backoff.
#pragma once

#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notification.h"

namespace bw::alerts {

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// "email", "webhook", "alertmanager", "wecom", "dingtalk", "feishu"
  virtual std::string_view kind() const = 0;
  /// One attempt. Never throws (bad_alloc aside); every failure is a DeliveryResult whose reason
  /// carries no secret. `n` must stay alive until the awaitable completes.
  virtual boost::asio::awaitable<DeliveryResult> send(boost::asio::any_io_executor ex,
                                                      const Notification& n) = 0;
};

using NotifierPtr = std::unique_ptr<Notifier>;

}  // namespace bw::alerts
