// Issue 14 (years and departments): a budget line is identified by (fiscal year, code). A 2022 register that
// reuses 2021 line codes, 2022 adjustments and 2022 payments leave every 2021 figure as it was, in any ingest
// order, and the 2022 report holds the 2022 lines with the 2022 adjustments and payments only.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "reports/execution_report.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;

class FiscalYearsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "years.db"));
    store::migrate(*db_);
  }
  Result<store::IngestReport> ingest(const std::filesystem::path& path) {
    collect::IngestOptions o;
    o.received_at = "2022-06-01T00:00:00Z";
    return collect::ingest_file(*db_, path, o);
  }
  void ingest_all(const std::vector<std::string>& rels) {
    for (const auto& rel : rels) {
      auto r = ingest(test::data_path(rel));
      ASSERT_TRUE(r.has_value()) << rel << ": " << r.error().to_string();
      EXPECT_EQ(r->rejected, 0) << rel;
    }
  }
  json::object report(engine::CivilDate as_of) {
    auto e = daemon::evaluate_at(*db_, as_of, engine::Policy{}, std::nullopt, false);
    EXPECT_TRUE(e.has_value());
    return reports::execution_report_json(*e->snapshot).as_object();
  }
  static const json::object& line(const json::object& r, std::string_view code) {
    for (const auto& l : r.at("lines").as_array()) {
      if (l.at("code").as_string() == code) return l.as_object();
    }
    throw std::runtime_error("no line " + std::string(code));
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
};

const std::vector<std::string> liwan2021 = {"liwan2021/budget.csv", "liwan2021/adjustments.csv",
                                            "liwan2021/payments.csv"};
const std::vector<std::string> year2022 = {"years/budget2022.csv", "years/adjustments2022.csv",
                                           "years/payments2022.csv"};

// The Liwan 2021 year-end figures (tests/data/liwan2021/expected.json), as `report --as-of 2021-12-31`
// prints them.
void expect_liwan_2021(const json::object& r) {
  EXPECT_EQ(r.at("fiscal_year").as_int64(), 2021);
  const auto& d = r.at("department").as_object();
  EXPECT_EQ(d.at("execution_rate_pct").as_string(), "91.38");
  EXPECT_EQ(d.at("initial_fen").as_int64(), 17'088'410'000);
  EXPECT_EQ(d.at("adjusted_fen").as_int64(), 11'915'940'000);
  EXPECT_EQ(d.at("paid_fen").as_int64(), 10'888'890'000);
  EXPECT_EQ(r.at("project_total").at("execution_rate_pct").as_string(), "88.48");
  EXPECT_EQ(r.at("basic_total").at("execution_rate_pct").as_string(), "98.59");
  EXPECT_EQ(r.at("adjustment_rate_pct").as_string(), "36.62");
  EXPECT_EQ(r.at("lines").as_array().size(), 32u);
}

// The 2022 register reuses LW2021-B01, LW2021-B02 and LW2021-P02 (recurring basic lines and a cross-year
// project): the 2021 year-end report was 2,821.39% before the fix, the 2021 lines overwritten by 2022's.
TEST_F(FiscalYearsTest, a_2022_register_reusing_2021_codes_leaves_the_2021_figures_unchanged) {
  ingest_all(liwan2021);
  ingest_all(year2022);
  expect_liwan_2021(report(make_date(2021, 12, 31)));
  // LW2021-P02 of 2021 keeps its 2021 budget and adjustments.
  const auto r = report(make_date(2021, 12, 31));
  EXPECT_EQ(line(r, "LW2021-P02").at("initial_fen").as_int64(), 11'830'000'000);
}

// The 2022 report: the four 2022 lines, the 2022 adjustment and payments; nothing of 2021.
TEST_F(FiscalYearsTest, the_2022_report_holds_the_2022_lines_adjustments_and_payments_only) {
  ingest_all(liwan2021);
  ingest_all(year2022);
  const auto r = report(make_date(2022, 12, 31));
  EXPECT_EQ(r.at("fiscal_year").as_int64(), 2022);
  EXPECT_EQ(r.at("lines").as_array().size(), 4u);
  const auto& d = r.at("department").as_object();
  EXPECT_EQ(d.at("initial_fen").as_int64(), 4'220'000'000);
  EXPECT_EQ(d.at("adjusted_fen").as_int64(), 4'270'000'000);
  EXPECT_EQ(d.at("paid_fen").as_int64(), 40'000'000);
  EXPECT_EQ(d.at("execution_rate_pct").as_string(), "0.94");
  EXPECT_EQ(line(r, "LW2021-P02").at("adjusted_fen").as_int64(), 350'000'000);
  EXPECT_EQ(line(r, "LW2021-P02").at("paid_fen").as_int64(), 25'000'000);
  EXPECT_EQ(line(r, "LW2021-B01").at("initial_fen").as_int64(), 3'600'000'000);
  EXPECT_EQ(r.at("unregistered_paid_fen").as_int64(), 0);
}

// The later year first, then 2021: the same figures for both years.
TEST_F(FiscalYearsTest, the_ingest_order_does_not_matter) {
  ingest_all(year2022);
  ingest_all(liwan2021);
  expect_liwan_2021(report(make_date(2021, 12, 31)));
  const auto r = report(make_date(2022, 12, 31));
  EXPECT_EQ(r.at("department").at("adjusted_fen").as_int64(), 4'270'000'000);
  EXPECT_EQ(r.at("department").at("paid_fen").as_int64(), 40'000'000);
  EXPECT_EQ(r.at("lines").as_array().size(), 4u);
}

}  // namespace
}  // namespace bw
