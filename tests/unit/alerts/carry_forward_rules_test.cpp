// Rules and routes select carry-forward lines (上年结转, issue 14): `source:` and `min_age:`
// selectors, the `line_source` and `carry_age` labels, and the example rules of docs/alerts.md
// (carry-forward money unspent at 30 June; money carried a second year).
#include <gtest/gtest.h>

#include "alerts/routes.h"
#include "alerts/rules.h"
#include "config/load.h"
#include "engine/snapshot.h"
#include "tests/support/test_support.h"

namespace bw::alerts {
namespace {

using engine::LineSource;
using engine::make_date;
using engine::Money;

engine::BudgetLine line(std::string code, std::int64_t initial_yuan,
                        std::optional<LineSource> source, int age = 0) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = "101001";
  l.unit_name = "某局";
  l.initial = Money::from_yuan(initial_yuan);
  l.source = source;
  l.carry_age = age;
  l.carried_from_year = source == LineSource::carried_forward ? 2021 : 0;
  l.owner = "张三";
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

// C1 carried (age 1) half spent, C2 carried (age 2) unspent, C3 carried and spent, N1 new money
// unspent, M1 mid-year new money.
engine::Snapshot snapshot(engine::CivilDate as_of) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  in.lines = {line("C1", 1000, LineSource::carried_forward, 1),
              line("C2", 500, LineSource::carried_forward, 2),
              line("C3", 300, LineSource::carried_forward, 1),
              line("N1", 2000, LineSource::initial), line("M1", 100, LineSource::mid_year)};
  in.payments = {paid("C1", 3, 500), paid("C3", 4, 300)};
  return engine::evaluate(in, as_of, engine::Policy{});
}

std::vector<std::string> subjects(const std::vector<Candidate>& cs) {
  std::vector<std::string> out;
  out.reserve(cs.size());
  for (const auto& c : cs) out.push_back(c.subject);
  return out;
}

// The two example rules of docs/alerts.md, read by the config loader.
std::vector<config::RuleConfig> example_rules() {
  const test::TempDir dir;
  auto c = config::load_config_text(
      "database: bw.db\n"
      "alerts:\n"
      "  rules:\n"
      "    - {name: carry_forward_unspent_by_june, kind: below_threshold, threshold: 100%, "
      "checkpoints: [\"06-30\"],\n"
      "       at_deadline: false, source: [carried_forward], severity: warning}\n"
      "    - {name: carried_two_years, kind: below_threshold, threshold: 100%, checkpoints: "
      "[\"01-01\"],\n"
      "       at_deadline: false, min_age: 2, severity: critical, labels: {action: recover}}\n",
      "x.yaml", dir.path());
  EXPECT_TRUE(c.has_value()) << c.error().to_string();
  return c ? c->alerts.rules : std::vector<config::RuleConfig>{};
}

TEST(CarryForwardRulesTest, carry_forward_money_unspent_at_30_june) {
  const auto rules = example_rules();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].sources, (std::vector<std::string>{"carried_forward"}));
  EXPECT_EQ(rules[1].min_age, 2);
  const std::vector<config::RuleConfig> june = {rules[0]};
  EXPECT_TRUE(evaluate_rules(snapshot(make_date(2022, 6, 29)), june, RuleContext{}).empty());
  const auto cs = evaluate_rules(snapshot(make_date(2022, 6, 30)), june, RuleContext{});
  EXPECT_EQ(subjects(cs),
            (std::vector<std::string>{"C1", "C2"}));  // C3 is spent; N1 and M1 are new money
  EXPECT_EQ(cs[0].labels.at("line_source"), "carried_forward");
  EXPECT_EQ(cs[0].labels.at("carry_age"), "1");
  EXPECT_EQ(cs[1].labels.at("carry_age"), "2");
  EXPECT_EQ(cs[0].annotations.at("unspent_fen"), "50000");
  EXPECT_EQ(cs[0].annotations.at("carried_from_year"), "2021");
}

TEST(CarryForwardRulesTest, money_carried_a_second_year_fires_from_the_years_start) {
  const auto rules = example_rules();
  ASSERT_EQ(rules.size(), 2u);
  const std::vector<config::RuleConfig> second = {rules[1]};
  const auto cs = evaluate_rules(snapshot(make_date(2022, 1, 1)), second, RuleContext{});
  EXPECT_EQ(subjects(cs), (std::vector<std::string>{"C2"}));
  EXPECT_EQ(cs[0].labels.at("action"), "recover");
}

TEST(CarryForwardRulesTest, source_selects_new_money_and_each_source) {
  config::RuleConfig r;
  r.name = "x";
  r.kind = config::RuleKind::below_threshold;
  r.threshold_bp = 10000;
  r.checkpoints = {{1, 1}};
  r.at_deadline = false;
  const auto snap = snapshot(make_date(2022, 6, 30));
  r.sources = {"new_money"};
  EXPECT_EQ(subjects(evaluate_rules(snap, {r}, RuleContext{})),
            (std::vector<std::string>{"N1", "M1"}));
  r.sources = {"mid_year"};
  EXPECT_EQ(subjects(evaluate_rules(snap, {r}, RuleContext{})), (std::vector<std::string>{"M1"}));
  r.sources = {"initial", "carried_forward"};
  EXPECT_EQ(subjects(evaluate_rules(snap, {r}, RuleContext{})),
            (std::vector<std::string>{"C1", "C2", "N1"}));
  r.sources = {};
  r.min_age = 1;  // carry-forward lines of any age, no new money
  EXPECT_EQ(subjects(evaluate_rules(snap, {r}, RuleContext{})),
            (std::vector<std::string>{"C1", "C2"}));
  r.min_age = 3;
  EXPECT_TRUE(evaluate_rules(snap, {r}, RuleContext{}).empty());
  // New money has a line_source label and no carry_age.
  r.min_age = 0;
  r.sources = {"initial"};
  const auto cs = evaluate_rules(snap, {r}, RuleContext{});
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].labels.at("line_source"), "initial");
  EXPECT_EQ(cs[0].labels.count("carry_age"), 0u);
}

TEST(CarryForwardRulesTest, routes_match_the_line_source_label) {
  config::RuleConfig r;
  r.name = "x";
  r.kind = config::RuleKind::below_threshold;
  r.threshold_bp = 10000;
  r.checkpoints = {{1, 1}};
  r.at_deadline = false;
  const auto cs = evaluate_rules(snapshot(make_date(2022, 6, 30)), {r}, RuleContext{});
  config::RouteConfig finance;
  finance.matchers = {{"line_source", config::MatcherConfig::Op::eq, "carried_forward"}};
  config::RouteConfig owners;
  std::vector<std::string> routed_to_finance;
  for (const auto& c : cs) {
    if (route({finance, owners}, c.labels) == std::vector<std::size_t>{0})
      routed_to_finance.push_back(c.subject);
  }
  EXPECT_EQ(routed_to_finance, (std::vector<std::string>{"C1", "C2"}));
}

TEST(CarryForwardRulesTest, the_loader_refuses_a_bad_source_and_age_and_selectors_on_source_rules) {
  const test::TempDir dir;
  auto load = [&](const std::string& rule) {
    return config::load_config_text("database: bw.db\nalerts:\n  rules:\n    - " + rule + "\n",
                                    "x.yaml", dir.path());
  };
  auto bad_source = load("{name: a, kind: overspend, source: [last_year]}");
  ASSERT_FALSE(bad_source.has_value());
  EXPECT_NE(bad_source.error().to_string().find("alerts.rules[0].source[0]"), std::string::npos)
      << bad_source.error().to_string();
  auto bad_age = load("{name: a, kind: overspend, min_age: 0}");
  ASSERT_FALSE(bad_age.has_value());
  EXPECT_NE(bad_age.error().to_string().find("alerts.rules[0].min_age"), std::string::npos)
      << bad_age.error().to_string();
  EXPECT_FALSE(load("{name: a, kind: stale_source, source: [carried_forward]}").has_value());
  auto ok = load("{name: a, kind: overspend, source: [carried_forward, new_money], min_age: 2}");
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  const std::string printed = config::print_config(*ok);
  EXPECT_NE(printed.find("source: [carried_forward, new_money]"), std::string::npos) << printed;
  EXPECT_NE(printed.find("min_age: 2"), std::string::npos) << printed;
}

}  // namespace
}  // namespace bw::alerts
