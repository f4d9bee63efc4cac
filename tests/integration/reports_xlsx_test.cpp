// The Liwan 2021 reports as workbooks (issue 16, "Workbooks out"): the year-end workbook holds
// tables 1-5 and 1-6 and the scores on their own sheets with the report's figures, the projects
// below 80% marked; the execution workbook every line in yuan, exact to the fen; every kind renders
// an .xlsx file.
#include <gtest/gtest.h>

#include <string>

#include "engine/snapshot.h"
#include "reports/execution_report.h"
#include "reports/report.h"
#include "reports/risk.h"
#include "reports/xlsx.h"
#include "reports/yearend_report.h"
#include "tests/integration/liwan_db.h"

namespace bw {
namespace {

using engine::make_date;
using reports::xlsx::CellKind;
using reports::xlsx::RowStyle;

class ReportsXlsxTest : public test::LiwanDbTest {};

TEST_F(ReportsXlsxTest, yearend_workbook_has_tables_1_5_1_6_and_the_scores_on_their_own_sheets) {
  const engine::Snapshot s = snapshot(make_date(2021, 12, 31));
  const auto w = reports::yearend_workbook(s, reports::Lang::zh);
  ASSERT_GE(w.sheets.size(), 3u);
  EXPECT_EQ(w.sheets[0].name, "表1-5 部门整体支出");
  EXPECT_EQ(w.sheets[1].name, "表1-6 项目支出");
  EXPECT_EQ(w.sheets[2].name, "财务管理指标得分");

  const auto& t16 = w.sheets[1];
  ASSERT_EQ(t16.header.size(), 2u);
  ASSERT_EQ(t16.rows.size(), 31u);  // 30 projects and the total
  int lagging = 0;
  for (const auto& r : t16.rows) lagging += r.style == RowStyle::lagging ? 1 : 0;
  EXPECT_EQ(lagging, 5 + 2 + 4);  // below 80%, below 50%, at zero
  const auto& p02 = t16.rows[1].cells;
  EXPECT_EQ(p02[1].text, "LW2021-P02");
  EXPECT_EQ(p02[3].kind, CellKind::wan);
  EXPECT_EQ(p02[3].scaled, 1183000);  // 11,830.00 万元 initial
  EXPECT_EQ(p02[8].scaled, 9395);     // 93.95 %
  EXPECT_EQ(t16.rows[26].cells[8].scaled, 2992);
  EXPECT_EQ(t16.rows[26].style, RowStyle::lagging);
  EXPECT_EQ(t16.rows.back().style, RowStyle::total);
  EXPECT_EQ(t16.rows.back().cells[7].scaled, 751697);  // 7,516.97 万元 paid on projects

  const auto& t15 = w.sheets[0];
  EXPECT_EQ(t15.rows.back().cells[0].text, "合计");
  EXPECT_EQ(t15.rows.back().cells[4].scaled, 1191594);  // 11,915.94 万元 adjusted
  EXPECT_EQ(t15.rows.back().cells[6].scaled, 9138);     // 91.38 %

  const auto& scores = w.sheets[2];
  ASSERT_EQ(scores.rows.size(), 4u);
  EXPECT_EQ(scores.rows[0].cells[1].scaled, 9138);
  EXPECT_EQ(scores.rows[0].cells[3].scaled, 455);
  EXPECT_EQ(scores.rows[1].cells[1].scaled, 3662);
  EXPECT_EQ(scores.rows[1].cells[3].scaled, 190);
  EXPECT_EQ(scores.rows[2].cells[1].scaled, 4793);
  EXPECT_EQ(scores.rows[2].cells[3].scaled, 144);
  EXPECT_EQ(scores.rows[3].cells[3].scaled, 789);

  const auto en = reports::yearend_workbook(s, reports::Lang::en);
  EXPECT_EQ(en.sheets[1].name, "Table 1-6");
  EXPECT_EQ(en.sheets[1].rows.back().cells[2].text, "Total");
}

TEST_F(ReportsXlsxTest, execution_workbook_has_every_line_in_yuan_exact_to_the_fen) {
  const engine::Snapshot s = snapshot(make_date(2021, 12, 31));
  const auto w = reports::execution_workbook(s, reports::Lang::zh);
  const auto* lines = &w.sheets.at(2);
  ASSERT_EQ(lines->name, "预算项目");
  ASSERT_EQ(lines->rows.size(), s.lines.size());
  const auto by_risk = reports::lines_by_risk(s);  // the sheet's order (issue 17)
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    const auto& c = lines->rows[i].cells;
    const auto& e = *by_risk[i];
    EXPECT_EQ(c[0].text, e.line.code);
    EXPECT_EQ(c[6].kind, CellKind::yuan);
    EXPECT_EQ(c[6].scaled, e.amounts.adjusted.fen) << e.line.code;
    EXPECT_EQ(c[7].scaled, e.amounts.paid.fen) << e.line.code;
    const bool below = e.band == engine::Band::below_80 || e.band == engine::Band::below_50 ||
                       e.band == engine::Band::zero || reports::overspent(e);
    EXPECT_EQ(lines->rows[i].style == RowStyle::lagging, below) << e.line.code;
  }
}

TEST_F(ReportsXlsxTest, every_kind_renders_an_xlsx_file) {
  const engine::Snapshot s = snapshot(make_date(2021, 12, 31));
  for (auto k : {reports::ReportKind::execution, reports::ReportKind::monthly,
                 reports::ReportKind::midyear, reports::ReportKind::yearend}) {
    const std::string bytes =
        reports::render_report(s, {k, reports::Format::xlsx, reports::Lang::zh, 6});
    EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4)) << reports::to_string(k);
    EXPECT_GT(bytes.size(), 5000u) << reports::to_string(k);
  }
}

}  // namespace
}  // namespace bw
