#include "daemon/web/revisions_api.h"

#include "store/revisions.h"

namespace bw::web {

namespace json = boost::json;

boost::json::array revisions_json(const std::vector<store::Revision>& revisions) {
  json::array out;
  for (const store::Revision& r : revisions) {
    json::array changes;
    for (const store::FieldChange& c : r.changes) {
      changes.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
    }
    out.push_back({{"code", r.code},
                   {"line", r.line},
                   {"version", r.version},
                   {"initial_before_fen", r.initial_before.fen},
                   {"initial_after_fen", r.initial_after.fen},
                   {"changes", std::move(changes)}});
  }
  return out;
}

namespace {

using OnReader = std::function<boost::asio::awaitable<Response>(AlertApiContext::DbJob)>;

// A plain coroutine (its parameters live in its frame), not a coroutine lambda: see daemon/app.cpp
// on_writer.
boost::asio::awaitable<Response> line_revisions(OnReader on_reader, std::string code) {
  AlertApiContext::DbJob job = [code](store::Database& db) {
    const std::vector<store::LineVersion> versions = store::line_versions(db, code);
    if (versions.empty()) return error_response(404, "no budget line " + code);
    json::array items;
    const store::LineVersion* prev = nullptr;
    for (const store::LineVersion& v : versions) {
      json::array changes;
      if (prev != nullptr) {
        for (const store::FieldChange& c : store::changes_between(*prev, v)) {
          changes.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
        }
      }
      items.push_back(
          {{"version", v.version},
           {"name", v.name},
           {"unit_code", v.unit_code},
           {"unit_name", v.unit_name},
           {"kind", v.kind},
           {"initial_fen", v.initial.fen},
           {"deadline", v.deadline.empty() ? json::value(nullptr) : json::value(v.deadline)},
           {"owner", v.owner},
           {"owner_email", v.owner_email},
           {"tags", v.tags},
           {"file", v.file_name},
           {"file_id", v.file_id},
           {"line", v.line_no},
           {"recorded_at", v.recorded_at},
           {"source", v.source},
           {"reapplied", v.reapplied},
           {"changes", std::move(changes)}});
      prev = &v;
    }
    return json_response(200, json::object{{"code", code}, {"versions", std::move(items)}});
  };
  co_return co_await on_reader(std::move(job));
}

}  // namespace

void add_revision_routes(Router& router, const OnReader& on_reader) {
  router.add(
      {"GET", "/api/v1/projects/{code}/revisions", "api_project_revisions", BodyKind::none, "",
       [on_reader](Request& r) { return line_revisions(on_reader, r.path_params.at("code")); }});
}

}  // namespace bw::web
