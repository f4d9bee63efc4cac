// Output formats and languages of the reports, and the small formatting helpers they share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "engine/execution.h"
#include "engine/messages.h"
#include "engine/model.h"
#include "engine/money.h"
#include "engine/ratio.h"
#include "engine/result.h"

namespace bw::reports {

/// Output format of a report. HTML is one self-contained page (inline CSS and SVG, no script, no
/// network); xlsx is an Excel workbook (binary: reports/xlsx.h).
enum class Format { json, csv, md, html, xlsx };
/// "json" | "csv" | "md" (also "markdown") | "html" | "xlsx".
Result<Format> parse_format(std::string_view s);

/// The HTTP Content-Type of a format: "application/json", "text/csv; charset=utf-8",
/// "text/markdown; charset=utf-8", "text/html; charset=utf-8",
/// "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".
const char* content_type(Format f);

/// The file name extension of a format, without the dot: "json", "csv", "md", "html", "xlsx".
const char* extension(Format f);

/// Language of the user-facing text: zh-CN by default, English by option. The words of coded values
/// (bands, curves, kinds, statuses) come from the message catalogue (engine/messages.h).
using Lang = engine::Lang;
/// "zh", "zh-CN", "zh_CN" → zh; "en", "en-US", ... → en.
Result<Lang> parse_lang(std::string_view s);

/// Picks the text of a language.
inline const char* tr(Lang l, const char* zh, const char* en) { return l == Lang::zh ? zh : en; }

/// The BCP 47 tag of a language, for HTML's lang attribute: "zh-CN" | "en".
const char* lang_tag(Lang l);

/// "91.38%" or "—" when undefined.
std::string pct_or_dash(const std::optional<engine::Ratio>& r);

/// Execution minus expected progress (序时进度) in percentage points with a sign and two decimals:
/// "-3.25" (behind), "+1.10", "+0.00"; "—" when either is undefined.
std::string gap_pp(const std::optional<engine::Ratio>& execution,
                   const std::optional<engine::Ratio>& expected);
/// A rate as the JSON of every report writes it: a percent string with two decimals ("91.38"), null
/// when undefined.
boost::json::value pct(const std::optional<engine::Ratio>& r);
/// gap_pp as JSON: null when either rate is undefined.
boost::json::value gap_json(const std::optional<engine::Ratio>& execution,
                            const std::optional<engine::Ratio>& expected);

/// The exact difference execution − expected (a share, not points); nullopt when either is
/// undefined.
std::optional<engine::Ratio> gap_of(const std::optional<engine::Ratio>& execution,
                                    const std::optional<engine::Ratio>& expected);

/// 调整率 of a table row as the Liwan report prints it (tables 1-5 and 1-6): |net adjustment| /
/// initial; a row with no initial budget that was given money shows 100% (a mid-year new project),
/// 0% when neither.
std::optional<engine::Ratio> table_adjustment_rate(const engine::Amounts& a);

/// The UTF-8 byte order mark that starts a CSV report by default (`report --no-bom`, `?bom=0` leave
/// it out): Excel on Chinese Windows reads a CSV without it as GB18030 and shows the Chinese
/// headers garbled.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// The two adjustment rates are different figures with different names (issue 17): 净调整率 (net
/// adjustment rate) of a row = |its net adjustment| / its initial budget (table_adjustment_rate;
/// the department row: |Σ adjustments| / Σ initial), and 预算调整率 (budget adjustment rate, the
/// score's input) = Σ|each line's net adjustment| / Σ initial. This sentence says so under every
/// table that shows one: "净调整率 = …；预算调整率 = …".
std::string adjustment_rates_note(Lang l);

/// A score with two decimals ("4.55"), "—" when undefined.
std::string score_or_dash(const std::optional<engine::Ratio>& r);

/// 基本支出 / 项目支出, or "basic" / "project" in English.
const char* kind_label(engine::LineKind k, Lang l);

/// What an expected-progress curve is, in words (the catalogue's): linear_to_deadline →
/// "按日线性至完成时限" / "linear by day to the deadline"; the identifier itself is
/// engine::to_string(k), kept in JSON.
const char* curve_label(engine::CurveKind k, Lang l);

/// A band in words (the catalogue's): on_track → "正常" / "on track", below_50 → "严重偏低" / "very
/// low"; the identifier itself is engine::to_string(b), kept in JSON.
const char* band_name(engine::Band b, Lang l);

/// A band in words under the policy's threshold and low edge: "≥ 80%", "50%–80%", "0–50%", "= 0%",
/// "无预算"/"no budget".
std::string band_label(engine::Band b, const engine::Policy& p, Lang l);

/// The band and curve columns of a CSV report: words in the Chinese one (执行率区间 "偏低",
/// 序时进度曲线 "按日线性至完成时限"), the codes in the English one (for scripts, like its
/// snake_case header and `kind`).
const char* csv_band(engine::Band b, Lang l);
const char* csv_curve(engine::CurveKind k, Lang l);

/// A fiscal month in words: "2021年6月" / "June 2021".
std::string month_label(engine::CivilDate d, Lang l);

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(std::string_view s);

/// A Markdown table cell: pipes escaped, line breaks removed.
std::string md_cell(std::string_view s);

}  // namespace bw::reports
