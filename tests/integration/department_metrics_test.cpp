// Issue 14 item 6: /metrics of a district's database has one series per department, labelled with
// its code, whose values are the report's department figures; units and lines carry the department
// they are in that year (a unit moved between departments is labelled by the year's department).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "daemon/evaluation.h"
#include "daemon/metrics/snapshot_collector.h"
#include "reports/execution_report.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using engine::make_date;

// 2022: department 101 (units 101001, 101002) and 102 (unit 102001); 101002 was in 102 in 2021.
constexpr const char* district2022 =
    "预算年度,部门编码,部门名称,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\n"
    "2022,101,区科工信局,K-P01,科技项目,101001,区科工信局本级,项目支出,\"1,000,000.00\"\n"
    "2022,101,区科工信局,K-P02,创新项目,101002,区创新中心,项目支出,\"500,000.00\"\n"
    "2022,102,区教育局,E-P01,校舍维修,102001,区教育局本级,项目支出,\"2,000,000.00\"\n";
constexpr const char* district2021 =
    "预算年度,部门编码,部门名称,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\n"
    "2021,102,区教育局,K-P02,创新中心项目,101002,区创新中心,项目支出,\"400,000.00\"\n";
constexpr const char* payments =
    "支付凭证号,支付日期,预算单位编码,项目编码,金额\n"
    "V1,2022-03-01,101001,K-P01,\"600,000.01\"\n"
    "V2,2022-04-01,101002,K-P02,\"100,000.00\"\n"
    "V3,2022-05-01,102001,E-P01,\"1,800,000.00\"\n"
    "V4,2021-06-01,101002,K-P02,\"300,000.00\"\n";

class DepartmentMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(store::Database::open(dir_ / "district.db"));
    store::migrate(*db_);
    for (const auto& [name, text] :
         {std::pair{"district2022.csv", district2022}, std::pair{"district2021.csv", district2021},
          std::pair{"payments.csv", payments}}) {
      test::write_file(dir_ / name, text);
      collect::IngestOptions o;
      o.received_at = "2022-06-01T00:00:00Z";
      auto r = collect::ingest_file(*db_, dir_ / name, o);
      ASSERT_TRUE(r.has_value()) << name << ": " << r.error().to_string();
      ASSERT_EQ(r->rejected, 0) << name;
    }
  }
  std::shared_ptr<const engine::Snapshot> snapshot(engine::CivilDate as_of) {
    auto e = daemon::evaluate_at(*db_, as_of, engine::Policy{}, std::nullopt, false, std::nullopt);
    EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().message);
    return e ? e->snapshot : nullptr;
  }
  // Every sample of the /metrics text: "name{labels}" → value.
  static std::map<std::string, double> samples(const std::string& text) {
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

  test::TempDir dir_;
  std::optional<store::Database> db_;
};

TEST_F(DepartmentMetricsTest, one_series_per_department_equal_to_the_report) {
  const auto s = snapshot(make_date(2022, 12, 31));
  ASSERT_NE(s, nullptr);
  daemon::SnapshotCollector c(daemon::SnapshotMetricsOptions{});
  c.publish(s);
  const auto m = samples(*c.text());
  const json::object r = reports::execution_report_json(*s).as_object();
  ASSERT_EQ(r.at("departments").as_array().size(), 2u);
  for (const auto& d : r.at("departments").as_array()) {
    const std::string code(d.at("code").as_string());
    const std::string sel = "{department=\"" + code + "\"}";
    SCOPED_TRACE(code);
    EXPECT_DOUBLE_EQ(m.at("budgetwatch_department_paid_yuan" + sel),
                     static_cast<double>(d.at("paid_fen").as_int64()) / 100.0);
    EXPECT_DOUBLE_EQ(m.at("budgetwatch_department_adjusted_budget_yuan" + sel),
                     static_cast<double>(d.at("adjusted_fen").as_int64()) / 100.0);
    EXPECT_DOUBLE_EQ(m.at("budgetwatch_department_execution_ratio" + sel),
                     static_cast<double>(d.at("paid_fen").as_int64()) /
                         static_cast<double>(d.at("adjusted_fen").as_int64()));
    EXPECT_EQ(m.at("budgetwatch_department_rank" + sel), d.at("rank").as_int64());
    EXPECT_EQ(m.at("budgetwatch_department_info{department=\"" + code + "\",name=\"" +
                   std::string(d.at("name").as_string()) + "\",fiscal_year=\"2022\"}"),
              1);
  }
  // 600,000.01 + 100,000.00 of 1,500,000 and 1,800,000 of 2,000,000: 102 ranks first.
  EXPECT_DOUBLE_EQ(m.at("budgetwatch_department_paid_yuan{department=\"101\"}"), 700000.01);
  EXPECT_EQ(m.at("budgetwatch_department_rank{department=\"102\"}"), 1);
  // No unlabelled total: the bureau's is a sum.
  for (const auto& [series, value] : m) {
    if (series.starts_with("budgetwatch_department_")) {
      EXPECT_TRUE(series.find("{department=\"10") != std::string::npos) << series;
    }
  }
  EXPECT_DOUBLE_EQ(m.at("budgetwatch_unit_paid_yuan{unit=\"101002\",department=\"101\"}"), 100000);
  EXPECT_DOUBLE_EQ(
      m.at("budgetwatch_project_paid_yuan{project=\"K-P02\",unit=\"101002\",department=\"101\"}"),
      100000);
}

TEST_F(DepartmentMetricsTest, a_unit_is_labelled_with_the_department_of_the_year) {
  const auto s = snapshot(make_date(2021, 12, 31));
  ASSERT_NE(s, nullptr);
  daemon::SnapshotCollector c(daemon::SnapshotMetricsOptions{});
  c.publish(s);
  const auto m = samples(*c.text());
  EXPECT_DOUBLE_EQ(m.at("budgetwatch_unit_paid_yuan{unit=\"101002\",department=\"102\"}"), 300000);
  EXPECT_EQ(m.at("budgetwatch_unit_info{unit=\"101002\",department=\"102\",name=\"区创新中心\","
                 "department_name=\"区教育局\",fiscal_year=\"2021\"}"),
            1);
  EXPECT_EQ(m.count("budgetwatch_department_paid_yuan{department=\"101\"}"), 0u);
}

// The demo's case: a register without 部门 columns is one department, code "" unless the config
// gives one; `department: {name:}` names it (budgetwatch_department_info had name=""), and the code
// stays "".
TEST(SingleDepartmentTest, the_config_names_the_one_department_of_a_register_without_departments) {
  const test::TempDir dir;
  store::Database db = store::Database::open(dir / "one.db");
  store::migrate(db);
  test::write_file(dir / "budget.csv",
                   "预算年度,项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数\n"
                   "2021,P1,项目一,101001,区科工信局本级,项目支出,\"1,000.00\"\n");
  collect::IngestOptions o;
  o.received_at = "2021-06-01T00:00:00Z";
  ASSERT_TRUE(collect::ingest_file(db, dir / "budget.csv", o).has_value());
  auto metrics = [&](const engine::Policy& p) {
    auto e = daemon::evaluate_at(db, make_date(2021, 12, 31), p, std::nullopt, false, std::nullopt);
    EXPECT_TRUE(e.has_value());
    daemon::SnapshotCollector c(daemon::SnapshotMetricsOptions{});
    c.publish(e->snapshot);
    return *c.text();
  };
  engine::Policy named;
  named.single_department_name = "广州市荔湾区科技工业和信息化局";
  const std::string text = metrics(named);
  EXPECT_NE(
      text.find(
          "budgetwatch_department_info{department=\"\",name=\"广州市荔湾区科技工业和信息化局\","
          "fiscal_year=\"2021\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("budgetwatch_department_paid_yuan{department=\"\"}"), std::string::npos);
  EXPECT_NE(text.find("department_name=\"广州市荔湾区科技工业和信息化局\""), std::string::npos);
  // Without it, as before: no name. With a code, the department is that code.
  EXPECT_NE(metrics(engine::Policy{})
                .find("budgetwatch_department_info{department=\"\",name=\"\",fiscal_year="),
            std::string::npos);
  engine::Policy coded = named;
  coded.single_department_code = "101";
  const std::string with_code = metrics(coded);
  EXPECT_NE(
      with_code.find(
          "budgetwatch_department_info{department=\"101\",name=\"广州市荔湾区科技工业和信息化局\""),
      std::string::npos)
      << with_code;
  EXPECT_EQ(with_code.find("department=\"\""), std::string::npos);
}

}  // namespace
}  // namespace bw
