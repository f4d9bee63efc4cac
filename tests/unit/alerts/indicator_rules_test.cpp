// The indicator rules (alerts/rules.cpp): indicator_overdue and indicator_behind fire for the
// indicators the engine finds overdue / behind, and only those, with the labels a route and a
// message need; an actual value that meets the target makes the alert resolve through the state
// machine. Statuses come from engine::evaluate_indicators on real target texts, not from hand-set
// statuses.
#include <gtest/gtest.h>

#include "alerts/rules.h"
#include "alerts/state_machine.h"
#include "engine/indicators.h"
#include "engine/snapshot.h"

namespace bw::alerts {
namespace {

using engine::ActualValue;
using engine::CivilDate;
using engine::Indicator;
using engine::IndicatorStatus;
using engine::make_date;
using engine::Money;

engine::BudgetLine line(std::string code, std::string unit) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = std::move(unit);
  l.unit_name = "单位" + l.unit_code;
  l.initial = Money::from_yuan(100000);
  l.deadline = make_date(2021, 12, 31);
  l.owner = "张三";
  l.owner_email = "zhangsan@example.gov.cn";
  return l;
}

engine::Snapshot snapshot(CivilDate as_of) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("P1", "101001"), line("P2", "101002")};
  return engine::evaluate(in, as_of, engine::Policy{});
}

Indicator ind(std::int64_t id, std::string project, int seq, std::string name, std::string subclass,
              std::string target) {
  Indicator i;
  i.id = id;
  i.project_code = std::move(project);
  i.seq = seq;
  i.indicator_class = "产出指标";
  i.indicator_subclass = std::move(subclass);
  i.name = std::move(name);
  i.target_raw = std::move(target);
  return i;
}

// P1#1 a count due by its line (31 December); P1#2 a count due 30 September (the text's own date);
// P2#1 an acceptance due 30 September.
const std::vector<Indicator> indicators = {
    ind(1, "P1", 1, "检查企业家数", "数量指标", "≥200家"),
    ind(2, "P1", 2, "培训人次", "数量指标", "9月30日前培训不少于100人次"),
    ind(3, "P2", 1, "验收完成时间", "时效指标", "2021年9月30日前完成验收"),
};

ActualValue v(CivilDate d, std::string value) {
  return ActualValue{d, std::move(value), "", "test"};
}

struct Evaluated {
  engine::Snapshot snap;
  std::vector<engine::IndicatorEval> evals;
};

Evaluated evaluate(CivilDate as_of,
                   const std::map<std::int64_t, std::vector<ActualValue>>& actuals) {
  Evaluated e{snapshot(as_of), {}};
  e.evals = engine::evaluate_indicators(indicators, actuals, e.snap);
  return e;
}

config::RuleConfig rule(std::string name, std::string kind) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = *config::from_string<config::RuleKind>(kind);
  r.severity = config::Severity::warning;
  return r;
}

std::vector<std::string> subjects(const std::vector<Candidate>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.subject);
  return out;
}

std::vector<Candidate> candidates(const Evaluated& e,
                                  const std::vector<config::RuleConfig>& rules) {
  RuleContext ctx;
  ctx.indicators = &e.evals;
  return evaluate_rules(e.snap, rules, ctx);
}

TEST(IndicatorRulesTest, overdue_fires_past_the_due_date_with_what_a_message_needs) {
  // 15 October: P1#2 has 80 of 100 (due 30 September) and P2#1 nothing: both overdue. P1#1 has 150
  // of 200 with 288/365 = 78.9% of the year gone: 75% is behind, not overdue.
  const auto e = evaluate(make_date(2021, 10, 15), {{1, {v(make_date(2021, 10, 1), "150")}},
                                                    {2, {v(make_date(2021, 9, 20), "80")}}});
  ASSERT_EQ(e.evals[0].status, IndicatorStatus::behind);
  ASSERT_EQ(e.evals[1].status, IndicatorStatus::overdue);
  ASSERT_EQ(e.evals[2].status, IndicatorStatus::overdue);
  const auto cs = candidates(e, {rule("indicator_overdue", "indicator_overdue")});
  ASSERT_EQ(subjects(cs), (std::vector<std::string>{"P1#2", "P2#1"}));
  const Candidate& c = cs[0];
  EXPECT_EQ(c.kind, "indicator_overdue");
  EXPECT_EQ(c.severity, Severity::warning);
  // An indicator's alert belongs to its line's fiscal year (issue 14).
  EXPECT_EQ(c.fingerprint, line_fingerprint("indicator_overdue", 2021, "P1#2"));
  EXPECT_EQ(c.labels.at("fiscal_year"), "2021");
  EXPECT_EQ(c.labels.at("alertname"), "indicator_overdue");
  EXPECT_EQ(c.labels.at("project_code"), "P1");
  EXPECT_EQ(c.labels.at("project_name"), "项目P1");
  EXPECT_EQ(c.labels.at("indicator"), "培训人次");
  EXPECT_EQ(c.labels.at("unit"), "101001");
  EXPECT_EQ(c.labels.at("owner"), "张三");
  EXPECT_EQ(c.labels.at("owner_email"), "zhangsan@example.gov.cn");
  EXPECT_EQ(c.annotations.at("target"), "9月30日前培训不少于100人次");
  EXPECT_EQ(c.annotations.at("actual"), "80");
  EXPECT_EQ(c.annotations.at("due"), "2021-09-30");
  EXPECT_EQ(c.annotations.at("status"), "overdue");
  EXPECT_EQ(c.annotations.at("as_of"), "2021-10-15");
  EXPECT_EQ(cs[1].annotations.at("actual"), "") << "P2#1: nothing reported";
}

TEST(IndicatorRulesTest, overdue_does_not_fire_on_or_before_the_due_date_or_once_met) {
  const auto rules =
      std::vector<config::RuleConfig>{rule("indicator_overdue", "indicator_overdue")};
  // 30 September is the last day on which the targets still count as met in time.
  EXPECT_TRUE(candidates(evaluate(make_date(2021, 9, 30), {}), rules).empty());
  // Met in time: 100 people by 25 September, accepted on 28 September.
  const auto met = evaluate(make_date(2021, 10, 15), {{2, {v(make_date(2021, 9, 25), "100")}},
                                                      {3, {v(make_date(2021, 9, 28), "是")}}});
  EXPECT_EQ(met.evals[1].status, IndicatorStatus::met);
  EXPECT_EQ(met.evals[2].status, IndicatorStatus::met);
  EXPECT_TRUE(candidates(met, rules).empty());
  // Without the indicators of the evaluation (a caller that has none) nothing fires.
  const auto late = evaluate(make_date(2021, 10, 15), {});
  EXPECT_TRUE(evaluate_rules(late.snap, rules, RuleContext{}).empty());
  EXPECT_EQ(candidates(late, rules).size(), 2u);
}

TEST(IndicatorRulesTest, behind_fires_for_behind_only_and_respects_units) {
  // 30 June: P1#1 60 of 200 (30%) behind 181/365 = 49.6%; P1#2 70 of 100 due 30 September ahead of
  // 181/273 = 66.3%; P2#1 not due yet (on track).
  const auto e = evaluate(make_date(2021, 6, 30), {{1, {v(make_date(2021, 6, 30), "60")}},
                                                   {2, {v(make_date(2021, 6, 30), "70")}}});
  ASSERT_EQ(e.evals[0].status, IndicatorStatus::behind);
  ASSERT_EQ(e.evals[1].status, IndicatorStatus::on_track);
  ASSERT_EQ(e.evals[2].status, IndicatorStatus::on_track);
  auto behind = rule("indicator_behind", "indicator_behind");
  behind.severity = config::Severity::info;
  const auto cs = candidates(e, {behind, rule("indicator_overdue", "indicator_overdue")});
  ASSERT_EQ(subjects(cs), std::vector<std::string>{"P1#1"});
  EXPECT_EQ(cs[0].severity, Severity::info);
  EXPECT_EQ(cs[0].annotations.at("status"), "behind");
  behind.units = {"101002"};
  EXPECT_TRUE(candidates(e, {behind}).empty()) << "P1 is in unit 101001";
  behind.units = {"101001"};
  EXPECT_EQ(candidates(e, {behind}).size(), 1u);
  // An overdue indicator is not "behind": one alert per indicator and condition.
  const auto late = evaluate(make_date(2021, 10, 15), {{2, {v(make_date(2021, 9, 20), "80")}}});
  ASSERT_EQ(late.evals[1].status, IndicatorStatus::overdue);
  for (const auto& c : candidates(late, {rule("indicator_behind", "indicator_behind")}))
    EXPECT_NE(c.subject, "P1#2");
}

TEST(IndicatorRulesTest, a_value_that_meets_the_target_resolves_the_alert) {
  const auto week = std::chrono::hours(24 * 7);
  const auto rules =
      std::vector<config::RuleConfig>{rule("indicator_overdue", "indicator_overdue")};
  std::map<std::int64_t, std::vector<ActualValue>> actuals = {
      {2, {v(make_date(2021, 9, 20), "80")}}, {3, {v(make_date(2021, 9, 28), "是")}}};
  const CivilDate day = make_date(2021, 10, 15);
  auto s = step({}, candidates(evaluate(day, actuals), rules), 1000, week);
  ASSERT_EQ(s.alerts.size(), 1u);
  EXPECT_EQ(s.alerts[0].state, State::firing);
  EXPECT_EQ(s.fired, std::vector<std::string>{line_fingerprint("indicator_overdue", 2021, "P1#2")});
  // The owner reports the final count, 105, dated before the due date: met, the alert resolves.
  actuals[2].push_back(v(make_date(2021, 9, 29), "105"));
  const auto now_met = evaluate(day, actuals);
  EXPECT_EQ(now_met.evals[1].status, IndicatorStatus::met);
  s = step(s.alerts, candidates(now_met, rules), 2000, week);
  ASSERT_EQ(s.alerts.size(), 1u);
  EXPECT_EQ(s.alerts[0].state, State::resolved);
  EXPECT_EQ(s.resolved,
            std::vector<std::string>{line_fingerprint("indicator_overdue", 2021, "P1#2")});
  // A later value that misses again (a correction) starts a new episode.
  actuals[2].push_back(v(make_date(2021, 9, 30), "90"));
  s = step(s.alerts, candidates(evaluate(day, actuals), rules), 3000, week);
  EXPECT_EQ(s.alerts[0].state, State::firing);
  EXPECT_EQ(s.alerts[0].episode, 2);
}

}  // namespace
}  // namespace bw::alerts
