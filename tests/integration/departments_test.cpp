// Issue 14: departments (部门, 一级预算单位) → units → lines. From the register's
// 部门编码/部门名称, else the first N digits of the unit code (departments.from_unit_code_digits),
// else one department; a unit may be in another department in another year. `report --department`
// gives one department's totals and lines.
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

// 2022: department 101 (units 101001, 101002) and 102 (unit 102001); 101002 was in 102 in 2021.
constexpr const char* district2022 =
    "预算年度,部门编码,部门名称,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,"
    "指标来源\n"
    "2022,101,区科工信局,K-P01,科技项目,101001,区科工信局本级,项目支出,\"1,000,000.00\",年初\n"
    "2022,101,区科工信局,K-P02,结转项目,101002,区创新中心,项目支出,\"500,000.00\",上年结转\n"
    "2022,102,区教育局,E-P01,校舍维修,102001,区教育局本级,项目支出,\"2,000,000.00\",\n";
constexpr const char* district2021 =
    "预算年度,部门编码,部门名称,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\n"
    "2021,102,区教育局,K-P02,创新中心项目,101002,区创新中心,项目支出,\"400,000.00\"\n";
constexpr const char* payments =
    "支付凭证号,支付日期,预算单位编码,项目编码,金额\n"
    "V1,2022-03-01,101001,K-P01,\"600,000.00\"\n"
    "V2,2022-04-01,101002,K-P02,\"100,000.00\"\n"
    "V3,2022-05-01,102001,E-P01,\"1,800,000.00\"\n"
    "V4,2021-06-01,101002,K-P02,\"300,000.00\"\n";

class DepartmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "district.db"));
    store::migrate(*db_);
  }
  void ingest(const std::string& name, const std::string& text) {
    test::write_file(dir_ / name, text);
    collect::IngestOptions o;
    o.received_at = "2022-06-01T00:00:00Z";
    auto r = collect::ingest_file(*db_, dir_ / name, o);
    ASSERT_TRUE(r.has_value()) << name << ": " << r.error().to_string();
    ASSERT_EQ(r->rejected, 0) << name;
  }
  json::object report(engine::CivilDate as_of, engine::Policy policy = {},
                      std::optional<std::string> department = std::nullopt) {
    auto e = daemon::evaluate_at(*db_, as_of, policy, std::nullopt, false, department);
    EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().message);
    return reports::execution_report_json(*e->snapshot).as_object();
  }
  static const json::object& find(const json::value& list, std::string_view code) {
    for (const auto& x : list.as_array()) {
      if (x.at("code").as_string() == code) return x.as_object();
    }
    throw std::runtime_error("no entry " + std::string(code));
  }

  test::TempDir dir_;
  std::optional<store::Database> db_;
};

TEST_F(DepartmentsTest, departments_from_the_register_are_ranked_by_execution) {
  ingest("district2022.csv", district2022);
  ingest("district2021.csv", district2021);
  ingest("payments.csv", payments);
  const auto r = report(make_date(2022, 12, 31));
  ASSERT_EQ(r.at("departments").as_array().size(), 2u);
  const auto& edu = find(r.at("departments"), "102");
  EXPECT_EQ(edu.at("name").as_string(), "区教育局");
  EXPECT_EQ(edu.at("adjusted_fen").as_int64(), 200'000'000);
  EXPECT_EQ(edu.at("paid_fen").as_int64(), 180'000'000);
  EXPECT_EQ(edu.at("execution_rate_pct").as_string(), "90.00");
  EXPECT_EQ(edu.at("expected_pct").as_string(), "100.00");
  EXPECT_EQ(edu.at("gap_pp").as_string(), "-10.00");
  EXPECT_EQ(edu.at("rank").as_int64(), 1);
  EXPECT_EQ(edu.at("bands").at("on_track").as_int64(), 1);
  const auto& tech = find(r.at("departments"), "101");
  EXPECT_EQ(tech.at("initial_fen").as_int64(), 150'000'000);
  EXPECT_EQ(tech.at("paid_fen").as_int64(), 70'000'000);
  EXPECT_EQ(tech.at("execution_rate_pct").as_string(), "46.67");
  EXPECT_EQ(tech.at("rank").as_int64(), 2);
  const auto& carried = find(r.at("lines"), "K-P02");
  EXPECT_EQ(carried.at("department_code").as_string(), "101");
  EXPECT_EQ(carried.at("fiscal_year").as_int64(), 2022);
  EXPECT_EQ(carried.at("source").as_string(), "上年结转");
  EXPECT_EQ(find(r.at("lines"), "K-P01").at("source").as_string(), "年初");
  EXPECT_EQ(find(r.at("lines"), "E-P01").at("source").as_string(), "年初");  // empty cell: 年初
  // In 2021 the same unit was in department 102.
  const auto r2021 = report(make_date(2021, 12, 31));
  ASSERT_EQ(r2021.at("departments").as_array().size(), 1u);
  EXPECT_EQ(find(r2021.at("departments"), "102").at("paid_fen").as_int64(), 30'000'000);
  EXPECT_EQ(find(r2021.at("lines"), "K-P02").at("department_code").as_string(), "102");
}

TEST_F(DepartmentsTest, report_for_one_department_has_its_totals_and_lines_only) {
  ingest("district2022.csv", district2022);
  ingest("payments.csv", payments);
  const auto r = report(make_date(2022, 12, 31), {}, "101");
  EXPECT_EQ(r.at("department").at("adjusted_fen").as_int64(), 150'000'000);
  EXPECT_EQ(r.at("department").at("paid_fen").as_int64(), 70'000'000);
  ASSERT_EQ(r.at("lines").as_array().size(), 2u);
  for (const auto& l : r.at("lines").as_array())
    EXPECT_EQ(l.at("department_code").as_string(), "101");
  ASSERT_EQ(r.at("departments").as_array().size(), 1u);
  EXPECT_EQ(r.at("units").as_array().size(), 2u);
  auto missing = daemon::evaluate_at(*db_, make_date(2022, 12, 31), {}, std::nullopt, false, "999");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "no department '999' in fiscal year 2022 (departments: 101, 102)");
}

// No department columns: the configured rule takes the first N digits of the unit code; without it
// the database is one department (code "").
TEST_F(DepartmentsTest, without_columns_the_unit_code_rule_or_one_department) {
  ingest("liwan.csv", test::read_file(test::data_path("liwan2021/budget.csv")));
  ingest("liwan_adj.csv", test::read_file(test::data_path("liwan2021/adjustments.csv")));
  ingest("liwan_pay.csv", test::read_file(test::data_path("liwan2021/payments.csv")));
  const auto one = report(make_date(2021, 12, 31));
  ASSERT_EQ(one.at("departments").as_array().size(), 1u);
  const auto& all = one.at("departments").as_array()[0];
  EXPECT_EQ(all.at("code").as_string(), "");
  EXPECT_EQ(all.at("execution_rate_pct").as_string(), "91.38");
  EXPECT_EQ(all.at("adjusted_fen"), one.at("department").at("adjusted_fen"));
  EXPECT_EQ(all.at("rank").as_int64(), 1);
  // Asking for a department there says how departments come about, not an empty list.
  auto missing = daemon::evaluate_at(*db_, make_date(2021, 12, 31), {}, std::nullopt, false, "101");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(
      missing.error().message,
      "no department '101' in fiscal year 2021 (departments: none: this database is one department "
      "without a code (a register's 部门编码 column or --department-unit-code-digits N / "
      "departments.from_unit_code_digits gives departments))");
  engine::Policy rule;
  rule.department_unit_code_digits = 4;  // units 101001-101003: department 1010
  const auto by_rule = report(make_date(2021, 12, 31), rule);
  ASSERT_EQ(by_rule.at("departments").as_array().size(), 1u);
  EXPECT_EQ(by_rule.at("departments").as_array()[0].at("code").as_string(), "1010");
  EXPECT_EQ(by_rule.at("departments").as_array()[0].at("execution_rate_pct").as_string(), "91.38");
  rule.department_unit_code_digits = 6;  // each unit its own department
  const auto per_unit = report(make_date(2021, 12, 31), rule);
  EXPECT_EQ(per_unit.at("departments").as_array().size(), per_unit.at("units").as_array().size());
  EXPECT_EQ(find(per_unit.at("departments"), "101001").at("name").as_string(),
            "广州市荔湾区科技工业和信息化局");
}

}  // namespace
}  // namespace bw
