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
  r.kind = *config::from_string<config::RuleKind>(kind);
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

// Issue 12: a register that changes a line's budget a lot raises an alert (to its owner by the
// routes).
TEST(RulesTest, budget_revised_fires_on_a_large_recent_change_of_the_initial_budget) {
  const auto snap = snapshot(make_date(2021, 6, 30));
  auto revised = rule("revised", "budget_revised");
  revised.min_change_bp = 2000;  // 20%
  revised.within_days = 7;
  const std::int64_t now = 1'625'000'000;
  RuleContext ctx;
  ctx.now = now;
  ctx.revisions = {
      {"P1", 2, 100000, 100, now - 3600, "r2.csv", "uploads"},          // −99.9%: fires
      {"P2", 2, 100000, 119999, now - 3600, "r2.csv", "uploads"},       // +19.999%: below 20%
      {"P3", 2, 100000, 120000, now - 8 * 86400, "r2.csv", "uploads"},  // +20%, but 8 days old
      {"P9", 2, 100000, 1, now - 60, "r2.csv", "uploads"},  // no such line in the snapshot
  };
  auto cs = evaluate_rules(snap, {revised}, ctx);
  ASSERT_EQ(subjects(cs), (std::vector<std::string>{"P1"}));
  EXPECT_EQ(cs[0].annotations.at("initial_before_yuan"), "1,000.00");
  EXPECT_EQ(cs[0].annotations.at("initial_after_yuan"), "1.00");
  EXPECT_EQ(cs[0].annotations.at("change_pct"), "-99.90");
  EXPECT_EQ(cs[0].labels.at("owner_email"), "zhangsan@example.gov.cn");
  ctx.revisions[2].recorded_at = now - 6 * 86400;  // exactly 20%, within the window: fires
  cs = evaluate_rules(snap, {revised}, ctx);
  EXPECT_EQ(subjects(cs), (std::vector<std::string>{"P1", "P3"}));
  ctx.revisions[0].recorded_at =
      now + 60;  // a revision after the alert clock (a replay of the past)
  cs = evaluate_rules(snap, {revised}, ctx);
  EXPECT_EQ(subjects(cs), (std::vector<std::string>{"P3"}));
}

TEST(RulesTest, stale_source_counts_from_the_last_file_or_the_start) {
  RuleContext ctx;
  ctx.now = 1'000'000;
  ctx.sources = {{"fresh", 1'000'000 - 3600, 0},
                 {"old", 1'000'000 - 8 * 86400, 0},
                 {"never", std::nullopt, 1'000'000 - 60}};
  auto stale = rule("stale", "stale_source");
  stale.stale_after = std::chrono::hours(24 * 7);
  const auto cs = evaluate_rules(snapshot(make_date(2021, 6, 30)), {stale}, ctx);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].labels.at("source"), "old");
  EXPECT_EQ(cs[0].annotations.at("stale_hours"), "192");
}

// Issue 17: a file refused for its rejected rows (or unreadable) raises an alert for whoever the
// routes name (e.g. the bureau's receiver), one per file, while the failure is at most within_days
// old.
TEST(RulesTest, ingest_failed_fires_per_failed_file_within_its_window) {
  RuleContext ctx;
  ctx.now = 1'700'000'000;
  ctx.failed_ingests = {
      {"all_bad.csv", "inbox", "all 2 rows rejected: nothing of the file was stored. Reasons: …",
       ctx.now - 3600},
      {"old.csv", "inbox", "empty file: no header row", ctx.now - 3 * 86400}};
  auto failed = rule("file_refused", "ingest_failed");
  failed.within_days = 1;
  failed.labels = {{"escalate", "bureau"}};
  const auto cs = evaluate_rules(snapshot(make_date(2021, 12, 31)), {failed}, ctx);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].subject, "file:inbox/all_bad.csv");
  EXPECT_EQ(cs[0].labels.at("file"), "all_bad.csv");
  EXPECT_EQ(cs[0].labels.at("source"), "inbox");
  EXPECT_EQ(cs[0].labels.at("escalate"), "bureau");
  EXPECT_EQ(cs[0].annotations.at("error"),
            "all 2 rows rejected: nothing of the file was stored. Reasons: …");
  EXPECT_EQ(cs[0].annotations.at("failed_at"), "2023-11-14T21:13:20Z");
  failed.within_days = 7;
  EXPECT_EQ(evaluate_rules(snapshot(make_date(2021, 12, 31)), {failed}, ctx).size(), 2u);
}

TEST(RulesTest, fingerprints_are_stable_and_distinct) {
  EXPECT_EQ(fingerprint("below_80", "P1"), fingerprint("below_80", "P1"));
  EXPECT_NE(fingerprint("below_80", "P1"), fingerprint("below_80", "P2"));
  EXPECT_NE(fingerprint("below_8", "0P1"), fingerprint("below_80", "P1"));
  EXPECT_EQ(fingerprint("below_80", "P1").size(), 16u);
  EXPECT_EQ(fingerprint("r", "s"), "626c6851568a7c05")
      << "FNV-1a 64 of r\\x1fs: stored fingerprints must survive upgrades";
  // A line's alert belongs to its fiscal year (issue 14): the same code in two years is two alerts.
  EXPECT_EQ(line_fingerprint("below_80", 2021, "P1"), fingerprint("below_80", "2021/P1"));
  EXPECT_NE(line_fingerprint("below_80", 2021, "P1"), line_fingerprint("below_80", 2022, "P1"));
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
  auto s =
      step({}, {cand("p", std::chrono::seconds(600)), cand("f")}, 0, std::chrono::seconds(100));
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

// Issue 12, defect 6: std::regex took time doubling with each character of the value (23 s for the
// alert cycle); RE2 is linear. The old code does not finish: the ctest timeout catches a
// regression.
TEST(RoutesTest, a_backtracking_pattern_over_a_40_character_value_evaluates) {
  using Op = config::MatcherConfig::Op;
  const Labels l = {{"owner_email", std::string(40, 'a') + "@example.org"}};
  EXPECT_FALSE(matches({"owner_email", Op::re, "(.|.)*X"}, l));
  EXPECT_TRUE(matches({"owner_email", Op::nre, "(.|.)*X"}, l));
  EXPECT_TRUE(matches({"owner_email", Op::re, "(.|.)*org"}, l));
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

// A snapshot with P1-P3 as above plus P4 (1000 yuan from the start, nothing paid) and P5 (a
// mid-year project: 500 yuan from an adjustment dated `p5_from`, nothing paid).
engine::Snapshot with_unpaid(engine::CivilDate as_of,
                             engine::CivilDate p5_from = make_date(2021, 6, 15)) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  auto p5 = line("P5", 0, make_date(2021, 12, 31));
  in.lines = {line("P1", 1000, make_date(2021, 12, 31)), line("P2", 1000, make_date(2021, 7, 15)),
              line("P3", 1000, make_date(2021, 12, 31)), line("P4", 1000, make_date(2021, 12, 31)),
              p5};
  in.adjustments = {
      engine::Adjustment{"P5", p5_from, Money::from_yuan(500), "荔财预〔2021〕1号", "年中新增"}};
  in.payments = {paid("P1", 2, 100), paid("P2", 3, 900), paid("P3", 3, 1200)};
  return engine::evaluate(in, as_of, engine::Policy{});
}

TEST(RulesTest, pace_below_waits_for_its_grace_period_from_the_day_the_line_has_money) {
  auto pace = rule("behind_pace", "pace_below");
  pace.threshold_bp = 8000;
  pace.grace_days = 60;
  // 2021-03-01 is day 59 after 01-01: still in grace; 03-02 (day 60) applies.
  EXPECT_TRUE(evaluate_rules(snapshot(make_date(2021, 3, 1)), {pace}, RuleContext{}).empty());
  const auto cs = evaluate_rules(snapshot(make_date(2021, 3, 2)), {pace}, RuleContext{});
  // P1: 10% paid against 61/365 = 16.71% expected, pace 59.84% < 80%. P2 and P3 are ahead.
  ASSERT_EQ(subjects(cs), (std::vector<std::string>{"P1"}));
  EXPECT_EQ(cs[0].annotations.at("pace_pct"), "59.84");
  EXPECT_EQ(cs[0].annotations.at("expected_pct"), "16.71");
  EXPECT_EQ(cs[0].annotations.at("gap_pp"), "6.71");
  // P5 has money from 06-15: its grace runs from then (60 days: 08-14), whatever the fiscal year
  // start. P4 is paid nothing since January: pace 0 once out of grace.
  auto p = rule("behind_pace", "pace_below");
  p.grace_days = 60;
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 8, 13)), {p}, RuleContext{})),
            (std::vector<std::string>{"P1", "P4"}));
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 8, 14)), {p}, RuleContext{})),
            (std::vector<std::string>{"P1", "P4", "P5"}));
  // grace_days 0: from the first day (nothing is paid in January; P5 has no money yet).
  p.grace_days = 0;
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 1, 1)), {p}, RuleContext{})),
            (std::vector<std::string>{"P1", "P2", "P3", "P4"}));
}

TEST(RulesTest, no_spending_defaults_to_nothing_paid_by_30_june) {
  const config::RuleConfig defaults;
  EXPECT_EQ(defaults.by, (std::pair<unsigned, unsigned>{6, 30}));
  EXPECT_EQ(defaults.grace_days, 30);
  const auto none = rule("nothing_paid", "no_spending");  // by 06-30, grace 30 days: the defaults
  EXPECT_TRUE(evaluate_rules(with_unpaid(make_date(2021, 6, 29)), {none}, RuleContext{}).empty());
  const auto at_june = evaluate_rules(with_unpaid(make_date(2021, 6, 30)), {none}, RuleContext{});
  // P4 (nothing since January) fires; P5 got its money on 06-15: due 30 days later, 07-15.
  ASSERT_EQ(subjects(at_june), (std::vector<std::string>{"P4"}));
  EXPECT_EQ(at_june[0].annotations.at("execution_pct"), "0.00");
  EXPECT_EQ(at_june[0].annotations.at("unspent_wan"), "0.10");
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 7, 14)), {none}, RuleContext{})),
            (std::vector<std::string>{"P4"}));
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 7, 15)), {none}, RuleContext{})),
            (std::vector<std::string>{"P4", "P5"}));
  // Money that arrives before June: the date is 06-30, not the grace.
  EXPECT_EQ(subjects(evaluate_rules(with_unpaid(make_date(2021, 6, 30), make_date(2021, 3, 1)),
                                    {none}, RuleContext{})),
            (std::vector<std::string>{"P4", "P5"}));
}

// Issue 17: "nothing paid by June" is a finding about the first half of the year. A payment in
// December does not resolve it; a payment dated in June (a late export) shows it was never true.
TEST(RulesTest, a_later_payment_does_not_resolve_nothing_paid_by_june) {
  auto none = rule("nothing_paid_by_june", "no_spending");
  none.grace_days = 0;
  auto with = [](engine::CivilDate as_of, std::vector<engine::PaymentSeries> extra) {
    engine::Inputs in;
    in.fiscal_year = engine::FiscalYear(2021, 1);
    in.lines = {line("P1", 1000, make_date(2021, 12, 31)),
                line("P4", 1000, make_date(2021, 12, 31))};
    in.payments = {paid("P1", 2, 100)};
    for (auto& p : extra) in.payments.push_back(std::move(p));
    return engine::evaluate(in, as_of, engine::Policy{});
  };
  const auto june = evaluate_rules(with(make_date(2021, 6, 30), {}), {none}, RuleContext{});
  ASSERT_EQ(subjects(june), (std::vector<std::string>{"P4"}));
  EXPECT_EQ(june[0].annotations.at("spend_by"), "2021-06-30");
  // Paid in July, in December: still nothing paid by 30 June, for the rest of the year.
  for (const auto& [month, as_of] :
       {std::pair{7u, make_date(2021, 7, 20)}, std::pair{12u, make_date(2021, 12, 20)}}) {
    const auto cs = evaluate_rules(with(as_of, {paid("P4", month, 1000)}), {none}, RuleContext{});
    ASSERT_EQ(subjects(cs), (std::vector<std::string>{"P4"})) << engine::to_iso(as_of);
    EXPECT_EQ(cs[0].annotations.at("spend_by"), "2021-06-30");
    EXPECT_EQ(cs[0].annotations.at("execution_pct"), "100.00") << "the figures are today's";
  }
  // A payment dated in June that arrives late: the finding was never true, it resolves.
  EXPECT_TRUE(
      evaluate_rules(with(make_date(2021, 12, 20), {paid("P4", 6, 10)}), {none}, RuleContext{})
          .empty());
  // The message says "by 30 June", not "as of today".
  const auto dec =
      evaluate_rules(with(make_date(2021, 12, 20), {paid("P4", 12, 1000)}), {none}, RuleContext{});
  const StepResult st = step({}, dec, 1639958400, std::chrono::hours(24));
  RenderInput in;
  in.as_of = "2021-12-20";
  in.group_labels = {{"owner", "张三"}};
  for (const auto& a : st.alerts) in.firing.push_back(&a);
  EXPECT_NE(render(in).text.find("预警：截至 2021-06-30 无支出（警告）"), std::string::npos)
      << render(in).text;
  in.language = "en";
  EXPECT_NE(render(in).text.find("Alert: nothing paid by 2021-06-30 (warning)"), std::string::npos)
      << render(in).text;
}

// The messages' deadline text: days left, and days overdue once it has passed.
std::string rendered(const std::vector<Candidate>& cs, const std::string& lang) {
  const StepResult st = step({}, cs, 1625040000, std::chrono::hours(24));
  RenderInput in;
  in.language = lang;
  in.as_of = "2021-06-30";
  in.group_labels = {{"owner", "张三"}};
  for (const auto& a : st.alerts) in.firing.push_back(&a);
  return render(in).text;
}

TEST(RenderTest, deadline_with_the_days_left_or_overdue) {
  auto near = rule("near", "deadline_near");
  near.within_days = 30;
  const auto soon = evaluate_rules(snapshot(make_date(2021, 6, 30)), {near}, RuleContext{});
  ASSERT_EQ(subjects(soon), (std::vector<std::string>{"P2"}));
  std::string zh = rendered(soon, "zh-CN");
  EXPECT_NE(zh.find("未支出 0.01 万元；完成时限 2021-07-15（剩余 15 天）"), std::string::npos)
      << zh;
  EXPECT_NE(zh.find("临近完成时限且尚未支付完毕"), std::string::npos) << zh;
  EXPECT_NE(rendered(soon, "en").find("deadline 2021-07-15 (15 days left)"), std::string::npos);

  auto late = rule("below_95_at_deadline", "below_threshold");
  late.threshold_bp = 9500;
  late.at_deadline = true;
  const auto over = evaluate_rules(snapshot(make_date(2021, 7, 20)), {late}, RuleContext{});
  ASSERT_EQ(subjects(over), (std::vector<std::string>{"P2"}));
  EXPECT_EQ(over[0].annotations.at("days_left"), "-5");
  zh = rendered(over, "zh-CN");
  EXPECT_NE(zh.find("完成时限 2021-07-15（已逾期 5 天）"), std::string::npos) << zh;
  EXPECT_NE(zh.find("执行率 90.00%，序时进度 100.00%，低于序时进度 10.00 个百分点"),
            std::string::npos)
      << zh;
  EXPECT_NE(rendered(over, "en").find("deadline 2021-07-15 (5 days overdue)"), std::string::npos);

  // On the deadline day: 0 days left, not overdue.
  const auto today = evaluate_rules(snapshot(make_date(2021, 7, 15)), {late}, RuleContext{});
  EXPECT_NE(rendered(today, "zh-CN").find("（剩余 0 天）"), std::string::npos);
}

TEST(RenderTest, a_project_two_rules_fire_for_is_one_item_and_counted_once) {
  auto over = rule("over", "overspend");
  auto near = rule("near", "deadline_near");
  near.within_days = 200;
  const auto cs = evaluate_rules(snapshot(make_date(2021, 6, 30)), {over, near}, RuleContext{});
  // P3 overspent (and fully paid, so not "near"); P1 and P2 near their deadlines.
  ASSERT_EQ(subjects(cs), (std::vector<std::string>{"P3", "P1", "P2"}));
  auto big = rule("below_95", "below_threshold");
  big.threshold_bp = 9500;
  big.checkpoints = {{1, 1}};
  auto both = cs;
  for (auto& c : evaluate_rules(snapshot(make_date(2021, 6, 30)), {big}, RuleContext{}))
    both.push_back(c);
  const StepResult st = step({}, both, 1625040000, std::chrono::hours(24));
  RenderInput in;
  in.as_of = "2021-06-30";
  in.group_labels = {{"owner", "张三"}};
  for (const auto& a : st.alerts) in.firing.push_back(&a);
  const Notification n = render(in);
  EXPECT_EQ(n.title, "【预算执行预警】张三：3 个项目需关注（截至 2021-06-30）")
      << "P1 twice, counted once";
  EXPECT_EQ(n.alerts.size(), 5u) << "every alert is still listed for machine receivers";
  const auto first = n.text.find("项目P1（P1）");
  ASSERT_NE(first, std::string::npos) << n.text;
  EXPECT_EQ(n.text.find("项目P1（P1）", first + 1), std::string::npos) << n.text;
  EXPECT_NE(n.text.find("预警：临近完成时限且尚未支付完毕（警告）；执行率低于 95.00%（警告）"),
            std::string::npos)
      << n.text;
}

}  // namespace
}  // namespace bw::alerts
