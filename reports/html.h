// Building blocks of the HTML reports: escaping, the self-contained page (inline CSS, a
// Content-Security-Policy that forbids every fetch and script, system fonts only), tables, and the
// inline SVG charts (cumulative execution vs expected progress by month, projects by band, the
// largest unspent balances). Used by every report's HTML renderer; no JavaScript anywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/civil_date.h"
#include "engine/execution.h"
#include "reports/document.h"
#include "reports/format.h"
#include "reports/points.h"
#include "reports/text_sink.h"

namespace bw::reports::html {

/// Text escaped for HTML content and attribute values (& < > " ').
std::string escape(std::string_view s);

/// At most `max_chars` UTF-8 code points of `s`, with "…" appended when cut.
std::string truncate_utf8(std::string_view s, std::size_t max_chars);

/// The page up to the opening of <main>: doctype, <html lang>, <meta charset="utf-8">, a CSP of
/// default-src 'none' (inline style only), the title (escaped) and the stylesheet.
std::string page_begin(Lang l, std::string_view title);
/// Closes <main>, adds the footer (generator and as-of date) and closes the page.
std::string page_end(Lang l, engine::CivilDate as_of);

/// The HTML of a table (cells escaped; numeric columns right-aligned; negative values of
/// flag_negative columns in red; `row_class` on the <tr>).
std::string table(const Table& t);
/// The same HTML appended to `out`; with a sink (whose text() is `out`), each row is a row_done().
void append_table(std::string& out, const Table& t, TextSink* sink = nullptr);
/// The same HTML in three parts, for a table written row by row without holding its rows: up to
/// <tbody>, one row of `t`'s columns (t.rows is not read), and the end.
void append_table_head(std::string& out, const Table& t);
void append_table_row(std::string& out, const Table& t, const Row& r);
void append_table_end(std::string& out);

/// A line chart of cumulative execution (solid) and expected progress (dashed) at each month end of
/// the fiscal year: the x axis has the year's twelve months, one point (<circle
/// data-series="execution|expected" data-date="YYYY-MM-DD" data-pct="47.48">) per month end passed.
/// id="chart-progress".
std::string progress_chart(const engine::FiscalYear& fy, const std::vector<ProgressPoint>& points,
                           Lang l);

/// A bar chart of the project counts per band (<rect data-band="on_track" data-count="19">),
/// labelled with the policy's threshold and low edge. id="chart-bands".
std::string bands_chart(const engine::BandCounts& b, int threshold_bp, int low_bp, Lang l);

/// A horizontal bar chart of unspent balances in 万元 (<rect data-code="…"
/// data-unspent-wan="396.10">), largest first. id="chart-unspent".
std::string unspent_chart(const std::vector<UnspentItem>& items, Lang l);

/// The three charts side by side (<div class="charts">): progress by month end, projects by band
/// (under the snapshot's policy), the largest unspent balances.
std::string charts(const engine::Snapshot& s, const std::vector<ProgressPoint>& progress,
                   const engine::BandCounts& b, const std::vector<UnspentItem>& unspent, Lang l);

}  // namespace bw::reports::html
