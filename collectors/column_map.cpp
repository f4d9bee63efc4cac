#include "collectors/column_map.h"

#include <algorithm>

#include "engine/text.h"

namespace bw::collect {
namespace {

struct FieldInfo {
  Field field;
  const char* key;
  const char* chinese;
  std::vector<const char*> aliases;  // besides key and chinese
};

const std::vector<FieldInfo>& field_table() {
  static const std::vector<FieldInfo> table = {
      {Field::voucher_no, "voucher_no", "支付凭证号", {"PAY_CERT_NO", "支付凭证编号", "凭证号", "凭证编号"}},
      {Field::pay_date, "pay_date", "支付日期", {"PAY_DATE", "付款日期", "支付时间"}},
      {Field::unit_code, "unit_code", "预算单位编码", {"AGENCY_CODE", "单位编码", "预算单位代码"}},
      {Field::unit_name, "unit_name", "预算单位名称", {"AGENCY_NAME", "单位名称", "预算单位"}},
      {Field::project_code, "project_code", "项目编码", {"PRO_CODE", "预算项目编码", "项目代码"}},
      {Field::project_name, "project_name", "项目名称", {"PRO_NAME", "预算项目名称"}},
      {Field::func_class, "func_class", "功能分类科目", {"EXP_FUNC_CODE", "功能分类", "功能科目"}},
      {Field::econ_class, "econ_class", "经济分类科目", {"GOV_BGT_ECO_CODE", "经济分类", "经济科目"}},
      {Field::pay_method, "pay_method", "支付方式", {"PAY_TYPE_CODE"}},
      {Field::fund_type, "fund_type", "资金性质", {"FUND_TYPE_CODE"}},
      {Field::payee, "payee", "收款人全称", {"PAYEE_ACCT_NAME", "收款人", "收款人名称"}},
      {Field::amount, "amount", "金额", {"PAY_AMT", "支付金额"}},
      {Field::memo, "memo", "摘要", {"ADD_WORD", "用途"}},
      {Field::line_kind, "kind", "支出类型", {"支出类别", "项目类别"}},
      {Field::initial, "initial", "年初预算数", {"年初预算", "年初预算金额", "预算数"}},
      {Field::owner, "owner", "项目负责人", {"负责人"}},
      {Field::owner_email, "owner_email", "负责人邮箱", {"邮箱", "email"}},
      {Field::deadline, "deadline", "完成时限", {"截止日期", "完成期限"}},
      {Field::tags, "tags", "标签", {}},
      {Field::fiscal_year, "fiscal_year", "预算年度", {"FISCAL_YEAR", "预算年份"}},
      {Field::department_code, "department_code", "部门编码",
       {"DEPT_CODE", "一级预算单位编码", "主管部门编码", "部门代码"}},
      {Field::department_name, "department_name", "部门名称", {"DEPT_NAME", "一级预算单位名称", "主管部门名称"}},
      {Field::line_source, "line_source", "指标来源", {"BGT_SOURCE", "指标来源类型"}},
      {Field::adj_date, "adj_date", "调整日期", {}},
      {Field::adj_amount, "adj_amount", "调整金额", {"调整数"}},
      {Field::doc_no, "doc_no", "调整文号", {"文号"}},
      {Field::note, "note", "说明", {"调整说明", "备注"}},
      {Field::seq, "seq", "序号", {"指标序号"}},
      {Field::source_no, "source_no", "原序号", {"来源序号"}},
      {Field::indicator_class, "indicator_class", "一级指标", {}},
      {Field::indicator_subclass, "indicator_subclass", "二级指标", {}},
      {Field::indicator_name, "indicator_name", "三级指标", {"指标名称"}},
      {Field::period_target_raw, "period_target_raw", "实施周期指标值", {"实施周期目标值"}},
      {Field::target_raw, "target_raw", "年度指标值", {"指标值", "年度目标值"}},
      {Field::actual_date, "date", "日期", {"填报日期", "完成日期", "统计日期"}},
      {Field::actual_value, "value", "实际值", {"完成值", "实际完成值"}},
  };
  return table;
}

const FieldInfo& info(Field f) {
  for (const FieldInfo& i : field_table()) {
    if (i.field == f) return i;
  }
  return field_table().front();
}

struct KindSpec {
  store::FileKind kind;
  std::vector<Field> fields;     // the columns this kind reads
  std::vector<Field> required;
  std::vector<Field> signature;  // all present → this kind
};

const std::vector<KindSpec>& kinds() {
  static const std::vector<KindSpec> specs = {
      {store::FileKind::payments,
       {Field::voucher_no, Field::pay_date, Field::unit_code, Field::unit_name, Field::project_code,
        Field::project_name, Field::func_class, Field::econ_class, Field::pay_method, Field::fund_type,
        Field::payee, Field::amount, Field::memo},
       {Field::voucher_no, Field::pay_date, Field::unit_code, Field::project_code, Field::amount},
       {Field::voucher_no, Field::amount}},
      {store::FileKind::adjustments,
       {Field::project_code, Field::adj_date, Field::adj_amount, Field::doc_no, Field::note},
       {Field::project_code, Field::adj_date, Field::adj_amount},
       {Field::adj_date, Field::adj_amount}},
      {store::FileKind::budget,
       {Field::project_code, Field::project_name, Field::unit_code, Field::unit_name, Field::line_kind,
        Field::initial, Field::owner, Field::owner_email, Field::deadline, Field::tags, Field::fiscal_year,
        Field::department_code, Field::department_name, Field::line_source},
       {Field::project_code, Field::project_name, Field::unit_code, Field::initial},
       {Field::initial}},
      {store::FileKind::indicators,
       {Field::project_code, Field::seq, Field::source_no, Field::indicator_class, Field::indicator_subclass,
        Field::indicator_name, Field::period_target_raw, Field::target_raw, Field::fiscal_year},
       {Field::project_code, Field::seq, Field::indicator_name, Field::target_raw},
       {Field::target_raw, Field::indicator_name}},
      {store::FileKind::actuals,
       {Field::project_code, Field::seq, Field::indicator_name, Field::actual_date, Field::actual_value,
        Field::note},
       {Field::project_code, Field::actual_date, Field::actual_value},
       {Field::actual_date, Field::actual_value}},
  };
  return specs;
}

// ASCII lower-case.
std::string lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// "a payments export (国库集中支付明细)": what a kind is, in the words of an error message.
const char* kind_words(store::FileKind k) {
  switch (k) {
    case store::FileKind::payments: return "a payments export (国库集中支付明细)";
    case store::FileKind::budget: return "a budget register (预算指标)";
    case store::FileKind::adjustments: return "adjustments (预算调整)";
    case store::FileKind::indicators: return "performance indicators (绩效目标表)";
    case store::FileKind::actuals: return "indicator actual values (实际值)";
  }
  return "a known export";
}

// The kind whose columns the header holds most of (at least two, and more of its required columns than
// not), for a header that matches no kind's signature; nullptr when none comes close. `find` gives the
// header columns holding a field.
template <class Find>
const KindSpec* closest_kind(const Find& find) {
  const KindSpec* best = nullptr;
  std::size_t best_found = 0;
  for (const KindSpec& k : kinds()) {
    const auto found = static_cast<std::size_t>(
        std::count_if(k.fields.begin(), k.fields.end(), [&](Field f) { return !find(f).empty(); }));
    const auto required = static_cast<std::size_t>(
        std::count_if(k.required.begin(), k.required.end(), [&](Field f) { return !find(f).empty(); }));
    if (found < 2 || 2 * required < k.required.size()) continue;
    if (found > best_found) {
      best = &k;
      best_found = found;
    }
  }
  return best;
}

// "looks like a payments export (国库集中支付明细) but lacks columns 支付日期, 金额 (also accepted: ...)".
template <class Find>
std::string lacks_message(const KindSpec& k, const Find& find) {
  std::vector<const FieldInfo*> missing;
  for (Field f : k.required) {
    if (find(f).empty()) missing.push_back(&info(f));
  }
  std::string msg = std::string("the header looks like ") + kind_words(k.kind) + " but lacks " +
                    (missing.size() == 1 ? "column " : "columns ");
  for (std::size_t i = 0; i < missing.size(); ++i) msg += (i == 0 ? "" : ", ") + std::string(missing[i]->chinese);
  msg += " (also accepted: ";
  for (std::size_t i = 0; i < missing.size(); ++i) {
    msg += (i == 0 ? "" : "; ") + std::string(missing[i]->chinese) + ": " + missing[i]->key;
    for (const char* a : missing[i]->aliases) msg += std::string(", ") + a;
  }
  return msg + ")";
}

}  // namespace

const char* key_of(Field f) { return info(f).key; }
const char* chinese_name(Field f) { return info(f).chinese; }

std::string normalise_header(std::string_view h) {
  const engine::HeaderUnit hu = engine::split_header_unit(h);
  std::string folded = engine::fold_full_width(hu.name);
  // A header broken over lines in its cell (Alt+Enter, <br>) reads as one.
  std::erase_if(folded, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
  return lower_ascii(std::move(folded));
}

std::string ResolvedColumns::header_of(Field f) const {
  const int i = at(f);
  if (i >= 0 && static_cast<std::size_t>(i) < headers.size()) return headers[static_cast<std::size_t>(i)];
  return chinese_name(f);
}

ColumnMap::ColumnMap() {
  for (const FieldInfo& i : field_table()) {
    auto& v = names_[static_cast<std::size_t>(i.field)];
    v.push_back(normalise_header(i.chinese));
    v.push_back(normalise_header(i.key));
    for (const char* a : i.aliases) v.push_back(normalise_header(a));
  }
}

void ColumnMap::add_alias(Field f, std::string_view header) {
  names_[static_cast<std::size_t>(f)].push_back(normalise_header(header));
}

std::optional<Field> ColumnMap::field_by_key(std::string_view key) {
  for (const FieldInfo& i : field_table()) {
    if (key == i.key) return i.field;
  }
  return std::nullopt;
}

Result<ResolvedColumns> ColumnMap::resolve(const std::vector<std::string_view>& header,
                                           std::optional<store::FileKind> forced) const {
  std::vector<std::string> normal;
  normal.reserve(header.size());
  for (std::string_view h : header) normal.push_back(normalise_header(h));

  auto find = [&](Field f) -> std::vector<int> {
    std::vector<int> at;
    const auto& names = names_[static_cast<std::size_t>(f)];
    for (std::size_t c = 0; c < normal.size(); ++c) {
      if (std::find(names.begin(), names.end(), normal[c]) != names.end()) at.push_back(static_cast<int>(c));
    }
    return at;
  };

  const KindSpec* spec = nullptr;
  for (const KindSpec& k : kinds()) {
    if (forced) {
      if (k.kind == *forced) spec = &k;
      continue;
    }
    const bool match = std::all_of(k.signature.begin(), k.signature.end(),
                                   [&](Field f) { return !find(f).empty(); });
    if (match) {
      spec = &k;
      break;
    }
  }
  if (spec == nullptr) {
    if (forced) {
      return fail(Errc::invalid_input, std::string("files of kind '") + store::to_string(*forced) +
                                           "' are not read by this command");
    }
    // Not a kind's signature, but most of one kind's columns: say which kind and what it lacks (issue 17)
    // rather than "no known columns".
    if (const KindSpec* near = closest_kind(find)) return fail(Errc::invalid_input, lacks_message(*near, find));
    return fail(Errc::invalid_input,
                "header has no known columns: expected a payments export (支付凭证号, 支付日期, 金额, ...), "
                "a budget register (项目编码, 年初预算数, ...), adjustments (项目编码, 调整日期, 调整金额), "
                "performance indicators (项目编码, 序号, 三级指标, 年度指标值) or their actual values (项目编码, 序号, "
                "日期, 实际值)");
  }

  ResolvedColumns r;
  r.kind = spec->kind;
  r.index.fill(-1);
  r.columns = header.size();
  for (std::string_view h : header) r.headers.emplace_back(engine::trim(h));
  for (Field f : spec->fields) {
    const std::vector<int> at = find(f);
    if (at.size() > 1) {
      return fail(Errc::invalid_input, std::string("column ") + chinese_name(f) + " appears twice (columns " +
                                           std::to_string(at[0] + 1) + " and " + std::to_string(at[1] + 1) +
                                           ")");
    }
    if (at.empty()) continue;
    r.index[static_cast<std::size_t>(f)] = at[0];
    r.unit[static_cast<std::size_t>(f)] = engine::split_header_unit(header[static_cast<std::size_t>(at[0])]).unit;
  }
  const auto missing = std::count_if(spec->required.begin(), spec->required.end(), [&](Field f) { return !r.has(f); });
  if (missing == 1) {
    for (Field f : spec->required) {
      if (r.has(f)) continue;
      const FieldInfo& i = info(f);
      std::string also = i.key;
      for (const char* a : i.aliases) also += std::string(", ") + a;
      return fail(Errc::invalid_input,
                  std::string("missing column ") + i.chinese + " (also accepted: " + also + ")");
    }
  }
  if (missing > 1) return fail(Errc::invalid_input, lacks_message(*spec, find));
  return r;
}

}  // namespace bw::collect
