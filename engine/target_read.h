// Internal to engine/target.cpp: the reading of the pieces of a target text (engine/target.h) —
// normalisation, numbers (ASCII and Chinese numerals), units and measure words, date phrases —
// over UTF-32, so that one Chinese character is one element: matching 以上 or 第三季度 at a
// position is then a plain comparison, and no step can split a character. target.cpp holds the
// grammar that puts them together (comparator words, figures, the whole text).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/civil_date.h"
#include "engine/target.h"

namespace bw::engine::target_detail {

using U32 = std::u32string;
using U32View = std::u32string_view;

/// A fragment for a reason: '…', cut after 40 characters so that reasons stay one short line.
std::string quote(U32View s);

// ---------------------------------------------------------------------------------------------------------
// Small helpers over UTF-32 text.

inline bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

inline bool has_digit(U32View s) { return std::any_of(s.begin(), s.end(), is_digit); }

inline bool starts(U32View s, U32View p) { return s.substr(0, p.size()) == p; }

inline bool ends(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

inline bool contains(U32View s, U32View p) { return s.find(p) != U32View::npos; }

template <std::size_t N>
inline bool contains_any(U32View s, const std::array<U32View, N>& words) {
  return std::any_of(words.begin(), words.end(), [&](U32View w) { return contains(s, w); });
}

template <std::size_t N>
inline bool equals_any(U32View s, const std::array<U32View, N>& words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

// Longest of `words` that starts s; 0 when none.
template <std::size_t N>
std::size_t longest_prefix(U32View s, const std::array<U32View, N>& words) {
  std::size_t best = 0;
  for (U32View w : words) {
    if (w.size() > best && starts(s, w)) best = w.size();
  }
  return best;
}

// UTF-8 substring search in the context's (UTF-8) fields; bytewise, so harmless on any bytes.
template <std::size_t N>
inline bool mentions_any(std::string_view s, const std::array<std::string_view, N>& words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return s.find(w) != std::string_view::npos; });
}

inline Target qualitative(std::string reason) {
  Target t;
  t.reason = std::move(reason);
  return t;
}

// A number read from the text.
struct Number {
  std::string text;        // canonical decimal
  std::size_t begin = 0;   // first character of the number in the text
  std::size_t end = 0;     // one past its last character
  std::size_t digits = 0;  // significant digits (integer without leading zeros, plus fraction)
};

// Measure words and units after a number; a magnitude (万, 亿, …) may precede them (`万元`, `亿元`,
// `万人`).
inline constexpr std::array<U32View, 95> base_units = {
    U"个工作日", U"工作日", U"个百分点", U"百分点", U"个月",     U"个季度", U"季度", U"个星期",
    U"星期",     U"小时",   U"分钟",     U"秒钟",   U"秒",       U"人次",   U"户次", U"车次",
    U"架次",     U"场次",   U"家次",     U"批次",   U"条次",     U"次",     U"人",   U"个",
    U"家",       U"份",     U"件",       U"项",     U"篇",       U"场",     U"期",   U"批",
    U"台",       U"套",     U"条",       U"户",     U"所",       U"座",     U"间",   U"辆",
    U"张",       U"本",     U"册",       U"名",     U"位",       U"部",     U"处",   U"宗",
    U"笔",       U"门",     U"类",       U"天",     U"日",       U"周",     U"月",   U"年",
    U"岁",       U"分",     U"倍",       U"元",     U"美元",     U"吨",     U"公斤", U"千克",
    U"克",       U"亩",     U"公顷",     U"平方米", U"平方公里", U"立方米", U"公里", U"千米",
    U"米",       U"课时",   U"学时",     U"节",     U"幅",       U"块",     U"棵",   U"株",
    U"头",       U"只",     U"栋",       U"层",     U"种",       U"组",     U"支",   U"班",
    U"例",       U"起",     U"千瓦时",   U"千瓦",   U"度",       U"床"};

inline constexpr std::array<U32View, 7> magnitudes = {U"百万", U"千万", U"十万", U"万",
                                                      U"亿",   U"千",   U"百"};

// Words that may follow a unit (`3天完成`, `100%覆盖`): the unit ends before them.
inline constexpr std::array<U32View, 34> verbs = {
    U"完成", U"办结", U"办理", U"支付", U"到位", U"完工", U"竣工", U"验收", U"覆盖",
    U"上线", U"达标", U"建成", U"实现", U"结算", U"拨付", U"兑现", U"发放", U"提交",
    U"审批", U"处理", U"处置", U"响应", U"回复", U"答复", U"反馈", U"解决", U"整改",
    U"及时", U"的",   U"并",   U"且",   U"和",   U"或",   U"以"};

// Words after the number (and unit) that carry a comparator, `内` last so that 以内/之内 win.
struct SuffixWord {
  U32View text;
  enum Kind { ge, le, approx, between, inclusive, exclusive } kind;
};

inline constexpr std::array<SuffixWord, 17> suffix_words = {{
    {U"及其以上", SuffixWord::ge},
    {U"及以上", SuffixWord::ge},
    {U"或以上", SuffixWord::ge},
    {U"以上", SuffixWord::ge},
    {U"及以下", SuffixWord::le},
    {U"或以下", SuffixWord::le},
    {U"以下", SuffixWord::le},
    {U"及以内", SuffixWord::le},
    {U"以内", SuffixWord::le},
    {U"之内", SuffixWord::le},
    {U"内", SuffixWord::le},
    {U"左右", SuffixWord::approx},
    {U"上下", SuffixWord::approx},
    {U"之间", SuffixWord::between},
    {U"不含", SuffixWord::exclusive},
    {U"含本数", SuffixWord::inclusive},
    {U"(含)", SuffixWord::inclusive},
}};

struct UnitRead {
  U32 unit;
  std::size_t end = 0;
  std::string error;  // non-empty: the unit cannot be told
};

struct DatePhrase {
  std::size_t end = 0;  // one past the phrase
  std::optional<CivilDate> date;
  std::string error;  // non-empty: a date that cannot be used (the target is qualitative)
};

// What a date phrase names: a day, or a period whose last day is the deadline.
struct DateSpec {
  std::optional<int> year;  // explicit; else the context's fiscal year
  enum class Kind { day, month, quarter, first_half, year_end };
  Kind kind = Kind::year_end;
  int month = 0;
  int day_of_month = 0;
  int quarter = 0;
};

inline constexpr std::array<U32View, 14> fiscal_year_end_words = {
    U"本年度内", U"本年度末", U"年度终了", U"本年内", U"当年内", U"今年内", U"今年底",
    U"本年底",   U"年度内",   U"年度末",   U"年底",   U"年末",   U"年终",   U"年内"};

inline constexpr std::array<U32View, 2> first_half_words = {U"上半年", U"年中"};

inline constexpr std::array<U32View, 1> second_half_words = {U"下半年"};

inline constexpr std::array<U32View, 4> period_end_words = {U"结束", U"底", U"末", U"终"};

inline constexpr std::array<U32View, 8> before_words = {U"之前", U"以前", U"为止", U"以内",
                                                        U"之内", U"前",   U"止",   U"内"};

inline constexpr std::array<U32View, 5> before_only_words = {U"之前", U"以前", U"为止", U"前",
                                                             U"止"};

inline constexpr std::array<U32View, 5> start_words = {U"开始", U"以后", U"之后", U"起", U"后"};

// Words that make a following date a point of comparison, not a deadline (`较2023年增长10%`).
inline constexpr std::array<U32View, 5> comparison_words = {U"较", U"比", U"相对", U"对比",
                                                            U"同期"};

bool is_space(char32_t c);
bool is_trailing_punct(char32_t c);
void append_folded(U32& out, char32_t c);
U32 normalize(U32View in);
int cjk_digit(char32_t c);
std::uint64_t cjk_multiplier(char32_t c);
bool is_cjk_numeral(char32_t c);
std::string canonical(std::string_view int_digits, std::string_view frac_digits);
Number read_ascii_number(U32View s, std::size_t i);
std::optional<Number> read_cjk_number(U32View s, std::size_t i, bool leave_magnitude);
std::optional<int> read_date_number(U32View s, std::size_t& i, std::size_t max_digits);
std::size_t known_unit_length(U32View s);
std::size_t suffix_at(U32View s, SuffixWord::Kind& kind);
bool unit_stops_at(U32View s, std::size_t i);
UnitRead read_unit(U32View s, std::size_t i);
bool read_month_rest(U32View s, std::size_t& i, DateSpec& spec);
bool read_quarter(U32View s, std::size_t& i, DateSpec& spec);
std::optional<DatePhrase> date_at(U32View s, std::size_t pos, const TargetContext& ctx);
std::optional<DatePhrase> find_date(U32View s, const TargetContext& ctx);

}  // namespace bw::engine::target_detail
