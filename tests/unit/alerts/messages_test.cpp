// Issue 17, "Chinese all the way": every rule kind the config accepts and every severity has words
// in the message catalogue (engine/messages.h), and a message says them in its language instead of
// the codes.
#include <gtest/gtest.h>

#include <string>

#include "alerts/notification.h"
#include "alerts/render.h"
#include "config/alerts_config.h"
#include "engine/messages.h"

namespace bw::alerts {
namespace {

bool in_catalogue(const std::string& id) {
  for (const engine::Message& m : engine::message_catalogue())
    if (m.id == id) return true;
  return false;
}

TEST(AlertMessages, every_rule_kind_and_severity_has_an_entry) {
  for (std::string_view kind : config::names<config::RuleKind>()) {
    EXPECT_TRUE(in_catalogue("rule_kind." + std::string(kind))) << kind;
    EXPECT_TRUE(in_catalogue("alert.condition." + std::string(kind))) << kind;
  }
  for (int i = 0; i <= static_cast<int>(Severity::critical); ++i) {
    const auto s = static_cast<Severity>(i);
    EXPECT_TRUE(in_catalogue("severity." + std::string(to_string(s)))) << to_string(s);
  }
  EXPECT_TRUE(in_catalogue("alert.severity_note"));
}

AlertState alert(std::string rule, std::string kind, Severity severity) {
  AlertState a;
  a.rule = std::move(rule);
  a.fingerprint = a.rule + "/P1";
  a.severity = severity;
  a.labels = {{"rule_kind", std::move(kind)},
              {"subject", "P1"},
              {"project_code", "P1"},
              {"project_name", "道路养护"}};
  a.annotations = {{"threshold_pct", "80.00"}, {"execution_pct", "40.00"}, {"as_of", "2021-06-30"}};
  return a;
}

TEST(AlertMessages, the_condition_and_severity_in_words_the_codes_in_the_fields) {
  const AlertState below = alert("below_80_at_deadline", "below_threshold", Severity::warning);
  const AlertState none = alert("nothing_paid_by_june", "no_spending", Severity::critical);
  RenderInput in;
  in.as_of = "2021-06-30";
  in.group_labels = {{"owner", "张三"}};
  in.firing = {&below, &none};
  Notification n = render(in);
  EXPECT_NE(n.text.find("预警：执行率低于 80.00%（警告）；截至 2021-06-30 无支出（严重）"),
            std::string::npos)
      << n.text;
  for (const char* code :
       {"below_80_at_deadline", "nothing_paid_by_june", "below_threshold", "warning", "critical"}) {
    EXPECT_EQ(n.text.find(code), std::string::npos) << code << "\n" << n.text;
    EXPECT_EQ(n.markdown.find(code), std::string::npos) << code << "\n" << n.markdown;
  }
  ASSERT_EQ(n.alerts.size(), 2u);
  EXPECT_EQ(n.alerts[0].rule, "below_80_at_deadline");
  EXPECT_EQ(n.alerts[0].labels.at("rule_kind"), "below_threshold");

  in.language = "en";
  n = render(in);
  EXPECT_NE(
      n.text.find("Alert: execution below 80.00% (warning); nothing paid by 2021-06-30 (critical)"),
      std::string::npos)
      << n.text;

  // Recovered: what the rule watched, in words.
  in.language = "zh-CN";
  in.firing = {};
  in.resolved = {&below, &none};
  n = render(in);
  EXPECT_NE(n.text.find("（执行率低于 80.00%、尚未支出 已解除）"), std::string::npos) << n.text;
  in.language = "en";
  EXPECT_NE(render(in).text.find("(execution below 80.00%, nothing paid cleared)"),
            std::string::npos);
}

TEST(AlertMessages, an_indicators_reason_in_the_messages_language) {
  AlertState a = alert("indicator_behind", "indicator_behind", Severity::info);
  a.labels["indicator"] = "服务企业数量";
  a.annotations["reason"] = "actual 185 of 200, expected 99.73% of the way by now";
  a.annotations["reason_id"] = "indicator.reason.of_target";
  a.annotations["reason_arg_actual"] = "185";
  a.annotations["reason_arg_target"] = "200";
  a.annotations["reason_arg_share"] = "99.73";
  RenderInput in;
  in.as_of = "2021-12-20";
  in.firing = {&a};
  EXPECT_NE(render(in).text.find(
                "绩效指标「服务企业数量」进度滞后：实际完成值 185（指标值 200），按进度此时应完成 "
                "99.73%（提示）"),
            std::string::npos)
      << render(in).text;
  in.language = "en";
  EXPECT_NE(render(in).text.find("indicator '服务企业数量' behind: actual 185 of 200, expected "
                                 "99.73% of the way by now (info)"),
            std::string::npos)
      << render(in).text;
}

}  // namespace
}  // namespace bw::alerts
