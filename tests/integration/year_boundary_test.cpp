// Issue 14 item 4: the daemon across the year boundary. The Liwan 2021 data and a 2022 register
// that reuses three 2021 line codes, evaluated by the daemon's own evaluation task (evaluate,
// publish to /metrics, alert cycle) with `evaluation.as_of` pinned to 2021-12-31 and then
// 2022-01-01: the snapshot and the metrics switch to 2022, the 2021 alerts are closed quietly (no
// resolved message in the outbox), the 2022 lines' alerts open as their rules say, and the 2021
// figures stay queryable.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/logger.h>
#include <boost/json.hpp>

#include "alerts/cycle.h"
#include "alerts/render.h"
#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "daemon/evaluation_task.h"
#include "reports/execution_report.h"
#include "store/alert_store.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;

config::RuleConfig rule(std::string name, std::string kind) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = *config::from_string<config::RuleKind>(kind);
  return r;
}

// Two rules: below 80% at the deadline (the 2021 projects that missed it fire on 31 December), and
// money left within a year of the deadline on project and basic lines (every unpaid line of either
// year: the same rule on the same code in two years, LW2021-P02 among them).
config::AlertsConfig alerts_config() {
  config::AlertsConfig c;
  c.enabled = true;
  auto below = rule("below_80_at_deadline", "below_threshold");
  below.checkpoints.clear();
  below.at_deadline = true;
  c.rules.push_back(below);
  auto near = rule("money_left_within_a_year", "deadline_near");
  near.within_days = 366;
  near.line_kinds = {"project", "basic"};
  c.rules.push_back(near);
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

class YearBoundaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "boundary.db"));
    store::migrate(*db_);
    for (const char* f :
         {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv",
          "years/budget2022.csv", "years/adjustments2022.csv", "years/payments2022.csv"}) {
      collect::IngestOptions o;
      o.received_at = "2022-06-01T00:00:00Z";
      auto r = collect::ingest_file(*db_, test::data_path(f), o);
      ASSERT_TRUE(r.has_value()) << f << ": " << r.error().to_string();
    }
    auto tz = daemon::TimeZone::from_name("Asia/Shanghai");
    ASSERT_TRUE(tz.has_value());
    tz_ = std::make_shared<const daemon::TimeZone>(*tz);
    daemon::SnapshotMetricsOptions mo;
    mo.midnight_utc = [tz = tz_](engine::CivilDate d) { return tz->midnight_utc(d); };
    snapshots_.emplace(mo);
  }

  // The daemon's evaluation task with `evaluation.as_of` = d (a SIGHUP with a new date).
  daemon::EvaluationOutcome evaluate(engine::CivilDate d) {
    auto c = std::make_shared<config::Config>();
    c->evaluation.as_of = d;
    c->alerts = alerts_config();
    daemon::EvaluationTaskContext ctx;
    ctx.db = &*db_;
    ctx.config = c;
    ctx.tz = tz_;
    ctx.snapshots = &*snapshots_;
    ctx.ops = &ops_;
    ctx.health = &health_;
    ctx.log = std::make_shared<spdlog::logger>("year-boundary-test");
    return daemon::run_evaluation(ctx);
  }

  std::vector<alerts::AlertState> stored_alerts() {
    std::vector<alerts::AlertState> out;
    for (const auto& r : store::load_alerts(*db_)) out.push_back(alerts::from_row(r));
    return out;
  }

  // (fiscal year, project code) of the alerts of `rule` in `state`.
  std::set<std::pair<std::string, std::string>> alerts_in(alerts::State state,
                                                          const std::string& rule_name) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& a : stored_alerts()) {
      if (a.state == state && a.rule == rule_name)
        out.emplace(a.labels.at("fiscal_year"), a.labels.at("project_code"));
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
  std::shared_ptr<const daemon::TimeZone> tz_;
  std::optional<daemon::SnapshotCollector> snapshots_;
  daemon::OpsMetrics ops_;
  daemon::Health health_;
};

TEST_F(YearBoundaryTest, on_1_january_the_new_year_is_evaluated_and_the_old_alerts_close_quietly) {
  // 31 December 2021: the 2021 lines.
  const auto dec31 = evaluate(make_date(2021, 12, 31));
  ASSERT_TRUE(dec31.ok);
  EXPECT_TRUE(dec31.messages);
  ASSERT_NE(snapshots_->snapshot(), nullptr);
  EXPECT_EQ(snapshots_->snapshot()->fiscal_year.year(), 2021);
  EXPECT_NE(snapshots_->text()->find("budgetwatch_fiscal_year 2021"), std::string::npos);
  const auto below_2021 = alerts_in(alerts::State::firing, "below_80_at_deadline");
  EXPECT_EQ(below_2021.size(), 11u);  // the 11 projects the 2021 year-end report names
  const auto near_2021 = alerts_in(alerts::State::firing, "money_left_within_a_year");
  ASSERT_FALSE(near_2021.empty());
  for (const auto& [year, code] : near_2021) EXPECT_EQ(year, "2021") << code;
  EXPECT_TRUE(near_2021.count({"2021", "LW2021-P02"}));
  const std::size_t rows_dec31 = outbox().size();
  ASSERT_GT(rows_dec31, 0u);

  // 1 January 2022: the 2022 register.
  const auto jan1 = evaluate(make_date(2022, 1, 1));
  ASSERT_TRUE(jan1.ok);
  EXPECT_EQ(snapshots_->snapshot()->fiscal_year.year(), 2022);
  EXPECT_EQ(snapshots_->snapshot()->lines.size(), 4u);
  EXPECT_NE(snapshots_->text()->find("budgetwatch_fiscal_year 2022"), std::string::npos);

  // Every 2021 alert is closed: resolved, marked year_closed, none firing.
  std::size_t closed = 0;
  for (const auto& a : stored_alerts()) {
    if (a.labels.at("fiscal_year") != "2021") continue;
    EXPECT_EQ(a.state, alerts::State::resolved) << a.labels.at("project_code");
    EXPECT_EQ(a.annotations.at("closed"), "year_closed") << a.labels.at("project_code");
    ++closed;
  }
  EXPECT_EQ(closed, below_2021.size() + near_2021.size());
  EXPECT_TRUE(alerts_in(alerts::State::firing, "below_80_at_deadline").empty());

  // The 2022 lines' alerts open as the rules say: money left on every 2022 line (364 days before
  // its deadline, nothing or little paid), none below 80% at a deadline not reached. LW2021-P02 of
  // 2022 is another alert than LW2021-P02 of 2021.
  const std::set<std::pair<std::string, std::string>> near_2022 = {{"2022", "LW2021-B01"},
                                                                   {"2022", "LW2021-B02"},
                                                                   {"2022", "LW2021-P02"},
                                                                   {"2022", "LW2022-P01"}};
  EXPECT_EQ(alerts_in(alerts::State::firing, "money_left_within_a_year"), near_2022);
  std::set<std::string> fingerprints_p02;
  for (const auto& a : stored_alerts()) {
    if (a.labels.at("project_code") == "LW2021-P02" && a.rule == "money_left_within_a_year")
      fingerprints_p02.insert(a.fingerprint);
  }
  EXPECT_EQ(fingerprints_p02.size(), 2u);

  // No flood: the rows queued on 1 January are the 2022 firing messages only (one per owner of a
  // 2022 line), with no resolved message and no 2021 alert in them.
  const auto rows = outbox();
  ASSERT_GT(rows.size(), rows_dec31);
  std::size_t new_rows = 0;
  std::size_t alerts_told = 0;
  std::set<std::string> owners;
  for (const auto& row : rows) {
    if (row.id <= static_cast<std::int64_t>(rows_dec31)) continue;
    ++new_rows;
    EXPECT_EQ(row.status, "firing");
    const auto n = alerts::notification_from_json(row.payload);
    ASSERT_TRUE(n.has_value());
    for (const auto& item : n->alerts) {
      EXPECT_EQ(item.status, alerts::Status::firing);
      EXPECT_EQ(item.labels.at("fiscal_year"), "2022");
      owners.insert(item.labels.at("owner"));
      ++alerts_told;
    }
  }
  EXPECT_EQ(alerts_told, near_2022.size());
  EXPECT_EQ(new_rows, owners.size());
  EXPECT_EQ(new_rows, 3u);  // 冯丽华, 邓慧玲, 陈志远
  store::OutboxQuery resolved;
  resolved.limit = 100000;
  for (const auto& row : store::list_outbox(*db_, resolved))
    EXPECT_NE(row.status, "resolved") << row.title;

  // A second evaluation the same day queues nothing more.
  const auto again = evaluate(make_date(2022, 1, 1));
  ASSERT_TRUE(again.ok);
  EXPECT_FALSE(again.messages);
  EXPECT_EQ(outbox().size(), rows.size());

  // 2021 stays queryable: its year-end figures as of 31 December.
  auto e = daemon::evaluate_at(*db_, make_date(2021, 12, 31), engine::Policy{});
  ASSERT_TRUE(e.has_value());
  const auto r = reports::execution_report_json(*e->snapshot).as_object();
  EXPECT_EQ(r.at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(r.at("department").at("execution_rate_pct").as_string(), "91.38");
  EXPECT_EQ(r.at("department").at("paid_fen").as_int64(), 10'888'890'000);
  EXPECT_EQ(r.at("lines").as_array().size(), 32u);
}

// A line alert stored before fiscal years (no fiscal_year label, fingerprint of rule and code) is
// re-keyed to its year, memberships with it: the receiver is not told again.
TEST_F(YearBoundaryTest,
       an_alert_stored_before_fiscal_years_keeps_its_episode_and_is_not_told_again) {
  ASSERT_TRUE(evaluate(make_date(2021, 12, 31)).ok);
  const std::size_t rows = outbox().size();
  // Make every stored line alert look as a release without fiscal years wrote it.
  for (const auto& a : stored_alerts()) {
    alerts::AlertState old = a;
    old.labels.erase("fiscal_year");
    old.fingerprint = alerts::fingerprint(a.rule, a.labels.at("subject"));
    store::delete_alert(*db_, a.fingerprint);
    store::upsert_alert(*db_, alerts::to_row(old));
    db_->prepare("UPDATE alert_group_members SET fingerprint = ?2 WHERE fingerprint = ?1")
        .bind(1, a.fingerprint)
        .bind(2, old.fingerprint)
        .run();
  }
  const auto before = stored_alerts();
  ASSERT_TRUE(evaluate(make_date(2021, 12, 31)).ok);
  EXPECT_EQ(outbox().size(), rows);  // nothing new to tell
  const auto after = stored_alerts();
  ASSERT_EQ(after.size(), before.size());
  std::map<std::string, const alerts::AlertState*> by_subject;
  for (const auto& a : after) by_subject[a.rule + "/" + a.labels.at("subject")] = &a;
  for (const auto& b : before) {
    const auto* a = by_subject.at(b.rule + "/" + b.labels.at("subject"));
    EXPECT_EQ(a->labels.at("fiscal_year"), "2021");
    EXPECT_EQ(a->fingerprint, alerts::line_fingerprint(b.rule, 2021, b.labels.at("subject")));
    EXPECT_EQ(a->state, b.state);
    EXPECT_EQ(a->episode, b.episode);
    EXPECT_EQ(a->fired_at, b.fired_at);
  }
  std::size_t members = 0;
  for (const auto& m : store::all_group_members(*db_)) {
    ++members;
    EXPECT_TRUE(std::any_of(after.begin(), after.end(),
                            [&](const auto& a) { return a.fingerprint == m.fingerprint; }));
  }
  EXPECT_GT(members, 0u);
}

}  // namespace
}  // namespace bw
