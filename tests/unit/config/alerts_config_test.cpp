// The `alerts:` section: rules, receivers, routes, time intervals; errors name file:line:col and key.
#include <gtest/gtest.h>

#include "config/load.h"
#include "tests/support/test_support.h"

namespace bw::config {
namespace {

class AlertsConfigTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  Result<Config> load(const std::string& alerts) {
    return load_config_text("database: bw.db\nalerts:\n" + alerts, "x.yaml", dir_.path());
  }
  std::string error(const std::string& alerts) {
    auto c = load(alerts);
    EXPECT_FALSE(c.has_value()) << alerts;
    return c ? "" : c.error().to_string();
  }
};

TEST_F(AlertsConfigTest, demo_example_has_rules_receivers_and_routes) {
  auto c = load_config(test::source_dir() / "config/examples/demo.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_TRUE(c->alerts.enabled);
  ASSERT_GE(c->alerts.rules.size(), 5u);
  EXPECT_EQ(c->alerts.rules[0].threshold_bp, 8000);
  const auto& q3 = c->alerts.rules[1];
  EXPECT_EQ(q3.kind, "below_threshold");
  EXPECT_EQ(q3.threshold_bp, 6000);
  EXPECT_EQ(q3.min_unspent_fen, 200000000);
  EXPECT_EQ(q3.severity, "critical");
  EXPECT_EQ(q3.checkpoints, (std::vector<std::pair<unsigned, unsigned>>{{9, 30}}));
  EXPECT_EQ(q3.labels.at("escalate"), "bureau");
  ASSERT_EQ(c->alerts.receivers.size(), 2u);
  EXPECT_EQ(c->alerts.receivers[0].smtp_port, 2525);
  EXPECT_EQ(c->alerts.receivers[0].smtp_host, "127.0.0.1");
  EXPECT_TRUE(c->alerts.receivers[0].to_owner);
  // Escalations (escalate=bureau) also go to the finance bureau, on the same SMTP server.
  EXPECT_EQ(c->alerts.receivers[1].name, "bureau");
  EXPECT_EQ(c->alerts.receivers[1].smtp_port, 2525);
  EXPECT_EQ(c->alerts.receivers[1].to, (std::vector<std::string>{"finance-bureau@example.gov.cn"}));
  ASSERT_FALSE(c->alerts.routes.empty());
  EXPECT_EQ(c->alerts.routes[0].receivers, (std::vector<std::string>{"bureau"}));
  EXPECT_TRUE(c->alerts.routes[0].continue_matching);
}

TEST_F(AlertsConfigTest, every_part_parses) {
  auto c = load(
      "  rules:\n"
      "    - {name: r1, kind: no_spending, by: '06-30', grace_days: 10, for: 1h, units: ['101001']}\n"
      "    - {name: r2, kind: stale_source, stale_after: 7d}\n"
      "  time_intervals:\n"
      "    - {name: nights, times: ['20:00-08:00'], weekdays: [saturday, sunday], dates: [2021-10-01]}\n"
      "  receivers:\n"
      "    - {name: bot, kind: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=abc',\n"
      "       secret: SECxyz, owner_mobiles: {陈志远: '13800000000'}}\n"
      "  routes:\n"
      "    - {match: ['severity=critical', 'unit=~1010.*'], receivers: [bot], mute_time_intervals: [nights],\n"
      "       repeat_interval: 4h, continue: true}\n");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  const auto& a = c->alerts;
  EXPECT_EQ(a.rules[0].by, (std::pair<unsigned, unsigned>{6, 30}));
  EXPECT_EQ(a.rules[0].pending_for, std::chrono::hours(1));
  EXPECT_EQ(a.rules[1].stale_after, std::chrono::hours(24 * 7));
  EXPECT_EQ(a.time_intervals[0].times, (std::vector<std::pair<int, int>>{{1200, 480}}));
  EXPECT_EQ(a.time_intervals[0].weekdays, (std::vector<unsigned>{6, 0}));
  EXPECT_EQ(a.receivers[0].secret.value, "SECxyz");
  EXPECT_EQ(a.receivers[0].owner_mobiles.at("陈志远"), "13800000000");
  EXPECT_EQ(a.routes[0].matchers[1].op, MatcherConfig::Op::re);
  EXPECT_EQ(a.routes[0].repeat_interval, std::chrono::hours(4));
  EXPECT_TRUE(a.routes[0].continue_matching);
  // check-config never prints the robot's key or secret.
  const std::string printed = print_config(*c);
  EXPECT_EQ(printed.find("access_token=abc"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("SECxyz"), std::string::npos) << printed;
}

TEST_F(AlertsConfigTest, errors_name_the_place_and_the_reason) {
  EXPECT_EQ(error("  rules:\n    - {name: r, kind: below_treshold}\n"),
            "x.yaml:4:23: alerts.rules[0].kind: 'below_treshold' is not one of below_threshold, pace_below, "
            "no_spending, deadline_near, overspend, stale_source, indicator_overdue, indicator_behind, "
            "budget_revised (did you mean below_threshold?)");
  EXPECT_EQ(error("  rules:\n    - {name: r, kind: overspend, threshold: 80%}\n"),
            "x.yaml:4:34: alerts.rules[0].threshold: does not apply to rules of kind overspend");
  EXPECT_EQ(error("  rules:\n    - {name: r, kind: no_spending, by: '31-06'}\n"),
            "x.yaml:4:40: alerts.rules[0].by: '31-06' is not a month-day like 06-30");
  EXPECT_EQ(error("  receivers: []\n  routes:\n    - {receivers: [nobody]}\n"),
            "x.yaml:5:20: alerts.routes[0].receivers[0]: no receiver named 'nobody'");
  EXPECT_EQ(error("  receivers:\n    - {name: m, kind: email}\n"),
            "x.yaml:4:7: alerts.receivers[0].to: required (or to_owner: true)");
  EXPECT_NE(error("  routes:\n    - {match: ['unit=~[('], receivers: []}\n").find("is not a regular expression"),
            std::string::npos);
}

// Issue 12, defect 6: route patterns are compiled once, by RE2, when the config loads.
TEST_F(AlertsConfigTest, route_patterns_are_compiled_by_re2_at_load) {
  auto c = load("  receivers:\n    - {name: m, kind: email, to: [a@b.c]}\n"
                "  routes:\n    - {match: ['owner_email=~\"(.|.)*X\"'], receivers: [m]}\n");
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_EQ(c->alerts.routes[0].matchers.size(), 1u);
  EXPECT_EQ(c->alerts.routes[0].matchers[0].value, "(.|.)*X");
  EXPECT_NE(c->alerts.routes[0].matchers[0].compiled, nullptr);
  EXPECT_EQ(error("  routes:\n    - {match: ['unit=~(x)\\1'], receivers: []}\n"),
            "x.yaml:4:16: alerts.routes[0].match[0]: '(x)\\1' is not a regular expression: invalid escape "
            "sequence: \\1 (backreferences such as \\1 are not supported)");
  EXPECT_EQ(error("  routes:\n    - {match: ['unit=~" + std::string(1025, 'a') + "'], receivers: []}\n"),
            "x.yaml:4:16: alerts.routes[0].match[0]: '" + std::string(40, 'a') +
                "...' is longer than 1024 bytes");
}

}  // namespace
}  // namespace bw::config
