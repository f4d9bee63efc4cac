#include "engine/target.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "engine/target_read.h"
#include "engine/text.h"
#include "engine/utf8.h"

namespace bw::engine {
namespace {

using namespace target_detail;  // NOLINT(google-build-using-namespace): the grammar's own pieces

// ---------------------------------------------------------------------------------------------------------
// Comparator words before the number.

struct HeadWord {
  U32View text;
  Comparator cmp;
  bool weak;  // 达/达到: says "reach", yields to a word after the number (`达到3个工作日以内`)
};
constexpr std::array<HeadWord, 56> head_words = {{
    {U">=", Comparator::ge, false},         {U"=>", Comparator::ge, false},
    {U">", Comparator::gt, false},          {U"<=", Comparator::le, false},
    {U"=<", Comparator::le, false},         {U"<", Comparator::lt, false},
    {U"==", Comparator::eq, false},         {U"=", Comparator::eq, false},
    {U"不低于", Comparator::ge, false},     {U"不少于", Comparator::ge, false},
    {U"不小于", Comparator::ge, false},     {U"不短于", Comparator::ge, false},
    {U"不下于", Comparator::ge, false},     {U"至少", Comparator::ge, false},
    {U"最少", Comparator::ge, false},       {U"最低", Comparator::ge, false},
    {U"大于等于", Comparator::ge, false},   {U"大于或等于", Comparator::ge, false},
    {U"高于或等于", Comparator::ge, false}, {U"提高至", Comparator::ge, false},
    {U"提高到", Comparator::ge, false},     {U"提升至", Comparator::ge, false},
    {U"提升到", Comparator::ge, false},     {U"增加至", Comparator::ge, false},
    {U"增加到", Comparator::ge, false},     {U"增长至", Comparator::ge, false},
    {U"增长到", Comparator::ge, false},     {U"达到", Comparator::ge, true},
    {U"达", Comparator::ge, true},          {U"超过", Comparator::gt, false},
    {U"超出", Comparator::gt, false},       {U"大于", Comparator::gt, false},
    {U"高于", Comparator::gt, false},       {U"多于", Comparator::gt, false},
    {U"不高于", Comparator::le, false},     {U"不超过", Comparator::le, false},
    {U"不超出", Comparator::le, false},     {U"不大于", Comparator::le, false},
    {U"不多于", Comparator::le, false},     {U"不长于", Comparator::le, false},
    {U"最多", Comparator::le, false},       {U"至多", Comparator::le, false},
    {U"最高", Comparator::le, false},       {U"小于等于", Comparator::le, false},
    {U"小于或等于", Comparator::le, false}, {U"控制在", Comparator::le, false},
    {U"降至", Comparator::le, false},       {U"降低至", Comparator::le, false},
    {U"降低到", Comparator::le, false},     {U"下降至", Comparator::le, false},
    {U"下降到", Comparator::le, false},     {U"低于", Comparator::lt, false},
    {U"小于", Comparator::lt, false},       {U"少于", Comparator::lt, false},
    {U"不足", Comparator::lt, false},       {U"等于", Comparator::eq, false},
}};

// The comparator word that ends `head` (longest); nullptr when none.
const HeadWord* head_word_at_end(U32View head) {
  const HeadWord* best = nullptr;
  for (const auto& w : head_words) {
    if (ends(head, w.text) && (best == nullptr || w.text.size() > best->text.size())) best = &w;
  }
  return best;
}

// A strong comparator word somewhere in a label (then it is not next to the number: we do not
// guess).
const HeadWord* head_word_inside(U32View label) {
  for (const auto& w : head_words) {
    if (!w.weak && contains(label, w.text)) return &w;
  }
  return nullptr;
}

bool same_direction(Comparator a, Comparator b) {
  auto up = [](Comparator c) { return c == Comparator::ge || c == Comparator::gt; };
  auto down = [](Comparator c) { return c == Comparator::le || c == Comparator::lt; };
  return (up(a) && up(b)) || (down(a) && down(b)) || a == b;
}

bool is_strict(Comparator c) { return c == Comparator::gt || c == Comparator::lt; }

// ---------------------------------------------------------------------------------------------------------
// Direction of a bare value (tests/data/README.md: ">= for counts, amounts and rates; <= for time
// limits (小时, 个工作日) and for incident counts of 0").

constexpr std::array<std::string_view, 16> time_units = {
    "小时", "分钟", "秒", "秒钟",   "天",   "日",     "个工作日", "工作日",
    "个月", "月",   "周", "个星期", "星期", "个季度", "季度",     "个小时"};
constexpr std::array<std::string_view, 9> time_limit_names = {
    "时限", "期限", "时间", "用时", "耗时", "时效", "周期", "办结", "响应"};
// Durations where longer is better: a warranty, a service life.
constexpr std::array<std::string_view, 8> longer_is_better_names = {
    "质保", "保修", "保质", "寿命", "年限", "有效期", "保存期", "存续"};
// Counts and rates of something bad (投诉率, 事故次数) — unless the indicator is about dealing with
// it (投诉处理率, 违规问题整改率).
constexpr std::array<std::string_view, 42> bad_names = {
    "差错",     "出错",     "错误率",   "失误",   "投诉率", "投诉量",   "投诉次数",
    "投诉数",   "投诉件数", "有效投诉", "事故率", "事故数", "事故次数", "事故起数",
    "事故发生", "发生率",   "不合格",   "超标",   "逾期率", "逾期次数", "逾期天数",
    "延误",     "故障率",   "故障次数", "返工",   "流失率", "损失",     "空置率",
    "闲置率",   "违规",     "违约",     "违法",   "误差",   "偏差",     "超支",
    "死亡",     "伤亡",     "发病率",   "感染率", "失败率", "漏报",     "误报"};
constexpr std::array<std::string_view, 21> remedy_names = {
    "整改", "处理", "处置", "办结", "查处", "解决", "回复", "答复", "响应", "化解", "清收",
    "追回", "纠正", "治理", "减少", "降低", "下降", "削减", "防治", "控制", "挽回"};
constexpr std::array<std::string_view, 6> money_units = {"元",   "万元",   "亿元",
                                                         "千元", "百万元", "千万元"};

Comparator implied_comparator(const std::string& value, const std::string& unit,
                              const TargetContext& ctx) {
  if (ctx.direction)
    return *ctx.direction == Direction::lower_is_better ? Comparator::le : Comparator::ge;
  if (value == "0" || value.find_first_not_of("0.") == std::string::npos) return Comparator::le;
  const std::string_view name = ctx.indicator_name;
  if (std::find(time_units.begin(), time_units.end(), unit) != time_units.end() &&
      !mentions_any(name, longer_is_better_names)) {
    const bool quantity = ctx.indicator_subclass.find("数量") != std::string_view::npos;
    if (!quantity || mentions_any(name, time_limit_names)) return Comparator::le;
  }
  if (mentions_any(name, bad_names) && !mentions_any(name, remedy_names)) return Comparator::le;
  if (ctx.indicator_class.find("成本") != std::string_view::npos &&
      std::find(money_units.begin(), money_units.end(), unit) != money_units.end()) {
    return Comparator::le;  // a cost ceiling
  }
  return Comparator::ge;
}

// ---------------------------------------------------------------------------------------------------------
// Texts without a figure.

constexpr std::array<U32View, 13> no_target_texts = {U"/",  U"\\",   U"-",      U"--",  U"---",
                                                     U"无", U"暂无", U"不适用", U"N/A", U"n/a",
                                                     U"NA", U"null", U"NULL"};
constexpr std::array<U32View, 5> yes_no_templates = {U"是/否", U"是或否", U"是否", U"有/无",
                                                     U"否/是"};
constexpr std::array<U32View, 11> periodic_words = {U"按季",   U"按月",   U"按年", U"按周",
                                                    U"按半年", U"每季",   U"每月", U"每年",
                                                    U"每周",   U"每半年", U"定期"};
constexpr std::array<U32View, 8> on_time_words = {U"按时", U"及时",     U"按期",     U"如期",
                                                  U"准时", U"规定时间", U"规定时限", U"规定期限"};
constexpr std::array<U32View, 17> direction_words = {
    U"提升", U"提高", U"增加", U"增长", U"改善", U"下降", U"降低", U"减少", U"加强",
    U"优化", U"好转", U"增强", U"扩大", U"缩小", U"缩短", U"上升", U"减轻"};

Target without_figure(U32View s) {
  if (contains_any(s, periodic_words))
    return qualitative("periodic schedule, no single date " + quote(s));
  if (contains_any(s, direction_words)) return qualitative("direction only, no figure " + quote(s));
  if (contains_any(s, on_time_words)) return qualitative("on time, without a date " + quote(s));
  return qualitative("no figure, date or yes/no answer " + quote(s));
}

// ---------------------------------------------------------------------------------------------------------
// The figure: [label] [comparator] [sign] number [unit] [range] [suffixes] [short rest].

bool is_number_start(U32View s, std::size_t i) {
  return is_digit(s[i]) || (s[i] == U'.' && i + 1 < s.size() && is_digit(s[i + 1]) &&
                            (i == 0 || !is_digit(s[i - 1])));
}

// The first Chinese numeral of s that is a figure: followed by %, a known unit, a suffix word or
// the end (not 一 in 一般, 两 in 两新组织). `百分之九十` is 90 with unit %.
std::optional<Number> find_cjk_number(U32View s, bool& percent_word) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_cjk_numeral(s[i]) || (i > 0 && is_cjk_numeral(s[i - 1]))) continue;
    if (starts(s.substr(i), U"百分之")) {
      if (auto n = read_cjk_number(s, i + 3, false)) {
        n->begin = i;
        percent_word = true;
        return n;
      }
      continue;
    }
    auto n = read_cjk_number(s, i, true);
    if (!n) continue;
    const U32View after = s.substr(n->end);
    SuffixWord::Kind kind{};
    const std::size_t unit = known_unit_length(after);
    const U32View after_unit = after.substr(unit);
    const bool unit_then_end =
        unit > 0 && (after_unit.empty() || after_unit.front() == U'(' ||
                     suffix_at(after_unit, kind) > 0 || longest_prefix(after_unit, verbs) > 0);
    if (after.empty() || after.front() == U'%' || after.front() == U'‰' ||
        suffix_at(after, kind) > 0 || unit_then_end) {
      return n;
    }
  }
  return std::nullopt;
}

Target parse_figure(U32View s, const TargetContext& ctx) {
  // The number.
  std::optional<Number> num;
  bool percent_word = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_number_start(s, i)) {
      num = read_ascii_number(s, i);
      break;
    }
  }
  if (!num) num = find_cjk_number(s, percent_word);
  if (!num) return without_figure(s);
  if (num->digits > max_value_digits) {
    return qualitative("number with more than " + std::to_string(max_value_digits) + " digits");
  }

  // Before it: label, comparator word, sign, 百分之.
  U32View head = s.substr(0, num->begin);
  if (ends(head, U"百分之")) {
    percent_word = true;
    head.remove_suffix(3);
  }
  bool negative = false;
  if (!head.empty() && (head.back() == U'-' || head.back() == U'+')) {
    negative = head.back() == U'-';
    head.remove_suffix(1);
  }
  const HeadWord* head_word = head_word_at_end(head);
  if (head_word != nullptr) head.remove_suffix(head_word->text.size());
  while (!head.empty() && (head.back() == U':' || head.back() == U',')) head.remove_suffix(1);
  if (ends(head, U"约") || ends(head, U"约为") || ends(head, U"大约")) {
    return qualitative("approximate target " + quote(s));
  }
  constexpr std::size_t max_label = 16;
  if (head.size() > max_label) return qualitative("text before the figure " + quote(head));
  if (const HeadWord* inside = head_word_inside(head)) {
    return qualitative("comparator " + quote(inside->text) + " is not next to the figure " +
                       quote(s));
  }

  // The unit, and a range `90%-95%`, `5至10个`.
  std::size_t j = num->end;
  UnitRead unit = read_unit(s, j);
  if (!unit.error.empty()) return qualitative(unit.error);
  if (percent_word) {
    if (!unit.unit.empty()) return qualitative("cannot tell the unit from " + quote(s));
    unit.unit.push_back(U'%');  // (assigning a literal trips GCC 12 -Wrestrict)
  }
  j = unit.end;
  std::optional<Number> upper;
  if (j + 1 < s.size() && (s[j] == U'-' || s[j] == U'~' || s[j] == U'至' || s[j] == U'到') &&
      is_number_start(s, j + 1)) {
    upper = read_ascii_number(s, j + 1);
    if (upper->digits > max_value_digits) {
      return qualitative("number with more than " + std::to_string(max_value_digits) + " digits");
    }
    UnitRead unit2 = read_unit(s, upper->end);
    if (!unit2.error.empty()) return qualitative(unit2.error);
    if (!unit.unit.empty() && !unit2.unit.empty() && unit.unit != unit2.unit) {
      return qualitative("range in two units " + quote(s));
    }
    if (unit.unit.empty()) unit.unit = unit2.unit;
    j = unit2.end;
  }

  // After it: suffix words and parentheses, then at most a short rest (a verb, or a date).
  std::optional<Comparator> tail;
  U32View tail_word;
  bool inclusive = false;
  bool exclusive = false;
  std::optional<DatePhrase> date;
  while (j < s.size()) {
    if (s[j] == U'(') {
      const std::size_t close = s.find(U')', j + 1);
      const std::size_t stop = close == U32View::npos ? s.size() : close;
      const U32View inner = s.substr(j + 1, stop - j - 1);
      j = close == U32View::npos ? s.size() : close + 1;
      if (inner == U"含" || inner == U"含本数" || inner == U"包含" || inner == U"包含本数" ||
          inner == U"含本数在内") {
        inclusive = true;
      } else if (inner == U"不含" || inner == U"不含本数" || inner == U"不包含" ||
                 inner == U"不包含本数") {
        exclusive = true;
      } else if (auto d = find_date(inner, ctx); d && !date) {
        date = d;
      }
      continue;  // any other note in parentheses is only a note
    }
    SuffixWord::Kind kind{};
    const std::size_t n = suffix_at(s.substr(j), kind);
    if (n == 0) break;
    const U32View word = s.substr(j, n);
    j += n;
    switch (kind) {
      case SuffixWord::ge:
      case SuffixWord::le: {
        const Comparator c = kind == SuffixWord::ge ? Comparator::ge : Comparator::le;
        if (tail && *tail != c) {
          return qualitative("contradictory comparators " + quote(tail_word) + " and " +
                             quote(word));
        }
        tail = c;
        tail_word = word;
        break;
      }
      case SuffixWord::approx:
        return qualitative("approximate target " + quote(s));
      case SuffixWord::between:
        break;
      case SuffixWord::inclusive:
        inclusive = true;
        break;
      case SuffixWord::exclusive:
        exclusive = true;
        break;
    }
  }
  U32View rest = s.substr(j);
  while (!rest.empty() && (rest.front() == U',' || rest.front() == U';' || rest.front() == U':' ||
                           rest.front() == 0x3001)) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) {
    auto d = find_date(rest, ctx);
    if (d && !date) {
      date = d;
      rest = rest.substr(d->end);
    }
    constexpr std::size_t max_rest = 8;
    if (has_digit(rest)) return qualitative("more than one figure " + quote(s));
    if (rest.size() > max_rest) return qualitative("text after the figure " + quote(rest));
  }
  if (date && !date->error.empty()) return qualitative(date->error);

  // The comparator: the words before and after must agree; none → the indicator's direction.
  if (inclusive && exclusive) return qualitative("contradictory (含) and (不含) " + quote(s));
  if (tail && exclusive) tail = *tail == Comparator::ge ? Comparator::gt : Comparator::lt;
  Target t;
  t.value = num->text;
  if (negative && t.value != "0" && t.value->find_first_not_of("0.") != std::string::npos) {
    t.value = "-" + *t.value;
  }
  t.unit = encode_utf8(unit.unit);
  if (upper) {
    if ((head_word != nullptr && !head_word->weak) || tail) {
      return qualitative("range with a comparator " + quote(s));
    }
    if (compare_decimal(*t.value, upper->text) > 0) {
      return qualitative("range from a larger to a smaller number " + quote(s));
    }
    t.comparator = Comparator::ge;
    t.upper = upper->text;
    t.basis = Basis::stated;
  } else if (head_word != nullptr && tail) {
    if (head_word->weak) {
      t.comparator = *tail;
    } else if (head_word->cmp != Comparator::eq && same_direction(head_word->cmp, *tail)) {
      // `超过90%以上`: the stricter word wins.
      const bool up = head_word->cmp == Comparator::ge || head_word->cmp == Comparator::gt;
      const bool strict = is_strict(head_word->cmp) || is_strict(*tail);
      t.comparator = up ? (strict ? Comparator::gt : Comparator::ge)
                        : (strict ? Comparator::lt : Comparator::le);
    } else {
      return qualitative("contradictory comparators " + quote(head_word->text) + " and " +
                         quote(tail_word));
    }
    t.basis = Basis::stated;
  } else if (head_word != nullptr) {
    t.comparator = head_word->cmp;
    t.basis = Basis::stated;
  } else if (tail) {
    t.comparator = *tail;
    t.basis = Basis::stated;
  } else {
    t.comparator = implied_comparator(*t.value, t.unit, ctx);
    t.basis = Basis::implied;
  }
  if (date) t.deadline = date->date;
  return t;
}

Target parse(std::string_view text, const TargetContext& ctx) {
  if (text.size() > max_target_bytes) {
    return qualitative("target text longer than " + std::to_string(max_target_bytes) + " bytes");
  }
  U32 decoded;
  if (!decode_utf8(text, decoded)) return qualitative("not valid UTF-8 text");
  if (std::any_of(decoded.begin(), decoded.end(), [](char32_t c) {
        return (c < 0x20 && !is_space(c)) || (c >= 0x7F && c < 0xA0);
      })) {
    return qualitative("control character in the text");
  }
  const U32 s = normalize(decoded);
  if (s.empty()) return qualitative("empty target");
  if (equals_any(U32View(s), no_target_texts) || s.find_first_not_of(U"/\\-_*.") == U32::npos) {
    return qualitative("no target given " + quote(s));
  }
  if (equals_any(U32View(s), yes_no_templates))
    return qualitative("yes/no template left unanswered " + quote(s));

  // Yes/no: 是 or 否, alone or with a note in parentheses.
  if ((s.front() == U'是' || s.front() == U'否') &&
      (s.size() == 1 || (s[1] == U'(' && s.back() == U')'))) {
    Target t;
    t.comparator = Comparator::eq;
    t.value = encode_utf8(U32View(s).substr(0, 1));
    t.basis = Basis::stated;
    return t;
  }

  // A date, alone (by_date) or with a figure after it (`12月底前完成率达到100%`).
  if (auto d = find_date(s, ctx)) {
    if (!d->error.empty()) return qualitative(d->error);
    U32View rest = U32View(s).substr(d->end);
    while (!rest.empty() &&
           (rest.front() == U',' || rest.front() == U':' || rest.front() == 0x3001)) {
      rest.remove_prefix(1);
    }
    Target figure = parse_figure(rest, ctx);
    if (figure.comparator != Comparator::qualitative) {
      if (figure.deadline && *figure.deadline != *d->date) {
        return qualitative("two different dates in " + quote(s));
      }
      figure.deadline = d->date;
      return figure;
    }
    if (has_digit(rest) || figure.reason.rfind("number with", 0) == 0) return figure;
    Target t;
    t.comparator = Comparator::by_date;
    t.deadline = d->date;
    t.basis = Basis::stated;
    return t;
  }
  return parse_figure(s, ctx);
}

// Splits a canonical decimal into sign, integer and fraction digits.
struct DecimalParts {
  bool negative = false;
  std::string_view int_part;
  std::string_view frac;
};

DecimalParts split_decimal(std::string_view s) {
  DecimalParts p;
  if (!s.empty() && s.front() == '-') {
    p.negative = true;
    s.remove_prefix(1);
  }
  const std::size_t dot = s.find('.');
  p.int_part = s.substr(0, dot);
  if (dot != std::string_view::npos) p.frac = s.substr(dot + 1);
  while (!p.frac.empty() && p.frac.back() == '0') p.frac.remove_suffix(1);
  return p;
}

int compare_magnitude(const DecimalParts& a, const DecimalParts& b) {
  if (a.int_part.size() != b.int_part.size()) return a.int_part.size() < b.int_part.size() ? -1 : 1;
  if (const int c = a.int_part.compare(b.int_part); c != 0) return c < 0 ? -1 : 1;
  const std::size_t n = std::max(a.frac.size(), b.frac.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = i < a.frac.size() ? a.frac[i] : '0';
    const char y = i < b.frac.size() ? b.frac[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool is_zero(const DecimalParts& p) { return p.int_part == "0" && p.frac.empty(); }

}  // namespace

const char* to_string(Comparator c) {
  switch (c) {
    case Comparator::ge:
      return ">=";
    case Comparator::gt:
      return ">";
    case Comparator::le:
      return "<=";
    case Comparator::lt:
      return "<";
    case Comparator::eq:
      return "==";
    case Comparator::by_date:
      return "by_date";
    case Comparator::qualitative:
      return "qualitative";
  }
  return "qualitative";
}

std::optional<Comparator> parse_comparator(std::string_view s) {
  for (Comparator c : {Comparator::ge, Comparator::gt, Comparator::le, Comparator::lt,
                       Comparator::eq, Comparator::by_date, Comparator::qualitative}) {
    if (s == to_string(c)) return c;
  }
  return std::nullopt;
}

const char* to_string(Basis b) {
  switch (b) {
    case Basis::none:
      return "";
    case Basis::stated:
      return "explicit";
    case Basis::implied:
      return "implied";
  }
  return "";
}

Target parse_target(std::string_view text, const TargetContext& ctx) noexcept {
  try {
    return parse(text, ctx);
  } catch (...) {
    // Only std::bad_alloc can get here; the reason fits the string's small buffer, so this cannot
    // throw.
    Target t;
    t.reason = "internal error";
    return t;
  }
}

std::optional<std::string> parse_decimal(std::string_view text) {
  if (text.size() > max_target_bytes) return std::nullopt;
  U32 decoded;
  if (!decode_utf8(trim(text), decoded)) return std::nullopt;
  const U32 s = normalize(decoded);
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == U'-' || s[i] == U'+')) negative = s[i++] == U'-';
  if (i >= s.size() || !is_number_start(s, i)) return std::nullopt;
  const Number n = read_ascii_number(s, i);
  if (n.end != s.size() || n.digits > max_value_digits) return std::nullopt;
  if (negative && !is_zero(split_decimal(n.text))) return "-" + n.text;
  return n.text;
}

int compare_decimal(std::string_view a, std::string_view b) {
  const DecimalParts x = split_decimal(a);
  const DecimalParts y = split_decimal(b);
  const bool xneg = x.negative && !is_zero(x);
  const bool yneg = y.negative && !is_zero(y);
  if (xneg != yneg) return xneg ? -1 : 1;
  const int c = compare_magnitude(x, y);
  return xneg ? -c : c;
}

std::optional<bool> is_met(const Target& target, std::string_view actual) {
  if (target.comparator == Comparator::by_date || target.comparator == Comparator::qualitative ||
      !target.value) {
    return std::nullopt;
  }
  if (target.comparator == Comparator::eq && !parse_decimal(*target.value)) {
    return trim(actual) == *target.value;
  }
  const auto a = parse_decimal(actual);
  if (!a) return std::nullopt;
  const int c = compare_decimal(*a, *target.value);
  switch (target.comparator) {
    case Comparator::ge:
      return c >= 0 && (!target.upper || compare_decimal(*a, *target.upper) <= 0);
    case Comparator::gt:
      return c > 0;
    case Comparator::le:
      return c <= 0;
    case Comparator::lt:
      return c < 0;
    case Comparator::eq:
      return c == 0;
    case Comparator::by_date:
    case Comparator::qualitative:
      break;
  }
  return std::nullopt;
}

}  // namespace bw::engine
