// Routes match on a line's department (issue 14): a bureau sends each department's escalations to
// that department's finance contact, the owners still get their own messages.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "alerts/cycle.h"
#include "alerts/render.h"
#include "alerts/routes.h"
#include "config/load.h"
#include "config/matcher.h"
#include "engine/snapshot.h"
#include "tests/support/test_support.h"

namespace bw::alerts {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1640912400;  // 2021-12-31 09:00 Asia/Shanghai

// Four overspent lines in two departments: P1, P2 of 101 (教育局), P3, P4 of 102 (卫健局).
engine::Snapshot two_departments() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  const std::vector<std::tuple<const char*, const char*, const char*, const char*>> lines = {
      {"P1", "101001", "101", "教育局"},
      {"P2", "101002", "101", "教育局"},
      {"P3", "102001", "102", "卫健局"},
      {"P4", "102001", "102", "卫健局"}};
  for (const auto& [code, unit, department, name] : lines) {
    engine::BudgetLine l;
    l.code = code;
    l.name = std::string("项目") + code;
    l.unit_code = unit;
    l.unit_name = std::string("单位") + unit;
    l.department_code = department;
    l.department_name = name;
    l.initial = engine::Money::from_yuan(1000);
    l.deadline = engine::make_date(2021, 12, 31);
    l.owner = std::string("负责人") + code;
    l.owner_email = std::string(code) + "@example.gov.cn";
    in.lines.push_back(l);
    engine::PaymentSeries p;
    p.unit_code = unit;
    p.project_code = code;
    p.month_paid[2] = engine::Money::from_yuan(1200);
    p.month_count[2] = 1;
    in.payments.push_back(p);
  }
  return engine::evaluate(in, engine::make_date(2021, 12, 31), engine::Policy{});
}

config::ReceiverConfig email(std::string name, std::vector<std::string> to, bool to_owner) {
  config::ReceiverConfig r;
  r.name = std::move(name);
  r.kind = config::ReceiverKind::email;
  r.to = std::move(to);
  r.to_owner = to_owner;
  return r;
}

config::RouteConfig route_to(std::string receiver, std::vector<config::MatcherConfig> matchers,
                             std::vector<std::string> group_by, bool continue_matching) {
  config::RouteConfig r;
  r.receivers = {std::move(receiver)};
  r.matchers = std::move(matchers);
  r.group_by = std::move(group_by);
  r.repeat_interval = 1h;
  r.continue_matching = continue_matching;
  return r;
}

config::MatcherConfig eq(std::string name, std::string value) {
  config::MatcherConfig m;
  m.name = std::move(name);
  m.op = config::MatcherConfig::Op::eq;
  m.value = std::move(value);
  return m;
}

// Escalations (escalate=bureau) of department 101 to its finance contact, then every alert to its
// owner.
config::AlertsConfig bureau_config() {
  config::AlertsConfig c;
  c.enabled = true;
  config::RuleConfig r;
  r.name = "overspend";
  r.kind = config::RuleKind::overspend;
  r.severity = config::Severity::critical;
  r.labels = {{"escalate", "bureau"}};
  c.rules = {r};
  c.receivers = {email("finance_101", {"finance-101@example.gov.cn"}, false),
                 email("owners", {}, true)};
  c.routes = {route_to("finance_101", {eq("department", "101"), eq("escalate", "bureau")},
                       {"department"}, true),
              route_to("owners", {}, {"owner"}, false)};
  return c;
}

CycleContext at(std::int64_t now) {
  CycleContext ctx;
  ctx.now = now;
  ctx.local = LocalTime{engine::make_date(2021, 12, 31), 9 * 60, 5};
  return ctx;
}

TEST(DepartmentRoutingTest, alerts_of_a_line_carry_its_department) {
  const CyclePlan p = plan_cycle(two_departments(), CycleState{}, bureau_config(), at(t0));
  ASSERT_EQ(p.alerts.size(), 4u);
  std::map<std::string, std::string> department_of;
  for (const auto& a : p.alerts) {
    department_of[a.labels.at("project_code")] = a.labels.at("department");
    EXPECT_EQ(a.labels.at("department_name"),
              a.labels.at("department") == "101" ? "教育局" : "卫健局");
  }
  EXPECT_EQ(department_of, (std::map<std::string, std::string>{
                               {"P1", "101"}, {"P2", "101"}, {"P3", "102"}, {"P4", "102"}}));
}

TEST(DepartmentRoutingTest, a_department_route_sends_its_escalations_to_its_finance_contact) {
  const CyclePlan p = plan_cycle(two_departments(), CycleState{}, bureau_config(), at(t0));
  std::vector<store::OutboxRow> finance;
  std::set<std::string> owner_groups;
  for (const auto& row : p.outbox) {
    if (row.receiver == "finance_101") finance.push_back(row);
    if (row.receiver == "owners") owner_groups.insert(row.group_key);
  }
  ASSERT_EQ(finance.size(), 1u) << "one message for department 101, none for 102";
  EXPECT_EQ(finance[0].group_key, "department=101");
  EXPECT_EQ(finance[0].alert_count, 2);
  const auto n = notification_from_json(finance[0].payload);
  ASSERT_TRUE(n) << finance[0].payload;
  EXPECT_EQ(n->recipients, std::vector<std::string>{"finance-101@example.gov.cn"});
  std::set<std::string> projects;
  for (const auto& a : n->alerts) projects.insert(a.labels.at("project_code"));
  EXPECT_EQ(projects, (std::set<std::string>{"P1", "P2"}));
  // `continue`: every owner, of both departments, still gets a message.
  EXPECT_EQ(owner_groups, (std::set<std::string>{"owner=负责人P1", "owner=负责人P2",
                                                 "owner=负责人P3", "owner=负责人P4"}));
}

// The same routes written as a site would write them in the config.
TEST(DepartmentRoutingTest, a_configured_route_on_department) {
  test::TempDir dir;
  auto c = config::load_config_text(
      "database: bw.db\n"
      "alerts:\n"
      "  rules:\n"
      "    - {name: overspend, kind: overspend, severity: critical, labels: {escalate: bureau}}\n"
      "  receivers:\n"
      "    - {name: finance_102, kind: email, to: [finance-102@example.gov.cn]}\n"
      "    - {name: owners, kind: email, to_owner: true}\n"
      "  routes:\n"
      "    - {match: [department=102, escalate=bureau], receivers: [finance_102], group_by: "
      "[department], "
      "continue: true}\n"
      "    - {match: [], receivers: [owners], group_by: [owner]}\n",
      "x.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  const CyclePlan p = plan_cycle(two_departments(), CycleState{}, c->alerts, at(t0));
  std::vector<std::string> finance;
  for (const auto& row : p.outbox) {
    if (row.receiver == "finance_102") finance.push_back(row.group_key);
  }
  EXPECT_EQ(finance, std::vector<std::string>{"department=102"});
}

TEST(DepartmentRoutingTest, route_matches_department_by_regex_too) {
  config::MatcherConfig m;
  m.name = "department";
  m.op = config::MatcherConfig::Op::re;
  m.value = "10[12]";
  const std::vector<config::RouteConfig> routes = {route_to("r", {m}, {"department"}, false)};
  EXPECT_EQ(route(routes, {{"department", "102"}}), std::vector<std::size_t>{0});
  EXPECT_TRUE(route(routes, {{"department", "103"}}).empty());
  EXPECT_TRUE(route(routes, {{"department", ""}}).empty());
}

}  // namespace
}  // namespace bw::alerts
