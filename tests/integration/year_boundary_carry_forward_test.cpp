// Issue 14 items 3 and 4 together: the daemon across 31 December when year 2 has carry-forward
// lines (上年结转) linked to year 1. Liwan 2021, then a 2022 register carrying LW2021-P02 and the
// cross-year LW2021-P05 (完成时限 2023-03-31) forward beside new money, run through the daemon's
// evaluation task with `evaluation.as_of` pinned to 31 December 2021, 1 January 2022 and 30 June
// 2022. From 1 January the carry-forward lines are watched: in /metrics with their source, age and
// the deadline the 2022 policy gives them, and by the carry-forward rules (`source:
// [carried_forward]`); the 2021 alerts close quietly, one message tells the owner about the carried
// money, 2021 stays queryable, and by 30 June the money still unspent is flagged.
#include <gtest/gtest.h>

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

constexpr const char* register2022 =
    "预算年度,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,项目负责人,"
    "负责人邮箱,完成时限,指标来源\n"
    "2022,LW2021-P02,科学技术支出（结转）,101001,广州市荔湾区科技工业和信息化局,项目支出,\"500,000."
    "00\",陈志远,"
    "chenzhiyuan@example.gov.cn,2022-06-30,上年结转\n"
    "2022,LW2021-P05,跨年度项目（结转）,101001,广州市荔湾区科技工业和信息化局,项目支出,\"300,000."
    "00\",陈志远,"
    "chenzhiyuan@example.gov.cn,2023-03-31,上年结转\n"
    "2022,LW2022-P01,2022年度企业服务经费,101001,广州市荔湾区科技工业和信息化局,项目支出,\"1,000,"
    "000.00\",陈志远,"
    "chenzhiyuan@example.gov.cn,2022-12-31,年初\n";
constexpr const char* payments2022 =
    "支付凭证号,支付日期,预算单位编码,项目编码,金额\n"
    "CF2022-0001,2022-03-15,101001,LW2021-P02,\"123,456.78\"\n"
    "CF2022-0002,2022-04-10,101001,LW2021-P05,\"300,000.00\"\n";

config::RuleConfig rule(std::string name, std::string kind) {
  config::RuleConfig r;
  r.name = std::move(name);
  r.kind = *config::from_string<config::RuleKind>(kind);
  return r;
}

// Below 80% at the deadline (the 2021 projects that missed it fire on 31 December); carry-forward
// money due within a year and not spent; carry-forward money not all spent by 30 June.
config::AlertsConfig alerts_config() {
  config::AlertsConfig c;
  c.enabled = true;
  auto below = rule("below_80_at_deadline", "below_threshold");
  below.checkpoints.clear();
  below.at_deadline = true;
  c.rules.push_back(below);
  auto near = rule("carried_money_due", "deadline_near");
  near.within_days = 366;
  near.sources = {"carried_forward"};
  c.rules.push_back(near);
  auto june = rule("carried_money_unspent_by_june", "below_threshold");
  june.threshold_bp = 10000;
  june.checkpoints = {{6, 30}};
  june.at_deadline = false;
  june.sources = {"carried_forward"};
  c.rules.push_back(june);
  config::ReceiverConfig owners;
  owners.name = "owners";
  owners.kind = config::ReceiverKind::email;
  owners.to_owner = true;
  c.receivers.push_back(owners);
  config::RouteConfig route;
  route.receivers = {"owners"};
  route.group_by = {"owner"};
  route.repeat_interval = std::chrono::hours(24 * 365);
  c.routes.push_back(route);
  return c;
}

// Every sample of a /metrics text: "name{labels}" → value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

class YearBoundaryCarryForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "boundary.db"));
    store::migrate(*db_);
    test::write_file(dir_ / "budget2022.csv", register2022);
    test::write_file(dir_ / "payments2022.csv", payments2022);
    for (const std::filesystem::path& f :
         {test::data_path("liwan2021/budget.csv"), test::data_path("liwan2021/adjustments.csv"),
          test::data_path("liwan2021/payments.csv"), dir_ / "budget2022.csv",
          dir_ / "payments2022.csv"}) {
      collect::IngestOptions o;
      o.received_at = "2022-06-01T00:00:00Z";
      auto r = collect::ingest_file(*db_, f, o);
      ASSERT_TRUE(r.has_value()) << f << ": " << r.error().to_string();
      ASSERT_EQ(r->rejected, 0) << f;
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
    c->policy.deadline_after_year_end = policy_;
    daemon::EvaluationTaskContext ctx;
    ctx.db = &*db_;
    ctx.config = c;
    ctx.tz = tz_;
    ctx.snapshots = &*snapshots_;
    ctx.ops = &ops_;
    ctx.health = &health_;
    ctx.log = std::make_shared<spdlog::logger>("year-boundary-carry-forward-test");
    return daemon::run_evaluation(ctx);
  }

  std::vector<alerts::AlertState> stored_alerts() {
    std::vector<alerts::AlertState> out;
    for (const auto& r : store::load_alerts(*db_)) out.push_back(alerts::from_row(r));
    return out;
  }

  // "fiscal year code line_source carry_age" of the alerts of `rule_name` in `state`.
  std::set<std::string> alerts_in(alerts::State state, const std::string& rule_name) {
    std::set<std::string> out;
    for (const auto& a : stored_alerts()) {
      if (a.state != state || a.rule != rule_name) continue;
      const auto age = a.labels.find("carry_age");
      out.insert(a.labels.at("fiscal_year") + " " + a.labels.at("project_code") + " " +
                 a.labels.at("line_source") + " " + (age == a.labels.end() ? "-" : age->second));
    }
    return out;
  }

  std::vector<store::OutboxRow> outbox() {
    store::OutboxQuery q;
    q.limit = 100000;
    return store::list_outbox(*db_, q);
  }

  // The rows queued after the first `from` rows: every one firing, of fiscal year `year`; returns
  // the project codes they tell.
  std::multiset<std::string> told_since(std::size_t from, const std::string& year) {
    std::multiset<std::string> codes;
    for (const auto& row : outbox()) {
      if (row.id <= static_cast<std::int64_t>(from)) continue;
      EXPECT_EQ(row.status, "firing") << row.title;
      const auto n = alerts::notification_from_json(row.payload);
      EXPECT_TRUE(n.has_value());
      if (!n) continue;
      for (const auto& item : n->alerts) {
        EXPECT_EQ(item.status, alerts::Status::firing);
        EXPECT_EQ(item.labels.at("fiscal_year"), year);
        codes.insert(item.labels.at("project_code"));
      }
    }
    return codes;
  }

  double metric(const std::string& series) {
    const auto m = samples(*snapshots_->text());
    const auto it = m.find(series);
    EXPECT_NE(it, m.end()) << series;
    return it == m.end() ? -1 : it->second;
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
  std::shared_ptr<const daemon::TimeZone> tz_;
  std::optional<daemon::SnapshotCollector> snapshots_;
  daemon::OpsMetrics ops_;
  daemon::Health health_;
  engine::DeadlineAfterYearEnd policy_ = engine::DeadlineAfterYearEnd::fiscal_year_end;
};

TEST_F(YearBoundaryCarryForwardTest,
       from_1_january_the_carry_forward_lines_are_watched_without_a_flood) {
  // 31 December 2021: no carry-forward line in 2021, the 2021 projects that missed their deadline
  // fire.
  ASSERT_TRUE(evaluate(make_date(2021, 12, 31)).ok);
  EXPECT_EQ(snapshots_->snapshot()->fiscal_year.year(), 2021);
  EXPECT_EQ(alerts_in(alerts::State::firing, "below_80_at_deadline").size(), 11u);
  EXPECT_TRUE(alerts_in(alerts::State::firing, "carried_money_due").empty());
  EXPECT_EQ(metric("budgetwatch_department_source_adjusted_budget_yuan{department=\"\",source="
                   "\"carried_forward\"}"),
            0);
  const std::size_t rows_dec31 = outbox().size();
  ASSERT_GT(rows_dec31, 0u);

  // 1 January 2022: the 2022 lines, the carried ones linked to 2021 and labelled so in /metrics.
  const auto jan1 = evaluate(make_date(2022, 1, 1));
  ASSERT_TRUE(jan1.ok);
  const auto snap = snapshots_->snapshot();
  EXPECT_EQ(snap->fiscal_year.year(), 2022);
  ASSERT_EQ(snap->lines.size(), 3u);
  for (const auto& e : snap->lines) {
    const bool carried = e.line.code != "LW2022-P01";
    EXPECT_EQ(e.source == engine::LineSource::carried_forward, carried) << e.line.code;
    EXPECT_EQ(e.carry_age, carried ? 1 : 0) << e.line.code;
    EXPECT_EQ(e.line.carried_from_year, carried ? 2021 : 0) << e.line.code;
  }
  EXPECT_NE(snapshots_->text()->find("budgetwatch_fiscal_year 2022"), std::string::npos);
  EXPECT_EQ(metric("budgetwatch_department_source_adjusted_budget_yuan{department=\"\",source="
                   "\"carried_forward\"}"),
            800000);
  EXPECT_EQ(metric("budgetwatch_department_source_adjusted_budget_yuan{department=\"\",source="
                   "\"new_money\"}"),
            1000000);
  EXPECT_EQ(metric("budgetwatch_project_info{project=\"LW2021-P05\",unit=\"101001\",department="
                   "\"\",name=\"跨年度项目（"
                   "结转）\",kind=\"project\",owner=\"陈志远\",department_name=\"\",fiscal_year="
                   "\"2022\",source=\"carried_"
                   "forward\",carry_age=\"1\"}"),
            1);
  // The cross-year line is watched against the end of 2022 (the policy's fiscal_year_end), not 31
  // March 2023.
  EXPECT_EQ(
      metric(
          "budgetwatch_project_deadline_timestamp_seconds{project=\"LW2021-P05\",unit=\"101001\","
          "department=\"\"}"),
      static_cast<double>(tz_->midnight_utc(make_date(2023, 1, 1))));

  // 2021's alerts are closed quietly; the carried money is the only news, one message to its owner.
  for (const auto& a : stored_alerts()) {
    if (a.labels.at("fiscal_year") != "2021") continue;
    EXPECT_EQ(a.state, alerts::State::resolved) << a.labels.at("project_code");
    EXPECT_EQ(a.annotations.at("closed"), "year_closed") << a.labels.at("project_code");
  }
  const std::set<std::string> due = {"2022 LW2021-P02 carried_forward 1",
                                     "2022 LW2021-P05 carried_forward 1"};
  EXPECT_EQ(alerts_in(alerts::State::firing, "carried_money_due"), due);
  EXPECT_TRUE(alerts_in(alerts::State::firing, "below_80_at_deadline").empty());
  EXPECT_EQ(told_since(rows_dec31, "2022"),
            (std::multiset<std::string>{"LW2021-P02", "LW2021-P05"}));
  const std::size_t rows_jan1 = outbox().size();
  EXPECT_EQ(rows_jan1, rows_dec31 + 1) << "one message to 陈志远, nothing about 2021";
  ASSERT_TRUE(evaluate(make_date(2022, 1, 1)).ok);
  EXPECT_EQ(outbox().size(), rows_jan1);

  // 2021 stays queryable: its year-end figures, without carry-forward money.
  auto y2021 = daemon::evaluate_at(*db_, make_date(2021, 12, 31), engine::Policy{});
  ASSERT_TRUE(y2021.has_value());
  const auto r = reports::execution_report_json(*y2021->snapshot).as_object();
  EXPECT_EQ(r.at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(r.at("department").at("execution_rate_pct").as_string(), "91.38");
  EXPECT_EQ(r.at("carry_forward").at("lines").as_int64(), 0);
  EXPECT_EQ(r.at("lines").as_array().size(), 32u);

  // 30 June 2022: LW2021-P02's carried money is a quarter spent at its deadline; LW2021-P05's all
  // spent.
  const std::size_t rows_before_june = outbox().size();
  ASSERT_TRUE(evaluate(make_date(2022, 6, 30)).ok);
  EXPECT_EQ(alerts_in(alerts::State::firing, "carried_money_unspent_by_june"),
            (std::set<std::string>{"2022 LW2021-P02 carried_forward 1"}));
  EXPECT_EQ(
      metric("budgetwatch_department_source_paid_yuan{department=\"\",source=\"carried_forward\"}"),
      423456.78);
  // What June tells is about 2022 only: LW2021-P02's money unspent, LW2021-P05's due-date alert
  // over.
  std::set<std::string> june;
  for (const auto& row : outbox()) {
    if (row.id <= static_cast<std::int64_t>(rows_before_june)) continue;
    const auto n = alerts::notification_from_json(row.payload);
    ASSERT_TRUE(n.has_value());
    for (const auto& item : n->alerts) {
      EXPECT_EQ(item.labels.at("fiscal_year"), "2022");
      june.insert(item.rule + " " + item.labels.at("project_code") + " " +
                  (item.status == alerts::Status::firing ? "firing" : "resolved"));
    }
  }
  EXPECT_TRUE(june.count("carried_money_unspent_by_june LW2021-P02 firing"))
      << ::testing::PrintToString(june);
  EXPECT_FALSE(june.count("carried_money_unspent_by_june LW2021-P05 firing"))
      << ::testing::PrintToString(june);
}

TEST_F(YearBoundaryCarryForwardTest,
       with_own_deadline_the_cross_year_line_is_watched_to_its_own_date) {
  policy_ = engine::DeadlineAfterYearEnd::own_deadline;
  ASSERT_TRUE(evaluate(make_date(2021, 12, 31)).ok);
  ASSERT_TRUE(evaluate(make_date(2022, 1, 1)).ok);
  EXPECT_EQ(
      metric(
          "budgetwatch_project_deadline_timestamp_seconds{project=\"LW2021-P05\",unit=\"101001\","
          "department=\"\"}"),
      static_cast<double>(tz_->midnight_utc(make_date(2023, 4, 1))));
  // 31 March 2023 is more than 366 days away: only LW2021-P02's carried money is due within a year.
  EXPECT_EQ(alerts_in(alerts::State::firing, "carried_money_due"),
            (std::set<std::string>{"2022 LW2021-P02 carried_forward 1"}));
}

}  // namespace
}  // namespace bw
