#include "engine/money.h"

#include <algorithm>

#include "engine/text.h"

namespace bw::engine {
namespace {

constexpr std::int64_t max_fen = 9'000'000'000'000'000'000;  // well inside int64

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

tl::unexpected<Error> not_amount(std::string_view original, std::string_view detail = {}) {
  std::string msg = "'" + std::string(original) + "' is not an amount";
  if (!detail.empty()) msg += " (" + std::string(detail) + ")";
  return fail(Errc::invalid_input, std::move(msg));
}

// Parses the ASCII core "[sign]digits[,ddd...][.fraction]" with `decimals` fractional digits of precision.
Result<Money> parse_core(std::string_view s, std::string_view original, int decimals) {
  bool negative = false;
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    negative = true;
    s = s.substr(1, s.size() - 2);
  }
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    if (negative) return not_amount(original);
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return not_amount(original);

  std::int64_t units = 0;  // in 10^-decimals of the unit
  std::int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;

  // Integer part, with optional thousands separators grouping by three.
  std::size_t i = 0;
  int digits_in_group = 0;
  int total_digits = 0;
  bool seen_separator = false;
  std::int64_t integer = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (integer > (max_fen / scale - 9) / 10) return not_amount(original, "too large");
      integer = integer * 10 + (c - '0');
      ++digits_in_group;
      ++total_digits;
    } else if (c == ',') {
      if (total_digits == 0 || (seen_separator ? digits_in_group != 3 : digits_in_group > 3)) {
        return not_amount(original, "misplaced thousands separator");
      }
      seen_separator = true;
      digits_in_group = 0;
    } else {
      return not_amount(original);
    }
  }
  if (seen_separator && digits_in_group != 3) {
    return not_amount(original, "misplaced thousands separator");
  }
  units = integer * scale;

  // Fraction: up to `decimals` digits count; further digits must be zeros.
  int fraction_digits = 0;
  if (i < s.size()) {
    ++i;  // '.'
    if (i == s.size() && total_digits == 0) return not_amount(original);
    for (std::size_t k = i; k < s.size(); ++k) {
      if (s[k] < '0' || s[k] > '9') return not_amount(original);
    }
    std::int64_t place = scale;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c < '0' || c > '9') return not_amount(original);
      ++fraction_digits;
      if (fraction_digits <= decimals) {
        place /= 10;
        units += (c - '0') * place;
      } else if (c != '0') {
        return not_amount(original, decimals == 2 ? "more than 2 decimals"
                                                   : "more than 6 decimals in 万元");
      }
    }
  }
  if (total_digits == 0 && fraction_digits == 0) return not_amount(original);
  return Money{negative ? -units : units};
}

}  // namespace

Result<Money> parse_money(std::string_view text, MoneyUnit unit) {
  const std::string_view original = text;
  std::string_view s = trim(text);
  if (s.empty()) return fail(Errc::invalid_input, "empty amount");

  std::string folded;
  if (!is_ascii(s)) {
    // Unit suffixes override the column's unit; currency signs are decoration.
    if (ends_with(s, "万元")) {
      unit = MoneyUnit::wan_yuan;
      s.remove_suffix(std::string_view("万元").size());
    } else if (ends_with(s, "万")) {
      unit = MoneyUnit::wan_yuan;
      s.remove_suffix(std::string_view("万").size());
    } else if (ends_with(s, "元")) {
      unit = MoneyUnit::yuan;
      s.remove_suffix(std::string_view("元").size());
    }
    s = trim(s);
    for (std::string_view sign : {std::string_view("¥"), std::string_view("￥")}) {
      if (starts_with(s, sign)) s = trim(s.substr(sign.size()));
    }
    folded = fold_full_width(s);
    std::erase(folded, ' ');
    if (!is_ascii(folded)) return not_amount(original);
    s = folded;
  }
  if (s.empty()) return not_amount(original);

  if (unit == MoneyUnit::yuan) return parse_core(s, original, 2);
  // 万元: parse with 6 decimals, which is exactly fen.
  return parse_core(s, original, 6);
}

HeaderUnit split_header_unit(std::string_view header) {
  std::string h = fold_full_width(trim(header));  // （万元） → (万元)
  HeaderUnit out;
  const auto open = h.rfind('(');
  if (!h.empty() && h.back() == ')' && open != std::string::npos) {
    const std::string_view inside = trim(std::string_view(h).substr(open + 1, h.size() - open - 2));
    if (inside == "万元" || inside == "万") {
      out.unit = MoneyUnit::wan_yuan;
    } else if (inside == "元" || inside == "人民币元" || inside == "单位:元" || inside == "单位：元") {
      out.unit = MoneyUnit::yuan;
    } else if (inside == "单位:万元" || inside == "单位：万元") {
      out.unit = MoneyUnit::wan_yuan;
    }
    if (out.unit) h.resize(open);
  }
  out.name = std::string(trim(h));
  return out;
}

namespace {

std::string group_thousands(std::uint64_t v, bool separators) {
  std::string digits = std::to_string(v);
  if (!separators) return digits;
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i >= lead && i != 0 && (i - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_hundredths(bool negative, std::uint64_t hundredths, bool separators) {
  std::string out = negative && hundredths != 0 ? "-" : "";
  out += group_thousands(hundredths / 100, separators);
  out.push_back('.');
  const auto cents = static_cast<unsigned>(hundredths % 100);
  out.push_back(static_cast<char>('0' + cents / 10));
  out.push_back(static_cast<char>('0' + cents % 10));
  return out;
}

}  // namespace

std::string format_yuan(Money m, bool separators) {
  const bool negative = m.fen < 0;
  const std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(m.fen) : static_cast<std::uint64_t>(m.fen);
  return format_hundredths(negative, mag, separators);
}

std::string format_wan(Money m, bool separators) {
  // 0.01 万元 = 100 yuan = 10,000 fen; round half away from zero.
  const bool negative = m.fen < 0;
  const std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(m.fen) : static_cast<std::uint64_t>(m.fen);
  return format_hundredths(negative, (mag + 5'000) / 10'000, separators);
}

}  // namespace bw::engine
