// The .xlsx reader's cell values (issue 16): numbers as exact decimal text, date serials in both
// systems, and the formats chosen by a file's bytes.
#include <gtest/gtest.h>

#include <string>

#include "collectors/xlsx_reader.h"

namespace bw::collect {
namespace {

TEST(XlsxValuesTest, numbers_become_plain_decimal_text_rounded_to_six_decimals) {
  EXPECT_EQ(xlsx_number_text("1784.26"), "1784.26");
  EXPECT_EQ(xlsx_number_text("1234.5000000001"), "1234.5");  // a double's noise
  EXPECT_EQ(xlsx_number_text("-0.30000000000000004"), "-0.3");
  EXPECT_EQ(xlsx_number_text("118299999.99999999"), "118300000");  // carries into the whole part
  EXPECT_EQ(xlsx_number_text("1.2345E+7"), "12345000");
  EXPECT_EQ(xlsx_number_text("1.5E-3"), "0.0015");
  EXPECT_EQ(xlsx_number_text("2.0000005"), "2.000001");  // half away from zero
  EXPECT_EQ(xlsx_number_text("-2.0000005"), "-2.000001");
  EXPECT_EQ(xlsx_number_text("1E-7"), "0");
  EXPECT_EQ(xlsx_number_text("1234.567"),
            "1234.567");  // sub-fen in 元: left for the amount parser to reject
  EXPECT_EQ(xlsx_number_text("30201"), "30201");
  EXPECT_EQ(xlsx_number_text("#N/A"), "#N/A");
}

// Plain numbers (most amounts and codes) take a path without arithmetic: it must say what the
// general one says.
TEST(XlsxValuesTest, plain_numbers_lose_trailing_zeros_and_the_sign_of_zero) {
  EXPECT_EQ(xlsx_number_text("2700.00"), "2700");
  EXPECT_EQ(xlsx_number_text("0.50"), "0.5");
  EXPECT_EQ(xlsx_number_text("-12.340"), "-12.34");
  EXPECT_EQ(xlsx_number_text("0"), "0");
  EXPECT_EQ(xlsx_number_text("-0"), "0");
  EXPECT_EQ(xlsx_number_text("-0.000"), "0");
  EXPECT_EQ(xlsx_number_text("007.50"), "7.5");
  EXPECT_EQ(xlsx_number_text("+5"), "5");
  EXPECT_EQ(xlsx_number_text("5."), "5");
  EXPECT_EQ(xlsx_number_text("1.1000000"), "1.1");
  EXPECT_EQ(xlsx_number_text("-"), "-");
  EXPECT_EQ(xlsx_number_text(""), "");
}

TEST(XlsxValuesTest, date_serials_in_the_1900_system_keep_its_phantom_leap_day) {
  EXPECT_EQ(xlsx_serial_date("1", false), "1900-01-01");
  EXPECT_EQ(xlsx_serial_date("59", false), "1900-02-28");
  EXPECT_EQ(xlsx_serial_date("60", false), std::nullopt);  // 1900-02-29 never was
  EXPECT_EQ(xlsx_serial_date("61", false), "1900-03-01");
  EXPECT_EQ(xlsx_serial_date("44197", false), "2021-01-01");
  EXPECT_EQ(xlsx_serial_date("44561.75", false), "2021-12-31");  // the time of day is dropped
  EXPECT_EQ(xlsx_serial_date("44561.999999999", false), "2022-01-01");  // noise just below midnight
  EXPECT_EQ(xlsx_serial_date("-1", false), std::nullopt);
}

TEST(XlsxValuesTest, date_serials_in_the_1904_system) {
  EXPECT_EQ(xlsx_serial_date("0", true), "1904-01-01");
  EXPECT_EQ(xlsx_serial_date("42735", true), "2021-01-01");  // 44197 - 1462
}

TEST(XlsxValuesTest, the_format_is_chosen_by_the_bytes) {
  EXPECT_EQ(sniff_format(std::string("PK\x03\x04rest", 8)), FileFormat::zip);
  EXPECT_EQ(sniff_format(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)), FileFormat::ole2);
  EXPECT_EQ(sniff_format("支付凭证号,支付日期"), FileFormat::text);
  std::string cfb = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(100, '\0');
  EXPECT_EQ(ole2_encrypted_message(cfb), std::nullopt);  // an .xls workbook: read by FreeXL
  for (char c : std::string("EncryptionInfo")) cfb += std::string{c, '\0'};
  EXPECT_EQ(
      ole2_encrypted_message(cfb),
      "encrypted workbook: the file is password-protected; save it without a password (or as CSV)");
  EXPECT_EQ(
      sniff_format("\xEF\xBB\xBF\r\n  <HTML xmlns:x=\"urn:schemas-microsoft-com:office:excel\">"),
      FileFormat::html);
  EXPECT_EQ(sniff_format("<table border=1><tr><td>支付凭证号</td></tr>"), FileFormat::html);
  EXPECT_EQ(
      sniff_format("<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook "
                   "xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"),
      FileFormat::spreadsheetml);
  EXPECT_EQ(sniff_format("<?xml version=\"1.0\"?><rss/>"), FileFormat::text);
  // A drop folder takes an HTML table or SpreadsheetML document once its closing tag is written.
  EXPECT_TRUE(binary_export_complete("<html><body>", "<tr><td>1</td></tr></TABLE></body></html>"));
  EXPECT_FALSE(binary_export_complete("<html><body>", "<tr><td>1</td></tr><tr><td>2"));
  EXPECT_TRUE(
      binary_export_complete("<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:"
                             "office:spreadsheet\">",
                             "</Table></Worksheet></Workbook>"));
}

}  // namespace
}  // namespace bw::collect
