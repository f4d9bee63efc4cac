// Small UTF-8 text helpers shared by the parsers of amounts, dates and targets: trimming (ASCII and
// ideographic spaces) and folding full-width forms (１２．５ → 12.5) to ASCII.
#pragma once

#include <string>
#include <string_view>

namespace bw::engine {

/// Removes leading and trailing ASCII whitespace, U+3000 (ideographic space), U+00A0 (no-break
/// space) and a UTF-8 byte order mark. Returns a view into `s`.
std::string_view trim(std::string_view s);

/// Folds the full-width forms U+FF01..U+FF5E to their ASCII counterparts (１ → 1, ， → ,, （ → (,
/// － → -) and U+3000 to a space; every other character is copied unchanged.
std::string fold_full_width(std::string_view s);

/// The normalised form of an identifier such as a voucher number (支付凭证号), for uniqueness: the
/// compatibility forms NFKC folds in such codes (full-width U+FF01..U+FF5E, U+3000 and the no-break
/// and typographic spaces U+00A0, U+2000..U+200A, U+202F, U+205F) mapped to ASCII, surrounding
/// whitespace removed and ASCII letters upper-cased: `ｚｆ2021-000002 ` and `ZF2021-000002` are one
/// voucher. Other characters are kept as they are. Writes into `out`; returns true when it differs
/// from `s`.
bool normalize_key(std::string_view s, std::string& out);

/// Text escaped for HTML content and attribute values: & < > " ' become entities (mail bodies,
/// reports and pages share this one escaping).
std::string html_escape(std::string_view s);

/// True when `s` ends with `suffix` (byte-wise).
constexpr bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// True when `s` starts with `prefix` (byte-wise).
constexpr bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace bw::engine
