#include "daemon/web/api.h"

#include "daemon/web/upload.h"

#include <algorithm>
#include <sstream>

#include <boost/json.hpp>
#include <prometheus/text_serializer.h>

#include "daemon/clock.h"
#include "reports/execution_report.h"
#include "reports/report.h"

namespace bw::web {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

constexpr std::int64_t max_page_size = 1000;

Response no_snapshot() { return error_response(503, "no snapshot yet: the first evaluation has not finished"); }

// A positive integer query parameter, or the fallback; nullopt when malformed.
std::optional<std::int64_t> int_param(const Request& r, const std::string& name, std::int64_t fallback,
                                      std::int64_t lo, std::int64_t hi) {
  auto it = r.query.find(name);
  if (it == r.query.end() || it->second.empty()) return fallback;
  std::int64_t v = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9' || v > hi) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

json::object snapshot_header(const engine::Snapshot& s) {
  json::object o;
  o["as_of"] = engine::to_iso(s.as_of);
  o["fiscal_year"] = s.fiscal_year.year();
  return o;
}

std::optional<engine::Band> parse_band(std::string_view s) {
  for (engine::Band b : {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50,
                         engine::Band::zero, engine::Band::no_budget}) {
    if (s == engine::to_string(b)) return b;
  }
  return std::nullopt;
}

// `as_of=YYYY-MM-DD` exactly (the API's one date form), else nullopt.
std::optional<engine::CivilDate> iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  auto d = engine::parse_date(s);
  if (!d) return std::nullopt;
  return *d;
}

// The figures a request asks for: the published snapshot, or (`as_of`, `fiscal_year`) another
// date's; `error` set when the parameters are wrong or there is no snapshot.
struct Scoped {
  std::shared_ptr<const engine::Snapshot> snapshot;
  std::optional<Response> error;
};

struct Api {
  ApiContext ctx;

  // ?as_of=YYYY-MM-DD: the fiscal year that contains the date, as of it. ?fiscal_year=YYYY: that
  // year as of its last day, or as of today when it is the current year. Both: the date must be in
  // that year. Neither: the published snapshot (today's). Wrong values: 400.
  awaitable<Scoped> scoped_snapshot(Request& r) {
    auto param = [&r](const char* name) -> std::optional<std::string> {
      auto it = r.query.find(name);
      if (it == r.query.end() || it->second.empty()) return std::nullopt;  // as every parameter
      return it->second;
    };
    const auto as_of_text = param("as_of");
    const auto year_text = param("fiscal_year");
    auto published = ctx.snapshots->snapshot();
    if (!as_of_text && !year_text) {
      if (!published) co_return Scoped{nullptr, no_snapshot()};
      co_return Scoped{std::move(published), std::nullopt};
    }
    std::optional<engine::CivilDate> as_of;
    if (as_of_text) {
      as_of = iso_date(*as_of_text);
      if (!as_of) co_return Scoped{nullptr, error_response(400, "as_of must be a date YYYY-MM-DD, got '" + *as_of_text + "'")};
    }
    if (year_text) {
      const bool digits = year_text->size() == 4 &&
                          std::all_of(year_text->begin(), year_text->end(), [](char c) { return c >= '0' && c <= '9'; });
      const int year = digits ? std::stoi(*year_text) : 0;
      if (year < 1900) {
        co_return Scoped{nullptr, error_response(400, "fiscal_year must be a year YYYY (1900-9999), got '" + *year_text + "'")};
      }
      const engine::FiscalYear fy(year, ctx.fiscal_year_start_month);
      if (as_of && !fy.contains(*as_of)) {
        co_return Scoped{nullptr, error_response(400, "as_of " + engine::to_iso(*as_of) + " is not in fiscal year " +
                                                          *year_text + " (" + engine::to_iso(fy.first_day()) +
                                                          " to " + engine::to_iso(fy.last_day()) + ")")};
      }
      if (!as_of) {
        const engine::CivilDate today = ctx.today ? ctx.today() : published ? published->as_of : fy.last_day();
        as_of = fy.contains(today) ? today : fy.last_day();
      }
    }
    if (published && published->as_of == *as_of) co_return Scoped{std::move(published), std::nullopt};
    if (!ctx.snapshot_at) {
      co_return Scoped{nullptr, error_response(400, "as_of and fiscal_year are not served here")};
    }
    auto task = ctx.snapshot_at(*as_of);
    auto snap = co_await std::move(task);
    co_return Scoped{std::move(snap), std::nullopt};
  }

  awaitable<Response> metrics(Request& r) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, ctx.ops->registry().Collect());
    std::string body = std::move(out).str();
    const auto accept = r.header("Accept-Encoding");
    Response res;
    // The snapshot's text is rendered and compressed once per evaluation (one part and one gzip
    // member per family); a scrape sends the live operational metrics (compressed now, a few KB)
    // followed by those cached members.
    if (auto cached = ctx.snapshots->gzip_parts(); accept && accept->find("gzip") != std::string::npos && !cached.empty()) {
      auto live = daemon::gzip(body);
      if (live) {
        res = text_response(200, *live, "text/plain; version=0.0.4; charset=utf-8");
        res.shared_body = std::move(cached);
        res.headers.emplace_back("Content-Encoding", "gzip");
        res.headers.emplace_back("Vary", "Accept-Encoding");
        co_return res;
      }
    }
    res = text_response(200, std::move(body), "text/plain; version=0.0.4; charset=utf-8");
    // The snapshot's text is shared with every scrape in flight, not copied.
    res.shared_body = ctx.snapshots->text_parts();
    res.headers.emplace_back("Vary", "Accept-Encoding");
    co_return res;
  }

  awaitable<Response> healthz(Request&) { co_return text_response(200, "ok\n"); }

  // 200 "ready" or "degraded" (serving the last good figures while a check fails), 503 "not_ready".
  awaitable<Response> readyz(Request&) {
    const std::string why = ctx.not_ready();
    json::object o;
    json::array checks;
    bool degraded = false;
    if (ctx.health != nullptr) {
      for (const auto& c : ctx.health->checks()) {
        json::object j;
        j["name"] = c.name;
        j["status"] = c.ok ? "ok" : "failing";
        j["since"] = daemon::utc_iso(std::chrono::system_clock::time_point(std::chrono::seconds(c.since)));
        j["checked_at"] =
            daemon::utc_iso(std::chrono::system_clock::time_point(std::chrono::seconds(c.checked_at)));
        if (!c.ok) {
          j["error"] = c.message;
          j["consecutive_failures"] = c.failures;
          degraded = true;
        }
        checks.push_back(std::move(j));
      }
    }
    o["status"] = !why.empty() ? "not_ready" : degraded ? "degraded" : "ready";
    if (!why.empty()) o["reason"] = why;
    if (ctx.lease) {
      // Several daemons on one database: which one evaluates alert state and delivers (issue 15).
      const daemon::LeaseView v = ctx.lease();
      o["role"] = v.held ? "leader" : "standby";
      json::object l;
      l["name"] = "alerts";
      l["shared"] = v.shared;
      l["held"] = v.held;
      l["self"] = v.self;
      l["holder"] = v.holder;
      l["token"] = v.token;
      if (v.expires_at_ms > 0) {
        l["expires_at"] = daemon::utc_iso(
            std::chrono::system_clock::time_point(std::chrono::milliseconds(v.expires_at_ms)));
      }
      if (!v.error.empty()) l["error"] = v.error;
      o["lease"] = std::move(l);
    }
    o["checks"] = std::move(checks);
    co_return json_response(why.empty() ? 200 : 503, o);
  }

  awaitable<Response> summary(Request& r) {
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    json::object o = snapshot_header(*s);
    o["department"] = reports::amounts_json(s->department.all);
    o["project_total"] = reports::amounts_json(s->department.project);
    o["basic_total"] = reports::amounts_json(s->department.basic);
    // Carry-forward money (上年结转) apart from the year's new money (issue 14).
    o["carry_forward"] =
        reports::source_totals_json(s->department.carried_forward, s->department.carried_forward_lines);
    o["new_money"] = reports::source_totals_json(s->department.new_money,
                                                 s->department.lines - s->department.carried_forward_lines);
    o["units"] = s->units.size();
    o["lines"] = s->lines.size();
    o["bands"] = reports::bands_json(s->department.bands);
    o["adjustment_rate_pct"] = s->department.scores.adjustment_rate
                                   ? json::value(engine::format_pct(*s->department.scores.adjustment_rate))
                                   : json::value(nullptr);
    o["scores"] = reports::scores_json(s->department.scores);
    o["score_details"] = reports::score_details_json(s->department.scores, s->policy);
    o["month_ends"] = reports::month_ends_json(s->department.month_ends);
    o["unregistered_paid_fen"] = s->unregistered_paid.fen;
    o["unattributed_paid_fen"] = s->unattributed_paid.fen;
    co_return json_response(200, o);
  }

  awaitable<Response> units(Request& r) {
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    json::object o = snapshot_header(*s);
    json::array items;
    for (const auto& u : s->units) items.push_back(reports::unit_json(u));
    o["items"] = std::move(items);
    co_return json_response(200, o);
  }

  awaitable<Response> unit(Request& r) {
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    const engine::UnitEval* u = s->find_unit(r.path_params["code"]);
    if (u == nullptr) co_return error_response(404, "no unit " + r.path_params["code"]);
    json::object o = snapshot_header(*s);
    o["unit"] = reports::unit_json(*u);
    o["month_ends"] = reports::month_ends_json(u->rollup.month_ends);
    o["score_details"] = reports::score_details_json(u->rollup.scores, s->policy);
    co_return json_response(200, o);
  }

  awaitable<Response> projects(Request& r) {
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    const auto page = int_param(r, "page", 1, 1, 1'000'000);
    const auto per_page = int_param(r, "per_page", 100, 1, max_page_size);
    if (!page || !per_page) co_return error_response(400, "page and per_page must be positive integers (per_page ≤ 1000)");
    std::optional<engine::LineKind> kind;
    if (auto k = r.query.find("kind"); k != r.query.end() && !k->second.empty()) {
      if (k->second == "project") {
        kind = engine::LineKind::project;
      } else if (k->second == "basic") {
        kind = engine::LineKind::basic;
      } else {
        co_return error_response(400, "kind must be project or basic");
      }
    }
    std::optional<engine::Band> band;
    if (auto b = r.query.find("band"); b != r.query.end() && !b->second.empty()) {
      band = parse_band(b->second);
      if (!band) co_return error_response(400, "band must be on_track, below_80, below_50, zero or no_budget");
    }
    // 指标来源 (issue 14): initial, mid_year, carried_forward, or new_money (initial or mid_year).
    const std::string source = r.query.count("source") ? r.query.at("source") : "";
    if (!source.empty() && source != "initial" && source != "mid_year" && source != "carried_forward" &&
        source != "new_money") {
      co_return error_response(400, "source must be initial, mid_year, carried_forward or new_money");
    }
    const std::string unit = r.query.count("unit") ? r.query.at("unit") : "";
    const std::string sort = r.query.count("sort") ? r.query.at("sort") : "register";
    if (sort != "register" && sort != "code" && sort != "execution" && sort != "unspent") {
      co_return error_response(400, "sort must be register, code, execution or unspent");
    }
    std::vector<const engine::LineEval*> hits;
    for (const auto& e : s->lines) {
      if (!unit.empty() && e.line.unit_code != unit) continue;
      if (kind && e.line.kind != *kind) continue;
      if (band && e.band != *band) continue;
      if (!source.empty()) {
        const bool carried = e.source == engine::LineSource::carried_forward;
        if (source == "new_money" ? carried : source != engine::source_key(e.source)) continue;
      }
      hits.push_back(&e);
    }
    if (sort == "code") {
      std::stable_sort(hits.begin(), hits.end(), [](auto* a, auto* b) { return a->line.code < b->line.code; });
    } else if (sort == "execution") {  // lowest first; undefined rates last
      std::stable_sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
        if (!a->execution || !b->execution) return a->execution.has_value() && !b->execution.has_value();
        return *a->execution < *b->execution;
      });
    } else if (sort == "unspent") {  // largest first
      std::stable_sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
        return (a->amounts.adjusted - a->amounts.paid) > (b->amounts.adjusted - b->amounts.paid);
      });
    }
    json::object o = snapshot_header(*s);
    o["total"] = hits.size();
    o["page"] = *page;
    o["per_page"] = *per_page;
    json::array items;
    const auto first = static_cast<std::size_t>((*page - 1) * *per_page);
    for (std::size_t i = first; i < hits.size() && i < first + static_cast<std::size_t>(*per_page); ++i) {
      items.push_back(reports::line_json(*hits[i]));
    }
    o["items"] = std::move(items);
    co_return json_response(200, o);
  }

  awaitable<Response> project(Request& r) {
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    const std::string& code = r.path_params["code"];
    const engine::LineEval* e = s->find_line(code);
    if (e == nullptr) co_return error_response(404, "no project " + code);
    json::object o = snapshot_header(*s);
    o["project"] = reports::line_json(*e);
    json::array months;
    const int last = std::min(s->fiscal_year.month_index(s->as_of), 11);
    engine::Money cumulative;
    for (int i = 0; i <= last; ++i) {
      const auto k = static_cast<std::size_t>(i);
      cumulative += e->month_paid[k];
      json::object m;
      m["month"] = engine::to_iso(s->fiscal_year.month_start(i)).substr(0, 7);
      m["paid_fen"] = e->month_paid[k].fen;
      m["payments"] = e->month_payments[k];
      m["cumulative_paid_fen"] = cumulative.fen;
      if (i < e->month_ends) {
        const engine::Money adjusted = e->month_end_adjusted[k];
        m["month_end"] = engine::to_iso(s->fiscal_year.month_end(i));
        m["adjusted_fen"] = adjusted.fen;
        auto rate = engine::Ratio::of(e->month_end_paid[k].fen, adjusted.fen);
        m["execution_rate_pct"] = rate ? json::value(engine::format_pct(*rate)) : json::value(nullptr);
      }
      months.push_back(std::move(m));
    }
    o["months"] = std::move(months);
    json::object pay;
    pay["payments"] = e->payments;
    pay["paid_fen"] = e->amounts.paid.fen;
    pay["paid_yuan"] = engine::format_yuan(e->amounts.paid, false);
    o["payments_summary"] = std::move(pay);
    co_return json_response(200, o);
  }

  awaitable<Response> ingests(Request& r) {
    const auto limit = int_param(r, "limit", 50, 1, max_page_size);
    const auto offset = int_param(r, "offset", 0, 0, 1'000'000'000);
    const auto rejects = int_param(r, "rejects", 20, 0, 10'000);
    if (!limit || !offset || !rejects) co_return error_response(400, "limit, offset and rejects must be integers");
    const auto lang_param = r.query.find("lang");
    const auto lang = reports::parse_lang(
        lang_param == r.query.end() || lang_param->second.empty() ? ctx.language : lang_param->second);
    if (!lang) co_return error_response(400, lang.error().message);
    auto page_task = ctx.ingests(*offset, *limit, *rejects);
    const store::IngestPage page = co_await std::move(page_task);
    json::object o;
    o["total"] = page.total;
    o["offset"] = *offset;
    o["limit"] = *limit;
    json::array items;
    for (const auto& f : page.files) {
      json::object x = ingest_report_json(f, *lang);  // the fields of an upload's answer (rejects too), and:
      x["id"] = f.file_id;
      x["source"] = f.source;
      x["duration_ms"] = f.duration_ms;
      x.erase("duplicate_file");
      x.erase("reapplied");
      items.push_back(std::move(x));
    }
    o["items"] = std::move(items);
    json::array failed;
    auto failed_task = ctx.failed_files(20);
    const std::vector<store::FailedFile> failed_files = co_await std::move(failed_task);
    for (const auto& f : failed_files) {
      json::object y;
      y["name"] = f.name;
      y["source"] = f.source;
      y["error"] = f.error;
      y["failed_at"] = f.failed_at;
      failed.push_back(std::move(y));
    }
    o["failed_files"] = std::move(failed);
    json::array skipped;
    if (ctx.skipped_files) {
      for (const auto& [source, e] : ctx.skipped_files()) {
        json::object y;
        y["source"] = source;
        y["name"] = e.name;
        y["kind"] = e.kind;
        y["reason"] = e.reason;
        y["first_seen"] = daemon::utc_iso(e.first_seen);
        skipped.push_back(std::move(y));
      }
    }
    o["skipped_files"] = std::move(skipped);
    co_return json_response(200, o);
  }

  // GET /api/v1/reports/{kind}?format=&lang=&unit=&window=&issuer=&as_of=&fiscal_year= over the
  // published snapshot, or another date's (scoped_snapshot).
  awaitable<Response> report(Request& r) {
    auto param = [&r](const char* name, std::string fallback) {
      auto it = r.query.find(name);
      return it == r.query.end() || it->second.empty() ? fallback : it->second;
    };
    auto kind = reports::parse_report_kind(r.path_params["kind"]);
    if (!kind) co_return error_response(404, kind.error().message);
    auto scoped_task = scoped_snapshot(r);
    Scoped figures = co_await std::move(scoped_task);
    if (figures.error) co_return std::move(*figures.error);
    const auto& s = figures.snapshot;
    auto format = reports::parse_format(param("format", "json"));
    auto lang = reports::parse_lang(param("lang", ctx.language));
    auto window = reports::parse_window(param("window", "1-6"));
    if (!format) co_return error_response(400, format.error().message);
    if (!lang) co_return error_response(400, lang.error().message);
    if (!window) co_return error_response(400, window.error().message);
    const reports::ReportRequest request{*kind, *format, *lang, *window, param("issuer", "")};
    reports::MidyearInputs midyear;
    if (*kind == reports::ReportKind::midyear && ctx.midyear) {
      auto inputs = ctx.midyear(s);
      midyear = co_await std::move(inputs);
    }
    std::string body;
    if (const std::string unit = param("unit", ""); !unit.empty()) {
      auto scoped = reports::restrict_to_unit(*s, unit);
      if (!scoped) co_return error_response(404, scoped.error().message);
      body = reports::render_report(*scoped, request, midyear);
    } else {
      body = reports::render_report(*s, request, midyear);
    }
    // CSV starts with a UTF-8 BOM for Excel (issue 17) unless ?bom=0 (scripts).
    if (*format == reports::Format::csv) {
      const std::string bom = param("bom", "1");
      if (bom != "0" && bom != "1" && bom != "false" && bom != "true") {
        co_return error_response(400, "bom must be 1 or 0");
      }
      if (bom == "1" || bom == "true") body.insert(0, reports::utf8_bom);
    }
    Response res = text_response(200, std::move(body), reports::content_type(*format));
    if (*format == reports::Format::xlsx) {
      // A workbook is a download: its name in the report's language (RFC 5987 filename*) with an ASCII fallback.
      const std::string unit = param("unit", "");
      res.headers.emplace_back(
          "Content-Disposition",
          content_disposition_attachment(
              reports::report_file_name(*kind, *format, *lang, s->as_of, unit, /*ascii=*/true),
              reports::report_file_name(*kind, *format, *lang, s->as_of, unit)));
    }
    co_return res;
  }

  awaitable<Response> index(Request&) {
    co_return text_response(200,
                            "budgetwatch: budget execution monitoring (预算执行监控)\n"
                            "  /metrics                   Prometheus metrics\n"
                            "  /healthz /readyz           liveness and readiness\n"
                            "  /api/v1/summary            department totals, bands, scores\n"
                            "                             (here and below: ?as_of=YYYY-MM-DD &fiscal_year=YYYY)\n"
                            "  /api/v1/units              budget units\n"
                            "  /api/v1/projects           budget lines (?unit= &kind= &band= &sort= &page= &per_page=)\n"
                            "  /projects/{code}           a line as an HTML page (?fiscal_year= &as_of= &lang=en &page=)\n"
                            "  /units/{code}              a unit as an HTML page: its lines by risk\n"
                            "  /api/v1/projects/{code}    one line with its months\n"
                            "  /api/v1/projects/{code}/payments   its payments (?page= &per_page=), by date and voucher\n"
                            "  /api/v1/projects/{code}/revisions  every version of a line's budget (register, time)\n"
                            "  /api/v1/ingests            ingested files, their rejected rows and revisions\n"
                            "  /api/v1/reports/{kind}     execution|monthly|midyear|yearend|circular (?format=json|csv|md|html|xlsx\n"
                            "                             &lang=zh-CN|en &unit= &window=1-6|1-7 &issuer= &as_of= &fiscal_year=\n"
                            "                             &bom=0: CSV without BOM)\n"
                            "  /api/v1/alerts             alerts (?state= &rule= &severity= &unit= &project= &owner= &fiscal_year=)\n"
                            "  /api/v1/silences           silences; POST to create, DELETE /{id} to expire (scope write)\n"
                            "  /api/v1/notifications      the delivery log (?state= &receiver=)\n"
                            "  /api/v1/indicators         performance indicators; POST {id}/actuals (scope write)\n"
                            "  /api/v1/notes              owners' notes; POST /api/v1/projects/{code}/notes (scope write)\n"
                            "  POST /api/v1/uploads       upload an export (token with scope upload; &reapply=1:\n"
                            "                             apply an ingested file again, scope admin)\n");
  }
};

}  // namespace

std::shared_ptr<const Router> make_router(ApiContext ctx) {
  auto api = std::make_shared<Api>(Api{std::move(ctx)});
  auto router = std::make_shared<Router>();
  auto bind = [api](awaitable<Response> (Api::*fn)(Request&)) {
    return [api, fn](Request& r) { return ((*api).*fn)(r); };
  };
  router->add({"GET", "/", "index", BodyKind::none, "", bind(&Api::index)});
  router->add({"GET", "/metrics", "metrics", BodyKind::none, "", bind(&Api::metrics)});
  router->add({"GET", "/healthz", "healthz", BodyKind::none, "", bind(&Api::healthz)});
  router->add({"GET", "/readyz", "readyz", BodyKind::none, "", bind(&Api::readyz)});
  router->add({"GET", "/api/v1/summary", "api_summary", BodyKind::none, "", bind(&Api::summary)});
  router->add({"GET", "/api/v1/units", "api_units", BodyKind::none, "", bind(&Api::units)});
  router->add({"GET", "/api/v1/units/{code}", "api_unit", BodyKind::none, "", bind(&Api::unit)});
  router->add({"GET", "/api/v1/projects", "api_projects", BodyKind::none, "", bind(&Api::projects)});
  router->add({"GET", "/api/v1/projects/{code}", "api_project", BodyKind::none, "", bind(&Api::project)});
  router->add({"GET", "/api/v1/ingests", "api_ingests", BodyKind::none, "", bind(&Api::ingests)});
  router->add({"GET", "/api/v1/reports/{kind}", "api_report", BodyKind::none, "", bind(&Api::report)});
  if (api->ctx.extra_routes) api->ctx.extra_routes(*router);
  if (api->ctx.upload) {
    router->add({"POST", "/api/v1/uploads", "api_uploads", BodyKind::file, "upload", api->ctx.upload});
  }
  return router;
}

}  // namespace bw::web
