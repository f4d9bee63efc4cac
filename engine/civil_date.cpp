#include "engine/civil_date.h"

#include <array>

#include "engine/text.h"

namespace bw::engine {
namespace {

using namespace std::chrono;

constexpr std::array<const char*, 12> month_names = {"January", "February", "March",     "April",
                                                     "May",     "June",     "July",      "August",
                                                     "September", "October", "November", "December"};

tl::unexpected<Error> not_date(std::string_view original, std::string_view detail = {}) {
  std::string msg = "'" + std::string(original) + "' is not a date";
  if (!detail.empty()) msg += " (" + std::string(detail) + ")";
  return fail(Errc::invalid_input, std::move(msg));
}

// Reads 1..max_digits ASCII digits at s[i]; advances i. Returns -1 when there is no digit.
int read_number(std::string_view s, std::size_t& i, int max_digits) {
  int v = 0;
  int n = 0;
  while (i < s.size() && n < max_digits && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    ++i;
    ++n;
  }
  return n == 0 ? -1 : v;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A time of day after the date: " 10:22", "T10:22:33", " 0:00:00.000".
bool is_time_suffix(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest.front() != ' ' && rest.front() != 'T') return false;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return true;
  for (char c : rest) {
    if (!((c >= '0' && c <= '9') || c == ':' || c == '.')) return false;
  }
  return rest.find(':') != std::string_view::npos;
}

Result<CivilDate> validate(std::string_view original, int y, int m, int d) {
  if (y < 1900 || y > 2999) return not_date(original, "year " + std::to_string(y));
  if (m < 1 || m > 12) return not_date(original, "month " + std::to_string(m));
  const year_month_day_last last{year{y}, month_day_last{month{static_cast<unsigned>(m)}}};
  const auto days_in_month = static_cast<int>(static_cast<unsigned>(last.day()));
  if (d < 1 || d > days_in_month) {
    if (d < 1) return not_date(original, "day " + std::to_string(d));
    return not_date(original, std::string(month_names[static_cast<std::size_t>(m - 1)]) + " " +
                                  std::to_string(y) + " has " + std::to_string(days_in_month) + " days");
  }
  return make_date(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

}  // namespace

Result<CivilDate> parse_date(std::string_view text) {
  const std::string_view original = text;
  std::string_view s = trim(text);
  if (s.empty()) return fail(Errc::invalid_input, "empty date");
  std::string folded;
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii) {
    folded = fold_full_width(s);
    s = folded;
  }

  // Compact yyyymmdd.
  if (s.size() == 8 && all_digits(s)) {
    auto num = [&](std::size_t pos, std::size_t len) {
      int v = 0;
      for (std::size_t k = pos; k < pos + len; ++k) v = v * 10 + (s[k] - '0');
      return v;
    };
    return validate(original, num(0, 4), num(4, 2), num(6, 2));
  }
  if (all_digits(s) && s.size() <= 6) {
    return not_date(original, "a spreadsheet serial number? export dates as text");
  }

  std::size_t i = 0;
  const int y = read_number(s, i, 4);
  if (y < 0 || i != 4 || i >= s.size()) return not_date(original);

  int m = -1;
  int d = -1;
  if (starts_with(s.substr(i), "年")) {
    i += std::string_view("年").size();
    m = read_number(s, i, 2);
    if (m < 0 || !starts_with(s.substr(i), "月")) return not_date(original);
    i += std::string_view("月").size();
    d = read_number(s, i, 2);
    if (d < 0) return not_date(original);
    if (starts_with(s.substr(i), "日")) {
      i += std::string_view("日").size();
    } else if (starts_with(s.substr(i), "号")) {
      i += std::string_view("号").size();
    }
  } else {
    const char sep = s[i];
    if (sep != '-' && sep != '/' && sep != '.') return not_date(original);
    ++i;
    m = read_number(s, i, 2);
    if (m < 0 || i >= s.size() || s[i] != sep) return not_date(original);
    ++i;
    d = read_number(s, i, 2);
    if (d < 0) return not_date(original);
  }
  if (!is_time_suffix(s.substr(i))) return not_date(original);
  return validate(original, y, m, d);
}

std::string to_iso(CivilDate d) {
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  char buf[16];
  buf[0] = static_cast<char>('0' + (y / 1000) % 10);
  buf[1] = static_cast<char>('0' + (y / 100) % 10);
  buf[2] = static_cast<char>('0' + (y / 10) % 10);
  buf[3] = static_cast<char>('0' + y % 10);
  buf[4] = '-';
  buf[5] = static_cast<char>('0' + m / 10);
  buf[6] = static_cast<char>('0' + m % 10);
  buf[7] = '-';
  buf[8] = static_cast<char>('0' + day / 10);
  buf[9] = static_cast<char>('0' + day % 10);
  return std::string(buf, 10);
}

int days_between(CivilDate from, CivilDate to) {
  return static_cast<int>((sys_days{to} - sys_days{from}).count());
}

CivilDate add_days(CivilDate d, int n) { return CivilDate{sys_days{d} + days{n}}; }

CivilDate month_end(CivilDate d) {
  return CivilDate{year_month_day_last{d.year(), month_day_last{d.month()}}};
}

bool is_month_end(CivilDate d) { return d == month_end(d); }

FiscalYear FiscalYear::containing(CivilDate d, unsigned start_month) {
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  return FiscalYear{m >= start_month ? y : y - 1, start_month};
}

CivilDate FiscalYear::first_day() const { return make_date(year_, start_month_, 1); }

CivilDate FiscalYear::last_day() const {
  return add_days(FiscalYear{year_ + 1, start_month_}.first_day(), -1);
}

int FiscalYear::days() const { return days_between(first_day(), last_day()) + 1; }

int FiscalYear::month_index(CivilDate d) const {
  if (d < first_day()) return -1;
  if (d > last_day()) return 12;
  const int months = (static_cast<int>(d.year()) - year_) * 12 +
                     static_cast<int>(static_cast<unsigned>(d.month())) -
                     static_cast<int>(start_month_);
  return months;
}

CivilDate FiscalYear::month_start(int i) const {
  const std::chrono::year_month ym =
      std::chrono::year_month{std::chrono::year{year_}, std::chrono::month{start_month_}} +
      std::chrono::months{i};
  return CivilDate{ym / 1};
}

CivilDate FiscalYear::month_end(int i) const { return engine::month_end(month_start(i)); }

}  // namespace bw::engine
