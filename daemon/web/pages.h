// Pages behind the links (issue 17): readable HTML pages served by the daemon in the style of the
// HTML reports (reports/document.h, the reports' stylesheet; no script, no external resource), and
// the payments of a line in the JSON API.
//   GET /projects/{code}   a budget line: its figures, months (with the curve against 序时进度),
//   payments
//                          (paginated), performance indicators and open alerts
//   GET /units/{code}      a unit: totals and its lines by risk, each linked to its page
//   GET /api/v1/projects/{code}/payments   the line's payments as JSON, by date then voucher,
//   paginated
// Every route takes ?fiscal_year=YYYY and ?as_of=YYYY-MM-DD as the API does (default: the current
// evaluation), the pages also ?lang=zh-CN|en (default: the config's language) and ?page=&per_page=.
// An unknown code or a wrong parameter is an HTML page in the page's language with a link back.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "daemon/web/alerts_api.h"
#include "daemon/web/api.h"
#include "engine/indicators.h"
#include "engine/snapshot.h"
#include "reports/format.h"
#include "store/payments.h"

namespace bw::web {

/// What the page routes need: the API's context (the published snapshot, other dates' snapshots,
/// today, the fiscal year's start, the language) and database reads on the reader connection.
struct PageContext {
  ApiContext api;
  std::function<boost::asio::awaitable<Response>(AlertApiContext::DbJob)> on_reader;
};

void add_page_routes(Router& router, PageContext ctx);

/// An alert of the line that is pending or firing.
struct OpenAlert {
  std::string rule;  ///< the rule's name (config)
  std::string
      rule_kind;  ///< below_threshold, pace_below, … (its words: the catalogue's rule_kind.*)
  std::string severity;                            ///< critical | warning | info
  std::string state;                               ///< pending | firing
  std::int64_t active_since = 0;                   ///< unix seconds
  std::map<std::string, std::string> annotations;  ///< the figures the rule saw (threshold_pct, …)
};

/// Everything the project page shows.
struct ProjectPageData {
  const engine::Snapshot* snapshot = nullptr;
  const engine::LineEval* line = nullptr;
  store::PaymentPage payments;  ///< the page asked for, with the count and sum of all
  std::int64_t page = 1;
  std::int64_t per_page = 50;
  std::vector<engine::IndicatorEval> indicators;  ///< of this line
  std::vector<OpenAlert> alerts;
  /// The scope kept in every link of the page: "fiscal_year=2021&as_of=2021-06-30&lang=en"
  /// (parameters that were given), "" for none.
  std::string scope_query;
};

/// The project page (a whole HTML document).
std::string project_page_html(const ProjectPageData& d, reports::Lang l);
/// The unit page: the unit's totals and its lines by risk (reports::lines_by_risk), linked.
std::string unit_page_html(const engine::Snapshot& s, const engine::UnitEval& u,
                           std::string_view scope_query, reports::Lang l);
/// A page that says what is not there (an unknown code, a wrong parameter) with a link back to
/// `back_href` labelled `back_label`.
std::string message_page_html(std::string_view title, std::string_view message,
                              std::string_view back_href, std::string_view back_label,
                              reports::Lang l);

/// A path segment percent-encoded (RFC 3986 unreserved characters kept): "LW 2021/1" →
/// "LW%202021%2F1".
std::string url_segment(std::string_view s);

}  // namespace bw::web
