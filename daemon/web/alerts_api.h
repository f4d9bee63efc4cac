// The alerts API (DESIGN §8, §9): /api/v1/alerts (filters), /api/v1/silences (list, create, expire;
// token with scope "write"), /api/v1/notifications (the delivery log).
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "config/alerts_config.h"
#include "daemon/web/router.h"
#include "store/database.h"

namespace bw::web {

struct AlertApiContext {
  using DbJob = std::function<Response(store::Database&)>;
  /// Runs a read on the reader connection / a write on the writer connection.
  std::function<boost::asio::awaitable<Response>(DbJob)> on_reader;
  std::function<boost::asio::awaitable<Response>(DbJob)> on_writer;
  /// The alerts config in force.
  std::function<std::shared_ptr<const config::AlertsConfig>()> config;
  /// After a silence changes: re-run the alert cycle so that it takes effect.
  std::function<void()> changed;
};

void add_alert_routes(Router& router, AlertApiContext ctx);

}  // namespace bw::web
