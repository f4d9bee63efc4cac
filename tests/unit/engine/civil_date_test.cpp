#include "engine/civil_date.h"

#include <gtest/gtest.h>

namespace bw::engine {
namespace {

std::string iso(std::string_view s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d.has_value()) << s << ": " << (d ? "" : d.error().message);
  return d ? to_iso(*d) : "";
}

std::string error_of(std::string_view s) {
  auto d = parse_date(s);
  EXPECT_FALSE(d.has_value()) << s;
  return d ? "" : d.error().message;
}

TEST(CivilDateTest, parses_every_export_form) {
  EXPECT_EQ(iso("2021-03-15"), "2021-03-15");
  EXPECT_EQ(iso("2021-3-5"), "2021-03-05");
  EXPECT_EQ(iso("2021/3/15"), "2021-03-15");
  EXPECT_EQ(iso("2021/03/15"), "2021-03-15");
  EXPECT_EQ(iso("2021.3.15"), "2021-03-15");
  EXPECT_EQ(iso("20210315"), "2021-03-15");
  EXPECT_EQ(iso("2021年3月15日"), "2021-03-15");
  EXPECT_EQ(iso("2021年12月31号"), "2021-12-31");
  EXPECT_EQ(iso("２０２１－０３－１５"), "2021-03-15");
  EXPECT_EQ(iso(" 2021-03-15 10:22:33 "), "2021-03-15");
  EXPECT_EQ(iso("2021-03-15T10:22"), "2021-03-15");
  EXPECT_EQ(iso("2020-02-29"), "2020-02-29");
}

TEST(CivilDateTest, rejects_impossible_dates_with_reasons) {
  EXPECT_EQ(error_of(""), "empty date");
  EXPECT_EQ(error_of("2021-13-05"), "'2021-13-05' is not a date (month 13)");
  EXPECT_EQ(error_of("2021-02-30"), "'2021-02-30' is not a date (February 2021 has 28 days)");
  EXPECT_EQ(error_of("2021-04-31"), "'2021-04-31' is not a date (April 2021 has 30 days)");
  EXPECT_EQ(error_of("2021/02/31"), "'2021/02/31' is not a date (February 2021 has 28 days)");
  EXPECT_EQ(error_of("0000-00-00"), "'0000-00-00' is not a date (year 0)");
  EXPECT_EQ(error_of("2021-06-"), "'2021-06-' is not a date");
  EXPECT_EQ(error_of("待定"), "'待定' is not a date");
  EXPECT_EQ(error_of("45123"),
            "'45123' is not a date (a spreadsheet serial number? export dates as text)");
  EXPECT_EQ(error_of("20210230"), "'20210230' is not a date (February 2021 has 28 days)");
  EXPECT_EQ(error_of("2021年13月1日"), "'2021年13月1日' is not a date (month 13)");
  EXPECT_EQ(error_of("2021-03-15x"), "'2021-03-15x' is not a date");
  EXPECT_EQ(error_of("2021-03/15"), "'2021-03/15' is not a date");
}

TEST(CivilDateTest, date_arithmetic) {
  EXPECT_EQ(days_between(make_date(2021, 1, 1), make_date(2021, 12, 31)), 364);
  EXPECT_EQ(to_iso(add_days(make_date(2021, 2, 28), 1)), "2021-03-01");
  EXPECT_EQ(to_iso(month_end(make_date(2020, 2, 10))), "2020-02-29");
  EXPECT_TRUE(is_month_end(make_date(2021, 11, 30)));
  EXPECT_FALSE(is_month_end(make_date(2021, 11, 29)));
}

TEST(CivilDateTest, fiscal_year_months) {
  const FiscalYear cal(2021, 1);
  EXPECT_EQ(to_iso(cal.first_day()), "2021-01-01");
  EXPECT_EQ(to_iso(cal.last_day()), "2021-12-31");
  EXPECT_EQ(cal.days(), 365);
  EXPECT_EQ(cal.month_index(make_date(2021, 10, 31)), 9);
  EXPECT_EQ(cal.month_index(make_date(2020, 12, 31)), -1);
  EXPECT_EQ(cal.month_index(make_date(2022, 1, 1)), 12);
  EXPECT_EQ(to_iso(cal.month_end(1)), "2021-02-28");

  const FiscalYear april(2021, 4);  // April to March
  EXPECT_EQ(to_iso(april.last_day()), "2022-03-31");
  EXPECT_EQ(april.month_index(make_date(2022, 1, 15)), 9);
  EXPECT_EQ(to_iso(april.month_end(10)), "2022-02-28");
  EXPECT_EQ(FiscalYear::containing(make_date(2022, 2, 1), 4).year(), 2021);
  EXPECT_EQ(FiscalYear::containing(make_date(2022, 4, 1), 4).year(), 2022);
}

}  // namespace
}  // namespace bw::engine
