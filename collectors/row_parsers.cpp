#include "collectors/row_parsers.h"

#include <algorithm>

#include "engine/text.h"

namespace bw::collect {
namespace {

using engine::trim;

std::string_view field(const CsvRecord& rec, const ResolvedColumns& cols, Field f) {
  const int i = cols.at(f);
  if (i < 0 || static_cast<std::size_t>(i) >= rec.fields.size()) return {};
  return trim(rec.fields[static_cast<std::size_t>(i)]);
}

tl::unexpected<RowError> row_error(const ResolvedColumns& cols, Field f, std::string reason) {
  return tl::unexpected<RowError>(RowError{cols.at(f) + 1, cols.header_of(f), std::move(reason)});
}

RowResult<engine::Money> money_field(const CsvRecord& rec, const ResolvedColumns& cols, Field f) {
  const auto unit = cols.unit[static_cast<std::size_t>(f)].value_or(engine::MoneyUnit::yuan);
  auto m = engine::parse_money(field(rec, cols, f), unit);
  if (!m) return row_error(cols, f, m.error().message);
  return *m;
}

RowResult<engine::CivilDate> date_field(const CsvRecord& rec, const ResolvedColumns& cols,
                                        Field f) {
  auto d = engine::parse_date(field(rec, cols, f));
  if (!d) return row_error(cols, f, d.error().message);
  return *d;
}

RowResult<std::string_view> required_text(const CsvRecord& rec, const ResolvedColumns& cols,
                                          Field f, const char* what) {
  const std::string_view v = field(rec, cols, f);
  if (v.empty()) return row_error(cols, f, std::string("missing ") + what);
  return v;
}

std::vector<std::string> split_tags(std::string_view s) {
  std::vector<std::string> out;
  std::string folded = engine::fold_full_width(s);  // ， → ,
  for (const char* sep : {"、", ";", "|"}) {
    for (std::size_t pos; (pos = folded.find(sep)) != std::string::npos;)
      folded.replace(pos, std::string_view(sep).size(), ",");
  }
  std::string_view rest = folded;
  while (!rest.empty()) {
    const auto pos = rest.find(',');
    const std::string_view tag = trim(rest.substr(0, pos));
    if (!tag.empty()) out.emplace_back(tag);
    if (pos == std::string_view::npos) break;
    rest.remove_prefix(pos + 1);
  }
  return out;
}

RowResult<int> seq_field(const CsvRecord& rec, const ResolvedColumns& cols) {
  const std::string folded = engine::fold_full_width(field(rec, cols, Field::seq));
  if (folded.empty() || folded.size() > 6 ||
      !std::all_of(folded.begin(), folded.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return row_error(cols, Field::seq, "'" + folded + "' is not a sequence number (1, 2, ...)");
  }
  return std::stoi(folded);
}

// 预算年度: "2022", "2022年" (full-width digits too); 0 when empty: the file's year
// (collectors/ingest.cpp).
RowResult<int> fiscal_year_field(const CsvRecord& rec, const ResolvedColumns& cols) {
  const std::string_view fy = engine::trim(field(rec, cols, Field::fiscal_year));
  if (fy.empty()) return 0;
  std::string digits = engine::fold_full_width(fy);
  if (digits.size() > 3 && digits.ends_with("年")) digits.resize(digits.size() - 3);
  const bool year = digits.size() == 4 && std::all_of(digits.begin(), digits.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!year || digits < "1900" || digits > "2999") {
    return row_error(cols, Field::fiscal_year,
                     "'" + std::string(fy) + "' is not a fiscal year (a year such as 2022)");
  }
  return std::stoi(digits);
}

}  // namespace

RowResult<store::IndicatorRow> parse_indicator(const CsvRecord& rec, const ResolvedColumns& cols) {
  store::IndicatorRow r;
  auto code = required_text(rec, cols, Field::project_code, "project code");
  if (!code) return tl::unexpected(code.error());
  auto seq = seq_field(rec, cols);
  if (!seq) return tl::unexpected(seq.error());
  auto name = required_text(rec, cols, Field::indicator_name, "indicator name");
  if (!name) return tl::unexpected(name.error());
  r.project_code = std::string(*code);
  r.seq = *seq;
  r.name = std::string(*name);
  r.source_no = std::string(field(rec, cols, Field::source_no));
  r.indicator_class = std::string(field(rec, cols, Field::indicator_class));
  r.indicator_subclass = std::string(field(rec, cols, Field::indicator_subclass));
  r.period_target_raw = std::string(field(rec, cols, Field::period_target_raw));
  // The target text is kept exactly as written (an empty one is a target the form left blank:
  // qualitative).
  r.target_raw = std::string(field(rec, cols, Field::target_raw));
  auto fiscal_year = fiscal_year_field(rec, cols);
  if (!fiscal_year) return tl::unexpected(fiscal_year.error());
  r.fiscal_year = *fiscal_year;
  return r;
}

RowResult<store::ActualRow> parse_actual(const CsvRecord& rec, const ResolvedColumns& cols) {
  store::ActualRow r;
  auto code = required_text(rec, cols, Field::project_code, "project code");
  if (!code) return tl::unexpected(code.error());
  r.project_code = std::string(*code);
  if (cols.has(Field::seq) && !field(rec, cols, Field::seq).empty()) {
    auto seq = seq_field(rec, cols);
    if (!seq) return tl::unexpected(seq.error());
    r.seq = *seq;
  }
  r.name = std::string(field(rec, cols, Field::indicator_name));
  if (!r.seq && r.name.empty()) {
    const Field f = cols.has(Field::seq) ? Field::seq : Field::project_code;
    return row_error(cols, f, "give the indicator's seq or its name (三级指标)");
  }
  auto date = date_field(rec, cols, Field::actual_date);
  if (!date) return tl::unexpected(date.error());
  r.date = engine::to_iso(*date);
  auto value = required_text(rec, cols, Field::actual_value, "value");
  if (!value) return tl::unexpected(value.error());
  r.value = std::string(*value);
  r.note = std::string(field(rec, cols, Field::note));
  return r;
}

RowResult<void> check_field_count(const CsvRecord& rec, const ResolvedColumns& cols) {
  const std::size_t n = rec.fields.size();
  if (n == cols.columns) return {};
  // Strict: an extra column, even an empty one, means the row does not line up with the header (an
  // unquoted "12,345.60" splits into two fields), so no field of it can be trusted.
  const int column = static_cast<int>(n < cols.columns ? n + 1 : cols.columns + 1);
  return tl::unexpected<RowError>(
      RowError{column, "",
               "expected " + std::to_string(cols.columns) + " fields, found " + std::to_string(n)});
}

RowResult<store::PaymentRow> parse_payment(const CsvRecord& rec, const ResolvedColumns& cols,
                                           const store::BasicLinesByUnit& basic_lines,
                                           unsigned fiscal_start_month) {
  store::PaymentRow p;
  p.line = rec.line;
  auto voucher = required_text(rec, cols, Field::voucher_no, "voucher number");
  if (!voucher) return tl::unexpected(voucher.error());
  p.voucher_no = *voucher;
  auto date = date_field(rec, cols, Field::pay_date);
  if (!date) return tl::unexpected(date.error());
  p.pay_date = *date;
  auto unit = required_text(rec, cols, Field::unit_code, "unit code");
  if (!unit) return tl::unexpected(unit.error());
  p.unit_code = *unit;
  auto amount = money_field(rec, cols, Field::amount);
  if (!amount) return tl::unexpected(amount.error());
  p.amount = *amount;

  p.project_code = field(rec, cols, Field::project_code);
  if (p.project_code == basic_expenditure_code) p.project_code = {};
  if (p.project_code.empty()) {
    const int year = engine::FiscalYear::containing(p.pay_date, fiscal_start_month).year();
    const std::vector<std::string>* of_year = nullptr;
    if (auto of_unit = basic_lines.find(std::string(p.unit_code)); of_unit != basic_lines.end()) {
      if (auto it = of_unit->second.find(year); it != of_unit->second.end()) of_year = &it->second;
    }
    if (of_year != nullptr && of_year->size() > 1) {
      std::string codes;
      for (const auto& c : *of_year) codes += (codes.empty() ? "" : ", ") + c;
      return row_error(cols, Field::project_code,
                       "basic-expenditure payment is ambiguous: unit " + std::string(p.unit_code) +
                           " has " + std::to_string(of_year->size()) +
                           " basic-expenditure lines in fiscal year " + std::to_string(year) +
                           " (" + codes + "); write the line's project code");
    }
  }
  p.unit_name = field(rec, cols, Field::unit_name);
  p.project_name = field(rec, cols, Field::project_name);
  p.func_class = field(rec, cols, Field::func_class);
  p.econ_class = field(rec, cols, Field::econ_class);
  p.pay_method = field(rec, cols, Field::pay_method);
  p.fund_type = field(rec, cols, Field::fund_type);
  p.payee = field(rec, cols, Field::payee);
  p.memo = field(rec, cols, Field::memo);
  return p;
}

RowResult<engine::BudgetLine> parse_budget_line(const CsvRecord& rec, const ResolvedColumns& cols) {
  engine::BudgetLine l;
  auto code = required_text(rec, cols, Field::project_code, "project code");
  if (!code) return tl::unexpected(code.error());
  l.code = *code;
  auto name = required_text(rec, cols, Field::project_name, "project name");
  if (!name) return tl::unexpected(name.error());
  l.name = *name;
  auto unit = required_text(rec, cols, Field::unit_code, "unit code");
  if (!unit) return tl::unexpected(unit.error());
  l.unit_code = *unit;
  l.unit_name = field(rec, cols, Field::unit_name);

  const std::string_view kind = field(rec, cols, Field::line_kind);
  if (kind == "基本支出" || kind == "basic") {
    l.kind = engine::LineKind::basic;
  } else if (kind.empty() || kind == "项目支出" || kind == "project") {
    l.kind = engine::LineKind::project;
  } else {
    return row_error(cols, Field::line_kind,
                     "'" + std::string(kind) + "' is not 基本支出 or 项目支出");
  }
  auto initial = money_field(rec, cols, Field::initial);
  if (!initial) return tl::unexpected(initial.error());
  if (initial->fen < 0)
    return row_error(cols, Field::initial, "an initial budget cannot be negative");
  l.initial = *initial;
  if (!field(rec, cols, Field::deadline).empty()) {
    auto deadline = date_field(rec, cols, Field::deadline);
    if (!deadline) return tl::unexpected(deadline.error());
    l.deadline = *deadline;
  }
  l.owner = field(rec, cols, Field::owner);
  l.owner_email = field(rec, cols, Field::owner_email);
  l.tags = split_tags(field(rec, cols, Field::tags));
  auto fiscal_year = fiscal_year_field(rec, cols);
  if (!fiscal_year) return tl::unexpected(fiscal_year.error());
  l.fiscal_year = *fiscal_year;
  l.department_code = field(rec, cols, Field::department_code);
  l.department_name = field(rec, cols, Field::department_name);
  if (const std::string_view src = engine::trim(field(rec, cols, Field::line_source));
      !src.empty()) {
    l.source = engine::parse_line_source(src);
    if (!l.source) {
      return row_error(cols, Field::line_source,
                       "'" + std::string(src) + "' is not a 指标来源 (年初, 年中新增 or 上年结转)");
    }
  }
  return l;
}

RowResult<engine::Adjustment> parse_adjustment(const CsvRecord& rec, const ResolvedColumns& cols) {
  engine::Adjustment a;
  auto code = required_text(rec, cols, Field::project_code, "project code");
  if (!code) return tl::unexpected(code.error());
  a.project_code = *code;
  auto date = date_field(rec, cols, Field::adj_date);
  if (!date) return tl::unexpected(date.error());
  a.date = *date;
  auto amount = money_field(rec, cols, Field::adj_amount);
  if (!amount) return tl::unexpected(amount.error());
  a.amount = *amount;
  a.doc_no = field(rec, cols, Field::doc_no);
  a.note = field(rec, cols, Field::note);
  return a;
}

}  // namespace bw::collect
