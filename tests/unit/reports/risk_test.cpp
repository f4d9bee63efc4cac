// The execution report by risk (issue 17): lines most behind 序时进度 first, then the largest
// unspent amount; a unit column; basic lines named with their unit when their name is shared;
// overspends highlighted in HTML and flagged in CSV and JSON.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "reports/execution_report.h"
#include "reports/risk.h"

namespace bw::reports {
namespace {

namespace json = boost::json;
using engine::make_date;
using engine::Money;

engine::BudgetLine line(std::string code, std::string name, std::string unit, std::string unit_name,
                        std::int64_t initial_yuan,
                        engine::LineKind kind = engine::LineKind::project) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = std::move(name);
  l.unit_code = std::move(unit);
  l.unit_name = std::move(unit_name);
  l.kind = kind;
  l.initial = Money::from_yuan(initial_yuan);
  return l;
}

engine::PaymentSeries paid(std::string unit, std::string code, std::int64_t yuan_in_january) {
  engine::PaymentSeries p;
  p.unit_code = std::move(unit);
  p.project_code = std::move(code);
  p.month_paid[0] = Money::from_yuan(yuan_in_january);
  p.month_count[0] = 1;
  return p;
}

// As of 30 June (序时进度 49.59% for every line): A-P1 paid 100 of 1,000 (10%), A-P2 paid 0 of 500
// and A-P3 paid 0 of 2,000 (both 0%: the larger unspent first), B-P1 paid 300 of 200 (overspent),
// two basic lines named 人员经费 (one per unit) paid half, and a line without budget.
engine::Snapshot snapshot() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("A-P1", "道路", "A", "甲局", 1000),
              line("A-P2", "绿化", "A", "甲局", 500),
              line("A-P3", "桥梁", "A", "甲局", 2000),
              line("B-P1", "设备", "B", "乙局", 200),
              line("A-B1", "人员经费", "A", "甲局", 400, engine::LineKind::basic),
              line("B-B1", "人员经费", "B", "乙局", 400, engine::LineKind::basic),
              line("B-P2", "无预算", "B", "乙局", 0)};
  in.payments = {paid("A", "A-P1", 100), paid("B", "B-P1", 300), paid("A", "", 200),
                 paid("B", "", 200)};
  return engine::evaluate(in, make_date(2021, 6, 30), engine::Policy{});
}

std::vector<std::string> codes(const std::vector<const engine::LineEval*>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto* e : lines) out.push_back(e->line.code);
  return out;
}

TEST(RiskTest, most_behind_expected_progress_first_then_the_largest_unspent) {
  const engine::Snapshot s = snapshot();
  EXPECT_EQ(codes(lines_by_risk(s)),
            (std::vector<std::string>{"A-P3", "A-P2", "A-P1", "A-B1", "B-B1", "B-P1", "B-P2"}));
  EXPECT_EQ(codes(lines_by_risk(s, "B")), (std::vector<std::string>{"B-B1", "B-P1", "B-P2"}));
  EXPECT_TRUE(overspent(*s.find_line("B-P1")));
  EXPECT_FALSE(overspent(*s.find_line("A-P1")));
}

TEST(RiskTest, basic_lines_with_a_shared_name_are_named_with_their_unit) {
  const engine::Snapshot s = snapshot();
  EXPECT_EQ(line_display_name(s, *s.find_line("A-B1"), Lang::zh), "人员经费（甲局）");
  EXPECT_EQ(line_display_name(s, *s.find_line("B-B1"), Lang::en), "人员经费 (乙局)");
  EXPECT_EQ(line_display_name(s, *s.find_line("A-P1"), Lang::zh), "道路");
}

TEST(RiskTest, the_execution_report_lists_lines_by_risk_with_their_unit_and_flags_overspends) {
  const engine::Snapshot s = snapshot();
  const std::string csv = render_execution_report(s, Format::csv, Lang::zh);
  EXPECT_LT(csv.find("\r\nA-P3,"), csv.find("\r\nA-P2,"));
  EXPECT_LT(csv.find("\r\nA-P2,"), csv.find("\r\nA-P1,"));
  EXPECT_NE(csv.find("项目负责人,超预算,指标来源,结转年限\r\n"), std::string::npos);
  EXPECT_NE(csv.find("\r\nA-B1,人员经费（甲局）,A,甲局,基本支出,"), std::string::npos) << csv;
  const auto b_p1 = csv.find("\r\nB-P1,");
  const std::string b_p1_row = csv.substr(b_p1 + 2, csv.find("\r\n", b_p1 + 2) - b_p1 - 2);
  EXPECT_NE(b_p1_row.find(",是,年初,0"), std::string::npos)
      << b_p1_row;  // 超预算, then 指标来源 and 结转年限
  const std::string en = render_execution_report(s, Format::csv, Lang::en);
  EXPECT_NE(en.find("owner,overspent,source,carry_age\r\n"), std::string::npos);
  EXPECT_NE(en.find(",false,initial,0\r\n"), std::string::npos);

  const std::string html = render_execution_report(s, Format::html, Lang::zh);
  EXPECT_NE(html.find("<th>预算单位</th>"), std::string::npos);
  EXPECT_NE(
      html.find(
          "<tr class=\"overspend\"><td class=\"nw\">B-P1</td><td>设备（超预算）</td><td>乙局</td>"),
      std::string::npos)
      << html;
  EXPECT_LT(html.find(">A-P3<"), html.find(">A-P1<"));

  const std::string md = render_execution_report(s, Format::md, Lang::zh);
  EXPECT_NE(md.find("| 1 | A-P3 | 桥梁 | 甲局 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 人员经费（乙局） | 乙局 |"), std::string::npos);

  const json::value j = execution_report_json(s);
  const auto& lines = j.at("lines").as_array();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0].at("code"), "A-P1");  // register order, with the rank of the other formats
  EXPECT_EQ(lines[0].at("risk_rank"), 3);
  EXPECT_EQ(lines[2].at("risk_rank"), 1);
  EXPECT_EQ(lines[3].at("overspent"), true);
  EXPECT_EQ(lines[0].at("overspent"), false);
  EXPECT_EQ(lines[4].at("display_name"), "人员经费（甲局）");
}

}  // namespace
}  // namespace bw::reports
