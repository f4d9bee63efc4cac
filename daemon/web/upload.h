// POST /api/v1/uploads: an export file as the request body (spooled to disk by the server),
// ingested on the writer like a drop-folder file. Query: name (a plain file name), kind, encoding,
// reapply (scope admin). Answers 201 with the ingest report (rows, accepted, duplicate, rejected,
// conflicts, revised, revisions, reject_counts), 200 for a file already ingested, 400 for bad
// parameters, 403 for reapply without admin, 422 for a file that cannot be taken, 503 when the
// database refuses writes.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "collectors/drop_folder_source.h"
#include "collectors/ingest.h"
#include "config/config.h"
#include "daemon/web/auth.h"
#include "daemon/web/http.h"
#include "engine/messages.h"

namespace bw::web {

struct UploadContext {
  /// The running config (its `upload` source's name, kind and encoding are the defaults).
  std::function<std::shared_ptr<const config::Config>()> config;
  /// Ingest options for `source` from the running config (columns, limits, cancellation, clock).
  std::function<collect::IngestOptions(const std::string& source)> options;
  /// Ingests the spooled file on the writer; counts and logs the outcome. The options' column map
  /// must outlive the call (the caller keeps its generation).
  std::function<boost::asio::awaitable<Result<store::IngestReport>>(std::filesystem::path,
                                                                    collect::IngestOptions)>
      ingest;
  /// Checks the request's token for another scope (reapply needs admin).
  std::function<TokenCheck(const Request&, const std::string& scope)> authorize;
  /// After a file that added something, or one refused or unreadable (ingest_failed rules):
  /// re-evaluate.
  std::function<void()> changed;
};

boost::asio::awaitable<Response> handle_upload(UploadContext ctx, Request& r);

/// The JSON of an ingest report, as uploads answer it; its rejects are reject_json's.
boost::json::object ingest_report_json(const store::IngestReport& report, engine::Lang lang);

/// One rejected row, the one shape of every answer that lists rejects (the upload answer,
/// /api/v1/ingests):
/// {"file", "line", "column", "field", "reason", "reason_id", "raw", "conflict", "text"}; reason is
/// English (as `budgetwatch ingest` prints it), reason_id its message id ("reject.date_month", ""
/// when the catalogue lacks it) and text the row's "file:line:column: field: reason" for the
/// official who sent it, in `lang` (the request's ?lang=, else the config's `language`, zh-CN by
/// default).
boost::json::object reject_json(const store::Reject& reject, engine::Lang lang);

}  // namespace bw::web
