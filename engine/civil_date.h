// Civil dates (no time zone: a day in the fiscal year), parsing of the date forms found in treasury
// exports, and the fiscal year with its month ends. Used by parsers, the engine, the store and the
// reports.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "engine/result.h"

namespace bw::engine {

/// A calendar day. Comparable; convert through std::chrono::sys_days for arithmetic.
using CivilDate = std::chrono::year_month_day;

/// Builds a date from numbers; the caller guarantees validity (use parse_date for input).
constexpr CivilDate make_date(int y, unsigned m, unsigned d) {
  return CivilDate{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

/// Parses the forms found in exports and registers: `2021-03-15`, `2021-3-5`, `2021/3/15`,
/// `2021.3.15`, `20210315`, `2021年3月15日`, each optionally followed by a time (`2021-03-15
/// 10:22:33`, `2021-03-15T10:22`) that is ignored; full-width digits are accepted. Years 1900–2999.
/// Errors (Errc::invalid_input): "empty date"; "'2021-13-05' is not a date (month 13)";
/// "'2021-02-30' is not a date (February 2021 has 28 days)"; "'待定' is not a date";
/// "'45123' is not a date (a spreadsheet serial number? export dates as text)".
Result<CivilDate> parse_date(std::string_view text);

/// ISO 8601 form, "2021-03-15".
std::string to_iso(CivilDate d);

/// Days from `from` to `to` (negative when `to` is earlier).
int days_between(CivilDate from, CivilDate to);

/// The day `n` days after `d` (before, when negative).
CivilDate add_days(CivilDate d, int n);

/// The last day of d's month.
CivilDate month_end(CivilDate d);

/// True when d is the last day of its month.
bool is_month_end(CivilDate d);

/// A fiscal year (财政年度): twelve months from `start_month` of `year` (China: the calendar year,
/// start 1). Month indexes are 0..11 from the start month.
class FiscalYear {
 public:
  constexpr FiscalYear() = default;
  constexpr FiscalYear(int year, unsigned start_month) : year_(year), start_month_(start_month) {}

  /// The fiscal year that contains `d`.
  static FiscalYear containing(CivilDate d, unsigned start_month = 1);

  int year() const { return year_; }
  unsigned start_month() const { return start_month_; }
  /// First and last day, inclusive.
  CivilDate first_day() const;
  CivilDate last_day() const;
  /// Number of days in the fiscal year (365 or 366).
  int days() const;
  bool contains(CivilDate d) const { return d >= first_day() && d <= last_day(); }
  /// Month index 0..11 of a date inside the year; -1 before it, 12 after it.
  int month_index(CivilDate d) const;
  /// Last day of month index i (0..11).
  CivilDate month_end(int i) const;
  /// First day of month index i (0..11).
  CivilDate month_start(int i) const;

 private:
  int year_ = 1970;
  unsigned start_month_ = 1;
};

}  // namespace bw::engine
