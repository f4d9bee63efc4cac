// The message catalogue (issue 17, "Chinese all the way"): every entry has a zh-CN and an English
// text, and every coded value the engine shows to a user (band, curve, line kind, indicator status,
// indicator reason) has an entry.
#include "engine/messages.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace bw::engine {
namespace {

// Whether a text holds a character outside ASCII (a Chinese text does).
bool has_non_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// The {placeholders} of a text.
std::set<std::string> placeholders(std::string_view s) {
  std::set<std::string> out;
  for (std::size_t i = s.find('{'); i != std::string_view::npos; i = s.find('{', i + 1)) {
    const auto close = s.find('}', i);
    if (close == std::string_view::npos) break;
    out.emplace(s.substr(i + 1, close - i - 1));
  }
  return out;
}

TEST(MessageCatalogue, EveryEntryHasAChineseAndAnEnglishText) {
  ASSERT_FALSE(message_catalogue().empty());
  for (const Message& m : message_catalogue()) {
    SCOPED_TRACE(std::string(m.id));
    EXPECT_FALSE(m.zh.empty()) << "no zh-CN text";
    EXPECT_FALSE(m.en.empty()) << "no English text";
    EXPECT_TRUE(has_non_ascii(m.zh)) << "the zh-CN text is not Chinese: " << m.zh;
    EXPECT_NE(m.zh, m.en);
    // The Chinese text takes no value the English one lacks (a reason matched in English gives them
    // all).
    for (const auto& p : placeholders(m.zh)) EXPECT_TRUE(placeholders(m.en).count(p)) << p;
  }
}

TEST(MessageCatalogue, EveryCodedValueHasAnEntry) {
  const auto has = [](const std::string& id) {
    for (const Message& m : message_catalogue())
      if (m.id == id) return true;
    return false;
  };
  for (int i = 0; i <= static_cast<int>(Band::no_budget); ++i)
    EXPECT_TRUE(has(message_id(static_cast<Band>(i)))) << message_id(static_cast<Band>(i));
  for (int i = 0; i <= static_cast<int>(CurveKind::milestones); ++i)
    EXPECT_TRUE(has(message_id(static_cast<CurveKind>(i))))
        << message_id(static_cast<CurveKind>(i));
  for (LineKind k : {LineKind::project, LineKind::basic})
    EXPECT_TRUE(has(message_id(k))) << message_id(k);
  for (IndicatorStatus s : all_indicator_statuses) EXPECT_TRUE(has(message_id(s))) << message_id(s);
}

TEST(MessageCatalogue, LooksUpAndFills) {
  EXPECT_EQ(text(Band::below_50, Lang::zh), "严重偏低");
  EXPECT_EQ(text(Band::on_track, Lang::en), "on track");
  EXPECT_EQ(text(CurveKind::linear_to_deadline, Lang::zh), "按日线性至完成时限");
  EXPECT_EQ(format_message("indicator.reason.of_target", Lang::en,
                           {{"actual", "185"}, {"target", "200"}, {"share", "99.73"}}),
            "actual 185 of 200, expected 99.73% of the way by now");
  EXPECT_EQ(format_message("indicator.reason.of_target", Lang::zh,
                           {{"actual", "185"}, {"target", "200"}, {"share", "99.73"}}),
            "实际完成值 185（指标值 200），按进度此时应完成 99.73%");
  EXPECT_EQ(message("no.such.id", Lang::zh), "no.such.id");
  EXPECT_EQ(lang_of("en-US"), Lang::en);
  EXPECT_EQ(lang_of("zh-CN"), Lang::zh);
  EXPECT_EQ(lang_of(""), Lang::zh);
}

// A rejected row's reason, produced in English (CLI, logs), said in Chinese for the officials'
// texts.
TEST(MessageCatalogue, TranslatesRejectReasons) {
  EXPECT_EQ(translate("reject.", "'2021-13-05' is not a date (month 13)", Lang::zh),
            "“2021-13-05”不是有效日期（没有 13 月）");
  EXPECT_EQ(
      translate("reject.", "'2021-02-30' is not a date (February 2021 has 28 days)", Lang::zh),
      "“2021-02-30”不是有效日期（2021 年该月只有 28 天）");
  EXPECT_EQ(translate("reject.", "'12,3a4.00' is not an amount", Lang::zh),
            "“12,3a4.00”不是有效金额");
  EXPECT_EQ(translate("reject.", "empty date", Lang::zh), "日期为空");
  EXPECT_EQ(translate("reject.", "expected 8 fields, found 9", Lang::zh), "应有 8 列，实际 9 列");
  const auto m = match_message("reject.", "'2021-13-05' is not a date (month 13)");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, "reject.date_month");
  EXPECT_EQ(m->args.at("value"), "2021-13-05");
  EXPECT_EQ(translate("reject.", "'2021-13-05' is not a date (month 13)", Lang::en),
            "'2021-13-05' is not a date (month 13)");
  // Unknown: kept as written.
  EXPECT_EQ(translate("reject.", "something new", Lang::zh), "something new");
  EXPECT_FALSE(match_message("reject.", "something new"));
}

}  // namespace
}  // namespace bw::engine
