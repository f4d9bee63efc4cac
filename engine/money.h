// Money in integer fen (分) and its exact parsing and formatting. Used by every parser, the engine,
// the store and the reports; floating point never touches an amount.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.h"

namespace bw::engine {

/// An amount of money in fen (1/100 yuan), signed (refunds and budget cuts are negative).
/// A plain value type; arithmetic does not check overflow (amounts stay far below 9.2e16 yuan).
struct Money {
  std::int64_t fen = 0;

  static constexpr Money from_fen(std::int64_t f) { return Money{f}; }
  static constexpr Money from_yuan(std::int64_t yuan) { return Money{yuan * 100}; }

  constexpr Money& operator+=(Money o) {
    fen += o.fen;
    return *this;
  }
  constexpr Money& operator-=(Money o) {
    fen -= o.fen;
    return *this;
  }
  friend constexpr Money operator+(Money a, Money b) { return Money{a.fen + b.fen}; }
  friend constexpr Money operator-(Money a, Money b) { return Money{a.fen - b.fen}; }
  friend constexpr Money operator-(Money a) { return Money{-a.fen}; }
  friend constexpr auto operator<=>(Money, Money) = default;
  constexpr bool is_zero() const { return fen == 0; }
};

/// Absolute value of an amount.
constexpr Money abs(Money m) { return m.fen < 0 ? Money{-m.fen} : m; }

/// The unit an amount is written in: 元 (yuan, 2 decimals) or 万元 (10,000 yuan, up to 6 decimals).
enum class MoneyUnit { yuan, wan_yuan };

/// Parses an amount exactly. Accepts `12345.6`, `12,345.60`, `-3.50`, `+3`, `(1,234.00)`
/// (accounting negative), full-width digits and punctuation (`１２，３４５．６０`, `－３`), a
/// currency sign (¥ ￥), and a unit suffix (`元`, `万元`, `万`) that overrides `unit`. Surrounding
/// ASCII and ideographic spaces are ignored. Thousands separators must group by three. More
/// decimals than fen precision are accepted only when the extra digits are zeros (`12.500` yuan,
/// `1.234567万元` is rejected). Errors (Errc::invalid_input), the message quoting the text as
/// given:
///   "empty amount", "'12,3a4.00' is not an amount", "'12.345' is not an amount (more than 2
///   decimals)",
///   "'1,23,456.00' is not an amount (misplaced thousands separator)", "'...' is not an amount (too
///   large)".
Result<Money> parse_money(std::string_view text, MoneyUnit unit = MoneyUnit::yuan);

/// A column header split into its name and the money unit it declares, if any:
/// `年初预算数（万元）` → {"年初预算数", wan_yuan}; `金额(元)` → {"金额", yuan}; `金额` → {"金额",
/// nullopt}. Both ASCII and full-width parentheses are recognised; surrounding spaces are trimmed
/// from the name.
struct HeaderUnit {
  std::string name;
  std::optional<MoneyUnit> unit;
};
HeaderUnit split_header_unit(std::string_view header);

/// Formats in 元 with two decimals: 1234560 fen → "12,345.60" (or "12345.60" without separators).
std::string format_yuan(Money m, bool separators = true);

/// Formats in 万元 with two decimals, rounded half away from zero: 17088410000 fen → "17,088.41".
std::string format_wan(Money m, bool separators = true);

}  // namespace bw::engine
