// TimeZone over TZif files (issue 13 item 6): offsets from the zone's own transitions and footer
// rule, never from the process TZ, so two zones loaded one after the other keep their own answers.
#include "daemon/clock.h"

#include <gtest/gtest.h>

namespace bw::daemon {
namespace {

using engine::make_date;

std::chrono::system_clock::time_point at(std::int64_t unix_s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_s));
}

TEST(TimeZoneTest, tokyo) {
  auto tz = TimeZone::from_name("Asia/Tokyo");
  ASSERT_TRUE(tz.has_value()) << tz.error().message;
  EXPECT_EQ(tz->midnight_utc(make_date(2021, 6, 1)), 1622473200);  // 2021-05-31T15:00:00Z
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1622473199))), "2021-05-31");
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1622473200))), "2021-06-01");
  // After the last transition (footer "JST-9").
  EXPECT_EQ(tz->midnight_utc(make_date(2100, 1, 1)), 4102444800 - 9 * 3600);
}

TEST(TimeZoneTest, new_york_across_the_spring_change) {
  auto tz = TimeZone::from_name("America/New_York");
  ASSERT_TRUE(tz.has_value()) << tz.error().message;
  // 2021-03-14 starts in EST (UTC-5); DST begins at 07:00Z that day; 2021-03-15 starts in EDT
  // (UTC-4).
  EXPECT_EQ(tz->midnight_utc(make_date(2021, 3, 14)), 1615698000);  // 05:00Z
  EXPECT_EQ(tz->midnight_utc(make_date(2021, 3, 15)), 1615780800);  // 04:00Z
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1615780799))), "2021-03-14");
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1615780800))), "2021-03-15");
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1615698000 - 1))), "2021-03-13");
  // Beyond the table, from the footer rule EST5EDT,M3.2.0,M11.1.0: 2040-03-11 (2nd Sunday) and
  // 2040-11-04 (1st).
  EXPECT_EQ(tz->midnight_utc(make_date(2040, 3, 11)), 2215054800);  // 05:00Z
  EXPECT_EQ(tz->midnight_utc(make_date(2040, 3, 12)), 2215137600);  // 04:00Z
  EXPECT_EQ(tz->midnight_utc(make_date(2040, 11, 5)), 2235704400);  // 05:00Z, after 2040-11-04
}

TEST(TimeZoneTest, london) {
  auto tz = TimeZone::from_name("Europe/London");
  ASSERT_TRUE(tz.has_value()) << tz.error().message;
  EXPECT_EQ(tz->midnight_utc(make_date(2021, 1, 15)), 1610668800);  // GMT
  EXPECT_EQ(tz->midnight_utc(make_date(2021, 7, 1)), 1625094000);   // BST: 2021-06-30T23:00:00Z
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1625094000))), "2021-07-01");
  EXPECT_EQ(engine::to_iso(tz->date_at(at(1625093999))), "2021-06-30");
}

TEST(TimeZoneTest, two_zones_keep_their_own_offsets) {
  auto ny = TimeZone::from_name("America/New_York");
  auto tokyo = TimeZone::from_name("Asia/Tokyo");
  ASSERT_TRUE(ny.has_value() && tokyo.has_value());
  EXPECT_EQ(ny->midnight_utc(make_date(2021, 3, 15)), 1615780800);
  EXPECT_EQ(tokyo->midnight_utc(make_date(2021, 3, 15)), 1615734000);
  EXPECT_EQ(engine::to_iso(ny->date_at(at(1615780799))), "2021-03-14");
  EXPECT_EQ(engine::to_iso(tokyo->date_at(at(1615780799))), "2021-03-15");
}

}  // namespace
}  // namespace bw::daemon
