#include "alerts/notifiers/notifier.h"

#include <chrono>
#include <exception>

#include "alerts/notifiers/webhook.h"  // safe_reason
#include "net/redact.h"

namespace bw::alerts {

boost::asio::awaitable<DeliveryResult> Notifier::send(boost::asio::any_io_executor ex,
                                                      const Notification& n) {
  Attempt attempt;
  const auto started = std::chrono::steady_clock::now();
  DeliveryResult out{Outcome::permanent, "internal error", std::nullopt};
  try {
    out = co_await do_send(ex, n, attempt);
  } catch (const std::exception& e) {
    out = {Outcome::permanent, std::string("internal error: ") + e.what(), std::nullopt};
  }
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (attempt.urls.empty()) attempt.urls.emplace_back(endpoint());
  // URLs first: their labels must be made before a secret inside them turns into "***".
  for (const std::string& url : attempt.urls)
    out.reason = safe_reason(std::move(out.reason), url, {});
  for (const std::string& s : secrets())
    out.reason = net::redact_secrets(std::move(out.reason), {s});
  co_return out;
}

}  // namespace bw::alerts
