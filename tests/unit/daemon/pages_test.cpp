// The project and unit pages (issue 17) rendered from a small synthetic snapshot: what a finance
// official reads on them in zh-CN and in English, the lines of a unit by risk, links, and hostile
// names (a <script>, quotes, ampersands) escaped everywhere.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/web/pages.h"
#include "engine/indicators.h"
#include "engine/snapshot.h"

namespace bw::web {
namespace {

using engine::make_date;
using engine::Money;
using reports::Lang;

constexpr const char* hostile = "<script>alert(\"x\")</script>'&";

engine::BudgetLine line(std::string code, std::string name, std::string unit, std::string unit_name,
                        std::int64_t initial_yuan,
                        engine::LineKind kind = engine::LineKind::project) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = std::move(name);
  l.unit_code = std::move(unit);
  l.unit_name = std::move(unit_name);
  l.kind = kind;
  l.fiscal_year = 2021;
  l.initial = Money::from_yuan(initial_yuan);
  l.owner = "张三";
  return l;
}

engine::PaymentSeries paid(std::string unit, std::string code,
                           std::vector<std::int64_t> yuan_by_month) {
  engine::PaymentSeries p;
  p.unit_code = std::move(unit);
  p.project_code = std::move(code);
  for (std::size_t i = 0; i < yuan_by_month.size(); ++i) {
    p.month_paid[i] = Money::from_yuan(yuan_by_month[i]);
    p.month_count[i] = yuan_by_month[i] != 0 ? 1 : 0;
  }
  return p;
}

// Unit U1 (a hostile name): P1 of 1,200 yuan paid 100 in each of January to June (50% at 30 June:
// 偏低, 序时进度 49.59%); P2 of 1,000 paid nothing (49.59 points behind); P3 of 100 paid 150
// (overspent); two basic lines both named 人员经费 in U1 and U2 (ambiguous: named with their unit).
engine::Snapshot snapshot() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("U1-P1", "道路养护", "U1", hostile, 1200),
              line("U1-P2", hostile, "U1", hostile, 1000),
              line("U1-P3", "绿化", "U1", hostile, 100),
              line("U1-B1", "人员经费", "U1", hostile, 600, engine::LineKind::basic),
              line("U2-B1", "人员经费", "U2", "荔湾区教育局", 600, engine::LineKind::basic)};
  in.payments = {paid("U1", "U1-P1", {100, 100, 100, 100, 100, 100}), paid("U1", "U1-P3", {0, 150}),
                 paid("U2", "", {50, 50, 50, 50, 50, 50})};
  return engine::evaluate(in, make_date(2021, 6, 30), engine::Policy{});
}

engine::Payment payment(std::string voucher, engine::CivilDate d, std::int64_t fen,
                        std::string payee, std::string memo) {
  engine::Payment p;
  p.voucher_no = std::move(voucher);
  p.pay_date = d;
  p.amount = Money{fen};
  p.payee = std::move(payee);
  p.memo = std::move(memo);
  return p;
}

ProjectPageData project(const engine::Snapshot& s, const std::string& code) {
  ProjectPageData d;
  d.snapshot = &s;
  d.line = s.find_line(code);
  d.page = 2;
  d.per_page = 2;
  d.payments.total = 6;
  d.payments.sum = Money::from_yuan(600);
  d.payments.rows = {
      payment("ZF-3", make_date(2021, 3, 5), 1234567, hostile, "支付<b>办公费</b>"),
      payment("ZF-4", make_date(2021, 4, 5), -5000, "广州鼎盛办公用品有限公司", "退款")};
  d.scope_query = "fiscal_year=2021&lang=en";
  return d;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

TEST(ProjectPageTest, a_finance_official_reads_the_line_in_chinese) {
  const engine::Snapshot s = snapshot();
  ProjectPageData d = project(s, "U1-P1");
  d.scope_query = "fiscal_year=2021";
  const std::string page = project_page_html(d, Lang::zh);
  EXPECT_NE(page.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(page.find("<title>道路养护</title>"), std::string::npos);
  EXPECT_NE(page.find("预算年度 2021"), std::string::npos);
  EXPECT_NE(page.find("指标来源 年初"), std::string::npos);
  // 600 paid of 1,200 by 30 June: 50.00% against 序时进度 49.59% (181 of 365 days), +0.41 points.
  EXPECT_NE(page.find("执行率 50.00%，序时进度 49.59%，差距 +0.41 个百分点（偏低）。"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<td>调整后预算</td><td class=\"num\">1,200.00 元 / 0.12 万元</td>"),
            std::string::npos);
  EXPECT_NE(page.find("<td class=\"nw\">已支付</td><td class=\"num\">600.00 元 / 0.06 万元</td>"),
            std::string::npos);
  // Six months with the curve: a point per month end, the payments of each month and the cumulative
  // sum.
  EXPECT_EQ(count(page, "data-series=\"execution\" data-date="), 6u);
  EXPECT_NE(page.find("<td class=\"nw\">2021年6月</td><td class=\"nw\">2021-06-30</td><td "
                      "class=\"num\">100.00</td>"
                      "<td class=\"num\">1</td><td class=\"num\">600.00</td>"),
            std::string::npos)
      << page;
  // Payments: 元 with separators, refunds in red, the page and its links keeping the scope.
  EXPECT_NE(page.find("<td class=\"num\">12,345.67</td>"), std::string::npos);
  EXPECT_NE(page.find("<td class=\"num neg\">-50.00</td>"), std::string::npos);
  EXPECT_NE(page.find("共 6 笔，合计 600.00 元（0.06 万元）；第 2 / 3 页"), std::string::npos);
  EXPECT_NE(
      page.find(
          "href=\"/projects/U1-P1?fiscal_year=2021&amp;page=3&amp;per_page=2#payments\">下一页 ›"),
      std::string::npos)
      << page;
  EXPECT_NE(
      page.find(
          "href=\"/projects/U1-P1?fiscal_year=2021&amp;page=1&amp;per_page=2#payments\">‹ 上一页"),
      std::string::npos);
  EXPECT_NE(page.find("href=\"/units/U1?fiscal_year=2021\""), std::string::npos);
  EXPECT_NE(page.find("该项目没有登记绩效指标。"), std::string::npos);
  EXPECT_NE(page.find("该项目当前没有未解除的预警。"), std::string::npos);
  EXPECT_EQ(page.find("on_track", page.find("</style>")), std::string::npos);  // words, not codes
}

TEST(ProjectPageTest, indicators_and_alerts_in_words_in_both_languages) {
  const engine::Snapshot s = snapshot();
  ProjectPageData d = project(s, "U1-P2");
  engine::Indicator ind;
  ind.id = 1;
  ind.project_code = "U1-P2";
  ind.indicator_class = "产出指标";
  ind.indicator_subclass = "数量指标";
  ind.name = "完成道路养护里程（公里）";
  ind.target_raw = "≥100";
  const std::map<std::int64_t, std::vector<engine::ActualValue>> actuals = {
      {1, {{make_date(2021, 6, 1), "20", "", "api"}}}};
  d.indicators = engine::evaluate_indicators({ind}, actuals, s);
  ASSERT_EQ(d.indicators.size(), 1u);
  OpenAlert alert{"below_80_at_deadline",      "below_threshold", "warning", "firing", 1625011200,
                  {{"threshold_pct", "80.00"}}};
  d.alerts = {alert};
  const std::string zh = project_page_html(d, Lang::zh);
  EXPECT_NE(
      zh.find(
          "<td>完成道路养护里程（公里）</td><td class=\"nw\">≥100</td><td>20（2021-06-01）</td>"),
      std::string::npos)
      << zh;
  EXPECT_NE(zh.find(std::string(engine::text(d.indicators[0].status, Lang::zh))),
            std::string::npos);
  EXPECT_NE(zh.find("<td>执行率低于 80.00%</td><td class=\"nw\">警告</td><td "
                    "class=\"nw\">已触发</td><td class=\"nw\">2021-06-30</td>"),
            std::string::npos)
      << zh;
  const std::string en = project_page_html(d, Lang::en);
  EXPECT_NE(en.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(en.find("<td>20 (2021-06-01)</td>"), std::string::npos);
  EXPECT_NE(en.find("<td class=\"nw\">warning</td><td class=\"nw\">firing</td>"), std::string::npos)
      << en;
  EXPECT_NE(en.find("Execution 0.00%, expected 49.59%, gap -49.59 pp (nothing paid)."),
            std::string::npos)
      << en;
  EXPECT_NE(en.find(">Next ›</a>"), std::string::npos);
  EXPECT_EQ(en.find("执行率"), std::string::npos);
}

TEST(ProjectPageTest, hostile_names_are_escaped_everywhere) {
  const engine::Snapshot s = snapshot();
  for (Lang l : {Lang::zh, Lang::en}) {
    const std::string page = project_page_html(project(s, "U1-P2"), l);
    EXPECT_EQ(page.find("<script"), std::string::npos) << page;
    EXPECT_EQ(page.find("<b>"), std::string::npos);
    EXPECT_NE(page.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;"),
              std::string::npos);
    const std::string unit = unit_page_html(s, *s.find_unit("U1"), "", l);
    EXPECT_EQ(unit.find("<script"), std::string::npos) << unit;
    EXPECT_NE(unit.find("<title>&lt;script&gt;"), std::string::npos);
  }
  const std::string missing =
      message_page_html("未找到该项目", std::string("没有编码为“") + hostile + "”的预算项目。",
                        "/x?a=1&b=2", "返回", Lang::zh);
  EXPECT_EQ(missing.find("<script"), std::string::npos);
  EXPECT_NE(missing.find("<a href=\"/x?a=1&amp;b=2\">返回</a>"), std::string::npos);
  EXPECT_EQ(url_segment("LW 2021/<1>\"'"), "LW%202021%2F%3C1%3E%22%27");
  EXPECT_EQ(url_segment("LW2021-P27"), "LW2021-P27");
}

TEST(ProjectPageTest, an_overspent_line_says_so) {
  const engine::Snapshot s = snapshot();
  const std::string page = project_page_html(project(s, "U1-P3"), Lang::zh);
  EXPECT_NE(page.find("<p class=\"overspend\" id=\"overspend\">超预算支出：已支付超过调整后预算 "
                      "50.00 元。</p>"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<tr class=\"overspend\"><td class=\"nw\">已支付</td>"), std::string::npos);
}

TEST(UnitPageTest, lines_by_risk_with_links_and_totals) {
  const engine::Snapshot s = snapshot();
  const std::string page = unit_page_html(s, *s.find_unit("U1"), "as_of=2021-06-30", Lang::zh);
  // Most behind first: P2 (paid nothing, -49.59), then the basic line (nothing attributed: the unit
  // has one basic line but no blank-coded payment; -49.59 with less unspent), then P1 (+0.41), then
  // P3 (overspent, +100.41).
  const auto p2 = page.find(">U1-P2</a>");
  const auto b1 = page.find(">U1-B1</a>");
  const auto p1 = page.find(">U1-P1</a>");
  const auto p3 = page.find(">U1-P3</a>");
  ASSERT_NE(p2, std::string::npos);
  EXPECT_LT(p2, b1);
  EXPECT_LT(b1, p1);
  EXPECT_LT(p1, p3);
  EXPECT_NE(page.find("<a href=\"/projects/U1-P2?as_of=2021-06-30\">"), std::string::npos);
  // The basic line's name is shared with U2's: named with its unit.
  EXPECT_NE(page.find(">人员经费（&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("<tr class=\"overspend\">"), std::string::npos);
  EXPECT_NE(page.find("正常（超预算）"), std::string::npos);
  // Totals: 2,900 yuan of budget, 750 paid.
  EXPECT_NE(page.find("<tr class=\"total\"><td class=\"nw\">合计</td><td "
                      "class=\"num\">0.29</td><td class=\"num\">0.29</td>"
                      "<td class=\"num\">0.08</td>"),
            std::string::npos)
      << page;
  const std::string en = unit_page_html(s, *s.find_unit("U2"), "", Lang::en);
  EXPECT_NE(en.find("Budget lines by risk"), std::string::npos);
  EXPECT_NE(en.find("人员经费 (荔湾区教育局)"), std::string::npos) << en;
}

}  // namespace
}  // namespace bw::web
