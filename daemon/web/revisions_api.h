// Budget line revisions in the API: GET /api/v1/projects/{code}/revisions (every version of a line
// with its register, time and source, and what each changed), and the JSON of an ingest's revisions
// (uploads, /api/v1/ingests).
#pragma once

#include <vector>

#include <boost/json.hpp>

#include "daemon/web/alerts_api.h"
#include "store/ledger.h"

namespace bw::web {

/// [{code, line, version, initial_before_fen, initial_after_fen, changes: [{field, before,
/// after}]}].
boost::json::array revisions_json(const std::vector<store::Revision>& revisions);

void add_revision_routes(
    Router& router,
    const std::function<boost::asio::awaitable<Response>(AlertApiContext::DbJob)>& on_reader);

}  // namespace bw::web
