// Issue 14 (years and departments): a budget line is identified by (fiscal year, code). A 2022
// register that reuses 2021 line codes, 2022 adjustments and 2022 payments leave every 2021 figure
// as it was, in any ingest order, and the 2022 report holds the 2022 lines with the 2022
// adjustments and payments only.
#include <gtest/gtest.h>
#include <zlib.h>
#include <cstdio>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "reports/execution_report.h"
#include "store/indicators_repo.h"
#include "store/inputs.h"
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

// The Liwan 2021 year-end figures (tests/data/liwan2021/expected.json), as `report --as-of
// 2021-12-31` prints them.
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

// The 2022 register reuses LW2021-B01, LW2021-B02 and LW2021-P02 (recurring basic lines and a
// cross-year project): the 2021 year-end report was 2,821.39% before the fix, the 2021 lines
// overwritten by 2022's.
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

// Refused: no 预算年度 column, no --fiscal-year, and 完成时限 dates in two fiscal years (or none at
// all). Nothing of the file is stored, and the reason names the file.
TEST_F(FiscalYearsTest, a_register_whose_fiscal_year_nobody_says_is_refused_whole) {
  ingest_all(liwan2021);
  const auto two_years = dir_ / "two_years.csv";
  test::write_file(two_years,
                   "项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,完成时限\n"
                   "LW2021-P02,科学技术支出,101001,荔湾区科工信局,项目支出,1.00,2022-12-31\n"
                   "LW2023-P01,新项目,101001,荔湾区科工信局,项目支出,2.00,2023-06-30\n");
  auto r = ingest(two_years);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().to_string(),
            "two_years.csv: cannot tell the fiscal year of this budget register: it has no "
            "预算年度 column "
            "(FISCAL_YEAR), no --fiscal-year or source fiscal_year: was given, and its 完成时限 "
            "dates fall in 2 "
            "fiscal years (2022, 2023); nothing of the file was stored");
  const auto no_dates = dir_ / "no_dates.csv";
  test::write_file(no_dates,
                   "项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\n"
                   "LW2021-P02,科学技术支出,101001,荔湾区科工信局,项目支出,1.00\n");
  auto n = ingest(no_dates);
  ASSERT_FALSE(n.has_value());
  EXPECT_NE(n.error().message.find("and its rows have no 完成时限 dates"), std::string::npos)
      << n.error().message;
  expect_liwan_2021(report(make_date(2021, 12, 31)));
  EXPECT_EQ(store::count_rows(*db_).budget_lines, 32);
  // The same file with --fiscal-year (or a source's fiscal_year:) goes in, into that year.
  collect::IngestOptions o;
  o.received_at = "2022-06-01T00:00:00Z";
  o.fiscal_year = 2022;
  auto ok = collect::ingest_file(*db_, no_dates, o);
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  EXPECT_EQ(ok->fiscal_years, std::vector<int>{2022});
  EXPECT_EQ(ok->fiscal_year_from, "--fiscal-year");
  expect_liwan_2021(report(make_date(2021, 12, 31)));
  EXPECT_EQ(line(report(make_date(2022, 12, 31)), "LW2021-P02").at("initial_fen").as_int64(), 100);
}

// The 预算年度 column decides each row's year, before --fiscal-year and 完成时限; the ingest says
// so.
TEST_F(FiscalYearsTest, the_fiscal_year_column_wins_and_the_ingest_says_what_decided) {
  auto liwan = ingest(test::data_path("liwan2021/budget.csv"));
  ASSERT_TRUE(liwan.has_value());
  EXPECT_EQ(liwan->fiscal_years, std::vector<int>{2021});
  EXPECT_EQ(liwan->fiscal_year_from, "完成时限");
  const auto file = dir_ / "with_year.csv";
  test::write_file(
      file,
      "FISCAL_YEAR,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,完成时限\n"
      "2022年,LW2021-P02,科学技术支出,101001,荔湾区科工信局,项目支出,5.00,2021-12-31\n"
      "2021,LW2021-X9,补录项目,101001,荔湾区科工信局,项目支出,7.00,2021-12-31\n"
      "20x2,LW2021-X8,坏年度,101001,荔湾区科工信局,项目支出,7.00,2021-12-31\n");
  collect::IngestOptions o;
  o.received_at = "2022-06-01T00:00:00Z";
  o.fiscal_year = 2030;  // the column wins
  auto r = collect::ingest_file(*db_, file, o);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->fiscal_years, (std::vector<int>{2021, 2022}));
  EXPECT_EQ(r->fiscal_year_from, "预算年度");
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].to_string(),
            "with_year.csv:4:1: FISCAL_YEAR: '20x2' is not a fiscal year (a year such as 2022)");
  EXPECT_EQ(line(report(make_date(2022, 12, 31)), "LW2021-P02").at("initial_fen").as_int64(), 500);
  EXPECT_EQ(line(report(make_date(2021, 12, 31)), "LW2021-P02").at("initial_fen").as_int64(),
            11'830'000'000);
  EXPECT_EQ(line(report(make_date(2021, 12, 31)), "LW2021-X9").at("initial_fen").as_int64(), 700);
}

// A database made by the release before fiscal years (schema 4: budgetwatch 0.1.0 at b6d2a5a, the
// Liwan 2021 register, adjustments, payments and the demo indicators) is upgraded by `migrate`:
// every figure of its 2021 year-end report is what that release printed
// (tests/data/upgrade/*.json), the lines now in 2021.
std::string gunzip(const std::filesystem::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + p.string());
  std::string out;
  char buf[65536];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out;
}

// Every member of `old` is in `now` with the same value (`now` may have more members).
void expect_superset(const json::value& old, const json::value& now, const std::string& where) {
  if (old.is_object()) {
    ASSERT_TRUE(now.is_object()) << where;
    for (const auto& kv : old.as_object()) {
      const std::string at = where + "." + std::string(kv.key());
      ASSERT_TRUE(now.as_object().contains(kv.key())) << at;
      expect_superset(kv.value(), now.as_object().at(kv.key()), at);
    }
  } else if (old.is_array()) {
    ASSERT_TRUE(now.is_array()) << where;
    ASSERT_EQ(old.as_array().size(), now.as_array().size()) << where;
    for (std::size_t i = 0; i < old.as_array().size(); ++i) {
      expect_superset(old.as_array()[i], now.as_array()[i], where + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(old, now) << where;
  }
}

// The previous release's JSON in this release's documented format (issue 17): `pace` is a string
// with four decimals, and a row's or total's |net adjustment| / initial is
// `net_adjustment_rate_pct` (the top-level `adjustment_rate_pct`, the score's 预算调整率, keeps its
// name). Figures are not touched.
json::value in_this_release_format(const json::value& old, bool top = true) {
  if (old.is_array()) {
    json::array out;
    for (const auto& v : old.as_array()) out.push_back(in_this_release_format(v, false));
    return out;
  }
  if (!old.is_object()) return old;
  json::object out;
  for (const auto& kv : old.as_object()) {
    if (kv.key() == "pace" && kv.value().is_number()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.4f", kv.value().to_number<double>());
      out["pace"] = buf;
    } else if (kv.key() == "adjustment_rate_pct" && !top) {
      out["net_adjustment_rate_pct"] = kv.value();
    } else {
      out[kv.key()] = in_this_release_format(kv.value(), false);
    }
  }
  return out;
}

TEST(FiscalYearsUpgradeTest, a_database_of_the_previous_release_keeps_its_figures) {
  const test::TempDir dir;
  test::write_file(dir / "v4.db", gunzip(test::data_path("upgrade/v4-liwan2021.db.gz")));
  store::Database db = store::Database::open(dir / "v4.db");
  ASSERT_EQ(store::schema_version(db), 4);
  std::string latest_paid;  // as that release read it, and its payments' count and sum
  std::int64_t payments = 0;
  std::int64_t paid_fen = 0;
  {
    store::Statement st =
        db.prepare("SELECT max(pay_date), count(*), sum(amount_fen) FROM payments");
    ASSERT_TRUE(st.step());
    latest_paid = st.column_string(0);
    payments = st.column_int(1);
    paid_fen = st.column_int(2);
  }
  EXPECT_EQ(store::migrate(db), static_cast<int>(store::embedded_migrations().size()));
  // The latest payment date (`report` without --as-of) is the same, now kept per file (migration
  // 0008).
  ASSERT_EQ(latest_paid, "2021-12-31");
  const auto latest = store::latest_payment_date(db);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(engine::to_iso(*latest), latest_paid);
  // The payments are all there after every migration, and a voucher is still recorded once: the
  // same payments in GB18030 (other bytes) are all duplicates.
  {
    store::Statement st = db.prepare("SELECT count(*), sum(amount_fen) FROM payments");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_int(0), payments);
    EXPECT_EQ(st.column_int(1), paid_fen);
  }
  collect::IngestOptions again;
  again.received_at = "2022-01-05T00:00:00Z";
  const auto dup =
      collect::ingest_file(db, test::data_path("liwan2021/payments.gb18030.csv"), again);
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->accepted, 0);
  EXPECT_EQ(dup->duplicate, payments);
  auto e = daemon::evaluate_at(db, make_date(2021, 12, 31), engine::Policy{}, std::nullopt, false);
  ASSERT_TRUE(e.has_value());
  const json::value now = reports::execution_report_json(*e->snapshot);
  const json::value old =
      json::parse(test::read_file(test::data_path("upgrade/v4-liwan2021.report-2021-12-31.json")));
  expect_superset(in_this_release_format(old), now, "report");
  EXPECT_EQ(now.at("department").at("execution_rate_pct").as_string(), "91.38");
  for (const auto& l : now.at("lines").as_array()) EXPECT_EQ(l.at("fiscal_year").as_int64(), 2021);
  // The demo indicators (8) moved into the fiscal year of their lines (migration 0007).
  const auto indicators = store::load_indicators(db, engine::FiscalYear(2021, 1));
  EXPECT_EQ(indicators.size(), 8u);
  for (const auto& i : indicators) EXPECT_EQ(i.fiscal_year, 2021);
  EXPECT_TRUE(store::load_indicators(db, engine::FiscalYear(2022, 1)).empty());
  std::int64_t unmatched = -1;
  EXPECT_FALSE(store::load_actuals(db, engine::FiscalYear(2021, 1), &unmatched).empty());
  EXPECT_EQ(unmatched, 0);
  // Nothing is left in another year, and a 2022 register now goes beside it.
  collect::IngestOptions o;
  o.received_at = "2022-06-01T00:00:00Z";
  ASSERT_TRUE(collect::ingest_file(db, test::data_path("years/budget2022.csv"), o).has_value());
  auto after =
      daemon::evaluate_at(db, make_date(2021, 12, 31), engine::Policy{}, std::nullopt, false);
  ASSERT_TRUE(after.has_value());
  expect_superset(in_this_release_format(old), reports::execution_report_json(*after->snapshot),
                  "after 2022");
}

}  // namespace
}  // namespace bw
