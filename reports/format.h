// Output formats and languages of the reports, and the small formatting helpers they share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/money.h"
#include "engine/ratio.h"
#include "engine/result.h"

namespace bw::reports {

/// Output format of a report.
enum class Format { json, csv, md };
/// "json" | "csv" | "md" (also "markdown").
Result<Format> parse_format(std::string_view s);

/// Language of the user-facing text: zh-CN by default, English by option.
enum class Lang { zh, en };
/// "zh", "zh-CN", "zh_CN" → zh; "en", "en-US", ... → en.
Result<Lang> parse_lang(std::string_view s);

/// Picks the text of a language.
inline const char* tr(Lang l, const char* zh, const char* en) { return l == Lang::zh ? zh : en; }

/// "91.38%" or "—" when undefined.
std::string pct_or_dash(const std::optional<engine::Ratio>& r);

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(std::string_view s);

/// A Markdown table cell: pipes escaped, line breaks removed.
std::string md_cell(std::string_view s);

}  // namespace bw::reports
