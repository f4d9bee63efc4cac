// Carry-forward money (上年结转, issue 14) in the execution report and the metrics: apart from the
// year's new money, per department, with each carry-forward line's age; nothing of it in a year
// without such lines.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <boost/json.hpp>

#include "reports/execution_report.h"
#include "reports/metric_catalogue.h"
#include "reports/monthly_report.h"
#include "reports/yearend_report.h"

namespace bw::reports {
namespace {

namespace json = boost::json;
using engine::LineSource;
using engine::make_date;
using engine::Money;

engine::BudgetLine line(std::string code, std::string department, std::int64_t initial_fen,
                        std::optional<LineSource> source, int age = 0, int from = 0) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = department + "001";
  l.department_code = department;
  l.department_name = "部门" + department;
  l.initial = Money{initial_fen};
  l.source = source;
  l.carry_age = age;
  l.carried_from_year = from;
  l.fiscal_year = 2022;
  return l;
}

engine::PaymentSeries paid(const engine::BudgetLine& l, std::int64_t fen) {
  engine::PaymentSeries p;
  p.unit_code = l.unit_code;
  p.project_code = l.code;
  p.month_paid[2] = Money{fen};
  p.month_count[2] = 1;
  return p;
}

// Department 101: C1 carried (age 2, from 2021), 500,000.00 with 123,456.78 paid, and N1 new money,
// 1,000,000.00 with 333,333.33 paid. Department 102: new money only.
engine::Snapshot snapshot(bool with_carry_forward = true) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  in.lines = {line("N1", "101", 100'000'000, LineSource::initial),
              line("N2", "102", 20'000'000, std::nullopt)};
  if (with_carry_forward)
    in.lines.push_back(line("C1", "101", 50'000'000, LineSource::carried_forward, 2, 2021));
  in.payments = {paid(in.lines[0], 33'333'333)};
  if (with_carry_forward) in.payments.push_back(paid(in.lines[2], 12'345'678));
  return engine::evaluate(in, make_date(2022, 6, 30), engine::Policy{});
}

TEST(CarryForwardReportTest, json_gives_carry_forward_apart_per_department_and_each_lines_age) {
  const json::object r = execution_report_json(snapshot()).as_object();
  const json::object& cf = r.at("carry_forward").as_object();
  EXPECT_EQ(cf.at("lines").as_int64(), 1);
  EXPECT_EQ(cf.at("adjusted_fen").as_int64(), 50'000'000);
  EXPECT_EQ(cf.at("paid_fen").as_int64(), 12'345'678);
  EXPECT_EQ(cf.at("unspent_fen").as_int64(), 37'654'322);
  EXPECT_EQ(cf.at("execution_rate_pct").as_string(), "24.69");
  const json::object& nm = r.at("new_money").as_object();
  EXPECT_EQ(nm.at("adjusted_fen").as_int64(), 120'000'000);
  EXPECT_EQ(nm.at("execution_rate_pct").as_string(), "27.78");
  const json::array& ds = r.at("departments").as_array();
  ASSERT_EQ(ds.size(), 2u);
  const json::object& d101 = ds[0].as_object();
  EXPECT_EQ(d101.at("code").as_string(), "101");
  EXPECT_EQ(d101.at("carry_forward").at("execution_rate_pct").as_string(), "24.69");
  EXPECT_EQ(d101.at("new_money").at("execution_rate_pct").as_string(), "33.33");
  EXPECT_EQ(d101.at("execution_rate_pct").as_string(), "30.45");  // 45,679,011 / 150,000,000
  EXPECT_TRUE(ds[1].at("carry_forward").at("execution_rate_pct").is_null());
  for (const auto& l : r.at("lines").as_array()) {
    const auto& o = l.as_object();
    if (o.at("code").as_string() == "C1") {
      EXPECT_EQ(o.at("source").as_string(), "上年结转");
      EXPECT_EQ(o.at("carry_age").as_int64(), 2);
      EXPECT_EQ(o.at("carried_from").at("fiscal_year").as_int64(), 2021);
    } else {
      EXPECT_EQ(o.at("carry_age").as_int64(), 0);
      EXPECT_TRUE(o.at("carried_from").is_null());
    }
  }
}

TEST(CarryForwardReportTest, markdown_and_csv_show_it_and_a_year_without_it_shows_nothing) {
  const std::string md = render_execution_report(snapshot(), Format::md, Lang::zh);
  EXPECT_NE(md.find("### 上年结转资金执行情况"), std::string::npos) << md;
  EXPECT_NE(md.find("| 部门101 | 50.00 | 12.35 | 24.69% | 33.33% | 30.45% |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| C1 | 项目C1 | 2 | 2021 C1 | 50.00 | 12.35 | 24.69% | 37.65 |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("| 部门102 |"), std::string::npos)
      << "a department without carry-forward money";
  const std::string en = render_execution_report(snapshot(), Format::md, Lang::en);
  EXPECT_NE(en.find("### Carry-forward money (上年结转)"), std::string::npos) << en;
  const std::string csv = render_execution_report(snapshot(), Format::csv, Lang::en);
  EXPECT_NE(csv.find(",owner,overspent,source,carry_age\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",carried_forward,2\r\n"), std::string::npos) << csv;
  const std::string none = render_execution_report(snapshot(false), Format::md, Lang::zh);
  EXPECT_EQ(none.find("上年结转"), std::string::npos) << none;
  const std::string html = render_execution_report(snapshot(false), Format::html, Lang::zh);
  EXPECT_EQ(html.find("table-carry-forward"), std::string::npos);
}

const xlsx::Sheet* find_sheet(const xlsx::Workbook& w, std::string_view name) {
  for (const auto& sheet : w.sheets) {
    if (sheet.name == name) return &sheet;
  }
  return nullptr;
}

TEST(CarryForwardReportTest, the_workbooks_have_the_carry_forward_sheets_and_columns) {
  for (const auto& w :
       {execution_workbook(snapshot(), Lang::zh), yearend_workbook(snapshot(), Lang::zh)}) {
    const xlsx::Sheet* money = find_sheet(w, "上年结转资金");
    ASSERT_NE(money, nullptr);
    ASSERT_EQ(money->rows.size(), 2u) << "department 101 and the total";
    const auto& d101 = money->rows[0].cells;
    EXPECT_EQ(d101[0].text, "部门101");
    EXPECT_EQ(d101[1].kind, xlsx::CellKind::wan);
    EXPECT_EQ(d101[1].scaled, 5000);  // 50.00 万元
    EXPECT_EQ(d101[2].scaled, 1235);  // 12.35 万元 paid
    EXPECT_EQ(d101[3].scaled, 3765);  // 37.65 万元 unspent
    EXPECT_EQ(d101[4].kind, xlsx::CellKind::pct);
    EXPECT_EQ(d101[4].scaled, 2469);  // 24.69%
    EXPECT_EQ(d101[5].scaled, 3333);  // new money 33.33%
    EXPECT_EQ(d101[6].scaled, 3045);  // total 30.45%
    EXPECT_EQ(money->rows[1].style, xlsx::RowStyle::total);
    const xlsx::Sheet* lines = find_sheet(w, "上年结转项目");
    ASSERT_NE(lines, nullptr);
    ASSERT_EQ(lines->rows.size(), 1u);
    const auto& c1 = lines->rows[0].cells;
    EXPECT_EQ(c1[0].text, "C1");
    EXPECT_EQ(c1[3].scaled, 2);
    EXPECT_EQ(c1[4].text, "2021 C1");
    EXPECT_EQ(c1[5].kind, xlsx::CellKind::yuan);
    EXPECT_EQ(c1[5].scaled, 50'000'000);
    EXPECT_EQ(c1[6].scaled, 12'345'678);
    EXPECT_EQ(c1[7].scaled, 37'654'322);
    EXPECT_EQ(lines->rows[0].style, xlsx::RowStyle::lagging) << "carried two years: recovered";
  }
  // The lines sheet says each line's 指标来源 and 结转年限.
  const auto w = execution_workbook(snapshot(), Lang::en);
  const xlsx::Sheet* all = find_sheet(w, "Budget lines");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->header[0][13], "Source");
  bool seen = false;
  for (const auto& r : all->rows) {
    if (r.cells[0].text != "C1") continue;
    seen = true;
    EXPECT_EQ(r.cells[13].text, "carried_forward");
    EXPECT_EQ(r.cells[14].scaled, 2);
  }
  EXPECT_TRUE(seen);
  EXPECT_NE(find_sheet(w, "Carry-forward money"), nullptr);
  // A year without carry-forward lines has no such sheet.
  EXPECT_EQ(find_sheet(execution_workbook(snapshot(false), Lang::zh), "上年结转资金"), nullptr);
  EXPECT_EQ(find_sheet(yearend_workbook(snapshot(false), Lang::zh), "上年结转项目"), nullptr);
}

TEST(CarryForwardReportTest, the_monthly_report_has_a_carry_forward_execution_row) {
  const json::object r = monthly_report_json(snapshot()).as_object();
  EXPECT_EQ(r.at("carry_forward").at("lines").as_int64(), 1);
  EXPECT_EQ(r.at("carry_forward").at("adjusted_fen").as_int64(), 50'000'000);
  EXPECT_EQ(r.at("carry_forward").at("paid_to_date_fen").as_int64(), 12'345'678);
  EXPECT_EQ(r.at("carry_forward").at("execution_rate_pct").as_string(), "24.69");
  EXPECT_EQ(r.at("new_money").at("lines").as_int64(), 2);
  EXPECT_EQ(r.at("new_money").at("execution_rate_pct").as_string(), "27.78");
  const std::string md = render_monthly_report(snapshot(), Format::md, Lang::zh);
  EXPECT_NE(md.find("| 其中：上年结转资金 | 50.00 | 50.00 | 0.00 | 12.35 | 24.69% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 其中：当年资金 | 120.00 | 120.00 | 0.00 | 33.33 | 27.78% |"),
            std::string::npos)
      << md;
  // The CSV names each line's source (指标来源) and its years carried (结转年限), as the execution
  // report's CSV and the workbook's 预算项目 sheet do.
  const std::string csv = render_monthly_report(snapshot(), Format::csv, Lang::zh);
  EXPECT_NE(csv.find(",执行率区间,指标来源,结转年限\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",C1,项目C1,"), std::string::npos) << csv;
  EXPECT_NE(csv.substr(csv.find(",C1,项目C1,")).find(",上年结转,2\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.substr(csv.find(",N1,项目N1,")).find(",年初,0\r\n"), std::string::npos) << csv;
  const std::string en = render_monthly_report(snapshot(), Format::csv, Lang::en);
  EXPECT_NE(en.find(",band,source,carry_age\r\n"), std::string::npos) << en;
  EXPECT_NE(en.substr(en.find(",C1,")).find(",carried_forward,2\r\n"), std::string::npos) << en;
  const std::string none = render_monthly_report(snapshot(false), Format::md, Lang::zh);
  EXPECT_EQ(none.find("上年结转"), std::string::npos) << none;
  const json::object z = monthly_report_json(snapshot(false)).as_object();
  EXPECT_EQ(z.at("carry_forward").at("lines").as_int64(), 0);
  EXPECT_EQ(z.at("carry_forward").at("adjusted_fen").as_int64(), 0);
}

// Records "family{labels}" → value.
class Series final : public MetricWriter {
 public:
  std::map<std::string, double> values;
  void begin_family(const MetricFamilyDef& f, std::size_t) override { name_ = f.name; }
  void sample(std::span<const MetricLabel> labels, double value) override {
    std::string key = name_ + "{";
    for (const MetricLabel& l : labels)
      key += std::string(l.name) + "=" + std::string(l.value) + ",";
    values[key + "}"] = value;
  }
  void end_family(const MetricFamilyDef&) override {}

 private:
  std::string name_;
};

TEST(CarryForwardReportTest,
     metrics_have_the_money_by_source_per_department_and_the_source_on_project_info) {
  Series w;
  write_snapshot_metrics(
      snapshot(), ProjectSeriesFilter::all, [](engine::CivilDate) { return 0; }, w);
  EXPECT_DOUBLE_EQ(
      w.values.at(
          "budgetwatch_department_source_paid_yuan{department=101,source=carried_forward,}"),
      123'456.78);
  EXPECT_DOUBLE_EQ(
      w.values.at(
          "budgetwatch_department_source_adjusted_budget_yuan{department=101,source=new_money,}"),
      1'000'000.0);
  EXPECT_DOUBLE_EQ(
      w.values.at(
          "budgetwatch_department_source_execution_ratio{department=101,source=carried_forward,}"),
      0.24691356);
  EXPECT_EQ(
      w.values.count(
          "budgetwatch_department_source_execution_ratio{department=102,source=carried_forward,}"),
      0u);  // no carry-forward budget: no rate
  EXPECT_EQ(
      w.values.count(
          "budgetwatch_project_info{project=C1,unit=101001,department=101,name=项目C1,kind=project,"
          "owner=,department_name=部门101,fiscal_year=2022,source=carried_forward,carry_age=2,}"),
      1u);
}

}  // namespace
}  // namespace bw::reports
