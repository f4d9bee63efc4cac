#include "collectors/layout.h"

#include <algorithm>
#include <array>
#include <string>

#include "engine/text.h"

namespace bw::collect {
namespace {

// The field folded to half-width with every space (ASCII or ideographic) removed.
std::string compact(std::string_view field) {
  std::string s = engine::fold_full_width(field);
  for (std::size_t pos = 0; (pos = s.find("\u3000", pos)) != std::string::npos;) s.erase(pos, 3);
  std::erase_if(s, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
  return s;
}

constexpr std::array<std::string_view, 12> footer_words = {
    "制表人", "制表日期", "制表",     "审核人",   "审核",   "复核人",
    "填报人", "填表人",   "打印日期", "打印时间", "打印人", "单位负责人"};

}  // namespace

bool is_blank(const std::vector<std::string_view>& fields) {
  return std::all_of(fields.begin(), fields.end(),
                     [](std::string_view f) { return compact(f).empty(); });
}

LineRole line_role(const std::vector<std::string_view>& fields) {
  for (std::string_view f : fields) {
    const std::string c = compact(f);
    if (c.empty()) continue;
    if (c.starts_with("合计") || c.starts_with("总计")) return LineRole::total;
    if (c.starts_with("小计")) return LineRole::subtotal;
    const bool footer = std::any_of(footer_words.begin(), footer_words.end(),
                                    [&](std::string_view w) { return c.starts_with(w); });
    return footer ? LineRole::footer : LineRole::record;
  }
  return LineRole::blank;
}

std::optional<engine::MoneyUnit> unit_line(const std::vector<std::string_view>& fields) {
  static constexpr std::string_view label = "单位:";
  for (std::string_view f : fields) {
    const std::string c = compact(f);
    const auto pos = c.rfind(label);
    if (pos == std::string::npos) continue;
    const std::string_view unit = std::string_view(c).substr(pos + label.size());
    if (unit == "元") return engine::MoneyUnit::yuan;
    if (unit == "万元") return engine::MoneyUnit::wan_yuan;
  }
  return std::nullopt;
}

void pad_fields(std::vector<std::string_view>& fields, std::size_t columns) {
  while (fields.size() > columns && engine::trim(fields.back()).empty()) fields.pop_back();
  if (fields.size() < columns) fields.resize(columns);
}

}  // namespace bw::collect
