// The year boundary in the alert cycle's plan (alerts/cycle.h plan_cycle), without a database: the
// alerts of another fiscal year than the evaluated one are closed quietly (year_closed, no message,
// memberships cleared), alerts without a year go through the state machine as before, and a line
// with a reused code is another alert in the new year.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "alerts/cycle.h"
#include "engine/snapshot.h"
#include "tests/unit/alerts/overspent_fixture.h"

namespace bw::alerts {
namespace {

using namespace std::chrono_literals;
using test_fixture::line;
using test_fixture::overspent;

constexpr std::int64_t t0 = 1640912400;  // 2021-12-31 09:00 Asia/Shanghai
constexpr std::int64_t day = 86400;

config::AlertsConfig owners_config() {
  config::AlertsConfig c;
  c.enabled = true;
  config::RuleConfig r;
  r.name = "overspend";
  r.kind = config::RuleKind::overspend;
  r.severity = config::Severity::critical;
  c.rules = {r};
  config::ReceiverConfig owners;
  owners.name = "owners";
  owners.kind = config::ReceiverKind::email;
  owners.to_owner = true;
  c.receivers = {owners};
  config::RouteConfig route;
  route.receivers = {"owners"};
  route.group_by = {"owner"};
  route.repeat_interval = 1h;
  c.routes = {route};
  c.resolved_retention = 7 * 24h;
  return c;
}

CycleContext at(std::int64_t now) {
  CycleContext ctx;
  ctx.now = now;
  ctx.local = LocalTime{engine::make_date(2022, 1, 1), 9 * 60, 6};
  return ctx;
}

// 2022: the same codes P1 and P2 (reused), the listed ones overspent, as of 1 January.
engine::Snapshot year2022(const std::vector<std::string>& codes) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  for (auto l :
       {line("P1", "张三", "zhangsan@example.gov.cn"), line("P2", "李四", "lisi@example.gov.cn")}) {
    l.deadline = engine::make_date(2022, 12, 31);
    in.lines.push_back(l);
  }
  for (const auto& c : codes) {
    engine::PaymentSeries p;
    p.unit_code = "101001";
    p.project_code = c;
    p.month_paid[0] = engine::Money::from_yuan(1200);
    p.month_count[0] = 1;
    in.payments.push_back(p);
  }
  return engine::evaluate(in, engine::make_date(2022, 1, 1), engine::Policy{});
}

// The state apply_plan leaves (alerts, groups and memberships; no silences).
CycleState after(const CycleState& before, const CyclePlan& plan) {
  CycleState s;
  s.alerts = plan.alerts;
  s.groups = plan.groups.empty() ? before.groups : plan.groups;
  for (const auto& m : before.members) {
    const bool removed =
        std::any_of(plan.members_removed.begin(), plan.members_removed.end(), [&](const auto& r) {
          return r.receiver == m.receiver && r.group_key == m.group_key &&
                 r.fingerprint == m.fingerprint;
        });
    if (!removed) s.members.push_back(m);
  }
  for (const auto& m : plan.members_added) s.members.push_back(m);
  return s;
}

const AlertState* find(const std::vector<AlertState>& alerts, const std::string& fp) {
  for (const auto& a : alerts)
    if (a.fingerprint == fp) return &a;
  return nullptr;
}

TEST(YearBoundaryPlanTest, last_years_alerts_close_without_a_message_and_reused_codes_are_new) {
  const auto cfg = owners_config();
  const CyclePlan p1 = plan_cycle(overspent({"P1", "P2"}), CycleState{}, cfg, at(t0));
  ASSERT_EQ(p1.alerts.size(), 2u);
  ASSERT_EQ(p1.outbox.size(), 2u);  // 张三 and 李四
  for (const auto& a : p1.alerts) EXPECT_EQ(a.labels.at("fiscal_year"), "2021");
  CycleState s1 = after(CycleState{}, p1);
  // An alert without a year (a source) firing and told, and a 2021 alert still pending.
  AlertState source;
  source.fingerprint = fingerprint("stale", "source:inbox");
  source.rule = "stale";
  source.state = State::firing;
  source.labels = {{"alertname", "stale"}, {"subject", "source:inbox"}, {"source", "inbox"}};
  source.fired_at = t0;
  s1.alerts.push_back(source);
  AlertState pending = p1.alerts[0];
  pending.fingerprint = line_fingerprint("overspend", 2021, "P3");
  pending.state = State::pending;
  pending.labels["project_code"] = "P3";
  pending.labels["subject"] = "P3";
  s1.alerts.push_back(pending);

  // 1 January: P1 overspent again in 2022 (another alert), P2 not.
  const CyclePlan p2 = plan_cycle(year2022({"P1"}), s1, cfg, at(t0 + day));
  EXPECT_EQ(p2.report.year_closed, 2);
  for (const auto& a : p1.alerts) {
    const AlertState* closed = find(p2.alerts, a.fingerprint);
    ASSERT_NE(closed, nullptr) << a.labels.at("project_code");
    EXPECT_EQ(closed->state, State::resolved);
    EXPECT_EQ(closed->resolved_at, t0 + day);
    EXPECT_EQ(closed->annotations.at("closed"), "year_closed");
  }
  EXPECT_NE(std::find(p2.deleted.begin(), p2.deleted.end(), pending.fingerprint), p2.deleted.end());
  // The 2022 P1 alert: a new fingerprint, firing, told in the one message of this cycle.
  const AlertState* p1_2022 = find(p2.alerts, line_fingerprint("overspend", 2022, "P1"));
  ASSERT_NE(p1_2022, nullptr);
  EXPECT_EQ(p1_2022->state, State::firing);
  EXPECT_EQ(p1_2022->labels.at("fiscal_year"), "2022");
  ASSERT_EQ(p2.outbox.size(), 1u);
  EXPECT_EQ(p2.outbox[0].status, "firing");
  EXPECT_EQ(p2.outbox[0].alert_count, 1);
  // The source alert went through the state machine (no candidate: resolved), not the boundary.
  const AlertState* src = find(p2.alerts, source.fingerprint);
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->state, State::resolved);
  EXPECT_EQ(src->annotations.count("closed"), 0u);
  // The receivers' memberships of the 2021 alerts are cleared quietly.
  for (const auto& a : p1.alerts) {
    EXPECT_TRUE(std::any_of(p2.members_removed.begin(), p2.members_removed.end(),
                            [&](const auto& m) { return m.fingerprint == a.fingerprint; }));
  }

  // Later: nothing more to say; after the retention the closed alerts are forgotten.
  const CycleState s2 = after(s1, p2);
  const CyclePlan p3 = plan_cycle(year2022({"P1"}), s2, cfg, at(t0 + day + 60));
  EXPECT_TRUE(p3.outbox.empty());
  EXPECT_EQ(p3.report.year_closed, 0);
  const CyclePlan p4 = plan_cycle(year2022({"P1"}), after(s2, p3), cfg, at(t0 + 9 * day));
  for (const auto& a : p1.alerts)
    EXPECT_NE(std::find(p4.deleted.begin(), p4.deleted.end(), a.fingerprint), p4.deleted.end());
}

// A line alert stored before fiscal years (fingerprint of rule and code, no fiscal_year label) is
// re-keyed to its year and keeps its episode: no message.
TEST(YearBoundaryPlanTest, an_alert_without_a_year_label_is_re_keyed_and_not_told_again) {
  const auto cfg = owners_config();
  const CyclePlan p1 = plan_cycle(overspent({"P1"}), CycleState{}, cfg, at(t0));
  CycleState s1 = after(CycleState{}, p1);
  const std::string old_fp = fingerprint("overspend", "P1");
  const std::string new_fp = s1.alerts[0].fingerprint;
  s1.alerts[0].fingerprint = old_fp;
  s1.alerts[0].labels.erase("fiscal_year");
  for (auto& m : s1.members) m.fingerprint = old_fp;
  const CyclePlan p2 = plan_cycle(overspent({"P1"}), s1, cfg, at(t0 + 60));
  ASSERT_EQ(p2.renamed.size(), 1u);
  EXPECT_EQ(p2.renamed[0], std::make_pair(old_fp, new_fp));
  EXPECT_TRUE(p2.outbox.empty());
  ASSERT_EQ(p2.alerts.size(), 1u);
  EXPECT_EQ(p2.alerts[0].fingerprint, new_fp);
  EXPECT_EQ(p2.alerts[0].episode, p1.alerts[0].episode);
  EXPECT_EQ(p2.alerts[0].fired_at, t0);
  EXPECT_TRUE(p2.members_removed.empty());
}

// budget_revised: a revision of 2021's P1 is not one of 2022's P1 (same code, another line).
TEST(YearBoundaryPlanTest, a_revision_of_last_years_line_is_not_the_new_years) {
  config::RuleConfig r;
  r.name = "revised";
  r.kind = config::RuleKind::budget_revised;
  RuleContext ctx;
  ctx.now = t0 + day;
  BudgetRevision rev;
  rev.code = "P1";
  rev.version = 2;
  rev.initial_before_fen = 100'000;
  rev.initial_after_fen = 200'000;
  rev.recorded_at = t0;
  rev.fiscal_year = 2021;
  ctx.revisions = {rev};
  EXPECT_TRUE(evaluate_rules(year2022({}), {r}, ctx).empty());
  ctx.revisions[0].fiscal_year = 2022;
  const auto cs = evaluate_rules(year2022({}), {r}, ctx);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].fingerprint, line_fingerprint("revised", 2022, "P1"));
}

}  // namespace
}  // namespace bw::alerts
