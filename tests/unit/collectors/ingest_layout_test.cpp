// Exports as they come (issue 16, item 2): title lines above the header, a 单位 line that sets the
// money unit, blank rows, footer lines and totals rows around the payments.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "collectors/ingest.h"
#include "engine/money.h"
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

// The Liwan 2021 payments: the header line and the data lines.
struct Payments {
  std::string header;
  std::vector<std::string> rows;
};

Payments liwan_payments() {
  std::istringstream in(test::read_file(test::data_path("liwan2021/payments.csv")));
  Payments p;
  std::getline(in, p.header);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) p.rows.push_back(line);
  }
  return p;
}

const std::string pay_header =
    "支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,"
    "支付方式,资金性质,"
    "收款人全称,金额,摘要";

std::string pay_row(const std::string& voucher, const std::string& amount) {
  return voucher +
         ",2021-03-01,101001,广州市荔湾区科技工业和信息化局,LW2021-B02,日常公用经费,2150501,30201,"
         "授权支付,"
         "一般公共预算,广州鼎盛办公用品有限公司,\"" +
         amount + "\",支付办公费";
}

TEST(IngestLayoutTest, liwan_payments_with_title_unit_total_and_footer_give_the_plain_csv_figures) {
  const Payments p = liwan_payments();
  Db plain;
  auto expected = ingest_file(plain.db, test::data_path("liwan2021/payments.csv"), options());
  ASSERT_TRUE(expected) << expected.error().message;

  // As saved from Excel: a merged title (trailing commas), the unit, the header, the rows, a blank
  // row, the total and the signatures.
  std::string text = "国库集中支付明细表,,,,,,,,,,,,\n单位：元\n" + p.header + "\n";
  for (const auto& r : p.rows) text += r + "\n";
  text += ",,,,,,,,,,,,\n";
  text += "合计,,,,,,,,,,,\"" + engine::format_yuan(expected->accepted_amount) + "\",\n";
  text += "制表人：张三,,,审核人：李四,,,,,,打印日期：2022-01-05,,,\n";
  Db db;
  auto r = ingest_bytes(db.db, "payments_titled.csv", text, options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, store::FileKind::payments);
  EXPECT_EQ(r->rows_total, 2682);
  EXPECT_EQ(r->accepted, 2682);
  EXPECT_EQ(r->rejected, 0);
  EXPECT_EQ(r->accepted_amount, expected->accepted_amount);
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
}

TEST(IngestLayoutTest, wan_yuan_unit_line_converts_amounts_exactly) {
  const std::string text = "国库集中支付明细表\n单位：万元\n" + pay_header + "\n" +
                           pay_row("ZF-1", "1.234567") + "\n" + pay_row("ZF-2", "0.000001") + "\n";
  Db db;
  auto r = ingest_bytes(db.db, "wan.csv", text, options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->accepted_amount, engine::Money::from_fen(1234567 + 1));
}

TEST(IngestLayoutTest, a_unit_line_applies_to_a_register_unless_the_header_names_its_own_unit) {
  const std::string header =
      "项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数,项目负责人,负责人邮箱,"
      "完成时限";
  const std::string row =
      "LW2021-P01,专项资金,101001,广州市荔湾区科技工业和信息化局,项目支出,12.345678,陈志远,,2021-"
      "12-31";
  Db db;
  auto wan = ingest_bytes(
      db.db, "budget_wan.csv",
      "2021年预算指标表\n编制单位：荔湾区科工信局  单位：万元\n" + header + "\n" + row + "\n",
      options());
  ASSERT_TRUE(wan) << wan.error().message;
  EXPECT_EQ(wan->accepted_amount, engine::Money::from_fen(12345678));  // 123,456.78 元
  Db db2;
  std::string yuan_header = header;
  yuan_header.replace(yuan_header.find("年初预算数"), std::string("年初预算数").size(),
                      "年初预算数（元）");
  auto yuan =
      ingest_bytes(db2.db, "budget_yuan.csv",
                   "单位：万元\n" + yuan_header + "\n" + row.substr(0, row.find("12.345678")) +
                       "12.34" + row.substr(row.find("12.345678") + 9) + "\n",
                   options());
  ASSERT_TRUE(yuan) << yuan.error().message;
  EXPECT_EQ(yuan->accepted_amount, engine::Money::from_fen(1234));
}

TEST(IngestLayoutTest, a_total_that_disagrees_with_the_rows_is_reported_with_both_amounts) {
  const std::string text = "单位：元\n" + pay_header + "\n" + pay_row("ZF-1", "100.00") + "\n" +
                           pay_row("ZF-2", "23.45") + "\n" + "小计,,,,,,,,,,,\"123.45\",\n" +
                           "合计,,,,,,,,,,,\"124.45\",\n";
  Db db;
  auto r = ingest_bytes(db.db, "total.csv", text, options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows_total, 2);
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->rejected, 0);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "total.csv:6: the 合计 row says 124.45 but the rows above sum to 123.45 (金额, "
            "difference 1.00)");
}

TEST(IngestLayoutTest, rejected_rows_keep_their_line_numbers_below_a_title) {
  const std::string text = "国库集中支付明细表\n\n单位：元\n" + pay_header + "\n" +
                           pay_row("ZF-1", "100.00") + "\n" + pay_row("ZF-2", "12,3a4.00") + "\n";
  Db db;
  auto r = ingest_bytes(db.db, "lines.csv", text, options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->accepted, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].to_string(), "lines.csv:6:12: 金额: '12,3a4.00' is not an amount");
}

TEST(IngestLayoutTest, a_file_without_a_known_header_near_the_top_is_still_refused) {
  Db db;
  auto r =
      ingest_bytes(db.db, "nothing.csv", "国库集中支付明细表\n单位：元\na,b,c\n1,2,3\n", options());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("header has no known columns"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace bw::collect
