// The foundation's acceptance test (issue #2): the Liwan 2021 register, adjustments and payments,
// ingested from the repository's fixtures, reproduce every figure of
// tests/data/liwan2021/expected.json.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "reports/execution_report.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::format_pct;
using engine::make_date;

json::value expected_json() {
  return json::parse(test::read_file(test::data_path("liwan2021/expected.json")));
}

std::int64_t fen_of(const json::value& v) { return v.at("fen").as_int64(); }
std::string str(const json::value& v) { return std::string(v.as_string()); }

store::Database fresh_db(const test::TempDir& dir, const std::string& name) {
  store::Database db = store::Database::open(dir / name);
  store::migrate(db);
  return db;
}

store::IngestReport ingest(store::Database& db, const std::string& rel) {
  collect::IngestOptions o;
  o.received_at = "2022-01-01T00:00:00Z";
  auto r = collect::ingest_file(db, test::data_path(rel), o);
  EXPECT_TRUE(r.has_value()) << rel << ": " << (r ? "" : r.error().to_string());
  return r ? *r : store::IngestReport{};
}

engine::Snapshot snapshot_as_of(store::Database& db, engine::CivilDate as_of) {
  const auto fy = engine::FiscalYear::containing(as_of);
  return engine::evaluate(store::load_inputs(db, as_of, fy), as_of, engine::Policy{});
}

class Liwan2021Test : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(fresh_db(dir_, "liwan.db"));
    budget_ = ingest(*db_, "liwan2021/budget.csv");
    adjustments_ = ingest(*db_, "liwan2021/adjustments.csv");
    payments_ = ingest(*db_, "liwan2021/payments.csv");
    snap_ = snapshot_as_of(*db_, make_date(2021, 12, 31));
  }
  test::TempDir dir_;
  std::optional<store::Database> db_;
  store::IngestReport budget_, adjustments_, payments_;
  engine::Snapshot snap_;
  json::value want_ = expected_json();
};

void expect_totals(const engine::Amounts& got, const json::value& want, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(got.initial.fen, fen_of(want.at("initial")));
  EXPECT_EQ(got.adjustment.fen, fen_of(want.at("adjustment")));
  EXPECT_EQ(got.adjusted.fen, fen_of(want.at("adjusted")));
  EXPECT_EQ(got.paid.fen, fen_of(want.at("actual")));
  EXPECT_EQ(engine::format_wan(got.adjusted), str(want.at("adjusted").at("wan")));
  EXPECT_EQ(engine::format_wan(got.paid), str(want.at("actual").at("wan")));
  ASSERT_TRUE(got.execution().has_value());
  EXPECT_EQ(format_pct(*got.execution()), str(want.at("execution_rate_pct")));
}

TEST_F(Liwan2021Test, every_file_is_taken_whole) {
  EXPECT_EQ(budget_.accepted, 32);
  EXPECT_EQ(budget_.rejected, 0);
  EXPECT_EQ(adjustments_.accepted, 20);
  EXPECT_EQ(payments_.accepted, want_.at("payments_file").at("rows").as_int64());
  EXPECT_EQ(payments_.rejected, 0);
  EXPECT_EQ(payments_.accepted_amount.fen, fen_of(want_.at("payments_file").at("net_total")));
  EXPECT_EQ(payments_.encoding, "utf-8");
}

TEST_F(Liwan2021Test, department_project_and_basic_totals) {
  expect_totals(snap_.department.all, want_.at("department"), "department 91.38%");
  expect_totals(snap_.department.project, want_.at("projects_total"), "projects 88.48%");
  expect_totals(snap_.department.basic, want_.at("basic_total"), "basic 98.59%");
  EXPECT_EQ(snap_.unregistered_paid.fen, 0);
  EXPECT_EQ(snap_.unattributed_paid.fen, 0);
}

TEST_F(Liwan2021Test, every_line_of_table_1_6) {
  for (const auto& lv : want_.at("lines").as_array()) {
    const std::string code = str(lv.at("code"));
    SCOPED_TRACE(code);
    const engine::LineEval* e = snap_.find_line(code);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->line.name, str(lv.at("name")));
    EXPECT_EQ(e->amounts.initial.fen, fen_of(lv.at("initial")));
    EXPECT_EQ(e->amounts.adjustment.fen, fen_of(lv.at("adjustment")));
    EXPECT_EQ(e->amounts.adjusted.fen, fen_of(lv.at("adjusted")));
    EXPECT_EQ(e->amounts.paid.fen, fen_of(lv.at("actual")));
    ASSERT_TRUE(e->execution.has_value());
    EXPECT_EQ(format_pct(*e->execution), str(lv.at("execution_rate_pct")));
    EXPECT_EQ(e->mid_year_new, lv.at("mid_year_new").as_bool());
  }
  EXPECT_EQ(snap_.lines.size(), want_.at("lines").as_array().size());
}

TEST_F(Liwan2021Test, bands_19_5_2_4_with_the_reported_projects) {
  const auto& b = snap_.department.bands;
  EXPECT_EQ(b.on_track, 19);
  EXPECT_EQ(b.below_80, 5);
  EXPECT_EQ(b.below_50, 2);
  EXPECT_EQ(b.zero, 4);
  auto codes_in = [&](std::initializer_list<engine::Band> bands) {
    std::set<std::string> out;
    for (const auto& e : snap_.lines) {
      if (e.line.kind != engine::LineKind::project) continue;
      for (auto band : bands) {
        if (e.band == band) out.insert(e.line.code);
      }
    }
    return out;
  };
  auto codes_of = [&](const char* key) {
    std::set<std::string> out;
    for (const auto& x : want_.at("bands").at(key).as_array()) out.insert(str(x.at("code")));
    return out;
  };
  EXPECT_EQ(codes_in({engine::Band::below_80, engine::Band::below_50, engine::Band::zero}),
            codes_of("below_80"));
  EXPECT_EQ(codes_in({engine::Band::below_50}), codes_of("below_50_excluding_zero"));
  EXPECT_EQ(codes_in({engine::Band::zero}), codes_of("zero"));
}

TEST_F(Liwan2021Test, adjustment_rate_and_the_three_scores) {
  const auto& sc = snap_.department.scores;
  const auto& adj = want_.at("budget_adjustment_rate");
  EXPECT_EQ(snap_.department.all.abs_adjustment.fen, fen_of(adj.at("numerator")));
  EXPECT_EQ(snap_.department.all.initial.fen, fen_of(adj.at("denominator")));
  EXPECT_EQ(format_pct(*sc.adjustment_rate), str(adj.at("rate_pct")));
  const auto& scores = want_.at("scores");
  EXPECT_EQ(format_pct(*sc.completion_rate), str(scores.at("budget_completion").at("rate_pct")));
  EXPECT_EQ(engine::format_decimal(*sc.completion_score),
            str(scores.at("budget_completion").at("score")));
  EXPECT_EQ(engine::format_decimal(*sc.adjustment_score),
            str(scores.at("budget_adjustment").at("score")));
  const auto& bal = scores.at("spending_balance");
  ASSERT_EQ(sc.balance_checkpoints.size(), 2u);
  EXPECT_EQ(format_pct(*sc.balance_checkpoints[0].execution()), str(bal.at("oct_rate_pct")));
  EXPECT_EQ(format_pct(*sc.balance_checkpoints[1].execution()), str(bal.at("nov_rate_pct")));
  EXPECT_EQ(format_pct(*sc.balance_mean), str(bal.at("mean_pct")));
  EXPECT_EQ(format_pct(*sc.balance_mean, 4), str(bal.at("mean_pct4")));
  EXPECT_EQ(engine::format_decimal(*sc.balance_score), str(bal.at("score")));
}

TEST_F(Liwan2021Test, month_end_department_rates) {
  const auto& months = want_.at("monthly_department").as_array();
  ASSERT_EQ(snap_.department.month_ends.size(), months.size());
  const std::int64_t final_adjusted = fen_of(want_.at("department").at("adjusted"));
  for (std::size_t i = 0; i < months.size(); ++i) {
    const auto& m = months[i];
    const auto& got = snap_.department.month_ends[i];
    SCOPED_TRACE(str(m.at("month_end")));
    EXPECT_EQ(engine::to_iso(got.date), str(m.at("month_end")));
    EXPECT_EQ(got.paid.fen, fen_of(m.at("paid")));
    EXPECT_EQ(got.adjusted.fen, fen_of(m.at("budget_in_force")));
    EXPECT_EQ(format_pct(*got.execution()), str(m.at("rate_vs_budget_in_force_pct")));
    EXPECT_EQ(format_pct(engine::Ratio{got.paid.fen, final_adjusted}),
              str(m.at("rate_vs_final_adjusted_pct")));
    EXPECT_EQ(format_pct(engine::Ratio{got.paid.fen, final_adjusted}, 4),
              str(m.at("rate_vs_final_adjusted_pct4")));
  }
  // The report's own sentence: 47.48% at 31 October, 48.37% at 30 November.
  EXPECT_EQ(format_pct(*snap_.department.month_ends[9].execution()), "47.48");
  EXPECT_EQ(format_pct(*snap_.department.month_ends[10].execution()), "48.37");
}

TEST_F(Liwan2021Test, month_end_paid_of_every_line) {
  for (const auto& [code, series] : want_.at("line_month_end_paid_fen").as_object()) {
    SCOPED_TRACE(std::string(code));
    const engine::LineEval* e = snap_.find_line(code);
    ASSERT_NE(e, nullptr);
    const auto& arr = series.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i)
      EXPECT_EQ(e->month_end_paid[i].fen, arr[i].as_int64()) << i;
  }
}

TEST_F(Liwan2021Test, mid_year_projects_become_available_on_their_adjustment_date) {
  for (const auto& [code, date] : want_.at("payments_file").at("available_from").as_object()) {
    const engine::LineEval* e = snap_.find_line(code);
    ASSERT_NE(e, nullptr) << code;
    EXPECT_EQ(engine::to_iso(e->available_from), str(date)) << code;
  }
}

TEST_F(Liwan2021Test, reingesting_every_file_changes_nothing) {
  const std::string before = reports::pretty_json(reports::execution_report_json(snap_));
  for (const char* f :
       {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv"}) {
    const store::IngestReport again = ingest(*db_, f);
    EXPECT_TRUE(again.duplicate_file) << f;
  }
  // The same rows in other bytes (CRLF line ends): a new file whose every row is a duplicate.
  std::string crlf;
  for (char c : test::read_file(test::data_path("liwan2021/payments.csv"))) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  test::write_file(dir_ / "payments_crlf.csv", crlf);
  collect::IngestOptions o;
  auto r = collect::ingest_file(*db_, dir_ / "payments_crlf.csv", o);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->duplicate_file);
  EXPECT_EQ(r->accepted, 0);
  EXPECT_EQ(r->duplicate, 2682);
  const std::string after = reports::pretty_json(
      reports::execution_report_json(snapshot_as_of(*db_, make_date(2021, 12, 31))));
  EXPECT_EQ(before, after);
}

TEST_F(Liwan2021Test, gb18030_payments_and_another_order_give_the_same_report) {
  test::TempDir other;
  store::Database db = fresh_db(other, "gb.db");
  const auto pay = ingest(db, "liwan2021/payments.gb18030.csv");  // payments first, register last
  EXPECT_EQ(pay.encoding, "gb18030");
  EXPECT_EQ(pay.accepted, 2682);
  ingest(db, "liwan2021/adjustments.csv");
  ingest(db, "liwan2021/budget.csv");
  const auto a = reports::execution_report_json(snap_);
  const auto b = reports::execution_report_json(snapshot_as_of(db, make_date(2021, 12, 31)));
  EXPECT_EQ(reports::pretty_json(a), reports::pretty_json(b));
}

}  // namespace
}  // namespace bw
