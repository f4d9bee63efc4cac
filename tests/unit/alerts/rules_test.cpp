// Rules, the state machine, matchers, time intervals and templates, on small hand-made inputs.
#include <gtest/gtest.h>

#include "alerts/render.h"
#include "alerts/routes.h"
#include "alerts/rules.h"
#include "alerts/state_machine.h"
#include "engine/snapshot.h"

namespace bw::alerts {
namespace {

using engine::make_date;
using engine::Money;

engine::BudgetLine line(std::string code, std::int64_t initial_yuan, engine::CivilDate deadline) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = "101001";
  l.unit_name = "某局";
  l.initial = Money::from_yuan(initial_yuan);
  l.deadline = deadline;
  l.owner = "张三";
  l.owner_email = "zhangsan@example.gov.cn";
  return l;
}

engine::PaymentSeries paid(const std::string& code, unsigned month, std::int64_t yuan) {
  engine::PaymentSeries p;
  p.unit_code = "101001";
  p.project_code = code;
  p.month_paid[month - 1] = Money::from_yuan(yuan);
  p.month_count[month - 1] = 1;
  return p;
}

engine::Snapshot snapshot(engine::CivilDate as_of) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("P1", 1000, make_date(2021, 12, 31)), line("P2", 1000, make_date(2021, 7, 15)),
              line("P3", 1000, make_date(2021, 12, 31))};
  in.payments = {paid("P1", 2, 100), paid("P2", 3, 900), paid("P3", 3, 1200)};
  return engine::evaluate(in, as_of, engine::Policy{});
}

config::RuleConfig rule(std::string name, std::string kind) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = std::move(kind);
  return r;
}

std::vector<std::string> subjects(const std::vector<Candidate>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.subject);
  return out;
}

TEST(RulesTest, overspend_and_deadline_near) {
  const auto snap = snapshot(make_date(2021, 6, 30));
  auto near = rule("near", "deadline_near");
  near.within_days = 30;
  const auto cs = evaluate_rules(snap, {rule("over", "overspend"), near}, RuleContext{});
  EXPECT_EQ(subjects(cs), (std::vector<std::string>{"P3", "P2"}));
  EXPECT_EQ(cs[0].annotations.at("execution_pct"), "120.00");
  EXPECT_EQ(cs[1].annotations.at("days_left"), "15");
  EXPECT_EQ(cs[1].annotations.at("unspent_wan"), "0.01");
  EXPECT_EQ(cs[1].labels.at("owner"), "张三");
}

TEST(RulesTest, below_threshold_from_a_checkpoint_with_an_amount_floor) {
  auto q3 = rule("q3", "below_threshold");
  q3.threshold_bp = 6000;
  q3.checkpoints = {{9, 30}};
  q3.at_deadline = false;
  EXPECT_TRUE(evaluate_rules(snapshot(make_date(2021, 9, 29)), {q3}, RuleContext{}).empty());
  EXPECT_EQ(subjects(evaluate_rules(snapshot(make_date(2021, 9, 30)), {q3}, RuleContext{})),
            (std::vector<std::string>{"P1"}));
  q3.min_unspent_fen = Money::from_yuan(901).fen;  // P1 has 900 unspent
  EXPECT_TRUE(evaluate_rules(snapshot(make_date(2021, 9, 30)), {q3}, RuleContext{}).empty());
}

TEST(RulesTest, stale_source_counts_from_the_last_file_or_the_start) {
  RuleContext ctx;
  ctx.now = 1'000'000;
  ctx.sources = {{"fresh", 1'000'000 - 3600, 0}, {"old", 1'000'000 - 8 * 86400, 0}, {"never", std::nullopt, 1'000'000 - 60}};
  auto stale = rule("stale", "stale_source");
  stale.stale_after = std::chrono::hours(24 * 7);
  const auto cs = evaluate_rules(snapshot(make_date(2021, 6, 30)), {stale}, ctx);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].labels.at("source"), "old");
  EXPECT_EQ(cs[0].annotations.at("stale_hours"), "192");
}

TEST(RulesTest, fingerprints_are_stable_and_distinct) {
  EXPECT_EQ(fingerprint("below_80", "P1"), fingerprint("below_80", "P1"));
  EXPECT_NE(fingerprint("below_80", "P1"), fingerprint("below_80", "P2"));
  EXPECT_NE(fingerprint("below_8", "0P1"), fingerprint("below_80", "P1"));
  EXPECT_EQ(fingerprint("below_80", "P1").size(), 16u);
  EXPECT_EQ(fingerprint("r", "s"), "626c6851568a7c05") << "FNV-1a 64 of r\\x1fs: stored fingerprints must survive upgrades";
}

Candidate cand(const std::string& fp, std::chrono::seconds pending = std::chrono::seconds(0)) {
  Candidate c;
  c.fingerprint = fp;
  c.rule = "r";
  c.pending_for = pending;
  return c;
}

TEST(StateMachineTest, pending_firing_resolved_and_a_new_episode) {
  const auto week = std::chrono::hours(24 * 7);
  auto s = step({}, {cand("a", std::chrono::seconds(60))}, 1000, week);
  ASSERT_EQ(s.alerts.size(), 1u);
  EXPECT_EQ(s.alerts[0].state, State::pending);
  s = step(s.alerts, {cand("a", std::chrono::seconds(60))}, 1059, week);
  EXPECT_EQ(s.alerts[0].state, State::pending);
  s = step(s.alerts, {cand("a", std::chrono::seconds(60))}, 1060, week);
  EXPECT_EQ(s.alerts[0].state, State::firing);
  EXPECT_EQ(s.fired, std::vector<std::string>{"a"});
  EXPECT_EQ(s.alerts[0].episode, 1);
  s = step(s.alerts, {}, 2000, week);
  EXPECT_EQ(s.alerts[0].state, State::resolved);
  EXPECT_EQ(s.resolved, std::vector<std::string>{"a"});
  EXPECT_EQ(*s.alerts[0].resolved_at, 2000);
  s = step(s.alerts, {cand("a")}, 3000, week);
  EXPECT_EQ(s.alerts[0].state, State::firing);
  EXPECT_EQ(s.alerts[0].episode, 2);
  EXPECT_EQ(s.alerts[0].active_since, 3000);
}

TEST(StateMachineTest, a_pending_alert_that_clears_is_forgotten_and_resolved_ones_expire) {
  auto s = step({}, {cand("p", std::chrono::seconds(600)), cand("f")}, 0, std::chrono::seconds(100));
  s = step(s.alerts, {}, 10, std::chrono::seconds(100));
  EXPECT_EQ(s.deleted, std::vector<std::string>{"p"});
  ASSERT_EQ(s.alerts.size(), 1u);
  s = step(s.alerts, {}, 111, std::chrono::seconds(100));
  EXPECT_EQ(s.deleted, std::vector<std::string>{"f"});
  EXPECT_TRUE(s.alerts.empty());
}

TEST(RoutesTest, matchers_routes_and_group_keys) {
  using Op = config::MatcherConfig::Op;
  const Labels l = {{"unit", "101001"}, {"severity", "critical"}, {"owner", "张三"}};
  EXPECT_TRUE(matches({"unit", Op::eq, "101001"}, l));
  EXPECT_TRUE(matches({"unit", Op::re, "1010.*"}, l));
  EXPECT_FALSE(matches({"unit", Op::re, "1010"}, l)) << "regexes are anchored";
  EXPECT_TRUE(matches({"tags", Op::eq, ""}, l)) << "a missing label is empty";
  EXPECT_TRUE(matches({"severity", Op::nre, "info|warning"}, l));
  config::RouteConfig a, b, c;
  a.matchers = {{"severity", Op::eq, "critical"}};
  a.continue_matching = true;
  b.matchers = {{"unit", Op::ne, "101001"}};
  c.matchers = {};
  EXPECT_EQ(route({a, b, c}, l), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(group_key({"owner", "unit"}, l), "owner=张三,unit=101001");
}

TEST(RoutesTest, time_intervals_nights_weekends_holidays) {
  config::TimeIntervalConfig nights{"nights", {{20 * 60, 8 * 60}}, {}, {}};
  config::TimeIntervalConfig weekend{"weekend", {}, {0, 6}, {}};
  config::TimeIntervalConfig holidays{"holidays", {}, {}, {"2021-10-01"}};
  const auto fri = make_date(2021, 10, 8);
  EXPECT_TRUE(in_interval(nights, {fri, 21 * 60, 5}));
  EXPECT_TRUE(in_interval(nights, {fri, 7 * 60, 5}));
  EXPECT_FALSE(in_interval(nights, {fri, 9 * 60, 5}));
  EXPECT_TRUE(in_interval(weekend, {make_date(2021, 10, 9), 12 * 60, 6}));
  EXPECT_FALSE(in_interval(weekend, {fri, 12 * 60, 5}));
  EXPECT_TRUE(in_interval(holidays, {make_date(2021, 10, 1), 12 * 60, 5}));
  EXPECT_FALSE(in_interval(holidays, {fri, 12 * 60, 5}));
  EXPECT_TRUE(muted({nights, weekend}, {"weekend"}, {make_date(2021, 10, 10), 12 * 60, 0}));
  EXPECT_FALSE(muted({nights, weekend}, {"nights"}, {make_date(2021, 10, 10), 12 * 60, 0}));
}

TEST(RenderTest, placeholders_payload_round_trip_and_rfc3339) {
  EXPECT_EQ(fill("{a} 与 {b}，{missing}", {{"a", "甲"}, {"b", "乙"}}), "甲 与 乙，{missing}");
  EXPECT_EQ(rfc3339(1640966399), "2021-12-31T15:59:59Z");
  Notification n;
  n.idempotency_key = "owners/abc/3";
  n.title = "标题";
  n.recipients = {"a@example.gov.cn"};
  AlertItem it;
  it.fingerprint = "f";
  it.labels = {{"project_code", "P1"}};
  it.status = Status::resolved;
  it.ends_at = 42;
  n.alerts = {it};
  const auto back = notification_from_json(to_json(n));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->idempotency_key, "owners/abc/3");
  EXPECT_EQ(back->title, "标题");
  EXPECT_EQ(back->recipients, n.recipients);
  ASSERT_EQ(back->alerts.size(), 1u);
  EXPECT_EQ(back->alerts[0].status, Status::resolved);
  EXPECT_EQ(back->alerts[0].ends_at, 42);
  EXPECT_FALSE(notification_from_json("not json"));
}

}  // namespace
}  // namespace bw::alerts
