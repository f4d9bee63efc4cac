#include "reports/format.h"

namespace bw::reports {

Result<Format> parse_format(std::string_view s) {
  if (s == "json") return Format::json;
  if (s == "csv") return Format::csv;
  if (s == "md" || s == "markdown") return Format::md;
  if (s == "html") return Format::html;
  if (s == "xlsx") return Format::xlsx;
  return fail(Errc::invalid_input, "unknown format '" + std::string(s) + "' (json, csv, md, html or xlsx)");
}

const char* content_type(Format f) {
  switch (f) {
    case Format::json: return "application/json";
    case Format::csv: return "text/csv; charset=utf-8";
    case Format::md: return "text/markdown; charset=utf-8";
    case Format::html: return "text/html; charset=utf-8";
    case Format::xlsx: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

const char* extension(Format f) {
  switch (f) {
    case Format::json: return "json";
    case Format::csv: return "csv";
    case Format::md: return "md";
    case Format::html: return "html";
    case Format::xlsx: return "xlsx";
  }
  return "bin";
}

const char* lang_tag(Lang l) { return l == Lang::zh ? "zh-CN" : "en"; }

Result<Lang> parse_lang(std::string_view s) {
  if (s == "zh" || s == "zh-CN" || s == "zh_CN" || s == "zh-cn") return Lang::zh;
  if (s.substr(0, 2) == "en") return Lang::en;
  return fail(Errc::invalid_input, "unknown language '" + std::string(s) + "' (zh-CN or en)");
}

std::string pct_or_dash(const std::optional<engine::Ratio>& r) {
  return r ? engine::format_pct(*r) + "%" : "—";
}

std::optional<engine::Ratio> gap_of(const std::optional<engine::Ratio>& execution,
                                    const std::optional<engine::Ratio>& expected) {
  if (!execution || !expected) return std::nullopt;
  return engine::Ratio{execution->num * expected->den - expected->num * execution->den,
                       execution->den * expected->den};
}

boost::json::value pct(const std::optional<engine::Ratio>& r) {
  if (!r) return nullptr;
  return boost::json::string(engine::format_pct(*r));
}

boost::json::value gap_json(const std::optional<engine::Ratio>& execution,
                            const std::optional<engine::Ratio>& expected) {
  if (!execution || !expected) return nullptr;
  return boost::json::string(gap_pp(execution, expected));
}

std::string gap_pp(const std::optional<engine::Ratio>& execution, const std::optional<engine::Ratio>& expected) {
  const auto diff = gap_of(execution, expected);
  if (!diff) return "—";
  std::string s = engine::format_pct(*diff);
  if (s.front() != '-') s = "+" + s;
  return s;
}

std::optional<engine::Ratio> table_adjustment_rate(const engine::Amounts& a) {
  if (a.initial.fen == 0) {
    if (a.adjustment.fen == 0) return engine::Ratio{0, 1};
    return engine::Ratio{1, 1};
  }
  return engine::Ratio::of(engine::abs(a.adjustment).fen, a.initial.fen);
}

std::string adjustment_rates_note(Lang l) {
  return l == Lang::zh ? "净调整率 = |调整| / 年初预算数（各行；年中新增项目为 100%）；预算调整率 = Σ|各项目调整| / "
                         "Σ年初预算数（财务管理指标得分所用，与合计行的净调整率不同）。"
                       : "Net adjustment rate = |net adjustment| / initial budget (each row; 100% for a mid-year new "
                         "project); budget adjustment rate = Σ|each line's net adjustment| / Σ initial budgets (the "
                         "score's input, not the total row's net rate).";
}

std::string score_or_dash(const std::optional<engine::Ratio>& r) {
  return r ? engine::format_decimal(*r, 2) : "—";
}

const char* kind_label(engine::LineKind k, Lang l) { return engine::text(k, l).data(); }

const char* curve_label(engine::CurveKind k, Lang l) { return engine::text(k, l).data(); }

const char* band_name(engine::Band b, Lang l) { return engine::text(b, l).data(); }

const char* csv_band(engine::Band b, Lang l) { return l == Lang::zh ? band_name(b, l) : engine::to_string(b); }

const char* csv_curve(engine::CurveKind k, Lang l) {
  return l == Lang::zh ? curve_label(k, l) : engine::to_string(k);
}

std::string band_label(engine::Band b, const engine::Policy& p, Lang l) {
  const std::string thr = std::to_string(p.threshold_bp / 100) + "%";
  const std::string low = std::to_string(p.low_bp / 100) + "%";
  switch (b) {
    case engine::Band::on_track: return "≥ " + thr;
    case engine::Band::below_80: return low + "–" + thr;
    case engine::Band::below_50: return "0–" + low;
    case engine::Band::zero: return "= 0%";
    case engine::Band::no_budget: return band_name(b, l);
  }
  return "";
}

std::string month_label(engine::CivilDate d, Lang l) {
  static constexpr const char* en[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  if (l == Lang::zh) return std::to_string(y) + "年" + std::to_string(m) + "月";
  return std::string(en[m - 1]) + " " + std::to_string(y);
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
