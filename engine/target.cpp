#include "engine/target.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "engine/text.h"

namespace bw::engine {
namespace {

// The parser works on UTF-32 so that one Chinese character is one element: matching 以上 or
// 第三季度 at a position is then a plain comparison, and no step can split a character.
using U32 = std::u32string;
using U32View = std::u32string_view;

// ---------------------------------------------------------------------------------------------------------
// UTF-8 in and out, and the quoting of fragments in reasons.

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as
// collectors/encoding.cpp.
bool decode_utf8(std::string_view s, U32& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string to_utf8(U32View s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

// A fragment for a reason: '…', cut after 40 characters so that reasons stay one short line.
std::string quote(U32View s) {
  constexpr std::size_t max_chars = 40;
  std::string out = "'";
  out += to_utf8(s.substr(0, max_chars));
  if (s.size() > max_chars) out += "…";
  out += "'";
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation: one spelling per symbol, no spaces.

bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\v' || c == U'\f' ||
         c == 0xA0 || c == 0x3000 || c == 0xFEFF || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F;
}

// Trailing punctuation that ends a cell's sentence and means nothing: `90%以上。`, `是；`.
bool is_trailing_punct(char32_t c) {
  return c == U'.' || c == U',' || c == U';' || c == U'!' || c == 0x3002 || c == 0x3001;
}

// One spelling for the symbols that have several: ≥ ≧ ⩾ ≮ → ">=", ≤ ≦ ⩽ ≯ → "<=", ﹥ ﹤ ﹦ ﹪ → > <
// = %, dashes and the minus sign → '-', 〜 ∼ → '~', 【〔 】〕 → ( ), full-width forms → ASCII.
// Appends to out.
void append_folded(U32& out, char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // as engine/text.h fold_full_width
  if (c == 0x2265 || c == 0x2267 || c == 0x2A7E || c == 0x226E) {
    out += U">=";
  } else if (c == 0x2264 || c == 0x2266 || c == 0x2A7D || c == 0x226F) {
    out += U"<=";
  } else if (c == 0xFE65) {
    out.push_back(U'>');
  } else if (c == 0xFE64) {
    out.push_back(U'<');
  } else if (c == 0xFE66) {
    out.push_back(U'=');
  } else if (c == 0xFE6A) {
    out.push_back(U'%');
  } else if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) {
    out.push_back(U'-');
  } else if (c == 0x301C || c == 0x223C) {
    out.push_back(U'~');
  } else if (c == 0x3010 || c == 0x3014) {
    out.push_back(U'(');
  } else if (c == 0x3011 || c == 0x3015) {
    out.push_back(U')');
  } else if (c == 0xFF61) {
    out.push_back(0x3002);  // ｡ half-width ideographic full stop
  } else {
    out.push_back(c);
  }
}

U32 normalize(U32View in) {
  U32 out;
  out.reserve(in.size() + 4);
  for (char32_t c : in) {
    if (!is_space(c)) append_folded(out, c);
  }
  while (!out.empty() && is_trailing_punct(out.back())) out.pop_back();
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers over UTF-32 text.

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

bool has_digit(U32View s) { return std::any_of(s.begin(), s.end(), is_digit); }

bool starts(U32View s, U32View p) { return s.substr(0, p.size()) == p; }

bool ends(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

bool contains(U32View s, U32View p) { return s.find(p) != U32View::npos; }

template <std::size_t N>
bool contains_any(U32View s, const std::array<U32View, N>& words) {
  return std::any_of(words.begin(), words.end(), [&](U32View w) { return contains(s, w); });
}

template <std::size_t N>
bool equals_any(U32View s, const std::array<U32View, N>& words) {
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
bool mentions_any(std::string_view s, const std::array<std::string_view, N>& words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return s.find(w) != std::string_view::npos; });
}

Target qualitative(std::string reason) {
  Target t;
  t.reason = std::move(reason);
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: ASCII digits (after folding) and Chinese numerals.

int cjk_digit(char32_t c) {
  switch (c) {
    case U'零':
    case U'〇':
      return 0;
    case U'一':
      return 1;
    case U'二':
    case U'两':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}

std::uint64_t cjk_multiplier(char32_t c) {
  switch (c) {
    case U'十':
      return 10;
    case U'百':
      return 100;
    case U'千':
      return 1000;
    case U'万':
      return 10000;
    case U'亿':
      return 100000000;
    default:
      return 0;
  }
}

bool is_cjk_numeral(char32_t c) { return cjk_digit(c) >= 0 || cjk_multiplier(c) != 0; }

// Decimal text of an integer and fraction, canonical: no leading zeros (one before the point),
// fraction kept.
std::string canonical(std::string_view int_digits, std::string_view frac_digits) {
  while (int_digits.size() > 1 && int_digits.front() == '0') int_digits.remove_prefix(1);
  std::string out(int_digits.empty() ? std::string_view("0") : int_digits);
  if (!frac_digits.empty()) {
    out += '.';
    out += frac_digits;
  }
  return out;
}

// A number read from the text.
struct Number {
  std::string text;        // canonical decimal
  std::size_t begin = 0;   // first character of the number in the text
  std::size_t end = 0;     // one past its last character
  std::size_t digits = 0;  // significant digits (integer without leading zeros, plus fraction)
};

// Reads ASCII digits at s[i] (or `.5`): `1234`, `1,234,567` (groups of three after a first group of
// one to three digits), `95.50`. Precondition: s[i] is a digit, or '.' followed by one.
Number read_ascii_number(U32View s, std::size_t i) {
  Number n;
  n.begin = i;
  std::string int_part;
  std::string frac;
  std::size_t j = i;
  while (j < s.size() && is_digit(s[j])) int_part.push_back(static_cast<char>(s[j++]));
  if (!int_part.empty() && int_part.size() <= 3) {
    while (j + 3 < s.size() && s[j] == U',' && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
           is_digit(s[j + 3]) && (j + 4 >= s.size() || !is_digit(s[j + 4]))) {
      for (std::size_t k = 1; k <= 3; ++k) int_part.push_back(static_cast<char>(s[j + k]));
      j += 4;
    }
  }
  if (j + 1 < s.size() && s[j] == U'.' && is_digit(s[j + 1])) {
    ++j;
    while (j < s.size() && is_digit(s[j])) frac.push_back(static_cast<char>(s[j++]));
  }
  n.text = canonical(int_part, frac);
  n.end = j;
  const std::size_t dot = n.text.find('.');
  n.digits = n.text == "0" ? 1 : (dot == std::string::npos ? n.text.size() : n.text.size() - 1);
  return n;
}

// Reads a Chinese numeral at s[i]: positional (`二〇二三` → 2023, `三` → 3) or structured (`十二` →
// 12, `一百零五` → 105, `一万五千` → 15000), with an optional fraction `三点五` → 3.5. When
// `leave_magnitude` is set, a final 万 or 亿 is left for the unit (`五万人` → 5, unit 万人), as
// written with digits (`5万人`). Nullopt when there is no numeral at i or it is out of range.
std::optional<Number> read_cjk_number(U32View s, std::size_t i, bool leave_magnitude) {
  std::size_t end = i;
  while (end < s.size() && is_cjk_numeral(s[end])) ++end;
  if (end == i) return std::nullopt;
  if (leave_magnitude && end - i >= 2 && (s[end - 1] == U'万' || s[end - 1] == U'亿')) --end;
  const U32View run = s.substr(i, end - i);
  constexpr std::size_t max_run = 32;
  if (run.size() > max_run) return std::nullopt;

  std::string int_text;
  const bool structured =
      std::any_of(run.begin(), run.end(), [](char32_t c) { return cjk_multiplier(c) != 0; });
  if (!structured) {
    for (char32_t c : run) int_text.push_back(static_cast<char>('0' + cjk_digit(c)));
  } else {
    // 九千九百亿零五万三千: 亿 groups (high), the 万 part within the current 亿 group (mid), and
    // the part below 万.
    constexpr std::uint64_t limit =
        1'000'000'000'000'000ULL;  // far beyond any target; keeps the math exact
    std::uint64_t high = 0;
    std::uint64_t mid = 0;
    std::uint64_t section = 0;
    int digit = -1;
    for (char32_t c : run) {
      if (const int d = cjk_digit(c); d >= 0) {
        digit = d;
        continue;
      }
      const std::uint64_t m = cjk_multiplier(c);
      const std::uint64_t unit_digit = digit < 0 ? 0 : static_cast<std::uint64_t>(digit);
      if (m < 10000) {
        section += (digit < 0 ? 1 : unit_digit) * m;  // 十二: a bare 十 is 一十
      } else if (m == 10000) {
        if (mid != 0 || section + unit_digit == 0) return std::nullopt;
        mid = (section + unit_digit) * m;
        section = 0;
      } else {
        const std::uint64_t part = high + mid + section + unit_digit;
        if (part == 0 || part > limit / m) return std::nullopt;
        high = part * m;
        mid = 0;
        section = 0;
      }
      digit = -1;
    }
    const std::uint64_t value =
        high + mid + section + (digit < 0 ? 0 : static_cast<std::uint64_t>(digit));
    int_text = std::to_string(value);
  }
  std::string frac;
  std::size_t j = end;
  if (j + 1 < s.size() && s[j] == U'点' && cjk_digit(s[j + 1]) >= 0) {
    ++j;
    while (j < s.size() && cjk_digit(s[j]) >= 0)
      frac.push_back(static_cast<char>('0' + cjk_digit(s[j++])));
  }
  Number n;
  n.text = canonical(int_text, frac);
  n.begin = i;
  n.end = j;
  const std::size_t dot = n.text.find('.');
  n.digits = dot == std::string::npos ? n.text.size() : n.text.size() - 1;
  return n;
}

// A small whole number for a date (year, month, day, quarter) at s[i]: ASCII digits (at most
// `max_digits`, and no more digits right after) or a Chinese numeral. Advances i.
std::optional<int> read_date_number(U32View s, std::size_t& i, std::size_t max_digits) {
  if (i >= s.size()) return std::nullopt;
  if (is_digit(s[i])) {
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && is_digit(s[j])) {
      if (j - i >= max_digits) return std::nullopt;
      v = v * 10 + static_cast<int>(s[j] - U'0');
      ++j;
    }
    i = j;
    return v;
  }
  auto n = read_cjk_number(s, i, false);
  if (!n || n->text.find('.') != std::string::npos || n->text.size() > max_digits)
    return std::nullopt;
  i = n->end;
  return std::stoi(n->text);  // at most four digits: cannot throw
}

// ---------------------------------------------------------------------------------------------------------
// Units.

// Measure words and units after a number; a magnitude (万, 亿, …) may precede them (`万元`, `亿元`,
// `万人`).
constexpr std::array<U32View, 95> base_units = {
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
constexpr std::array<U32View, 7> magnitudes = {U"百万", U"千万", U"十万", U"万",
                                               U"亿",   U"千",   U"百"};

// Length of the known unit at the front of s ([magnitude] base, or a magnitude alone); 0 when none.
std::size_t known_unit_length(U32View s) {
  std::size_t best = longest_prefix(s, base_units);
  const std::size_t m = longest_prefix(s, magnitudes);
  if (m > 0) best = std::max(best, m + longest_prefix(s.substr(m), base_units));
  return best;
}

// Words that may follow a unit (`3天完成`, `100%覆盖`): the unit ends before them.
constexpr std::array<U32View, 34> verbs = {
    U"完成", U"办结", U"办理", U"支付", U"到位", U"完工", U"竣工", U"验收", U"覆盖",
    U"上线", U"达标", U"建成", U"实现", U"结算", U"拨付", U"兑现", U"发放", U"提交",
    U"审批", U"处理", U"处置", U"响应", U"回复", U"答复", U"反馈", U"解决", U"整改",
    U"及时", U"的",   U"并",   U"且",   U"和",   U"或",   U"以"};

// Words after the number (and unit) that carry a comparator, `内` last so that 以内/之内 win.
struct SuffixWord {
  U32View text;
  enum Kind { ge, le, approx, between, inclusive, exclusive } kind;
};
constexpr std::array<SuffixWord, 17> suffix_words = {{
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

// Length of the suffix word at the front of s (longest), with its kind; 0 when none.
std::size_t suffix_at(U32View s, SuffixWord::Kind& kind) {
  std::size_t best = 0;
  for (const auto& w : suffix_words) {
    if (w.text.size() > best && starts(s, w.text)) {
      best = w.text.size();
      kind = w.kind;
    }
  }
  return best;
}

// Where a unit stops: digits, punctuation, range separators, a suffix word.
bool unit_stops_at(U32View s, std::size_t i) {
  const char32_t c = s[i];
  if (is_digit(c)) return true;
  if (c < 0x80 && !((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'))) return true;
  if (c == U'至' || c == U'到' || c == 0x3001 || c == 0x3002) return true;
  SuffixWord::Kind k{};
  return suffix_at(s.substr(i), k) > 0;
}

struct UnitRead {
  U32 unit;
  std::size_t end = 0;
  std::string error;  // non-empty: the unit cannot be told
};

// Reads the unit at s[i]: `%` or `‰`; a known unit, split from a verb after it (`天完成` → 天); any
// other short word (`家次`, `km`, `℃`); else, after a known unit, the unit alone; else an error.
UnitRead read_unit(U32View s, std::size_t i) {
  UnitRead r;
  r.end = i;
  if (i >= s.size()) return r;
  if (s[i] == U'%' || s[i] == U'‰') {
    r.unit.push_back(s[i]);
    r.end = i + 1;
    return r;
  }
  std::size_t k = i;
  while (k < s.size() && !unit_stops_at(s, k)) ++k;
  const U32View run = s.substr(i, k - i);
  if (run.empty()) return r;
  const std::size_t known = known_unit_length(run);
  constexpr std::size_t max_unknown_unit = 4;
  std::size_t len = 0;
  if (known == run.size()) {
    len = known;
  } else if (known > 0 && longest_prefix(run.substr(known), verbs) > 0) {
    len = known;
  } else if (run.size() <= max_unknown_unit) {
    len = run.size();
  } else if (known > 0) {
    len = known;
  } else {
    r.error = "cannot tell the unit from " + quote(run);
    return r;
  }
  r.unit = U32(run.substr(0, len));
  r.end = i + len;
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Dates.

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

constexpr std::array<U32View, 14> fiscal_year_end_words = {
    U"本年度内", U"本年度末", U"年度终了", U"本年内", U"当年内", U"今年内", U"今年底",
    U"本年底",   U"年度内",   U"年度末",   U"年底",   U"年末",   U"年终",   U"年内"};
constexpr std::array<U32View, 2> first_half_words = {U"上半年", U"年中"};
constexpr std::array<U32View, 1> second_half_words = {U"下半年"};
constexpr std::array<U32View, 4> period_end_words = {U"结束", U"底", U"末", U"终"};
constexpr std::array<U32View, 8> before_words = {U"之前", U"以前", U"为止", U"以内",
                                                 U"之内", U"前",   U"止",   U"内"};
constexpr std::array<U32View, 5> before_only_words = {U"之前", U"以前", U"为止", U"前", U"止"};
constexpr std::array<U32View, 5> start_words = {U"开始", U"以后", U"之后", U"起", U"后"};

// Month forms after a month number has been read at s[i] (which must be 月): `月`, `月份`, `月D日`,
// `月D号`.
bool read_month_rest(U32View s, std::size_t& i, DateSpec& spec) {
  if (i >= s.size() || s[i] != U'月') return false;
  ++i;
  if (i < s.size() && s[i] == U'份') ++i;
  std::size_t j = i;
  if (auto d = read_date_number(s, j, 2); d && j < s.size() && (s[j] == U'日' || s[j] == U'号')) {
    spec.kind = DateSpec::Kind::day;
    spec.day_of_month = *d;
    i = j + 1;
  } else {
    spec.kind = DateSpec::Kind::month;
  }
  return true;
}

// Quarter forms at s[i]: `第三季度`, `三季度`, `第3季`, `Q3`.
bool read_quarter(U32View s, std::size_t& i, DateSpec& spec) {
  std::size_t j = i;
  if (j < s.size() && (s[j] == U'Q' || s[j] == U'q')) {
    ++j;
    if (j < s.size() && is_digit(s[j]) && (j + 1 >= s.size() || !is_digit(s[j + 1]))) {
      spec.kind = DateSpec::Kind::quarter;
      spec.quarter = static_cast<int>(s[j] - U'0');
      i = j + 1;
      return true;
    }
    return false;
  }
  if (j < s.size() && s[j] == U'第') ++j;
  const auto q = read_date_number(s, j, 1);
  if (!q || j >= s.size() || s[j] != U'季') return false;
  ++j;
  if (j < s.size() && s[j] == U'度') ++j;
  spec.kind = DateSpec::Kind::quarter;
  spec.quarter = *q;
  i = j;
  return true;
}

// A date phrase starting exactly at s[pos], with its suffix (底/末/前/内/…); nullopt when there is
// none.
std::optional<DatePhrase> date_at(U32View s, std::size_t pos, const TargetContext& ctx) {
  DateSpec spec;
  std::size_t i = pos;
  bool found = false;

  // A four-digit year: `2023年…` or `2023-12-31` / `2023/12/31` / `2023.12.31`.
  {
    std::size_t j = i;
    const auto y = read_date_number(s, j, 4);
    if (y && j - i == 4 && j < s.size()) {
      if (s[j] == U'年') {
        spec.year = *y;
        i = j + 1;
      } else if (s[j] == U'-' || s[j] == U'/' || s[j] == U'.') {
        const char32_t sep = s[j];
        std::size_t k = j + 1;
        const auto m = read_date_number(s, k, 2);
        if (!m || k >= s.size() || s[k] != sep || k == j + 1) return std::nullopt;
        ++k;
        const auto d = read_date_number(s, k, 2);
        if (!d) return std::nullopt;
        spec.year = *y;
        spec.kind = DateSpec::Kind::day;
        spec.month = *m;
        spec.day_of_month = *d;
        i = k;
        found = true;
      }
    } else if (y && j - i == 4 && j >= s.size()) {
      return std::nullopt;
    }
  }

  if (!found) {
    const U32View rest = s.substr(i);
    std::size_t j = i;
    std::size_t n = 0;
    if (auto m = read_date_number(s, j, 2); m && read_month_rest(s, j, spec)) {
      spec.month = *m;
      i = j;
      found = true;
    } else if (j = i; read_quarter(s, j, spec)) {
      i = j;
      found = true;
    } else if ((n = longest_prefix(rest, first_half_words)) > 0) {
      spec.kind = DateSpec::Kind::first_half;
      i += n;
      found = true;
    } else if ((n = longest_prefix(rest, second_half_words)) > 0 ||
               (n = longest_prefix(rest, fiscal_year_end_words)) > 0) {
      spec.kind = DateSpec::Kind::year_end;
      i += n;
      found = true;
    } else if (spec.year) {
      // `2023年底`, `2023年内`, `2023年度内`, `2023年完成…`: the year's end. `2023年前` is
      // ambiguous (before 2023, or by its end?) and is not read.
      if (i < s.size() && s[i] == U'度') ++i;
      if (const std::size_t len = longest_prefix(s.substr(i), before_only_words); len > 0) {
        DatePhrase p;
        p.end = i + len;
        p.error = "cannot read the date " + quote(s.substr(pos, p.end - pos)) +
                  " (before that year, or by its end?)";
        return p;
      }
      spec.kind = DateSpec::Kind::year_end;
      found = true;
    }
  }
  if (!found) return std::nullopt;

  // Suffix: [底|末|终|结束] [前|之前|以前|止|为止|内|以内|之内]; a start date (起, 以后) is not a
  // deadline.
  i += longest_prefix(s.substr(i), period_end_words);
  i += longest_prefix(s.substr(i), before_words);
  DatePhrase p;
  if (const std::size_t n = longest_prefix(s.substr(i), start_words); n > 0) {
    p.end = i + n;
    p.error = "a start date " + quote(s.substr(pos, p.end - pos)) + ", not a deadline";
    return p;
  }
  p.end = i;
  const U32View phrase = s.substr(pos, i - pos);

  // The date: explicit year → calendar; else the context's fiscal year.
  if (spec.kind == DateSpec::Kind::quarter && (spec.quarter < 1 || spec.quarter > 4)) {
    p.error = "no quarter " + std::to_string(spec.quarter) + " in " + quote(phrase);
    return p;
  }
  if ((spec.kind == DateSpec::Kind::month || spec.kind == DateSpec::Kind::day) &&
      (spec.month < 1 || spec.month > 12)) {
    p.error = quote(phrase) + " is not a date (month " + std::to_string(spec.month) + ")";
    return p;
  }
  if (spec.year && (*spec.year < 1900 || *spec.year > 2999)) {
    p.error = quote(phrase) + " is not a date (year " + std::to_string(*spec.year) + ")";
    return p;
  }
  if (!spec.year && !ctx.fiscal_year) {
    p.error = "date without a year " + quote(phrase) + " and no fiscal year given";
    return p;
  }
  const auto m = static_cast<unsigned>(spec.month);
  if (spec.year) {
    const std::chrono::year y{*spec.year};
    switch (spec.kind) {
      case DateSpec::Kind::day:
        p.date = CivilDate{y, std::chrono::month{m},
                           std::chrono::day{static_cast<unsigned>(spec.day_of_month)}};
        break;
      case DateSpec::Kind::month:
        p.date = month_end(make_date(*spec.year, m, 1));
        break;
      case DateSpec::Kind::quarter:
        p.date = month_end(make_date(*spec.year, static_cast<unsigned>(spec.quarter * 3), 1));
        break;
      case DateSpec::Kind::first_half:
        p.date = make_date(*spec.year, 6, 30);
        break;
      case DateSpec::Kind::year_end:
        p.date = make_date(*spec.year, 12, 31);
        break;
    }
  } else {
    const FiscalYear& fy = *ctx.fiscal_year;
    const int index = (spec.month + 12 - static_cast<int>(fy.start_month())) % 12;
    switch (spec.kind) {
      case DateSpec::Kind::day: {
        const CivilDate first = fy.month_start(index);
        p.date = CivilDate{first.year(), first.month(),
                           std::chrono::day{static_cast<unsigned>(spec.day_of_month)}};
        break;
      }
      case DateSpec::Kind::month:
        p.date = fy.month_end(index);
        break;
      case DateSpec::Kind::quarter:
        p.date = fy.month_end(spec.quarter * 3 - 1);
        break;
      case DateSpec::Kind::first_half:
        p.date = fy.month_end(5);
        break;
      case DateSpec::Kind::year_end:
        p.date = fy.last_day();
        break;
    }
  }
  if (!p.date->ok()) {
    p.error = quote(phrase) + " is not a date";
    p.date.reset();
  }
  return p;
}

// Words that make a following date a point of comparison, not a deadline (`较2023年增长10%`).
constexpr std::array<U32View, 5> comparison_words = {U"较", U"比", U"相对", U"对比", U"同期"};

// The first date phrase of s, after at most a short label without digits (`于12月31日前完成`,
// `力争年内完成`).
std::optional<DatePhrase> find_date(U32View s, const TargetContext& ctx) {
  constexpr std::size_t max_label = 10;
  for (std::size_t pos = 0; pos < s.size() && pos <= max_label; ++pos) {
    if (pos > 0) {
      const char32_t prev = s[pos - 1];
      if (is_digit(prev)) break;  // the text's figure comes first: not a date target
      if (is_cjk_numeral(prev)) continue;
      if (contains_any(s.substr(0, pos), comparison_words)) break;
    }
    if (auto p = date_at(s, pos, ctx)) return p;
  }
  return std::nullopt;
}

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
  t.unit = to_utf8(unit.unit);
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
    t.value = to_utf8(U32View(s).substr(0, 1));
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
