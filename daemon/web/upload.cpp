#include "daemon/web/upload.h"

#include <boost/json.hpp>

#include "daemon/web/revisions_api.h"
#include "reports/format.h"

namespace bw::web {

boost::json::object reject_json(const store::Reject& reject, engine::Lang lang) {
  boost::json::object o;
  o["file"] = reject.file;
  o["line"] = reject.line;
  o["column"] = reject.column;
  o["field"] = reject.field;
  o["reason"] = reject.reason;
  o["raw"] = reject.raw;
  o["conflict"] = reject.conflict;
  o["reason_id"] = reject.reason_id();
  o["text"] = reject.text(lang);
  return o;
}

boost::json::object ingest_report_json(const store::IngestReport& report, engine::Lang lang) {
  boost::json::object o;
  o["name"] = report.name;
  o["kind"] = store::to_string(report.kind);
  o["encoding"] = report.encoding;
  o["sha256"] = report.sha256;
  o["duplicate_file"] = report.duplicate_file;
  o["rows"] = report.rows_total;
  o["accepted"] = report.accepted;
  o["duplicate"] = report.duplicate;
  o["rejected"] = report.rejected;
  o["conflicts"] = report.conflicts;
  o["revised"] = report.revised;
  o["reapplied"] = report.reapplied;
  o["accepted_fen"] = report.accepted_amount.fen;
  boost::json::array rejects;
  for (const auto& rej : report.rejects) rejects.push_back(reject_json(rej, lang));
  o["rejects"] = std::move(rejects);
  o["revisions"] = revisions_json(report.revisions);
  boost::json::array counts;
  for (const auto& c : report.reject_counts) {
    counts.push_back(
        {{"field", c.field}, {"reason", c.reason}, {"rows", c.rows}, {"first_line", c.first_line}});
  }
  o["reject_counts"] = std::move(counts);
  // A register: the fiscal years its lines went into and what decided them (issue 14).
  if (!report.fiscal_years.empty()) {
    boost::json::array years;
    for (const int y : report.fiscal_years) years.push_back(y);
    o["fiscal_years"] = std::move(years);
    o["fiscal_year_from"] = report.fiscal_year_from;
  }
  // A 合计 row that is not the sum of the rows (issue 16): reported with both amounts, not stored.
  boost::json::array warnings;
  for (const auto& w : report.warnings) warnings.push_back(boost::json::value(w));
  o["warnings"] = std::move(warnings);
  return o;
}

boost::asio::awaitable<Response> handle_upload(UploadContext ctx, Request& r) {
  const std::shared_ptr<const config::Config> cfg = ctx.config();
  std::string source = "upload";
  const config::SourceConfig* sc = nullptr;
  for (const auto& s : cfg->sources) {
    if (s.kind == config::SourceKind::upload) {
      sc = &s;
      source = s.name;
      break;
    }
  }
  collect::IngestOptions opt = ctx.options(source);
  opt.name = r.query.count("name") ? r.query.at("name") : "upload.csv";
  if (!collect::safe_file_name(opt.name) || opt.name.size() > 255) {
    co_return error_response(400, "name must be a plain file name");
  }
  const std::string kind =
      r.query.count("kind") ? r.query.at("kind") : (sc && sc->file_kind ? *sc->file_kind : "");
  if (!kind.empty()) {
    opt.kind = store::parse_file_kind(kind);
    if (!opt.kind)
      co_return error_response(400,
                               "kind must be budget, adjustments, payments, indicators or actuals");
  }
  opt.encoding = sc ? sc->encoding : config::SourceEncoding::auto_detect;
  if (r.query.count("encoding")) {
    auto enc = collect::parse_encoding_choice(r.query.at("encoding"));
    if (!enc) co_return error_response(400, enc.error().message);
    opt.encoding = *enc;
  }
  // Applying an already-ingested file again changes recorded budget lines on purpose: admin only.
  if (r.query.count("reapply") && r.query.at("reapply") != "0" &&
      r.query.at("reapply") != "false") {
    const TokenCheck admin = ctx.authorize(r, "admin");
    if (admin.status != TokenCheck::Status::ok) co_return refusal(admin, "admin");
    opt.reapply = true;
  }
  // The rejects' text in ?lang=, else the config's language.
  const auto lang = reports::parse_lang(
      r.query.count("lang") && !r.query.at("lang").empty() ? r.query.at("lang") : cfg->language);
  if (!lang) co_return error_response(400, lang.error().message);
  if (r.body_file.empty())
    co_return error_response(400, "the request has no body: send the file as the body");
  auto task = ctx.ingest(r.body_file, opt);
  const Result<store::IngestReport> outcome = co_await std::move(task);
  if (!outcome) {
    if (outcome.error().code != Errc::unavailable)
      ctx.changed();  // the alert cycle (ingest_failed rules)
    co_return error_response(outcome.error().code == Errc::unavailable ? 503 : 422,
                             outcome.error().to_string());
  }
  if (!outcome->duplicate_file) ctx.changed();
  co_return json_response(outcome->duplicate_file ? 200 : 201, ingest_report_json(*outcome, *lang));
}

}  // namespace bw::web
