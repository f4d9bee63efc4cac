// The alert cycle's plan (alerts/cycle.h plan_cycle) without a database: a CycleState made by hand
// (or from the previous plan, as apply_plan would leave it) in, the rows to write out — silences,
// inhibition, grouping by owner, dedup and repeat, mute intervals, resolved messages.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "alerts/cycle.h"
#include "alerts/render.h"
#include "engine/snapshot.h"
#include "tests/unit/alerts/overspent_fixture.h"

namespace bw::alerts {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1640912400;  // 2021-12-31 09:00 Asia/Shanghai

using test_fixture::line;
using test_fixture::overspent;

config::RuleConfig rule(std::string name, std::string severity) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = config::RuleKind::overspend;
  r.severity = *config::from_string<config::Severity>(severity);
  return r;
}

// One email receiver writing to each owner, grouped by owner, repeated hourly.
config::AlertsConfig owners_config() {
  config::AlertsConfig c;
  c.enabled = true;
  c.rules = {rule("overspend", "critical")};
  config::ReceiverConfig owners;
  owners.name = "owners";
  owners.kind = config::ReceiverKind::email;
  owners.to_owner = true;
  c.receivers = {owners};
  config::RouteConfig r;
  r.receivers = {"owners"};
  r.group_by = {"owner"};
  r.repeat_interval = 1h;
  c.routes = {r};
  return c;
}

CycleContext at(std::int64_t now, int minute_of_day = 9 * 60) {
  CycleContext ctx;
  ctx.now = now;
  ctx.local = LocalTime{engine::make_date(2021, 12, 31), minute_of_day, 5};
  return ctx;
}

// The state apply_plan leaves behind `plan` when it started from `before`.
CycleState after(const CycleState& before, const CyclePlan& plan) {
  CycleState s;
  s.alerts = plan.alerts;
  s.silences = before.silences;
  std::map<std::pair<std::string, std::string>, store::GroupRow> groups;
  for (const auto& g : before.groups) groups[{g.receiver, g.group_key}] = g;
  for (const auto& g : plan.groups) groups[{g.receiver, g.group_key}] = g;
  for (const auto& [k, g] : groups) s.groups.push_back(g);
  auto same = [](const store::MemberRow& a, const store::MemberRow& b) {
    return a.receiver == b.receiver && a.group_key == b.group_key && a.fingerprint == b.fingerprint;
  };
  auto removed = [&](const store::MemberRow& m) {
    for (const auto& r : plan.members_removed)
      if (same(r, m)) return true;
    return false;
  };
  for (const auto& m : before.members)
    if (!removed(m)) s.members.push_back(m);
  for (const auto& m : plan.members_added) {
    bool known = false;
    for (const auto& x : s.members) known = known || same(x, m);
    if (!known) s.members.push_back(m);
  }
  return s;
}

Notification payload(const store::OutboxRow& row) {
  auto n = notification_from_json(row.payload);
  EXPECT_TRUE(n) << row.payload;
  return n ? *n : Notification{};
}

Silence silence_on(std::string name, std::string value, std::int64_t from, std::int64_t until) {
  Silence s;
  s.id = "s1";
  s.matchers = {config::MatcherConfig{}};
  s.matchers[0].name = std::move(name);
  s.matchers[0].value = std::move(value);
  s.matchers[0].op = config::MatcherConfig::Op::eq;
  s.starts_at = from;
  s.ends_at = until;
  return s;
}

TEST(CyclePlanTest, a_new_firing_alert_is_queued_with_its_group_and_membership) {
  const CyclePlan p = plan_cycle(overspent({"P1"}), CycleState{}, owners_config(), at(t0));
  ASSERT_EQ(p.alerts.size(), 1u);
  EXPECT_EQ(p.alerts[0].state, State::firing);
  EXPECT_EQ(p.report.fired_now, 1);
  ASSERT_EQ(p.outbox.size(), 1u);
  const store::OutboxRow& row = p.outbox[0];
  EXPECT_EQ(row.idempotency_key, "owners/" + fingerprint("owner=张三", "") + "/1");
  EXPECT_EQ(row.status, "firing");
  EXPECT_EQ(row.created_at, t0);
  EXPECT_EQ(row.next_attempt_at, t0);
  EXPECT_EQ(payload(row).recipients, std::vector<std::string>{"zhangsan@example.gov.cn"});
  ASSERT_EQ(p.groups.size(), 1u);
  EXPECT_EQ(p.groups[0].sequence, 1);
  EXPECT_EQ(p.groups[0].last_sent_at, t0);
  ASSERT_EQ(p.members_added.size(), 1u);
  EXPECT_EQ(p.members_added[0].fingerprint, p.alerts[0].fingerprint);
  EXPECT_EQ(p.members_added_at, t0);
  EXPECT_EQ(p.report.messages, 1);
}

TEST(CyclePlanTest, a_firing_alert_under_an_active_silence_queues_no_message) {
  CycleState s;
  s.silences = {silence_on("project_code", "P1", t0 - 60, t0 + 3600)};
  const CyclePlan p = plan_cycle(overspent({"P1"}), s, owners_config(), at(t0));
  ASSERT_EQ(p.alerts.size(), 1u);
  EXPECT_EQ(p.alerts[0].state, State::firing) << "silenced alerts still fire and are stored";
  EXPECT_TRUE(p.outbox.empty());
  EXPECT_TRUE(p.groups.empty());
  EXPECT_TRUE(p.members_added.empty());
  EXPECT_EQ(p.report.silenced, 1);

  // Once the silence has ended, the same alert is news.
  s.silences = {silence_on("project_code", "P1", t0 - 3600, t0)};
  EXPECT_EQ(plan_cycle(overspent({"P1"}), s, owners_config(), at(t0)).outbox.size(), 1u);
}

TEST(CyclePlanTest, a_resolved_alert_sends_a_resolved_message_and_leaves_the_group) {
  const auto cfg = owners_config();
  const CycleState s0;
  const CyclePlan p1 = plan_cycle(overspent({"P1"}), s0, cfg, at(t0));
  const CycleState s1 = after(s0, p1);

  const CyclePlan p2 = plan_cycle(overspent({}), s1, cfg, at(t0 + 60));
  ASSERT_EQ(p2.alerts.size(), 1u);
  EXPECT_EQ(p2.alerts[0].state, State::resolved);
  EXPECT_EQ(p2.report.resolved_now, 1);
  ASSERT_EQ(p2.outbox.size(), 1u);
  EXPECT_EQ(p2.outbox[0].status, "resolved");
  EXPECT_EQ(p2.outbox[0].idempotency_key, "owners/" + fingerprint("owner=张三", "") + "/2");
  const Notification n = payload(p2.outbox[0]);
  ASSERT_EQ(n.alerts.size(), 1u);
  EXPECT_EQ(n.alerts[0].status, Status::resolved);
  EXPECT_EQ(n.alerts[0].ends_at, t0 + 60);
  ASSERT_EQ(p2.members_removed.size(), 1u);
  EXPECT_EQ(p2.members_removed[0].fingerprint, p1.alerts[0].fingerprint);
  EXPECT_TRUE(p2.members_added.empty());

  // Told once: the next evaluation has nothing to say.
  const CyclePlan p3 = plan_cycle(overspent({}), after(s1, p2), cfg, at(t0 + 120));
  EXPECT_TRUE(p3.outbox.empty());
}

TEST(CyclePlanTest, nothing_new_within_the_repeat_interval_then_one_repeat) {
  const auto cfg = owners_config();
  const CyclePlan p1 = plan_cycle(overspent({"P1"}), CycleState{}, cfg, at(t0));
  const CycleState s1 = after(CycleState{}, p1);
  EXPECT_TRUE(plan_cycle(overspent({"P1"}), s1, cfg, at(t0 + 3599)).outbox.empty());
  const CyclePlan repeat = plan_cycle(overspent({"P1"}), s1, cfg, at(t0 + 3600));
  ASSERT_EQ(repeat.outbox.size(), 1u);
  EXPECT_EQ(repeat.groups.at(0).sequence, 2);
}

TEST(CyclePlanTest, a_mute_interval_holds_the_message_but_not_the_state) {
  auto cfg = owners_config();
  config::TimeIntervalConfig office;
  office.name = "morning";
  office.times = {{8 * 60, 10 * 60}};
  cfg.time_intervals = {office};
  cfg.routes[0].mute_time_intervals = {"morning"};

  const CyclePlan muted_plan = plan_cycle(overspent({"P1"}), CycleState{}, cfg, at(t0, 9 * 60));
  ASSERT_EQ(muted_plan.alerts.size(), 1u);
  EXPECT_EQ(muted_plan.alerts[0].state, State::firing);
  EXPECT_TRUE(muted_plan.outbox.empty());
  EXPECT_TRUE(muted_plan.groups.empty());
  EXPECT_TRUE(muted_plan.members_added.empty()) << "still news when the interval ends";

  const CyclePlan later =
      plan_cycle(overspent({"P1"}), after(CycleState{}, muted_plan), cfg, at(t0 + 7200, 11 * 60));
  EXPECT_EQ(later.outbox.size(), 1u);
}

TEST(CyclePlanTest, a_critical_alert_inhibits_the_warning_on_the_same_subject) {
  auto cfg = owners_config();
  cfg.rules = {rule("overspend", "critical"), rule("overspend_warning", "warning")};
  const CyclePlan p = plan_cycle(overspent({"P1"}), CycleState{}, cfg, at(t0));
  EXPECT_EQ(p.report.firing, 2);
  EXPECT_EQ(p.report.inhibited, 1);
  ASSERT_EQ(p.outbox.size(), 1u);
  const Notification n = payload(p.outbox[0]);
  ASSERT_EQ(n.alerts.size(), 1u);
  EXPECT_EQ(n.alerts[0].rule, "overspend");

  cfg.inhibit_warning_by_critical = false;
  const CyclePlan both = plan_cycle(overspent({"P1"}), CycleState{}, cfg, at(t0));
  EXPECT_EQ(both.report.inhibited, 0);
  ASSERT_EQ(both.outbox.size(), 1u);
  EXPECT_EQ(payload(both.outbox[0]).alerts.size(), 2u);
}

TEST(CyclePlanTest, alerts_are_grouped_by_owner_one_message_each_to_the_owner) {
  const CyclePlan p =
      plan_cycle(overspent({"P1", "P2", "P3"}), CycleState{}, owners_config(), at(t0));
  ASSERT_EQ(p.outbox.size(), 2u);
  std::map<std::string, store::OutboxRow> by_group;
  for (const auto& r : p.outbox) by_group[r.group_key] = r;
  ASSERT_EQ(by_group.count("owner=张三"), 1u);
  ASSERT_EQ(by_group.count("owner=李四"), 1u);
  EXPECT_EQ(by_group["owner=张三"].alert_count, 2);
  EXPECT_EQ(by_group["owner=李四"].alert_count, 1);
  EXPECT_EQ(payload(by_group["owner=张三"]).recipients,
            std::vector<std::string>{"zhangsan@example.gov.cn"});
  EXPECT_EQ(payload(by_group["owner=李四"]).recipients,
            std::vector<std::string>{"lisi@example.gov.cn"});
  EXPECT_EQ(p.members_added.size(), 3u);
}

TEST(CyclePlanTest,
     a_forgotten_member_is_removed_quietly_and_a_replay_is_queued_at_the_wall_clock) {
  CycleState s;
  s.members = {store::MemberRow{"owners", "owner=张三", "0000000000000000"}};
  CycleContext ctx = at(t0);
  ctx.queued_at = t0 + 1000000;
  const CyclePlan p = plan_cycle(overspent({"P2"}), s, owners_config(), ctx);
  ASSERT_EQ(p.members_removed.size(), 1u);
  EXPECT_EQ(p.members_removed[0].fingerprint, "0000000000000000");
  ASSERT_EQ(p.outbox.size(), 1u) << "李四's message only";
  EXPECT_EQ(p.outbox[0].group_key, "owner=李四");
  EXPECT_EQ(p.outbox[0].created_at, t0 + 1000000);
  EXPECT_EQ(p.groups.at(0).last_sent_at, t0) << "the repeat interval runs on the alert clock";
}

}  // namespace
}  // namespace bw::alerts
