#include "engine/target_read.h"

#include "engine/text.h"
#include "engine/utf8.h"

namespace bw::engine::target_detail {

// A fragment for a reason: '…', cut after 40 characters so that reasons stay one short line.
std::string quote(U32View s) {
  constexpr std::size_t max_chars = 40;
  std::string out = "'";
  out += encode_utf8(s.substr(0, max_chars));
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

// Length of the known unit at the front of s ([magnitude] base, or a magnitude alone); 0 when none.
std::size_t known_unit_length(U32View s) {
  std::size_t best = longest_prefix(s, base_units);
  const std::size_t m = longest_prefix(s, magnitudes);
  if (m > 0) best = std::max(best, m + longest_prefix(s.substr(m), base_units));
  return best;
}

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
  if (!p.date || !p.date->ok()) {
    p.error = quote(phrase) + " is not a date";
    p.date.reset();
  }
  return p;
}

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

}  // namespace bw::engine::target_detail
