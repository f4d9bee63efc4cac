// The workbook writer (reports/xlsx.h): cells hold exactly the figures the reports print, the sheet
// XML libxlsxwriter writes has the merged title and headers, the frozen panes, the number formats
// and the lagging fill; the bytes go through a private temporary folder that is always removed;
// errors name the file.
#include <gtest/gtest.h>
#include <minizip/unzip.h>
#include <stdlib.h>

#include <string>

#include "engine/money.h"
#include "engine/ratio.h"
#include "reports/report.h"
#include "reports/xlsx.h"
#include "tests/support/test_support.h"

namespace bw::reports::xlsx {
namespace {

using engine::Money;
using engine::Ratio;

// A member of a zip file as text ("" when absent).
std::string member(const std::filesystem::path& zip, const char* name) {
  unzFile z = unzOpen64(zip.c_str());
  if (z == nullptr) return {};
  std::string out;
  if (unzLocateFile(z, name, 1) == UNZ_OK && unzOpenCurrentFile(z) == UNZ_OK) {
    char buf[8192];
    for (int n; (n = unzReadCurrentFile(z, buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
    unzCloseCurrentFile(z);
  }
  unzClose(z);
  return out;
}

// Hundredths as the reports print them, without separators: -5 → "-0.05".
std::string hundredths_text(std::int64_t h) {
  const bool negative = h < 0;
  const std::int64_t mag = negative ? -h : h;
  std::string frac = std::to_string(mag % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(mag / 100) + "." + frac;
}

TEST(XlsxTest, cells_hold_the_figures_the_reports_print) {
  for (std::int64_t fen : {0LL, 1LL, 4'999LL, 5'000LL, 15'000LL, -5'000LL, -4'999LL,
                           1'183'000'000'000LL, 10'888'890'000LL, -527'967'000LL}) {
    const Cell c = Cell::wan(Money::from_fen(fen));
    EXPECT_EQ(c.kind, CellKind::wan);
    EXPECT_EQ(hundredths_text(c.scaled), engine::format_wan(Money::from_fen(fen), false)) << fen;
    EXPECT_EQ(Cell::yuan(Money::from_fen(fen)).scaled, fen);
  }
  const Cell rate = Cell::pct(Ratio{10888890000, 11915940000});
  EXPECT_EQ(rate.kind, CellKind::pct);
  EXPECT_EQ(rate.scaled, 9138);  // 91.38 %, the cell's value 0.9138
  EXPECT_EQ(Cell::pct(Ratio{1, 8}).scaled, 1250);
  EXPECT_EQ(Cell::pct(Ratio{2, 3}).scaled, 6667);  // half up once, as format_pct
  EXPECT_EQ(Cell::pct(std::nullopt).kind, CellKind::text);
  EXPECT_EQ(Cell::pct(std::nullopt).text, "—");
  EXPECT_EQ(Cell::decimal(Ratio{4552, 1000}).scaled, 455);
  EXPECT_EQ(Cell::decimal(std::nullopt).text, "—");
}

Workbook sample() {
  Sheet sh;
  sh.name = "表1-6 项目支出";
  sh.title = "表 1-6 项目支出资金执行情况";
  sh.subtitle = "截至日期：2021-12-31　金额单位：万元";
  sh.header = {{"项目名称", "预算数", "预算数", "执行率"}, {"", "年初预算数", "调整后预算数", ""}};
  sh.freeze_columns = 1;
  sh.rows.push_back({{Cell::str("科学技术支出"), Cell::wan(Money::from_fen(1'183'000'000'000)),
                      Cell::yuan(Money::from_fen(123'456)), Cell::pct(Ratio{9395, 10000})}});
  sh.rows.push_back({{Cell::str("落后的项目"), Cell::wan(Money{0}), Cell::wan(Money{0}),
                      Cell::pct(Ratio{2992, 10000})},
                     RowStyle::lagging});
  sh.rows.push_back({{Cell::str("合计"), Cell::blank(), Cell::integer(30), Cell::pct(std::nullopt)},
                     RowStyle::total});
  sh.notes = {"净调整率 = …"};
  Sheet second;
  second.name = "a/b:c*d?[e]f\\0123456789012345678901234567890";  // not a valid tab name as given
  second.title = "x";
  return {"标题", {sh, second}};
}

TEST(XlsxTest, a_sheet_has_its_title_headers_panes_formats_and_highlight) {
  test::TempDir dir;
  const auto file = dir / "t.xlsx";
  ASSERT_TRUE(write_workbook(sample(), file).has_value());
  const std::string sheet = member(file, "xl/worksheets/sheet1.xml");
  ASSERT_FALSE(sheet.empty());
  // Title and subtitle across the four columns; the group 预算数 over two columns; 项目名称 and
  // 执行率 over both header rows.
  for (const char* ref : {"A1:D1", "A2:D2", "A3:A4", "B3:C3", "D3:D4"}) {
    EXPECT_NE(sheet.find(std::string("<mergeCell ref=\"") + ref + "\"/>"), std::string::npos)
        << ref << "\n"
        << sheet;
  }
  // Frozen below the two header rows and right of the first column.
  EXPECT_NE(sheet.find("topLeftCell=\"B5\""), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  // Numbers as the figures: 1,183,000.00 万元, 1,234.56 yuan, 93.95 % as 0.9395, a count.
  for (const char* v :
       {"<v>1183000</v>", "<v>1234.56</v>", "<v>0.9395</v>", "<v>0.2992</v>", "<v>30</v>"}) {
    EXPECT_NE(sheet.find(v), std::string::npos) << v;
  }
  const std::string styles = member(file, "xl/styles.xml");
  EXPECT_NE(styles.find("formatCode=\"#,##0.00\""), std::string::npos);
  EXPECT_NE(styles.find("formatCode=\"0.00%\""), std::string::npos);
  EXPECT_NE(styles.find("FFFFC7CE"), std::string::npos) << "the lagging fill";
  const std::string strings = member(file, "xl/sharedStrings.xml");
  for (const char* s :
       {"表 1-6 项目支出资金执行情况", "预算数", "年初预算数", "落后的项目", "—", "净调整率 = …"}) {
    EXPECT_NE(strings.find(s), std::string::npos) << s;
  }
  const std::string workbook = member(file, "xl/workbook.xml");
  EXPECT_NE(workbook.find("name=\"表1-6 项目支出\""), std::string::npos) << workbook;
  // []:*?/\ replaced, cut to 31 characters.
  EXPECT_NE(workbook.find("name=\"a_b_c_d__e_f_012345678901234567\""), std::string::npos)
      << workbook;
}

TEST(XlsxTest, bytes_go_through_a_private_folder_that_is_removed) {
  test::TempDir dir;
  const char* before = std::getenv("TMPDIR");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("TMPDIR", dir.path().c_str(), 1);
  const std::string bytes = workbook_bytes(sample());
  EXPECT_EQ(bytes.substr(0, 2), "PK");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  ::setenv("TMPDIR", (dir / "missing").c_str(), 1);
  try {
    (void)workbook_bytes(sample());
    ADD_FAILURE() << "no error without a temporary folder";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "cannot create a temporary folder for a workbook: No such file or directory");
  }
  if (before != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

TEST(XlsxTest, an_unwritable_file_is_an_error_naming_it) {
  test::TempDir dir;
  const auto file = dir / "no-such-folder" / "r.xlsx";
  const auto r = write_workbook(sample(), file);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message.rfind("cannot write " + file.string() + ": ", 0), 0u)
      << r.error().message;
}

TEST(XlsxTest, a_document_becomes_one_sheet_per_table_with_numbers_read_back) {
  Document doc("预算执行月报（2021年12月）", engine::make_date(2021, 12, 31));
  doc.heading("一、部门汇总");
  doc.table({{{"项目"},
              {"调整后预算数", true},
              {"执行率", true},
              {"差距（百分点）", true, true},
              {"项目数", true}},
             {{{"基本支出", "3,420.26", "98.59%", "-1.41", "7"}, ""},
              {{"项目支出", "8,495.68", "—", "+0.00", "30"}, "behind"},
              {{"合计", "11,915.94", "91.38%", "-8.62", "37"}, "total"}},
             "t"});
  const Workbook w = workbook_of(doc, Lang::zh);
  ASSERT_EQ(w.sheets.size(), 1u);
  const Sheet& sh = w.sheets[0];
  EXPECT_EQ(sh.name, "部门汇总");
  EXPECT_EQ(sh.title, "预算执行月报（2021年12月） — 一、部门汇总");
  ASSERT_EQ(sh.rows.size(), 3u);
  const auto& r0 = sh.rows[0].cells;
  EXPECT_EQ(r0[0].text, "基本支出");
  EXPECT_EQ(r0[1].kind, CellKind::wan);
  EXPECT_EQ(r0[1].scaled, 342026);
  EXPECT_EQ(r0[2].kind, CellKind::pct);
  EXPECT_EQ(r0[2].scaled, 9859);
  EXPECT_EQ(r0[3].kind, CellKind::decimal);
  EXPECT_EQ(r0[3].scaled, -141);
  EXPECT_EQ(r0[4].kind, CellKind::integer);
  EXPECT_EQ(r0[4].scaled, 7);
  EXPECT_EQ(sh.rows[1].cells[2].text, "—");
  EXPECT_EQ(sh.rows[1].style, RowStyle::lagging);
  EXPECT_EQ(sh.rows[2].style, RowStyle::total);
  // One header row in Chinese; a money column names its unit; a narrow table keeps no column in
  // view.
  ASSERT_EQ(sh.header.size(), 1u);
  EXPECT_EQ(sh.header[0], (std::vector<std::string>{"项目", "调整后预算数（万元）", "执行率",
                                                    "差距（百分点）", "项目数"}));
  EXPECT_EQ(sh.freeze_columns, 0);
}

TEST(XlsxTest, a_wide_document_table_keeps_its_row_labels_in_view_and_every_column_labelled) {
  Document doc("Monthly budget execution report", engine::make_date(2021, 12, 31));
  doc.heading("3. Lines by budget unit");
  doc.table(
      {{{""},
        {"Name"},
        {"Initial", true},
        {"Adjusted (yuan)", true},
        {"Paid", true},
        {"Execution", true},
        {"Expected", true}},
       {{{"LW2021-P02", "科学技术支出", "1,000.00", "1,200.00", "900.50", "75.04%", "100.00%"},
         "behind"}},
       "t"});
  const Workbook w = workbook_of(doc, Lang::en);
  ASSERT_EQ(w.sheets.size(), 1u);
  const Sheet& sh = w.sheets[0];
  ASSERT_EQ(sh.header.size(), 1u);
  EXPECT_EQ(sh.header[0],
            (std::vector<std::string>{"Item", "Name", "Initial (10k yuan)", "Adjusted (yuan)",
                                      "Paid (10k yuan)", "Execution", "Expected"}));
  EXPECT_EQ(sh.freeze_columns, 2);  // the code and the name stay beside the numbers
}

TEST(XlsxTest, report_file_names) {
  const auto d = engine::make_date(2021, 12, 31);
  EXPECT_EQ(report_file_name(ReportKind::yearend, Format::xlsx, Lang::zh, d, ""),
            "年度预算执行情况与财务管理评价_2021-12-31.xlsx");
  EXPECT_EQ(report_file_name(ReportKind::execution, Format::xlsx, Lang::zh, d, "101001"),
            "预算执行情况报告_101001_2021-12-31.xlsx");
  EXPECT_EQ(report_file_name(ReportKind::yearend, Format::xlsx, Lang::zh, d, "", true),
            "budgetwatch-yearend-2021-12-31.xlsx");
  EXPECT_EQ(report_file_name(ReportKind::monthly, Format::csv, Lang::en, d, "10 1/\"x"),
            "budgetwatch-monthly-10_1__x-2021-12-31.csv");
}

}  // namespace
}  // namespace bw::reports::xlsx
