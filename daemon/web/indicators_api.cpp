#include "daemon/web/indicators_api.h"

#include <chrono>

#include <boost/json.hpp>

#include "engine/civil_date.h"
#include "engine/utf8.h"
#include "store/indicators_repo.h"

namespace bw::web {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;

std::string utc_now_iso() {
  return engine::format_rfc3339_utc(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

json::object eval_json(const engine::IndicatorEval& e) {
  json::object o;
  o["id"] = e.indicator.id;
  o["fiscal_year"] = e.indicator.fiscal_year;
  o["project_code"] = e.indicator.project_code;
  o["seq"] = e.indicator.seq;
  o["indicator_class"] = e.indicator.indicator_class;
  o["indicator_subclass"] = e.indicator.indicator_subclass;
  o["name"] = e.indicator.name;
  o["target_raw"] = e.indicator.target_raw;
  o["comparator"] = engine::to_string(e.target.comparator);
  o["value"] = e.target.value ? json::value(*e.target.value) : json::value(nullptr);
  o["unit"] = e.target.unit;
  o["deadline"] = e.target.deadline ? json::value(engine::to_iso(*e.target.deadline)) : json::value(nullptr);
  o["due"] = engine::to_iso(e.due);
  o["unit_code"] = e.unit_code;
  o["status"] = engine::to_string(e.status);
  o["reason"] = e.reason;
  if (e.latest) {
    o["actual"] = json::object{{"date", engine::to_iso(e.latest->date)},
                               {"value", e.latest->value},
                               {"note", e.latest->note},
                               {"source", e.latest->source}};
  } else {
    o["actual"] = nullptr;
  }
  return o;
}

std::optional<std::string> str(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  if (v && v->is_string()) return std::string(v->as_string());
  return std::nullopt;
}

struct Api {
  IndicatorApiContext ctx;

  asio::awaitable<Response> list(Request& r) {
    static const std::vector<std::string> known = {"project", "unit", "status"};
    for (const auto& [k, v] : r.query) {
      if (std::find(known.begin(), known.end(), k) == known.end())
        co_return error_response(400, "unknown parameter '" + k + "'");
    }
    const auto evals = ctx.evaluations();
    if (!evals) co_return error_response(503, "first evaluation not done");
    json::array items;
    std::map<std::string, int> by_status;
    for (const auto& e : *evals) {
      auto want = [&](const char* k, const std::string& v) { return !r.query.count(k) || r.query.at(k) == v; };
      if (!want("project", e.indicator.project_code) || !want("unit", e.unit_code) ||
          !want("status", engine::to_string(e.status)))
        continue;
      ++by_status[engine::to_string(e.status)];
      items.push_back(eval_json(e));
    }
    json::object counts;
    for (auto s : engine::all_indicator_statuses) counts[engine::to_string(s)] = by_status[engine::to_string(s)];
    co_return json_response(200, json::object{{"indicators", std::move(items)}, {"by_status", std::move(counts)}});
  }

  asio::awaitable<Response> add_actual(Request& r) {
    std::int64_t id = 0;
    try {
      std::size_t used = 0;
      id = std::stoll(r.path_params.at("id"), &used);
      if (used != r.path_params.at("id").size()) throw std::invalid_argument("id");
    } catch (const std::exception&) {
      co_return error_response(400, "the indicator id must be a number");
    }
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) co_return error_response(400, "the body must be a JSON object {date, value, note}");
    const auto date = str(v.as_object(), "date");
    const auto value = str(v.as_object(), "value");
    const std::string note = str(v.as_object(), "note").value_or("");
    const std::string who = str(v.as_object(), "by").value_or("api");
    if (!date || !engine::parse_date(*date)) co_return error_response(400, "date is required, YYYY-MM-DD");
    if (!value || value->empty() || value->size() > 200) co_return error_response(400, "value is required (at most 200 bytes)");
    if (note.size() > 2000 || who.size() > 200) co_return error_response(400, "note or by too long");
    const std::string iso = engine::to_iso(*engine::parse_date(*date));
    const std::string val = *value;
    const unsigned start_month = ctx.fiscal_start_month;
    auto job = [id, iso, val, note, who, start_month](store::Database& db) {
      const auto ind = store::find_indicator(db, id);
      if (!ind) return error_response(404, "no indicator " + std::to_string(id));
      // A value counts for the fiscal year of its date: one outside the indicator's year would never count.
      const engine::FiscalYear year(ind->fiscal_year, start_month);
      if (!year.contains(*engine::parse_date(iso))) {
        return error_response(400, "indicator " + std::to_string(id) + " is of fiscal year " +
                                       std::to_string(ind->fiscal_year) + ": date must be from " +
                                       engine::to_iso(year.first_day()) + " to " + engine::to_iso(year.last_day()));
      }
      const bool added = store::add_api_actual(db, *ind, iso, val, note, who);
      return json_response(added ? 201 : 200, json::object{{"indicator", id},
                                                           {"date", iso},
                                                           {"value", val},
                                                           {"duplicate", !added}});
    };
    auto task = ctx.on_writer(std::move(job));
    Response out = co_await std::move(task);
    if (out.status == 201 && ctx.changed) ctx.changed();
    co_return out;
  }

  asio::awaitable<Response> put_note(Request& r) {
    const std::string code = r.path_params.at("code");
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) co_return error_response(400, "the body must be a JSON object");
    const auto& o = v.as_object();
    store::OwnerNoteRow n;
    n.project_code = code;
    n.review = str(o, "review").value_or("");
    n.reason = str(o, "reason").value_or("");
    n.measures = str(o, "measures").value_or("");
    n.written_by = str(o, "written_by").value_or("");
    if (n.review.empty() || n.reason.empty() || n.written_by.empty())
      co_return error_response(400, "review (e.g. 2021-midyear), reason and written_by are required");
    if (n.reason.size() > 4000 || n.measures.size() > 4000 || n.review.size() > 64 || n.written_by.size() > 200)
      co_return error_response(400, "a field is too long");
    n.written_at = utc_now_iso();
    auto job = [n](store::Database& db) {
      store::put_owner_note(db, n);
      return json_response(200, json::object{{"project_code", n.project_code},
                                             {"review", n.review},
                                             {"reason", n.reason},
                                             {"measures", n.measures},
                                             {"written_by", n.written_by},
                                             {"written_at", n.written_at}});
    };
    auto task = ctx.on_writer(std::move(job));
    co_return co_await std::move(task);
  }

  asio::awaitable<Response> notes(Request& r) {
    if (!r.query.count("review")) co_return error_response(400, "review is required (e.g. ?review=2021-midyear)");
    const std::string review = r.query.at("review");
    auto job = [review](store::Database& db) {
      json::array items;
      for (const auto& n : store::list_owner_notes(db, review)) {
        items.push_back(json::object{{"project_code", n.project_code},
                                     {"reason", n.reason},
                                     {"measures", n.measures},
                                     {"written_by", n.written_by},
                                     {"written_at", n.written_at}});
      }
      return json_response(200, json::object{{"review", review}, {"notes", std::move(items)}});
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }
};

}  // namespace

void add_indicator_routes(Router& router, IndicatorApiContext ctx) {
  auto api = std::make_shared<Api>(Api{std::move(ctx)});
  auto bind = [api](asio::awaitable<Response> (Api::*f)(Request&)) {
    return Handler([api, f](Request& r) { return ((*api).*f)(r); });
  };
  router.add({"GET", "/api/v1/indicators", "api_indicators", BodyKind::none, "", bind(&Api::list)});
  router.add({"POST", "/api/v1/indicators/{id}/actuals", "api_indicator_actuals", BodyKind::small, "write",
              bind(&Api::add_actual)});
  router.add({"POST", "/api/v1/projects/{code}/notes", "api_project_notes", BodyKind::small, "write",
              bind(&Api::put_note)});
  router.add({"GET", "/api/v1/notes", "api_notes", BodyKind::none, "", bind(&Api::notes)});
}

}  // namespace bw::web
