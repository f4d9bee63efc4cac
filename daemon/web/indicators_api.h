// The indicators API (双监控): /api/v1/indicators (completion per indicator, filters),
// POST /api/v1/indicators/{id}/actuals (an actual value; token scope "write"),
// POST /api/v1/projects/{code}/notes and GET /api/v1/notes (the owners' reasons and corrective
// measures for the mid-year review; writing needs scope "write").
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "daemon/web/alerts_api.h"
#include "engine/indicators.h"

namespace bw::web {

struct IndicatorApiContext {
  using DbJob = AlertApiContext::DbJob;
  std::function<boost::asio::awaitable<Response>(DbJob)> on_reader;
  std::function<boost::asio::awaitable<Response>(DbJob)> on_writer;
  /// The completion of the last evaluation (null before the first).
  std::function<std::shared_ptr<const std::vector<engine::IndicatorEval>>()> evaluations;
  /// The month the fiscal year starts (a posted value must be dated in its indicator's fiscal
  /// year).
  unsigned fiscal_start_month = 1;
  /// After a new actual value: re-evaluate.
  std::function<void()> changed;
};

void add_indicator_routes(Router& router, IndicatorApiContext ctx);

}  // namespace bw::web
