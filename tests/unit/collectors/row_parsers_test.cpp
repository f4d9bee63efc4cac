#include "collectors/row_parsers.h"

#include <gtest/gtest.h>

#include "collectors/column_map.h"

namespace bw::collect {
namespace {

std::vector<std::string_view> split(std::string_view line, std::vector<std::string>& store) {
  store.clear();
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    store.emplace_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return {store.begin(), store.end()};
}

CsvRecord record(std::string_view line, std::vector<std::string>& store, int line_no = 2) {
  CsvRecord r;
  r.fields = split(line, store);
  r.line = line_no;
  r.raw = line;
  return r;
}

ResolvedColumns resolve(std::string_view header,
                        std::optional<store::FileKind> kind = std::nullopt) {
  std::vector<std::string> store;
  auto r = ColumnMap().resolve(split(header, store), kind);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return *r;
}

const char* payments_header =
    "支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,金额,摘要";

TEST(ColumnMapTest, detects_kinds_from_chinese_and_integrated_system_headers) {
  EXPECT_EQ(resolve(payments_header).kind, store::FileKind::payments);
  EXPECT_EQ(resolve("PAY_CERT_NO,PAY_DATE,AGENCY_CODE,PRO_CODE,PAY_AMT").kind,
            store::FileKind::payments);
  EXPECT_EQ(resolve("项目编码,调整日期,调整金额,调整文号,说明").kind, store::FileKind::adjustments);
  const auto budget =
      resolve("项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数（万元）");
  EXPECT_EQ(budget.kind, store::FileKind::budget);
  EXPECT_EQ(budget.unit[static_cast<std::size_t>(Field::initial)], engine::MoneyUnit::wan_yuan);
  EXPECT_EQ(resolve(" 支付凭证号 ,支付日期,预算单位编码,项目编码,金额(元)").at(Field::amount), 4);
}

TEST(ColumnMapTest, explains_unknown_and_incomplete_headers) {
  std::vector<std::string> store;
  auto none = ColumnMap().resolve(split("a,b,c", store), std::nullopt);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().message,
            "header has no known columns: expected a payments export (支付凭证号, 支付日期, 金额, "
            "...), a budget "
            "register (项目编码, 年初预算数, ...), adjustments (项目编码, 调整日期, 调整金额), "
            "performance indicators "
            "(项目编码, 序号, 三级指标, 年度指标值) or their actual values (项目编码, 序号, 日期, "
            "实际值)");
  auto missing =
      ColumnMap().resolve(split("支付凭证号,支付日期,预算单位编码,金额", store), std::nullopt);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(
      missing.error().message,
      "missing column 项目编码 (also accepted: project_code, PRO_CODE, 预算项目编码, 项目代码)");
  auto twice = ColumnMap().resolve(
      split("支付凭证号,支付日期,预算单位编码,项目编码,金额,PAY_AMT", store), std::nullopt);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message, "column 金额 appears twice (columns 5 and 6)");
}

// Issue 17: a header of a known kind that lacks columns says which kind it looks like and every
// column it lacks, without --kind (it was "header has no known columns" when a signature column was
// missing).
TEST(ColumnMapTest, a_header_that_lacks_columns_names_its_kind_and_every_missing_column) {
  std::vector<std::string> store;
  auto no_amount = ColumnMap().resolve(
      split("支付凭证号,预算单位编码,预算单位名称,项目编码,项目名称,收款人全称,摘要", store),
      std::nullopt);
  ASSERT_FALSE(no_amount.has_value());
  EXPECT_EQ(no_amount.error().message,
            "the header looks like a payments export (国库集中支付明细) but lacks columns "
            "支付日期, 金额 (also "
            "accepted: 支付日期: pay_date, PAY_DATE, 付款日期, 支付时间; 金额: amount, PAY_AMT, "
            "支付金额)");
  auto no_initial = ColumnMap().resolve(
      split("项目编码,项目名称,预算单位编码,预算单位名称,支出类型,完成时限", store), std::nullopt);
  ASSERT_FALSE(no_initial.has_value());
  EXPECT_EQ(no_initial.error().message,
            "the header looks like a budget register (预算指标) but lacks column 年初预算数 (also "
            "accepted: 年初预算数: "
            "initial, 年初预算, 年初预算金额, 预算数)");
  auto two_missing =
      ColumnMap().resolve(split("支付凭证号,支付日期,金额,摘要", store), std::nullopt);
  ASSERT_FALSE(two_missing.has_value());
  EXPECT_EQ(two_missing.error().message,
            "the header looks like a payments export (国库集中支付明细) but lacks columns "
            "预算单位编码, 项目编码 (also "
            "accepted: 预算单位编码: unit_code, AGENCY_CODE, 单位编码, 预算单位代码; 项目编码: "
            "project_code, PRO_CODE, "
            "预算项目编码, 项目代码)");
}

TEST(ColumnMapTest, site_aliases_from_config) {
  ColumnMap map;
  map.add_alias(Field::amount, "付款金额");
  std::vector<std::string> store;
  auto r =
      map.resolve(split("支付凭证号,支付日期,预算单位编码,项目编码,付款金额", store), std::nullopt);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at(Field::amount), 4);
}

TEST(RowParsersTest, payment_rows_and_their_errors) {
  const auto cols = resolve(payments_header);
  std::vector<std::string> s;
  // 101001 has two basic lines in 2021; 101003 one basic line a year, under another code each year.
  const store::BasicLinesByUnit basic = {{"101001", {{2021, {"B01", "B02"}}, {2022, {"B01"}}}},
                                         {"101002", {{2021, {"B03"}}}},
                                         {"101003", {{2021, {"B21"}}, {2022, {"B22"}}}}};
  auto ok =
      parse_payment(record("ZF1,2021/3/5,101002,单位,基本支出,基本支出,1,摘要", s), cols, basic);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->project_code, "");  // 基本支出 → the unit's basic line, resolved by the engine
  EXPECT_EQ(engine::to_iso(ok->pay_date), "2021-03-05");

  auto bad_date = parse_payment(record("ZF1,2021-02-30,101001,u,P1,p,1.00,m", s), cols, basic);
  ASSERT_FALSE(bad_date.has_value());
  EXPECT_EQ(bad_date.error().column, 2);
  EXPECT_EQ(bad_date.error().field, "支付日期");
  EXPECT_EQ(bad_date.error().reason, "'2021-02-30' is not a date (February 2021 has 28 days)");

  auto bad_amount = parse_payment(record("ZF1,2021-02-01,101001,u,P1,p,N/A,m", s), cols, basic);
  ASSERT_FALSE(bad_amount.has_value());
  EXPECT_EQ(bad_amount.error().column, 7);
  EXPECT_EQ(bad_amount.error().reason, "'N/A' is not an amount");

  auto no_voucher = parse_payment(record("  ,2021-02-01,101001,u,P1,p,1.00,m", s), cols, basic);
  ASSERT_FALSE(no_voucher.has_value());
  EXPECT_EQ(no_voucher.error().reason, "missing voucher number");

  auto ambiguous = parse_payment(record("ZF2,2021-02-01,101001,u,,p,1.00,m", s), cols, basic);
  ASSERT_FALSE(ambiguous.has_value());
  EXPECT_EQ(ambiguous.error().field, "项目编码");
  EXPECT_EQ(ambiguous.error().reason,
            "basic-expenditure payment is ambiguous: unit 101001 has 2 basic-expenditure lines in "
            "fiscal year 2021 (B01, B02); write the line's project code");
  // One basic line in the payment's own fiscal year is no ambiguity, whatever other years hold.
  auto next_year = parse_payment(record("ZF3,2022-02-01,101001,u,,p,1.00,m", s), cols, basic);
  ASSERT_TRUE(next_year.has_value()) << next_year.error().reason;
  EXPECT_EQ(next_year->project_code, "");
  auto recurring =
      parse_payment(record("ZF4,2022-05-01,101003,u,基本支出,p,1.00,m", s), cols, basic);
  ASSERT_TRUE(recurring.has_value()) << recurring.error().reason;
  // A fiscal year starting in April puts 2022-02-01 in fiscal year 2021: ambiguous again.
  auto april_year = parse_payment(record("ZF5,2022-02-01,101001,u,,p,1.00,m", s), cols, basic, 4);
  ASSERT_FALSE(april_year.has_value());
  EXPECT_NE(april_year.error().reason.find("in fiscal year 2021"), std::string::npos);
}

TEST(RowParsersTest, field_count_must_match_the_header) {
  const auto cols = resolve(payments_header);
  std::vector<std::string> s;
  auto fewer = check_field_count(record("a,b,c", s), cols);
  ASSERT_FALSE(fewer.has_value());
  EXPECT_EQ(fewer.error().reason, "expected 8 fields, found 3");
  EXPECT_EQ(fewer.error().column, 4);
  auto more =
      check_field_count(record("a,b,c,d,e,f,g,h,", s), cols);  // a trailing comma is an extra field
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().reason, "expected 8 fields, found 9");
  EXPECT_TRUE(check_field_count(record("a,b,c,d,e,f,g,h", s), cols).has_value());
}

TEST(RowParsersTest, budget_and_adjustment_rows) {
  const auto budget = resolve(
      "项目编码,项目名称,预算单位编码,预算单位名称,支出类型,年初预算数（万元）,完成时限,标签");
  std::vector<std::string> s;
  auto line = parse_budget_line(
      record("P1,项目,101001,单位,项目支出,12.5,2021年9月30日,重点、民生", s), budget);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->initial.fen, 12500000);
  EXPECT_EQ(engine::to_iso(*line->deadline), "2021-09-30");
  EXPECT_EQ(line->tags, (std::vector<std::string>{"重点", "民生"}));
  auto kind = parse_budget_line(record("P1,项目,101001,单位,其他,1,,", s), budget);
  ASSERT_FALSE(kind.has_value());
  EXPECT_EQ(kind.error().reason, "'其他' is not 基本支出 or 项目支出");
  auto negative = parse_budget_line(record("P1,项目,101001,单位,项目支出,-1,,", s), budget);
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().reason, "an initial budget cannot be negative");

  const auto adj = resolve("项目编码,调整日期,调整金额,调整文号,说明");
  auto a = parse_adjustment(record("P1,20210601,-3.5,荔财预〔2021〕1号,调减", s), adj);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->amount.fen, -350);
  EXPECT_EQ(a->doc_no, "荔财预〔2021〕1号");
}

}  // namespace
}  // namespace bw::collect
