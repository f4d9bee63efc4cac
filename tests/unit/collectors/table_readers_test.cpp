// What treasury systems hand out as ".xls" (issue 16): a BIFF8 workbook (FreeXL), an HTML table and
// an Excel 2003 XML workbook, each chosen by its bytes and read through the same parsers, rejects
// and ledger as CSV; a workbook of one sheet per month with two-row merged headers and a hidden
// sheet. The fixtures are tests/data/xls/*, made by tests/data/xls/make.sh from the first Liwan
// 2021 payments with writers independent of budgetwatch (python3-xlwt, openpyxl, hand-written HTML
// and XML).
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/encoding.h"
#include "collectors/ingest.h"
#include "collectors/xls_reader.h"
#include "collectors/xlsx_reader.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::collect {
namespace {

struct Db {
  test::TempDir dir;
  store::Database db = store::Database::open(dir / "bw.db");
  Db() { store::migrate(db); }
};

IngestOptions options() {
  IngestOptions o;
  o.received_at = "2022-01-05T08:00:00Z";
  return o;
}

// The payments table as text, one line per payment in voucher order: what a report is computed
// from.
std::string payments_of(store::Database& db) {
  auto st = db.prepare(
      "SELECT voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class, "
      "pay_method, "
      "fund_type, payee, memo FROM payments ORDER BY voucher_no");
  std::string out;
  while (st.step()) {
    for (int i = 0; i < 11; ++i) out += std::string(st.column_text(i)) + (i < 10 ? "|" : "\n");
  }
  return out;
}

// Empty when equal, else the first line that differs (a short failure message).
std::string first_difference(const std::string& got, const std::string& want) {
  if (got == want) return {};
  std::istringstream a(got);
  std::istringstream b(want);
  std::string la;
  std::string lb;
  for (int n = 1;; ++n) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "differ";
    if (la != lb || more_a != more_b)
      return "payment " + std::to_string(n) + ": got '" + la + "', want '" + lb + "'";
  }
}

std::int64_t count(store::Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  return st.step() ? st.column_int(0) : -1;
}

// The first `n` Liwan payments as a plain CSV file, ingested: the figures every other format must
// give.
std::string csv_payments(std::size_t n) {
  std::istringstream in(test::read_file(test::data_path("liwan2021/payments.csv")));
  std::string text;
  std::string line;
  for (std::size_t i = 0; i <= n && std::getline(in, line); ++i) text += line + "\n";
  Db d;
  auto r = ingest_bytes(d.db, "first.csv", text, options());
  EXPECT_TRUE(r.has_value());
  return payments_of(d.db);
}

std::string fixture(const std::string& name) { return test::data_path("xls/" + name).string(); }

TEST(TableReadersTest, an_xls_workbook_gives_the_csv_payments_to_the_fen) {
  const std::string expected = csv_payments(40);
  for (bool in_memory : {false, true}) {
    Db d;
    auto r = in_memory ? ingest_bytes(d.db, "payments40.xls",
                                      test::read_file(fixture("payments40.xls")), options())
                       : ingest_file(d.db, fixture("payments40.xls"), options());
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->encoding, "xls");
    EXPECT_EQ(r->rows_total, 40);
    EXPECT_EQ(r->accepted, 40);
    EXPECT_EQ(r->accepted_amount.fen, 171417547);
    EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();  // the 合计 row agrees
    EXPECT_EQ(first_difference(payments_of(d.db), expected), "");
    // The same bytes again are the same file, whatever its name.
    auto again =
        ingest_bytes(d.db, "again.csv", test::read_file(fixture("payments40.xls")), options());
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->duplicate_file);
  }
}

TEST(TableReadersTest, a_bad_xls_cell_is_rejected_with_its_sheet_row_and_column) {
  Db d;
  auto r = ingest_file(d.db, fixture("bad-amount40.xls"), options());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->accepted, 39);
  ASSERT_EQ(r->rejects.size(), 1U);
  // The title is row 1, the unit row 2, the header row 3: the first payment is row 4; 金额 is
  // column 12.
  EXPECT_EQ(r->rejects[0].file, "bad-amount40.xls:明细");
  EXPECT_EQ(r->rejects[0].line, 4);
  EXPECT_EQ(r->rejects[0].column, 12);
  EXPECT_EQ(r->rejects[0].field, "金额");
  EXPECT_EQ(r->rejects[0].reason, "'12,3a4.00' is not an amount");
  ASSERT_EQ(r->warnings.size(), 1U);
  EXPECT_EQ(r->warnings[0],
            "bad-amount40.xls:明细:45: the 合计 row says 1,714,175.47 but the rows above sum to "
            "1,712,391.21 (金额, "
            "difference 1,784.26)");
}

TEST(TableReadersTest, an_encrypted_or_truncated_xls_is_refused_whole_with_one_clear_error) {
  struct Case {
    std::string file, message;
  };
  for (const Case& c : {Case{"encrypted.xls",
                             "encrypted workbook: the file is password-protected; save it without "
                             "a password (or as CSV)"},
                        Case{"truncated.xls",
                             "corrupt .xls: the file is damaged or cut short (a sector lies past "
                             "the end of the file)"}}) {
    Db d;
    auto r = ingest_file(d.db, fixture(c.file), options());
    ASSERT_FALSE(r.has_value()) << c.file;
    EXPECT_EQ(r.error().message, c.message);
    EXPECT_EQ(r.error().where, c.file);
    EXPECT_EQ(count(d.db, "SELECT count(*) FROM payments"), 0);
    EXPECT_EQ(count(d.db, "SELECT count(*) FROM failed_files WHERE name = '" + c.file + "'"), 1);
    // In memory (an upload) the same.
    Db m;
    auto b = ingest_bytes(m.db, c.file, test::read_file(fixture(c.file)), options());
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().message, c.message);
  }
}

TEST(TableReadersTest, html_tables_saved_as_xls_in_utf8_and_gb18030_give_the_csv_payments) {
  const std::string expected = csv_payments(40);
  struct Case {
    std::string file, encoding;
  };
  for (const Case& c : {Case{"payments40-html.xls", "html/utf-8"},
                        Case{"payments40-html-gb18030.xls", "html/gb18030"},
                        Case{"payments40-spreadsheetml.xls", "spreadsheetml/utf-8"}}) {
    Db d;
    auto r = ingest_file(d.db, fixture(c.file), options());
    ASSERT_TRUE(r.has_value()) << c.file << ": " << r.error().message;
    EXPECT_EQ(r->encoding, c.encoding);
    EXPECT_EQ(r->accepted, 40) << c.file;
    EXPECT_EQ(r->rejected, 0) << c.file;
    EXPECT_TRUE(r->warnings.empty()) << c.file << ": " << r->warnings.front();
    EXPECT_EQ(first_difference(payments_of(d.db), expected), "") << c.file;
  }
}

TEST(TableReadersTest, an_html_page_without_a_table_is_refused_naming_the_file) {
  Db d;
  auto r = ingest_file(d.db, fixture("notable.xls"), options());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "an HTML page without a table: the file has no <tr> row to read (was the export a "
            "login or error page?)");
  EXPECT_EQ(r.error().where, "notable.xls");
  EXPECT_EQ(count(d.db, "SELECT count(*) FROM failed_files WHERE name = 'notable.xls'"), 1);
}

// The HTML tokenizer on its own: colspan keeps the columns aligned, rowspan leaves its column to
// the row above, entities and <br> are decoded, comments, scripts and styles skipped, tags that are
// not cells dropped.
TEST(TableReadersTest, the_html_tokenizer_reads_spans_entities_and_line_breaks) {
  const std::string page =
      "<html><head><style>td{color:red}</style><script>var "
      "s='<tr><td>no</td></tr>';</script></head><body>"
      "<!-- <tr><td>no</td></tr> -->\n<table><tr><td colspan=\"3\">标题</td></tr>\n"
      "<TR><TD rowspan=2>A</TD><td>b&amp;c</td><td>x&lt;y&#x4E2D;&#25991;</td></TR>"
      "<tr><td>第一行<br/>第二行</td><td><span>  有   空格 </span></td>"
      "<tr><td>未闭合<td>&nbsp;1,234.50&nbsp;</table>";
  auto src = open_html_table(open_text_bytes(page, Encoding::utf8));
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;
  CsvRecord rec;
  while (src->next(rec)) {
    rows.emplace_back(rec.fields.begin(), rec.fields.end());
    lines.push_back(rec.line);
  }
  ASSERT_TRUE(src->status().has_value()) << src->status().error().message;
  const std::vector<std::vector<std::string>> expected{
      {"标题"}, {"A", "b&c", "x<y中文"}, {"", "第一行\n第二行", "有 空格"}, {"未闭合", "1,234.50"}};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 3, 4}));
}

TEST(TableReadersTest, markup_encoding_follows_the_meta_charset_or_the_xml_declaration) {
  EXPECT_EQ(markup_encoding("<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">"),
            Encoding::gb18030);
  EXPECT_EQ(markup_encoding("<meta charset='GBK'>"), Encoding::gb18030);
  EXPECT_EQ(markup_encoding("<?xml version=\"1.0\" encoding=\"GB18030\"?>"), Encoding::gb18030);
  EXPECT_EQ(markup_encoding("<meta charset=utf-8>"), Encoding::utf8);
  EXPECT_EQ(markup_encoding("<html><table>"), Encoding::utf8);
}

TEST(TableReadersTest, spreadsheetml_sheets_indexes_and_merges) {
  const std::string xml =
      "<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
      "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet ss:Name=\"甲\"><Table>"
      "<Row><Cell ss:MergeAcross=\"2\"><Data ss:Type=\"String\">标题</Data></Cell><Cell><Data "
      "ss:Type=\"Number\">1.5E3</Data></Cell></Row>"
      "<Row ss:Index=\"4\"><Cell ss:Index=\"2\"><Data "
      "ss:Type=\"DateTime\">2021-03-01T00:00:00.000</Data></Cell>"
      "<Cell><Data ss:Type=\"Number\">1784.2600000000002</Data></Cell></Row></Table></Worksheet>"
      "<Worksheet ss:Name=\"乙\"><Table><Row><Cell><Data "
      "ss:Type=\"Boolean\">1</Data></Cell></Row></Table>"
      "</Worksheet></Workbook>";
  auto src = open_spreadsheetml(open_text_bytes(xml, Encoding::utf8));
  CsvRecord rec;
  ASSERT_EQ(src->sheet(), "甲");
  ASSERT_TRUE(src->next(rec));
  EXPECT_EQ(std::vector<std::string>(rec.fields.begin(), rec.fields.end()),
            (std::vector<std::string>{"标题", "", "", "1500"}));
  EXPECT_EQ(rec.line, 1);
  ASSERT_TRUE(src->next(rec));
  EXPECT_EQ(std::vector<std::string>(rec.fields.begin(), rec.fields.end()),
            (std::vector<std::string>{"", "2021-03-01", "1784.26"}));
  EXPECT_EQ(rec.line, 4);
  EXPECT_FALSE(src->next(rec));
  auto more = src->next_sheet();
  ASSERT_TRUE(more.has_value() && *more);
  EXPECT_EQ(src->sheet(), "乙");
  ASSERT_TRUE(src->next(rec));
  EXPECT_EQ(rec.fields.at(0), "TRUE");
  EXPECT_FALSE(src->next(rec));
  EXPECT_FALSE(*src->next_sheet());

  auto broken = open_spreadsheetml(open_text_bytes(xml.substr(0, 300) + "<<", Encoding::utf8));
  while (broken->next(rec)) {
  }
  ASSERT_FALSE(broken->status().has_value());
  EXPECT_TRUE(broken->status().error().message.starts_with("SpreadsheetML: XML error at line 1: "))
      << broken->status().error().message;
}

// Several sheets of known headers are each ingested (one per month), each under a two-row header
// whose top cells are merged across (预算单位 over 编码 | 名称) or down; a hidden sheet is left out
// unless configured.
TEST(TableReadersTest,
     a_workbook_of_monthly_sheets_with_two_row_merged_headers_ingests_each_sheet) {
  const std::string expected = csv_payments(100);
  Db d;
  auto r = ingest_file(d.db, fixture("months100.xlsx"), options());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->accepted, 100);
  EXPECT_EQ(r->rejected, 0);
  EXPECT_TRUE(r->warnings.empty())
      << r->warnings.front();  // each sheet's 合计 agrees with its rows
  EXPECT_EQ(first_difference(payments_of(d.db), expected), "");

  IngestOptions with_hidden = options();
  with_hidden.workbook.hidden_sheets = true;
  Db h;
  auto all = ingest_file(h.db, fixture("months100.xlsx"), with_hidden);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  EXPECT_EQ(all->accepted, 101);  // the hidden sheet's payment too
  EXPECT_EQ(count(h.db, "SELECT count(*) FROM payments WHERE voucher_no = 'ZF2021-999999'"), 1);
}

TEST(TableReadersTest, a_sheet_of_another_kind_in_a_workbook_is_passed_over_with_a_warning) {
  Db d;
  auto r = ingest_file(d.db, fixture("mixed-kinds.xlsx"), options());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kind, store::FileKind::payments);
  EXPECT_EQ(r->accepted, 2);
  ASSERT_EQ(r->warnings.size(), 1U);
  EXPECT_EQ(r->warnings[0],
            "mixed-kinds.xlsx:指标: sheet not read: a budget header where the first sheet has "
            "payments (ingest it "
            "as a file of its own)");
  EXPECT_EQ(count(d.db, "SELECT count(*) FROM budget_lines"), 0);
}

TEST(TableReadersTest, a_two_row_csv_header_with_a_spanning_top_cell_is_one_header) {
  const std::string text =
      "国库集中支付明细表,,,,,,,,,,,,\n"
      "支付凭证号,支付日期,预算单位,,项目,,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,"
      "金额,摘要\n"
      ",,编码,名称,编码,名称,,,,,,,\n"
      "ZF2021-000001,2021-01-04,101001,广州市荔湾区科技工业和信息化局,LW2021-B02,日常公用经费,"
      "2150501,30201,"
      "授权支付,一般公共预算,广州鼎盛办公用品有限公司,\"1,784.26\",支付办公费\n";
  Db d;
  auto r = ingest_bytes(d.db, "two-rows.csv", text, options());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(payments_of(d.db),
            "ZF2021-000001|2021-01-04|101001|LW2021-B02|178426|2150501|30201|授权支付|一般公共预算|"
            "广州鼎盛办公用品有限公司|支付办公费\n");
}

TEST(TableReadersTest, a_workbook_with_more_zip_members_than_the_limit_is_refused) {
  Db d;
  IngestOptions o = options();
  o.workbook.max_members = 5;
  auto r = ingest_file(d.db, fixture("months100.xlsx"), o);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().message.starts_with("zip bomb: the workbook has ")) << r.error().message;
  EXPECT_TRUE(r.error().message.ends_with(" members (limit 5)")) << r.error().message;
  EXPECT_EQ(count(d.db, "SELECT count(*) FROM payments"), 0);
}

}  // namespace
}  // namespace bw::collect
