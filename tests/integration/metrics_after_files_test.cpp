// Issue 14, performance: the daemon keeps the /metrics text of each family from one evaluation to
// the next when its bytes are unchanged (daemon/metrics/snapshot_collector.h). On a real SQLite
// ledger, after a payments file of another fiscal year, one of the evaluated year, and a register
// that revises a line, what the daemon serves must be what an evaluation from scratch serves.
#include <gtest/gtest.h>

#include <spdlog/logger.h>

#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "daemon/evaluation_task.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

using engine::make_date;

class MetricsAfterFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_.path() / "metrics.db"));
    store::migrate(*db_);
    for (const char* f : {"liwan2021/budget.csv", "liwan2021/adjustments.csv",
                          "years/budget2022.csv", "years/adjustments2022.csv"}) {
      ingest(test::data_path(f));
    }
    options_.midnight_utc = [](engine::CivilDate d) {
      return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400;
    };
    snapshots_.emplace(options_);
    config_ = std::make_shared<config::Config>();
    config_->evaluation.as_of = as_of_;
    auto tz = daemon::TimeZone::from_name("UTC");
    ASSERT_TRUE(tz.has_value());
    tz_ = std::make_shared<const daemon::TimeZone>(*tz);
  }

  void ingest(const std::filesystem::path& p) {
    collect::IngestOptions o;
    o.received_at = "2022-12-31T00:00:00Z";
    auto r = collect::ingest_file(*db_, p, o);
    ASSERT_TRUE(r.has_value()) << p << ": " << r.error().to_string();
  }

  // The daemon's evaluation task: evaluate, publish.
  void evaluate() {
    daemon::EvaluationTaskContext ctx;
    ctx.db = &*db_;
    ctx.config = config_;
    ctx.tz = tz_;
    ctx.snapshots = &*snapshots_;
    ctx.ops = &ops_;
    ctx.health = &health_;
    ctx.log = std::make_shared<spdlog::logger>("metrics-after-files-test");
    ASSERT_TRUE(daemon::run_evaluation(ctx).ok);
  }

  // What a daemon started now would serve: a fresh evaluation published to a fresh collector.
  std::string from_scratch() {
    auto e = daemon::evaluate_at(*db_, as_of_, config_->policy);
    EXPECT_TRUE(e.has_value());
    daemon::SnapshotCollector fresh(options_);
    fresh.publish(e->snapshot);
    return *fresh.text();
  }

  std::string served() { return *snapshots_->text(); }

  test::TempDir dir_;
  std::optional<store::Database> db_;
  engine::CivilDate as_of_ = make_date(2022, 12, 31);
  daemon::SnapshotMetricsOptions options_;
  std::optional<daemon::SnapshotCollector> snapshots_;
  std::shared_ptr<config::Config> config_;
  std::shared_ptr<const daemon::TimeZone> tz_;
  daemon::OpsMetrics ops_;
  daemon::Health health_;
};

TEST_F(MetricsAfterFilesTest, after_each_file_the_served_text_is_a_fresh_evaluations) {
  evaluate();
  EXPECT_EQ(served(), from_scratch());
  const std::string paid_p01 =
      "budgetwatch_project_paid_yuan{project=\"LW2022-P01\",unit=\"101001\",department=\"\"} ";

  // Payments of 2021 (another fiscal year): the 2022 figures keep their paid amounts; the units'
  // history (the forecast) may change. Most families are kept.
  ingest(test::data_path("liwan2021/payments.csv"));
  evaluate();
  EXPECT_EQ(served(), from_scratch());
  EXPECT_GT(snapshots_->last_publish().kept, 0u);
  EXPECT_NE(served().find(paid_p01 + "0\n"), std::string::npos);

  // Payments of 2022: LW2022-P01 is paid 50,000.
  const std::string before = served();
  ingest(test::data_path("years/payments2022.csv"));
  evaluate();
  EXPECT_NE(served(), before);
  EXPECT_EQ(served(), from_scratch());
  EXPECT_NE(served().find(paid_p01 + "50000\n"), std::string::npos);
  EXPECT_GT(snapshots_->last_publish().rendered, 0u);

  // A register that revises LW2022-P01's initial budget to 1,200,000.
  std::string text = test::read_file(test::data_path("years/budget2022.csv"));
  const std::string from = "项目支出,\"1,000,000.00\"";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "项目支出,\"1,200,000.00\"");
  const auto revised = dir_.path() / "budget2022_revised.csv";
  test::write_file(revised, text);
  ingest(revised);
  evaluate();
  EXPECT_EQ(served(), from_scratch());
  EXPECT_NE(served().find("budgetwatch_project_initial_budget_yuan{project=\"LW2022-P01\","
                          "unit=\"101001\",department=\"\"} 1200000\n"),
            std::string::npos);
}

}  // namespace
}  // namespace bw
