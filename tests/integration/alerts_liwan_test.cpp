// Issue #4 acceptance, in process: the Liwan 2021 data replayed month end by month end through the
// alert cycle (rules → state → groups → outbox) on a real SQLite file. Delivery to real servers is
// covered by tests/e2e/02x-alerts-*.sh and the notifier tests.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "alerts/cycle.h"
#include "alerts/render.h"
#include "collectors/ingest.h"
#include "config/load.h"
#include "engine/snapshot.h"
#include "store/alert_store.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

using engine::make_date;

config::RuleConfig rule(std::string name, std::string kind) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = *config::from_string<config::RuleKind>(kind);
  return r;
}

config::AlertsConfig owners_config() {
  config::AlertsConfig c;
  c.enabled = true;
  auto below = rule("below_80_at_deadline", "below_threshold");
  below.checkpoints.clear();
  below.at_deadline = true;
  c.rules.push_back(below);
  auto pace = rule("behind_pace", "pace_below");
  pace.grace_days = 60;
  c.rules.push_back(pace);
  config::ReceiverConfig owners;
  owners.name = "owners";
  owners.kind = config::ReceiverKind::email;
  owners.to_owner = true;
  c.receivers.push_back(owners);
  config::RouteConfig route;
  route.receivers = {"owners"};
  route.group_by = {"owner"};
  route.repeat_interval = std::chrono::hours(24);
  c.routes.push_back(route);
  return c;
}

class AlertsLiwanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "alerts.db"));
    store::migrate(*db_);
    for (const char* f :
         {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv"}) {
      collect::IngestOptions o;
      o.received_at = "2022-01-01T00:00:00Z";
      auto r = collect::ingest_file(*db_, test::data_path(f), o);
      ASSERT_TRUE(r.has_value()) << f;
    }
  }

  engine::Snapshot snapshot(engine::CivilDate d) {
    return engine::evaluate(store::load_inputs(*db_, d, engine::FiscalYear::containing(d)), d,
                            engine::Policy{});
  }

  // The alert clock at 09:00 Asia/Shanghai (01:00 UTC) on day d.
  static std::int64_t at_nine(engine::CivilDate d) {
    return std::chrono::sys_days(d).time_since_epoch().count() * 86400 + 3600;
  }

  alerts::CycleReport cycle(engine::CivilDate d, const config::AlertsConfig& c,
                            std::int64_t now = 0) {
    alerts::CycleContext ctx;
    ctx.now = now ? now : at_nine(d);
    ctx.local =
        alerts::LocalTime{d, 9 * 60, std::chrono::weekday(std::chrono::sys_days(d)).c_encoding()};
    ctx.external_url = "http://127.0.0.1:9464";
    return alerts::run_cycle(*db_, snapshot(d), c, ctx);
  }

  std::set<std::string> firing_codes(const std::string& rule_name) {
    std::set<std::string> out;
    for (const auto& a : store::load_alerts(*db_)) {
      const auto st = alerts::from_row(a);
      if (st.state == alerts::State::firing && st.rule == rule_name)
        out.insert(st.labels.at("project_code"));
    }
    return out;
  }

  std::vector<store::OutboxRow> outbox() {
    store::OutboxQuery q;
    q.limit = 100000;
    return store::list_outbox(*db_, q);
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
};

TEST_F(AlertsLiwanTest, at_year_end_the_rule_fires_for_the_11_projects_the_report_names) {
  cycle(make_date(2021, 12, 31), owners_config());
  const std::set<std::string> want = {"LW2021-P06", "LW2021-P10", "LW2021-P16", "LW2021-P18",
                                      "LW2021-P20", "LW2021-P21", "LW2021-P22", "LW2021-P23",
                                      "LW2021-P27", "LW2021-P29", "LW2021-P30"};
  EXPECT_EQ(firing_codes("below_80_at_deadline"), want);
}

// The 4 projects still at zero at year end, and the 6 that paid nothing by 30 June and only later:
// "nothing paid by June" is a finding for the year (issue 17), a later payment does not resolve it.
TEST_F(AlertsLiwanTest, nothing_paid_rule_finds_the_4_projects_at_zero_and_the_6_paid_after_june) {
  config::AlertsConfig c = owners_config();
  auto none = rule("nothing_paid", "no_spending");
  none.by = {6, 30};
  none.grace_days = 0;
  c.rules = {none};
  cycle(make_date(2021, 12, 31), c);
  EXPECT_EQ(firing_codes("nothing_paid"),
            (std::set<std::string>{"LW2021-P04", "LW2021-P05", "LW2021-P08", "LW2021-P12",
                                   "LW2021-P15", "LW2021-P17", "LW2021-P20", "LW2021-P21",
                                   "LW2021-P22", "LW2021-P30"}));
}

TEST_F(AlertsLiwanTest, replay_month_by_month_one_grouped_message_per_owner_and_evaluation) {
  const config::AlertsConfig c = owners_config();
  std::map<std::string, int> fired_total;
  std::map<std::string, int> resolved_total;
  for (unsigned m = 1; m <= 12; ++m) {
    const auto d = engine::month_end(make_date(2021, m, 1));
    const auto before = outbox().size();
    const auto r = cycle(d, c);
    const auto rows = outbox();
    // Messages written at this evaluation: at most one per owner (group), never two.
    std::map<std::string, int> per_group;
    for (std::size_t i = 0; i < rows.size() - before; ++i) ++per_group[rows[i].group_key];
    for (const auto& [g, n] : per_group) EXPECT_EQ(n, 1) << g << " at " << engine::to_iso(d);
    EXPECT_EQ(static_cast<int>(rows.size() - before), r.messages);
    fired_total[engine::to_iso(d)] = r.fired_now;
    resolved_total[engine::to_iso(d)] = r.resolved_now;
  }
  // Every alert that resolved was announced as resolved exactly once, to the group told it fired.
  std::map<std::string, int> resolved_mentions;
  std::map<std::string, int> resolved_transitions;
  for (const auto& row : outbox()) {
    auto n = alerts::notification_from_json(row.payload);
    ASSERT_TRUE(n);
    for (const auto& a : n->alerts)
      if (a.status == alerts::Status::resolved)
        ++resolved_mentions[a.fingerprint + "@" + std::to_string(a.ends_at)];
  }
  for (const auto& a : store::load_alerts(*db_)) {
    if (a.state == "resolved")
      ++resolved_transitions[a.fingerprint + "@" + std::to_string(*a.resolved_at)];
  }
  for (const auto& [k, n] : resolved_mentions) EXPECT_EQ(n, 1) << k;
  int resolved_sum = 0;
  for (const auto& [d, n] : resolved_total) resolved_sum += n;
  EXPECT_GT(resolved_sum, 0) << "some project must recover during the year (pace alerts)";
  int mentions = 0;
  for (const auto& [k, n] : resolved_mentions) mentions += n;
  EXPECT_EQ(mentions, resolved_sum) << "one resolved message per recovery";
}

TEST_F(AlertsLiwanTest, message_is_zh_cn_with_rate_expected_progress_gap_unspent_and_link) {
  cycle(make_date(2021, 12, 31), owners_config());
  const auto rows = outbox();
  ASSERT_FALSE(rows.empty());
  bool found = false;
  for (const auto& row : rows) {
    auto n = alerts::notification_from_json(row.payload);
    ASSERT_TRUE(n);
    if (n->text.find("LW2021-P06") == std::string::npos) continue;
    found = true;
    EXPECT_NE(n->title.find("【预算执行预警】"), std::string::npos) << n->title;
    EXPECT_NE(n->text.find("交通战备工作经费（LW2021-P06）"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("执行率 36.90%"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("序时进度 100.00%"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("低于序时进度 63.10 个百分点"), std::string::npos) << n->text;
    EXPECT_NE(n->text.find("万元"), std::string::npos);
    EXPECT_NE(n->text.find("完成时限 2021-12-31"), std::string::npos);
    EXPECT_NE(n->text.find("详情：http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021"),
              std::string::npos);
    EXPECT_EQ(n->text.find("/api/v1/"), std::string::npos)
        << "links open the project's page, not JSON";
    ASSERT_EQ(n->recipients.size(), 1u);
    EXPECT_NE(n->recipients[0].find('@'), std::string::npos);
    for (const auto& a : n->alerts)
      EXPECT_EQ(a.labels.count("owner_email"), 0u) << "addresses stay private";
  }
  EXPECT_TRUE(found);
}

TEST_F(AlertsLiwanTest, english_by_config) {
  alerts::CycleContext ctx;
  const auto d = make_date(2021, 12, 31);
  ctx.now = at_nine(d);
  ctx.local = alerts::LocalTime{d, 540, 5};
  ctx.language = "en";
  alerts::run_cycle(*db_, snapshot(d), owners_config(), ctx);
  const auto rows = outbox();
  ASSERT_FALSE(rows.empty());
  const auto n = alerts::notification_from_json(rows.back().payload);
  EXPECT_NE(n->title.find("[Budget execution alert]"), std::string::npos) << n->title;
  EXPECT_NE(n->text.find("percentage points behind the expected progress"), std::string::npos)
      << n->text;
}

TEST_F(AlertsLiwanTest, repeat_interval_holds_and_then_repeats) {
  const auto c = owners_config();
  const auto d = make_date(2021, 12, 31);
  const auto first = cycle(d, c);
  EXPECT_GT(first.messages, 0);
  EXPECT_EQ(cycle(d, c, at_nine(d) + 3600).messages, 0) << "nothing new, repeat interval not over";
  EXPECT_EQ(cycle(d, c, at_nine(d) + 24 * 3600).messages, first.messages) << "repeat after 24 h";
}

TEST_F(AlertsLiwanTest, silence_suppresses_and_expiring_it_sends) {
  const auto c = owners_config();
  const auto d = make_date(2021, 12, 31);
  store::SilenceRow s;
  s.id = "s1";
  s.matchers = alerts::matchers_json(
      {config::MatcherConfig{"alertname", config::MatcherConfig::Op::re, ".*"}});
  s.created_by = "finance bureau";
  s.comment = "year-end closing";
  s.starts_at = at_nine(d) - 10;
  s.ends_at = at_nine(d) + 7200;
  s.created_at = s.starts_at;
  store::insert_silence(*db_, s);
  const auto r = cycle(d, c);
  EXPECT_EQ(r.messages, 0);
  EXPECT_GT(r.silenced, 0);
  ASSERT_TRUE(store::expire_silence(*db_, "s1", at_nine(d) + 60));
  EXPECT_GT(cycle(d, c, at_nine(d) + 120).messages, 0);
}

TEST_F(AlertsLiwanTest, mute_interval_defers_the_message_until_it_ends) {
  auto c = owners_config();
  config::TimeIntervalConfig nights;
  nights.name = "nights";
  nights.times = {{20 * 60, 8 * 60}};
  c.time_intervals = {nights};
  c.routes[0].mute_time_intervals = {"nights"};
  const auto d = make_date(2021, 12, 31);
  alerts::CycleContext ctx;
  ctx.now = at_nine(d) - 2 * 3600;  // 07:00 local
  ctx.local = alerts::LocalTime{d, 7 * 60, 5};
  EXPECT_EQ(alerts::run_cycle(*db_, snapshot(d), c, ctx).messages, 0);
  ctx.now = at_nine(d);
  ctx.local.minute_of_day = 9 * 60;
  EXPECT_GT(alerts::run_cycle(*db_, snapshot(d), c, ctx).messages, 0);
}

TEST_F(AlertsLiwanTest, critical_inhibits_the_warning_on_the_same_project) {
  auto c = owners_config();
  auto crit = rule("q3_escalation", "below_threshold");
  crit.severity = config::Severity::critical;
  crit.threshold_bp = 6000;
  crit.checkpoints = {{9, 30}};
  crit.at_deadline = false;
  c.rules.push_back(crit);
  const auto r = cycle(make_date(2021, 12, 31), c);
  EXPECT_GT(r.inhibited, 0);
  for (const auto& row : outbox()) {
    const auto n = alerts::notification_from_json(row.payload);
    std::set<std::string> critical_subjects;
    for (const auto& a : n->alerts)
      if (a.severity == alerts::Severity::critical)
        critical_subjects.insert(a.labels.at("subject"));
    for (const auto& a : n->alerts) {
      if (a.severity != alerts::Severity::critical) {
        EXPECT_EQ(critical_subjects.count(a.labels.at("subject")), 0u)
            << a.rule << " " << a.labels.at("subject");
      }
    }
  }
}

TEST_F(AlertsLiwanTest, pending_for_a_duration_before_firing) {
  auto c = owners_config();
  c.rules.resize(1);
  c.rules[0].pending_for = std::chrono::hours(2);
  const auto d = make_date(2021, 12, 31);
  auto r = cycle(d, c);
  EXPECT_EQ(r.firing, 0);
  EXPECT_EQ(r.pending, 11);
  EXPECT_EQ(r.messages, 0);
  r = cycle(d, c, at_nine(d) + 2 * 3600);
  EXPECT_EQ(r.firing, 11);
  EXPECT_GT(r.messages, 0);
}

TEST_F(AlertsLiwanTest, amount_floor_combines_with_the_rate) {
  // At year end, of the 11 below 80%: P30 has 1,380,000.00 yuan unspent, P27 1,261,400.00, P18
  // 916,600.00, the others less. The floor is "at least": exactly P30's amount keeps it, a fen more
  // drops it.
  const auto d = make_date(2021, 12, 31);
  const std::vector<std::pair<std::int64_t, std::set<std::string>>> cases = {
      {900000'00, {"LW2021-P18", "LW2021-P27", "LW2021-P30"}},
      {1000000'00, {"LW2021-P27", "LW2021-P30"}},
      {1380000'00, {"LW2021-P30"}},
      {1380000'01, {}},
      {2000000'00, {}},
  };
  for (const auto& [floor_fen, want] : cases) {
    auto c = owners_config();
    auto big = rule("big_unspent", "below_threshold");
    big.at_deadline = true;
    big.min_unspent_fen = floor_fen;
    c.rules = {big};
    test::TempDir dir;
    db_.emplace(store::Database::open(dir / "floor.db"));
    store::migrate(*db_);
    for (const char* f :
         {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv"}) {
      collect::IngestOptions o;
      o.received_at = "2022-01-01T00:00:00Z";
      ASSERT_TRUE(collect::ingest_file(*db_, test::data_path(f), o).has_value()) << f;
    }
    cycle(d, c);
    EXPECT_EQ(firing_codes("big_unspent"), want) << "floor " << floor_fen << " fen";
  }
}

// The demo's Q3 escalation (below 60% at the end of Q3 with at least 2,000,000 yuan unspent,
// critical) is for 科学技术支出 alone: 30.27% paid, 58,084,743.94 yuan unspent on 09-30. It stays
// until 11-30 (47.74%) and clears at year end.
TEST_F(AlertsLiwanTest, q3_escalation_at_the_end_of_september) {
  auto c = owners_config();
  auto q3 = rule("q3_escalation", "below_threshold");
  q3.severity = config::Severity::critical;
  q3.threshold_bp = 6000;
  q3.checkpoints = {{9, 30}};
  q3.at_deadline = false;
  q3.min_unspent_fen = 2000000'00;
  q3.labels = {{"escalate", "bureau"}};
  c.rules = {q3};
  config::ReceiverConfig bureau;
  bureau.name = "bureau";
  bureau.kind = config::ReceiverKind::email;
  bureau.to = {"finance-bureau@example.gov.cn"};
  c.receivers.push_back(bureau);
  config::RouteConfig escalations;
  escalations.matchers = {
      config::MatcherConfig{"escalate", config::MatcherConfig::Op::eq, "bureau"}};
  escalations.receivers = {"bureau"};
  escalations.group_by = {"unit_name"};
  escalations.continue_matching = true;
  c.routes.insert(c.routes.begin(), escalations);

  cycle(make_date(2021, 8, 31), c);
  EXPECT_TRUE(firing_codes("q3_escalation").empty()) << "not before the checkpoint";
  const auto before = outbox().size();
  cycle(make_date(2021, 9, 30), c);
  EXPECT_EQ(firing_codes("q3_escalation"), std::set<std::string>{"LW2021-P02"});
  const auto rows = outbox();
  ASSERT_EQ(rows.size() - before, 2u) << "the bureau and the owner";
  std::map<std::string, alerts::Notification> by_receiver;
  for (std::size_t i = 0; i < rows.size() - before; ++i) {
    auto n = alerts::notification_from_json(rows[i].payload);
    ASSERT_TRUE(n);
    by_receiver[rows[i].receiver] = *n;
  }
  const auto& b = by_receiver.at("bureau");
  EXPECT_EQ(b.recipients, std::vector<std::string>{"finance-bureau@example.gov.cn"});
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].severity, alerts::Severity::critical);
  EXPECT_EQ(b.alerts[0].annotations.at("execution_pct"), "30.27");
  EXPECT_EQ(b.alerts[0].annotations.at("unspent_fen"), "5808474394");
  EXPECT_NE(b.text.find("执行率低于 60.00%（严重）"), std::string::npos) << b.text;
  EXPECT_NE(b.text.find("未支出 5,808.47 万元；完成时限 2021-12-31（剩余 92 天）"),
            std::string::npos)
      << b.text;
  EXPECT_EQ(by_receiver.at("owners").recipients,
            std::vector<std::string>{"chenzhiyuan@example.gov.cn"});

  cycle(make_date(2021, 11, 30), c);
  EXPECT_EQ(firing_codes("q3_escalation"), std::set<std::string>{"LW2021-P02"});
  cycle(make_date(2021, 12, 31), c);
  EXPECT_TRUE(firing_codes("q3_escalation").empty()) << "93.95% paid at year end";
}

// Issue 17, "Chinese all the way": the demo's rules (config/examples/demo.yaml as shipped),
// replayed through the Liwan year, give e-mails and robot messages whose human text (subject, text,
// Markdown) holds no ASCII code: no rule name, rule kind, severity or band; the codes stay in each
// alert's fields. In English the same conditions read in English.
TEST_F(AlertsLiwanTest, the_demo_rules_messages_hold_no_codes_in_zh_cn_and_read_english_in_en) {
  auto loaded =
      config::load_config(std::filesystem::path(BW_SOURCE_DIR) / "config/examples/demo.yaml");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const config::AlertsConfig demo = loaded->alerts;
  ASSERT_GE(demo.rules.size(), 8u);
  std::vector<std::string> codes = {"warning",  "critical", "info",
                                    "on_track", "below_80", "below_50"};
  for (const auto& r : demo.rules) {
    codes.push_back(r.name);
    codes.emplace_back(config::to_string(r.kind));
  }
  const std::regex code_like("[A-Za-z0-9]+_[A-Za-z0-9_]+");  // snake_case: a code, not a word
  std::set<std::string> kinds_seen;
  std::size_t messages = 0;
  std::set<std::int64_t> seen;  // outbox rows already looked at
  for (unsigned m = 1; m <= 12; ++m) {
    const auto d = engine::FiscalYear::containing(make_date(2021, 1, 1)).month_end(m - 1);
    cycle(d, demo);
    for (const auto& row : outbox()) {
      if (!seen.insert(row.id).second) continue;
      auto n = alerts::notification_from_json(row.payload);
      ASSERT_TRUE(n);
      ++messages;
      for (const auto& a : n->alerts) kinds_seen.insert(a.labels.at("rule_kind"));
      // The HTML part without its tags; links are addresses, not prose (?fiscal_year=2021).
      std::string html = std::regex_replace(n->html, std::regex("<[^>]*>"), " ");
      for (const std::string* shown : {&n->title, &n->text, &n->markdown, &html}) {
        const std::string prose =
            std::regex_replace(*shown, std::regex("https?://[^\\s)\\]<\"]+"), "");
        const std::string* human = &prose;
        for (const auto& c : codes) {
          // "info" etc. as a whole word only (not inside a URL or a name).
          const std::regex word("(^|[^A-Za-z0-9_])" + c + "([^A-Za-z0-9_]|$)");
          EXPECT_FALSE(std::regex_search(*human, word)) << c << " in\n" << *human;
        }
        EXPECT_FALSE(std::regex_search(*human, code_like)) << *human;
      }
    }
  }
  EXPECT_GT(messages, 10u);
  EXPECT_TRUE(kinds_seen.count("below_threshold") && kinds_seen.count("no_spending"))
      << kinds_seen.size();

  // The same in English (`language: en`): the condition and severity in English words.
  alerts::CycleContext ctx;
  const auto d = make_date(2021, 12, 31);
  ctx.now = at_nine(d) + 7 * 86400;
  ctx.local = alerts::LocalTime{d, 540, 5};
  ctx.language = "en";
  alerts::run_cycle(*db_, snapshot(d), demo, ctx);
  bool english = false;
  for (const auto& row : outbox()) {
    if (!seen.insert(row.id).second) continue;
    const auto n = alerts::notification_from_json(row.payload);
    ASSERT_TRUE(n);
    if (n->text.find("execution below 80.00% (warning)") != std::string::npos) english = true;
    for (const char* zh : {"警告", "严重", "提示", "执行率低于"})
      EXPECT_EQ(n->text.find(zh), std::string::npos) << n->text;
  }
  EXPECT_TRUE(english);
}

}  // namespace
}  // namespace bw
