#include "daemon/web/pages.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

#include "engine/messages.h"
#include "reports/document.h"
#include "reports/html.h"
#include "reports/points.h"
#include "reports/risk.h"
#include "store/alert_store.h"
#include "store/indicators_repo.h"

namespace bw::web {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using engine::Money;
using reports::Lang;
using reports::tr;

constexpr std::int64_t max_per_page = 1000;
constexpr std::int64_t default_per_page = 50;
constexpr const char* html_type = "text/html; charset=utf-8";

// ---- request parameters
// ----------------------------------------------------------------------------

std::optional<std::string> param(const Request& r, const char* name) {
  auto it = r.query.find(name);
  if (it == r.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// A whole number in [lo, hi], the fallback when absent; nullopt when malformed or out of range.
std::optional<std::int64_t> int_param(const Request& r, const char* name, std::int64_t fallback,
                                      std::int64_t lo, std::int64_t hi) {
  const auto text = param(r, name);
  if (!text) return fallback;
  std::int64_t v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9' || v > hi) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<engine::CivilDate> iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto d = engine::parse_date(s);
  if (!d) return std::nullopt;
  return *d;
}

// What a request's figures are: a snapshot, or why not (status and message in English and Chinese).
struct Scope {
  std::shared_ptr<const engine::Snapshot> snapshot;
  int status = 200;
  std::string error_en;
  std::string error_zh;
  std::string query;  ///< "fiscal_year=…&as_of=…" as given (validated), for links
};

Scope scope_error(int status, std::string en, std::string zh) {
  Scope s;
  s.status = status;
  s.error_en = std::move(en);
  s.error_zh = std::move(zh);
  return s;
}

// The rules of the JSON API (daemon/web/api.cpp): ?as_of= the fiscal year that contains the date,
// as of it; ?fiscal_year= that year as of its last day, or as of today in the current year; both:
// the date must be in the year; neither: the published snapshot.
awaitable<Scope> resolve_scope(const ApiContext& ctx, const Request& r) {
  const auto as_of_text = param(r, "as_of");
  const auto year_text = param(r, "fiscal_year");
  auto published = ctx.snapshots->snapshot();
  std::string query;
  if (!as_of_text && !year_text) {
    if (!published) {
      co_return scope_error(503, "no figures yet: the first evaluation has not finished",
                            "尚无数据：首次计算尚未完成，请稍后刷新。");
    }
    Scope s;
    s.snapshot = std::move(published);
    co_return s;
  }
  std::optional<engine::CivilDate> as_of;
  if (as_of_text) {
    as_of = iso_date(*as_of_text);
    if (!as_of) {
      co_return scope_error(400, "as_of must be a date YYYY-MM-DD, got '" + *as_of_text + "'",
                            "as_of 应为日期 YYYY-MM-DD，收到“" + *as_of_text + "”。");
    }
  }
  if (year_text) {
    const bool digits =
        year_text->size() == 4 && std::all_of(year_text->begin(), year_text->end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
    const int year = digits ? std::stoi(*year_text) : 0;
    if (year < 1900) {
      co_return scope_error(400,
                            "fiscal_year must be a year YYYY (1900-9999), got '" + *year_text + "'",
                            "fiscal_year 应为年份 YYYY（1900-9999），收到“" + *year_text + "”。");
    }
    const engine::FiscalYear fy(year, ctx.fiscal_year_start_month);
    if (as_of && !fy.contains(*as_of)) {
      co_return scope_error(
          400, "as_of " + engine::to_iso(*as_of) + " is not in fiscal year " + *year_text,
          "日期 " + engine::to_iso(*as_of) + " 不在 " + *year_text + " 预算年度内。");
    }
    query = "fiscal_year=" + *year_text;
    if (!as_of) {
      const engine::CivilDate today = ctx.today   ? ctx.today()
                                      : published ? published->as_of
                                                  : fy.last_day();
      as_of = fy.contains(today) ? today : fy.last_day();
    }
  }
  if (as_of_text) query += (query.empty() ? "as_of=" : "&as_of=") + *as_of_text;
  Scope s;
  s.query = query;
  if (published && published->as_of == *as_of) {
    s.snapshot = std::move(published);
    co_return s;
  }
  if (!ctx.snapshot_at)
    co_return scope_error(400, "as_of and fiscal_year are not served here",
                          "此处不提供其他日期的数据。");
  try {
    auto task = ctx.snapshot_at(*as_of);
    s.snapshot = co_await std::move(task);
  } catch (const std::exception& e) {
    co_return scope_error(404,
                          std::string("no figures for ") + engine::to_iso(*as_of) + ": " + e.what(),
                          "没有 " + engine::to_iso(*as_of) + " 的数据：" + e.what());
  }
  co_return s;
}

// The link query of a page: its scope and language (when given), then `more`.
std::string link_query(std::string_view scope, std::string_view more = {}) {
  std::string q(scope);
  if (!more.empty()) q += (q.empty() ? "" : "&") + std::string(more);
  return q.empty() ? "" : "?" + q;
}

std::string with_lang(const Request& r, std::string query, Lang l) {
  if (!param(r, "lang")) return query;
  return query + (query.empty() ? "" : "&") + "lang=" + reports::lang_tag(l);
}

Response html_page(int status, std::string body) {
  return text_response(status, std::move(body), html_type);
}

// ---- rendering
// ---------------------------------------------------------------------------------------

using reports::html::escape;

std::string a(std::string_view href, std::string_view text) {
  return "<a href=\"" + escape(href) + "\">" + escape(text) + "</a>";
}

// A table cell: text (escaped), an optional link, right-aligned for numbers, red when a flagged
// value is negative.
struct Cell {
  Cell() = default;
  Cell(std::string t, std::string h = {})
      : text(std::move(t)), href(std::move(h)) {}  // NOLINT: implicit
  std::string text;
  std::string href;
};

struct LinkTable {
  std::string id;
  std::vector<reports::Column> columns;
  struct Line {
    std::vector<Cell> cells;
    std::string row_class;
  };
  std::vector<Line> rows;
};

std::string render(const LinkTable& t) {
  std::ostringstream out;
  out << "<table id=\"" << escape(t.id) << "\">\n<thead><tr>";
  for (const auto& c : t.columns) out << "<th>" << escape(c.label) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& r : t.rows) {
    out << "<tr" << (r.row_class.empty() ? "" : " class=\"" + escape(r.row_class) + "\"") << ">";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const Cell cell = i < r.cells.size() ? r.cells[i] : Cell{};
      std::string klass = t.columns[i].numeric ? "num" : "";
      // Codes, dates and short words (支出类型, 执行区间) stay on one line.
      const bool ascii = std::all_of(cell.text.begin(), cell.text.end(), [](char c) {
        return c > ' ' && static_cast<unsigned char>(c) < 0x80;
      });
      if (!t.columns[i].numeric && !cell.text.empty() && (ascii || cell.text.size() <= 12))
        klass = "nw";
      if (t.columns[i].flag_negative && !cell.text.empty() && cell.text.front() == '-')
        klass += " neg";
      out << "<td" << (klass.empty() ? "" : " class=\"" + klass + "\"") << ">"
          << (cell.href.empty() ? escape(cell.text) : a(cell.href, cell.text)) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody>\n</table>\n";
  return out.str();
}

std::string pct_text(const std::optional<engine::Ratio>& r) { return reports::pct_or_dash(r); }

const char* source_text(engine::LineSource s, Lang l) {
  if (l == Lang::zh) return engine::to_string(s);
  switch (s) {
    case engine::LineSource::initial:
      return "initial budget";
    case engine::LineSource::mid_year:
      return "added mid-year";
    case engine::LineSource::carried_forward:
      return "carried forward";
  }
  return "initial budget";
}

std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }

std::string unit_href(const std::string& code, std::string_view scope) {
  return "/units/" + url_segment(code) + link_query(scope);
}
std::string project_href(const std::string& code, std::string_view scope,
                         std::string_view more = {}) {
  return "/projects/" + url_segment(code) + link_query(scope, more);
}
std::string report_href(std::string_view scope, const std::string& unit = {}) {
  return "/api/v1/reports/execution" +
         link_query(scope,
                    "format=html" + (unit.empty() ? std::string() : "&unit=" + url_segment(unit)));
}

std::string alert_time(std::int64_t t) {
  const auto days = static_cast<int>(t >= 0 ? t / 86400 : (t - 86399) / 86400);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return engine::to_iso(ymd);
}

// The months of the line up to the snapshot's date: month ends passed, then the date's own month.
std::string months_section(const engine::Snapshot& s, const engine::LineEval& e, Lang l,
                           std::string& chart) {
  LinkTable t{"table-months",
              {{tr(l, "月份", "Month")},
               {tr(l, "截至", "As of")},
               {tr(l, "当月支付（元）", "Paid in month (yuan)"), true},
               {tr(l, "笔数", "Payments"), true},
               {tr(l, "累计支付（元）", "Paid to date (yuan)"), true},
               {tr(l, "调整后预算（元）", "Budget in force (yuan)"), true},
               {tr(l, "累计执行率", "Execution"), true},
               {tr(l, "序时进度", "Expected"), true},
               {tr(l, "差距（百分点）", "Gap (pp)"), true, true}},
              {}};
  const int last = std::min(s.fiscal_year.month_index(s.as_of), 11);
  std::vector<reports::ProgressPoint> progress;
  Money cumulative;
  for (int i = 0; i <= last; ++i) {
    const auto k = static_cast<std::size_t>(i);
    cumulative += e.month_paid[k];
    const bool month_end = i < e.month_ends;
    const reports::LinePoint p =
        month_end ? reports::point_at_month_end(s, e, i) : reports::point_now(s, e);
    if (month_end)
      progress.push_back({p.date, p.amounts.adjusted, p.amounts.paid, p.amounts.expected_paid});
    t.rows.push_back({{{reports::month_label(s.fiscal_year.month_start(i), l)},
                       {engine::to_iso(p.date)},
                       {engine::format_yuan(e.month_paid[k])},
                       {std::to_string(e.month_payments[k])},
                       {engine::format_yuan(cumulative)},
                       {engine::format_yuan(p.amounts.adjusted)},
                       {pct_text(p.execution)},
                       {pct_text(p.expected)},
                       {reports::gap_pp(p.execution, p.expected)}},
                      month_end ? "" : "partial"});
  }
  chart = "<div class=\"charts\">\n" + reports::html::progress_chart(s.fiscal_year, progress, l) +
          "</div>\n";
  return render(t);
}

std::string payments_section(const ProjectPageData& d, Lang l) {
  const engine::LineEval& e = *d.line;
  const auto& p = d.payments;
  std::string out;
  const std::int64_t pages = std::max<std::int64_t>(1, (p.total + d.per_page - 1) / d.per_page);
  out +=
      "<p class=\"meta\" id=\"payments-summary\">" +
      escape(l == Lang::zh ? "共 " + std::to_string(p.total) + " 笔，合计 " +
                                 engine::format_yuan(p.sum) + " 元（" + engine::format_wan(p.sum) +
                                 " 万元）；第 " + std::to_string(d.page) + " / " +
                                 std::to_string(pages) + " 页，按支付日期、凭证号排序。"
                           : std::to_string(p.total) + " payments, " + engine::format_yuan(p.sum) +
                                 " yuan (" + engine::format_wan(p.sum) + " × 10,000 yuan); page " +
                                 std::to_string(d.page) + " of " + std::to_string(pages) +
                                 ", by date then voucher number.") +
      "</p>\n";
  if (p.rows.empty()) {
    out += "<p class=\"note\">" +
           escape(p.total == 0 ? tr(l, "截至该日没有支付记录。", "No payment up to this date.")
                               : tr(l, "本页没有支付记录。", "No payment on this page.")) +
           "</p>\n";
  } else {
    LinkTable t{"table-payments",
                {{tr(l, "支付日期", "Date")},
                 {tr(l, "支付凭证号", "Voucher")},
                 {tr(l, "收款人", "Payee")},
                 {tr(l, "摘要", "Summary")},
                 {tr(l, "支付方式", "Method")},
                 {tr(l, "金额（元）", "Amount (yuan)"), true, true}},
                {}};
    for (const auto& x : p.rows) {
      t.rows.push_back({{{engine::to_iso(x.pay_date)},
                         {x.voucher_no},
                         {or_dash(x.payee)},
                         {or_dash(x.memo)},
                         {or_dash(x.pay_method)},
                         {engine::format_yuan(x.amount)}},
                        x.amount.fen < 0 ? "refund" : ""});
    }
    out += render(t);
  }
  if (pages > 1 || d.page > pages) {
    auto page_link = [&](std::int64_t n) {
      return project_href(e.line.code, d.scope_query,
                          "page=" + std::to_string(n) + "&per_page=" + std::to_string(d.per_page)) +
             "#payments";
    };
    std::vector<std::string> links;
    if (d.page > 1) {
      links.push_back(a(page_link(1), tr(l, "« 首页", "« First")));
      links.push_back(a(page_link(std::min(d.page - 1, pages)), tr(l, "‹ 上一页", "‹ Previous")));
    }
    if (d.page < pages) {
      links.push_back(a(page_link(d.page + 1), tr(l, "下一页 ›", "Next ›")));
      links.push_back(a(page_link(pages), tr(l, "末页 »", "Last »")));
    }
    out += "<p class=\"pager\">";
    for (std::size_t i = 0; i < links.size(); ++i) out += (i == 0 ? "" : " · ") + links[i];
    out += "</p>\n";
  }
  return out;
}

std::string indicators_section(const ProjectPageData& d, Lang l) {
  if (d.indicators.empty()) {
    return "<p class=\"note\">" +
           escape(tr(l, "该项目没有登记绩效指标。", "No performance indicator registered.")) +
           "</p>\n";
  }
  LinkTable t{"table-indicators",
              {{tr(l, "一级指标", "Class")},
               {tr(l, "二级指标", "Subclass")},
               {tr(l, "三级指标", "Indicator")},
               {tr(l, "年度指标值", "Target")},
               {tr(l, "实际完成值", "Actual")},
               {tr(l, "完成期限", "Due")},
               {tr(l, "状态", "Status")},
               {tr(l, "说明", "Reason")}},
              {}};
  for (const auto& x : d.indicators) {
    std::string actual = "—";
    if (x.latest) actual = x.latest->value + "（" + engine::to_iso(x.latest->date) + "）";
    if (x.latest && l == Lang::en)
      actual = x.latest->value + " (" + engine::to_iso(x.latest->date) + ")";
    const bool bad =
        x.status == engine::IndicatorStatus::behind || x.status == engine::IndicatorStatus::overdue;
    t.rows.push_back({{{or_dash(x.indicator.indicator_class)},
                       {or_dash(x.indicator.indicator_subclass)},
                       {x.indicator.name},
                       {or_dash(x.indicator.target_raw)},
                       {actual},
                       {engine::to_iso(x.due)},
                       {std::string(engine::text(x.status, l))},
                       {engine::reason_text(x, l)}},
                      bad ? "laggard" : ""});
  }
  return render(t);
}

std::string alerts_section(const ProjectPageData& d, Lang l) {
  if (d.alerts.empty()) {
    return "<p class=\"note\">" + escape(tr(l, "该项目当前没有未解除的预警。", "No open alert.")) +
           "</p>\n";
  }
  LinkTable t{"table-alerts",
              {{tr(l, "预警", "Alert")},
               {tr(l, "级别", "Severity")},
               {tr(l, "状态", "State")},
               {tr(l, "起始日期", "Since")}},
              {}};
  for (const auto& x : d.alerts) {
    std::string what = engine::format_message("rule_kind." + x.rule_kind, l, x.annotations);
    if (what == "rule_kind." + x.rule_kind)
      what = x.rule;  // a kind the catalogue lacks: the rule's name
    std::string severity(engine::message("severity." + x.severity, l));
    const std::string state =
        x.state == "firing" ? tr(l, "已触发", "firing") : tr(l, "待确认", "pending");
    t.rows.push_back({{{what}, {severity}, {state}, {alert_time(x.active_since)}},
                      x.severity == "critical" ? "laggard" : ""});
  }
  return render(t);
}

std::string lines_table(const engine::Snapshot& s,
                        const std::vector<const engine::LineEval*>& lines, std::string_view scope,
                        Lang l) {
  LinkTable t{"table-lines",
              {{tr(l, "序号", "#"), true},
               {tr(l, "项目编码", "Code")},
               {tr(l, "项目名称", "Name")},
               {tr(l, "支出类型", "Kind")},
               {tr(l, "调整后预算（万元）", "Budget in force (10k yuan)"), true},
               {tr(l, "已支付（万元）", "Paid (10k yuan)"), true},
               {tr(l, "未支付（万元）", "Unspent (10k yuan)"), true, true},
               {tr(l, "执行率", "Execution"), true},
               {tr(l, "序时进度", "Expected"), true},
               {tr(l, "差距（百分点）", "Gap (pp)"), true, true},
               {tr(l, "执行区间", "Band")}},
              {}};
  int n = 0;
  for (const engine::LineEval* e : lines) {
    const std::string href = project_href(e->line.code, scope);
    std::string klass;
    if (reports::overspent(*e)) {
      klass = "overspend";
    } else if (e->band == engine::Band::below_50 || e->band == engine::Band::zero) {
      klass = "laggard";
    }
    std::string band = reports::band_name(e->band, l);
    if (reports::overspent(*e)) band += tr(l, "（超预算）", " (overspent)");
    t.rows.push_back({{{std::to_string(++n)},
                       {e->line.code, href},
                       {reports::line_display_name(s, *e, l), href},
                       {reports::kind_label(e->line.kind, l)},
                       {engine::format_wan(e->amounts.adjusted)},
                       {engine::format_wan(e->amounts.paid)},
                       {engine::format_wan(e->amounts.adjusted - e->amounts.paid)},
                       {pct_text(e->execution)},
                       {pct_text(e->expected)},
                       {reports::gap_pp(e->execution, e->expected)},
                       {band}},
                      klass});
  }
  return render(t);
}

}  // namespace

std::string url_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4U];
      out += hex[u & 15U];
    }
  }
  return out;
}

std::string project_page_html(const ProjectPageData& d, Lang l) {
  const engine::Snapshot& s = *d.snapshot;
  const engine::LineEval& e = *d.line;
  const std::string name = reports::line_display_name(s, e, l);
  reports::Document doc(name, s.as_of);
  const std::string unit = e.line.unit_name.empty() ? e.line.unit_code : e.line.unit_name;
  std::string meta =
      "<p class=\"meta\">" + escape(tr(l, "项目编码 ", "Code ")) + "<span id=\"project-code\">" +
      escape(e.line.code) + "</span> · " + escape(tr(l, "预算单位 ", "Unit ")) +
      (e.line.unit_code.empty() ? escape(or_dash(unit))
                                : a(unit_href(e.line.unit_code, d.scope_query), unit));
  if (!e.line.department_name.empty() || !e.line.department_code.empty()) {
    meta +=
        " · " + escape(tr(l, "部门 ", "Department ")) +
        escape(e.line.department_name.empty() ? e.line.department_code : e.line.department_name);
  }
  meta += " · " + escape(tr(l, "预算年度 ", "Fiscal year ")) +
          std::to_string(s.fiscal_year.year()) + " · " + escape(tr(l, "指标来源 ", "Source ")) +
          escape(source_text(e.source, l)) + " · " + escape(tr(l, "数据截至 ", "As of ")) +
          engine::to_iso(s.as_of) + "</p>\n";
  doc.html(meta);

  const auto gap = reports::gap_pp(e.execution, e.expected);
  std::string headline;
  if (l == Lang::zh) {
    headline = "执行率 " + pct_text(e.execution) + "，序时进度 " + pct_text(e.expected) +
               (e.execution && e.expected ? "，差距 " + gap + " 个百分点" : "") + "（" +
               reports::band_name(e.band, l) + "）。";
  } else {
    headline = "Execution " + pct_text(e.execution) + ", expected " + pct_text(e.expected) +
               (e.execution && e.expected ? ", gap " + gap + " pp" : "") + " (" +
               reports::band_name(e.band, l) + ").";
  }
  doc.html("<p class=\"headline\" id=\"headline\">" + escape(headline) + "</p>\n");
  if (reports::overspent(e)) {
    const Money over = e.amounts.paid - e.amounts.adjusted;
    doc.html("<p class=\"overspend\" id=\"overspend\">" +
             escape(l == Lang::zh
                        ? "超预算支出：已支付超过调整后预算 " + engine::format_yuan(over) + " 元。"
                        : "Overspent: paid exceeds the budget in force by " +
                              engine::format_yuan(over) + " yuan.") +
             "</p>\n");
  }

  doc.heading(tr(l, "预算执行情况", "Budget execution"));
  LinkTable summary{"table-summary", {{tr(l, "项目", "Item")}, {tr(l, "数值", "Value"), true}}, {}};
  auto row = [&summary](std::string label, std::string value, std::string klass = {}) {
    summary.rows.push_back({{{std::move(label)}, {std::move(value)}}, std::move(klass)});
  };
  auto yuan_wan = [](Money m) {
    return engine::format_yuan(m) + " 元 / " + engine::format_wan(m) + " 万元";
  };
  auto yuan_wan_en = [](Money m) { return engine::format_yuan(m) + " yuan"; };
  auto money = [&](Money m) { return l == Lang::zh ? yuan_wan(m) : yuan_wan_en(m); };
  row(tr(l, "年初预算", "Initial budget"), money(e.amounts.initial));
  row(tr(l, "预算调整", "Adjustments"), money(e.amounts.adjustment));
  row(tr(l, "调整后预算", "Budget in force"), money(e.amounts.adjusted));
  row(tr(l, "已支付", "Paid"), money(e.amounts.paid), reports::overspent(e) ? "overspend" : "");
  row(tr(l, "未支付", "Unspent"), money(e.amounts.adjusted - e.amounts.paid));
  row(tr(l, "执行率", "Execution"), pct_text(e.execution));
  row(tr(l, "序时进度", "Expected progress"), pct_text(e.expected));
  row(tr(l, "差距（百分点）", "Gap (pp)"), gap);
  row(tr(l, "执行区间", "Band"), reports::band_name(e.band, l));
  row(tr(l, "支出类型", "Kind"), reports::kind_label(e.line.kind, l));
  row(tr(l, "完成时限", "Deadline"), engine::to_iso(e.deadline));
  row(tr(l, "序时进度曲线", "Expected-progress curve"), reports::curve_label(e.curve, l));
  row(tr(l, "项目负责人", "Owner"), or_dash(e.line.owner));
  doc.html(render(summary));

  doc.heading(tr(l, "按月执行情况", "By month"));
  std::string chart;
  const std::string months = months_section(s, e, l, chart);
  doc.html(chart);
  doc.html(months);

  doc.html("<h2 id=\"payments\">" + escape(tr(l, "支付明细", "Payments")) + "</h2>\n");
  doc.html(payments_section(d, l));

  doc.heading(tr(l, "绩效指标", "Performance indicators"));
  doc.html(indicators_section(d, l));

  doc.heading(tr(l, "未解除的预警", "Open alerts"));
  doc.html(alerts_section(d, l));

  doc.html("<p class=\"meta\">" +
           (e.line.unit_code.empty() ? std::string()
                                     : a(unit_href(e.line.unit_code, d.scope_query),
                                         tr(l, "« 返回本单位", "« Back to the unit")) +
                                           " · ") +
           a(report_href(d.scope_query), tr(l, "执行情况报告", "Execution report")) + "</p>\n");
  return doc.html_page(l);
}

std::string unit_page_html(const engine::Snapshot& s, const engine::UnitEval& u,
                           std::string_view scope, Lang l) {
  reports::Document doc(u.name.empty() ? u.code : u.name, s.as_of);
  doc.html("<p class=\"meta\">" + escape(tr(l, "预算单位编码 ", "Unit code ")) +
           "<span id=\"unit-code\">" + escape(u.code) + "</span> · " +
           escape(tr(l, "预算年度 ", "Fiscal year ")) + std::to_string(s.fiscal_year.year()) +
           " · " + escape(tr(l, "数据截至 ", "As of ")) + engine::to_iso(s.as_of) + " · " +
           escape(l == Lang::zh ? "预算项目 " + std::to_string(u.rollup.lines) + " 个"
                                : std::to_string(u.rollup.lines) + " budget lines") +
           "</p>\n");

  doc.heading(tr(l, "合计", "Totals"));
  LinkTable totals{"table-totals",
                   {{tr(l, "类别", "")},
                    {tr(l, "年初预算（万元）", "Initial (10k yuan)"), true},
                    {tr(l, "调整后预算（万元）", "Budget in force (10k yuan)"), true},
                    {tr(l, "已支付（万元）", "Paid (10k yuan)"), true},
                    {tr(l, "未支付（万元）", "Unspent (10k yuan)"), true, true},
                    {tr(l, "执行率", "Execution"), true},
                    {tr(l, "序时进度", "Expected"), true},
                    {tr(l, "差距（百分点）", "Gap (pp)"), true, true}},
                   {}};
  auto total_row = [&totals](std::string label, const engine::Amounts& x, std::string klass) {
    totals.rows.push_back({{{std::move(label)},
                            {engine::format_wan(x.initial)},
                            {engine::format_wan(x.adjusted)},
                            {engine::format_wan(x.paid)},
                            {engine::format_wan(x.adjusted - x.paid)},
                            {pct_text(x.execution())},
                            {pct_text(x.expected())},
                            {reports::gap_pp(x.execution(), x.expected())}},
                           std::move(klass)});
  };
  total_row(reports::kind_label(engine::LineKind::basic, l), u.rollup.basic, "");
  total_row(reports::kind_label(engine::LineKind::project, l), u.rollup.project, "");
  total_row(tr(l, "合计", "Total"), u.rollup.all, "total");
  doc.html(render(totals));

  doc.heading(tr(l, "预算项目（按风险排序）", "Budget lines by risk"));
  doc.note(
      tr(l, "排序：执行率低于序时进度最多者在前，其次未支付金额大者在前；超预算支出的行标为红色。",
         "Most behind expected progress first, then the largest unspent amount; overspent rows in "
         "red."));
  doc.html(lines_table(s, reports::lines_by_risk(s, u.code), scope, l));
  doc.html(
      "<p class=\"meta\">" +
      a(report_href(scope, u.code), tr(l, "本单位执行情况报告", "This unit's execution report")) +
      " · " +
      a(report_href(scope), tr(l, "全部单位执行情况报告", "Execution report of all units")) +
      "</p>\n");
  return doc.html_page(l);
}

std::string message_page_html(std::string_view title, std::string_view message,
                              std::string_view back_href, std::string_view back_label, Lang l) {
  std::string out = reports::html::page_begin(l, title);
  out += "<h1>" + escape(title) + "</h1>\n<p id=\"message\">" + escape(message) + "</p>\n<p>" +
         a(back_href, back_label) + "</p>\n</main>\n</body>\n</html>\n";
  return out;
}

namespace {

// ---- handlers
// ----------------------------------------------------------------------------------------

struct Pages {
  PageContext ctx;

  // The page's language: ?lang=, else the config's; nullopt when ?lang= is not a language.
  std::optional<Lang> lang_of(const Request& r) const {
    auto l = reports::parse_lang(param(r, "lang").value_or(ctx.api.language));
    if (!l) return std::nullopt;
    return *l;
  }

  static Response error_page(int status, const Scope& s, Lang l) {
    const std::string title = status == 503   ? tr(l, "暂无数据", "No figures yet")
                              : status == 404 ? tr(l, "未找到", "Not found")
                                              : tr(l, "请求有误", "Bad request");
    return html_page(
        status, message_page_html(title, l == Lang::zh ? s.error_zh : s.error_en,
                                  "/api/v1/reports/execution?format=html",
                                  tr(l, "返回执行情况报告", "Back to the execution report"), l));
  }

  awaitable<Response> project_page(Request& r) const {
    const auto lang = lang_of(r);
    if (!lang) {
      co_return html_page(400, message_page_html("请求有误 / Bad request",
                                                 "lang 应为 zh-CN 或 en / lang must be zh-CN or en",
                                                 "/api/v1/reports/execution?format=html",
                                                 "执行情况报告 / Execution report", Lang::zh));
    }
    const Lang l = *lang;
    auto scope_task = resolve_scope(ctx.api, r);
    Scope scope = co_await std::move(scope_task);
    if (!scope.snapshot) co_return error_page(scope.status, scope, l);
    const std::string code = r.path_params.at("code");
    const engine::LineEval* e = scope.snapshot->find_line(code);
    const std::string query = with_lang(r, scope.query, l);
    if (e == nullptr) {
      const std::string year = std::to_string(scope.snapshot->fiscal_year.year());
      co_return html_page(
          404,
          message_page_html(
              tr(l, "未找到该项目", "No such project"),
              l == Lang::zh
                  ? year + " 预算年度没有编码为“" + code + "”的预算项目。"
                  : "Fiscal year " + year + " has no budget line with the code '" + code + "'.",
              report_href(query), tr(l, "返回执行情况报告", "Back to the execution report"), l));
    }
    const auto page = int_param(r, "page", 1, 1, 1'000'000);
    const auto per_page = int_param(r, "per_page", default_per_page, 1, max_per_page);
    if (!page || !per_page) {
      co_return html_page(
          400, message_page_html(
                   tr(l, "请求有误", "Bad request"),
                   tr(l, "page 与 per_page 应为正整数（per_page 不超过 1000）。",
                      "page and per_page must be positive whole numbers (per_page ≤ 1000)."),
                   project_href(code, query), tr(l, "返回项目", "Back to the project"), l));
    }
    auto data = std::make_shared<ProjectPageData>();
    data->snapshot = scope.snapshot.get();
    data->line = e;
    data->page = *page;
    data->per_page = *per_page;
    data->scope_query = query;
    const store::LinePaymentQuery q = payment_query(*scope.snapshot, *e, *page, *per_page);
    auto snap = scope.snapshot;
    AlertApiContext::DbJob job = [data, snap, q, l](store::Database& db) {
      data->payments = store::line_payments(db, q);
      std::vector<engine::Indicator> mine;
      for (auto& i : store::load_indicators(db, snap->fiscal_year)) {  // the page's year's
        if (i.project_code == data->line->line.code) mine.push_back(std::move(i));
      }
      if (!mine.empty())
        data->indicators =
            engine::evaluate_indicators(mine, store::load_actuals(db, snap->fiscal_year), *snap);
      data->alerts = open_alerts(db, data->line->line.code, snap->fiscal_year.year());
      return html_page(200, project_page_html(*data, l));
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }

  awaitable<Response> unit_page(Request& r) const {
    const auto lang = lang_of(r);
    if (!lang) {
      co_return html_page(400, message_page_html("请求有误 / Bad request",
                                                 "lang 应为 zh-CN 或 en / lang must be zh-CN or en",
                                                 "/api/v1/reports/execution?format=html",
                                                 "执行情况报告 / Execution report", Lang::zh));
    }
    const Lang l = *lang;
    auto scope_task = resolve_scope(ctx.api, r);
    Scope scope = co_await std::move(scope_task);
    if (!scope.snapshot) co_return error_page(scope.status, scope, l);
    const std::string code = r.path_params.at("code");
    const std::string query = with_lang(r, scope.query, l);
    const engine::UnitEval* u = scope.snapshot->find_unit(code);
    if (u == nullptr) {
      const std::string year = std::to_string(scope.snapshot->fiscal_year.year());
      co_return html_page(
          404,
          message_page_html(
              tr(l, "未找到该单位", "No such unit"),
              l == Lang::zh
                  ? year + " 预算年度没有编码为“" + code + "”的预算单位。"
                  : "Fiscal year " + year + " has no budget unit with the code '" + code + "'.",
              report_href(query), tr(l, "返回执行情况报告", "Back to the execution report"), l));
    }
    co_return html_page(200, unit_page_html(*scope.snapshot, *u, query, l));
  }

  // GET /api/v1/projects/{code}/payments: JSON, errors as the API's.
  awaitable<Response> payments_json(Request& r) const {
    auto scope_task = resolve_scope(ctx.api, r);
    Scope scope = co_await std::move(scope_task);
    if (!scope.snapshot) co_return error_response(scope.status, scope.error_en);
    const std::string code = r.path_params.at("code");
    const engine::LineEval* e = scope.snapshot->find_line(code);
    if (e == nullptr) co_return error_response(404, "no project " + code);
    const auto page = int_param(r, "page", 1, 1, 1'000'000);
    const auto per_page = int_param(r, "per_page", 100, 1, max_per_page);
    if (!page || !per_page)
      co_return error_response(400,
                               "page and per_page must be positive integers (per_page ≤ 1000)");
    const store::LinePaymentQuery q = payment_query(*scope.snapshot, *e, *page, *per_page);
    auto snap = scope.snapshot;
    const std::int64_t pg = *page;
    const std::int64_t pp = *per_page;
    AlertApiContext::DbJob job = [snap, q, code, pg, pp](store::Database& db) {
      const store::PaymentPage p = store::line_payments(db, q);
      json::object o;
      o["as_of"] = engine::to_iso(snap->as_of);
      o["fiscal_year"] = snap->fiscal_year.year();
      o["code"] = code;
      o["total"] = p.total;
      o["sum_fen"] = p.sum.fen;
      o["page"] = pg;
      o["per_page"] = pp;
      json::array items;
      for (const auto& x : p.rows) {
        items.push_back({{"voucher_no", x.voucher_no},
                         {"date", engine::to_iso(x.pay_date)},
                         {"unit_code", x.unit_code},
                         {"project_code", x.project_code},
                         {"amount_fen", x.amount.fen},
                         {"amount_yuan", engine::format_yuan(x.amount, false)},
                         {"payee", x.payee},
                         {"memo", x.memo},
                         {"func_class", x.func_class},
                         {"econ_class", x.econ_class},
                         {"pay_method", x.pay_method},
                         {"fund_type", x.fund_type}});
      }
      o["items"] = std::move(items);
      return json_response(200, o);
    };
    auto task = ctx.on_reader(std::move(job));
    co_return co_await std::move(task);
  }

  // The payments the engine sums into the line: its code, and for the only basic line of its unit
  // the unit's payments written without a code; from the fiscal year's first day to the snapshot's
  // date.
  static store::LinePaymentQuery payment_query(const engine::Snapshot& s, const engine::LineEval& e,
                                               std::int64_t page, std::int64_t per_page) {
    store::LinePaymentQuery q;
    q.project_code = e.line.code;
    if (e.line.kind == engine::LineKind::basic) {
      const auto basic_lines =
          std::count_if(s.lines.begin(), s.lines.end(), [&e](const engine::LineEval& o) {
            return o.line.kind == engine::LineKind::basic && o.line.unit_code == e.line.unit_code;
          });
      if (basic_lines == 1) q.blank_of_unit = e.line.unit_code;
    }
    q.from = s.fiscal_year.first_day();
    q.to = s.as_of;
    q.offset = (page - 1) * per_page;
    q.limit = per_page;
    return q;
  }

  // The pending and firing alerts of a line in a fiscal year (labels project_code and fiscal_year).
  static std::vector<OpenAlert> open_alerts(store::Database& db, const std::string& code,
                                            int year) {
    std::vector<OpenAlert> out;
    for (const store::AlertRow& row : store::load_alerts(db)) {
      if (row.state != "pending" && row.state != "firing") continue;
      std::map<std::string, std::string> labels;
      std::map<std::string, std::string> annotations;
      auto read = [](const std::string& text, std::map<std::string, std::string>& into) {
        boost::system::error_code ec;
        const json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) return;
        for (const auto& [k, x] : v.as_object()) {
          if (x.is_string()) into[std::string(k)] = std::string(x.as_string());
        }
      };
      read(row.labels, labels);
      if (labels["project_code"] != code) continue;
      if (!labels["fiscal_year"].empty() && labels["fiscal_year"] != std::to_string(year)) continue;
      read(row.annotations, annotations);
      out.push_back({row.rule, labels["rule_kind"], row.severity, row.state, row.active_since,
                     std::move(annotations)});
    }
    std::sort(out.begin(), out.end(), [](const OpenAlert& x, const OpenAlert& y) {
      return std::tie(x.active_since, x.rule) < std::tie(y.active_since, y.rule);
    });
    return out;
  }
};

}  // namespace

void add_page_routes(Router& router, PageContext ctx) {
  auto pages = std::make_shared<Pages>(Pages{std::move(ctx)});
  router.add({"GET", "/projects/{code}", "page_project", BodyKind::none, "",
              [pages](Request& r) { return pages->project_page(r); }});
  router.add({"GET", "/units/{code}", "page_unit", BodyKind::none, "",
              [pages](Request& r) { return pages->unit_page(r); }});
  router.add({"GET", "/api/v1/projects/{code}/payments", "api_project_payments", BodyKind::none, "",
              [pages](Request& r) { return pages->payments_json(r); }});
}

}  // namespace bw::web
