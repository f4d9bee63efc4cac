#include "reports/format.h"

namespace bw::reports {

Result<Format> parse_format(std::string_view s) {
  if (s == "json") return Format::json;
  if (s == "csv") return Format::csv;
  if (s == "md" || s == "markdown") return Format::md;
  return fail(Errc::invalid_input, "unknown format '" + std::string(s) + "' (json, csv or md)");
}

Result<Lang> parse_lang(std::string_view s) {
  if (s == "zh" || s == "zh-CN" || s == "zh_CN" || s == "zh-cn") return Lang::zh;
  if (s.substr(0, 2) == "en") return Lang::en;
  return fail(Errc::invalid_input, "unknown language '" + std::string(s) + "' (zh-CN or en)");
}

std::string pct_or_dash(const std::optional<engine::Ratio>& r) {
  return r ? engine::format_pct(*r) + "%" : "—";
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace bw::reports
