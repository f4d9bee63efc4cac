// What a finance official sees on the command line (issue 17, items 4 and 5): `ingest --strict`,
// the header that lacks columns of a known kind, `report` without --as-of, one label per adjustment
// rate, JSON numbers in one format, CSV with a UTF-8 BOM.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "daemon/cli.h"
#include "store/database.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

const std::string payments_header =
    "支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,"
    "支付方式,资金性质,"
    "收款人全称,金额,摘要\n";

std::string payment_row(const std::string& voucher, const std::string& date,
                        const std::string& amount) {
  return voucher + "," + date +
         ",101001,广州市荔湾区科技工业和信息化局,LW2021-P30,荔湾区电子商务综合服务平台项目经费,"
         "2060199,30227,"
         "直接支付,一般公共预算,广州某网络科技有限公司,\"" +
         amount + "\",平台运维\n";
}

struct CliRun {
  int status = 0;
  std::string out;
  std::string err;
};

CliRun cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  CliRun r;
  r.status = daemon::run_cli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

class CliUxTest : public ::testing::Test {
 protected:
  std::string db() const { return (dir_.path() / "bw.db").string(); }
  // The Liwan 2021 register, adjustments and payments.
  void ingest_liwan() {
    const CliRun r = cli({"ingest", "--db", db(), test::data_path("liwan2021/budget.csv").string(),
                          test::data_path("liwan2021/adjustments.csv").string(),
                          test::data_path("liwan2021/payments.csv").string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  std::int64_t count_vouchers(const std::string& like) {
    store::Database d = store::Database::open(db());
    store::Statement st = d.prepare("SELECT count(*) FROM payments WHERE voucher_no LIKE ?");
    st.bind(1, like);
    return st.step() ? st.column_int(0) : -1;
  }
  test::TempDir dir_;
};

// `ingest --strict` exits 1 when a row was rejected; the file's good rows are stored and the last
// line says how many rows were rejected. Without --strict the same file exits 0.
TEST_F(CliUxTest, ingest_strict_fails_on_a_rejected_row_and_keeps_the_good_ones) {
  const auto file = dir_ / "payments_bad_row.csv";
  test::write_file(file, payments_header + payment_row("ZF2021-930001", "2021-12-22", "5,000.00") +
                             payment_row("ZF2021-930002", "2021-13-05", "6,000.00") +
                             payment_row("ZF2021-930003", "2021-12-23", "7,000.00"));
  const CliRun strict = cli({"ingest", "--db", db(), "--strict", file.string()});
  EXPECT_EQ(strict.status, 1) << strict.out << strict.err;
  EXPECT_EQ(last_line(strict.out),
            "strict: 1 row rejected in 1 file (their other rows are stored): exit 1");
  EXPECT_EQ(count_vouchers("ZF2021-93%"), 2);

  const auto other = dir_ / "payments_bad_row_2.csv";
  test::write_file(other, payments_header + payment_row("ZF2021-940001", "2021-12-22", "5,000.00") +
                              payment_row("ZF2021-940002", "2021-02-30", "6,000.00"));
  const CliRun lax = cli({"ingest", "--db", db(), other.string()});
  EXPECT_EQ(lax.status, 0) << lax.out << lax.err;
  EXPECT_EQ(lax.out.find("strict:"), std::string::npos) << lax.out;
}

// `report` without --as-of looks at the latest payment date in the database (2021-12-31 for the
// Liwan year, not an empty "today" years later) and says so on stderr; the report equals the one
// with that --as-of.
TEST_F(CliUxTest, report_without_as_of_uses_the_latest_payment_date_and_says_so) {
  ingest_liwan();
  const CliRun implicit = cli({"report", "--db", db()});
  ASSERT_EQ(implicit.status, 0) << implicit.err;
  EXPECT_EQ(
      implicit.err,
      "budgetwatch report: as of 2021-12-31 (the latest payment date in the database); --as-of "
      "YYYY-MM-DD to choose\n");
  const CliRun explicit_date = cli({"report", "--db", db(), "--as-of", "2021-12-31"});
  ASSERT_EQ(explicit_date.status, 0) << explicit_date.err;
  EXPECT_EQ(explicit_date.err, "");  // an explicit date is not commented on
  EXPECT_EQ(implicit.out, explicit_date.out);
  EXPECT_EQ(boost::json::parse(implicit.out).at("as_of").as_string(), "2021-12-31");
}

// CSV reports start with a UTF-8 BOM (Excel on Chinese Windows reads them as UTF-8 then); --no-bom
// leaves it out for scripts, and the bytes after it are the same.
TEST_F(CliUxTest, csv_reports_start_with_a_bom_unless_no_bom) {
  ingest_liwan();
  const std::string bom = "\xEF\xBB\xBF";
  for (const std::string kind : {"execution", "monthly", "midyear", "yearend", "circular"}) {
    const CliRun with =
        cli({"report", "--db", db(), "--as-of", "2021-12-31", "--kind", kind, "--format", "csv"});
    ASSERT_EQ(with.status, 0) << with.err;
    const CliRun without = cli({"report", "--db", db(), "--as-of", "2021-12-31", "--kind", kind,
                                "--format", "csv", "--no-bom"});
    ASSERT_EQ(without.status, 0) << without.err;
    EXPECT_EQ(with.out.substr(0, 3), bom) << kind;
    EXPECT_NE(without.out.substr(0, 3), bom) << kind;
    EXPECT_EQ(with.out, bom + without.out) << kind;
  }
  const CliRun json = cli({"report", "--db", db(), "--as-of", "2021-12-31"});
  EXPECT_EQ(json.out.front(), '{');  // only CSV
}

// `report --output FILE` writes what stdout gets (the report is written as it is rendered), says
// its size in bytes, and leaves no FILE.tmp; a FILE that cannot be written is an error (exit 1)
// that leaves nothing behind.
TEST_F(CliUxTest, report_output_file_holds_the_stdout_bytes_and_says_their_size) {
  ingest_liwan();
  for (const std::string format : {"json", "csv", "md", "html"}) {
    const CliRun to_stdout =
        cli({"report", "--db", db(), "--as-of", "2021-12-31", "--format", format});
    ASSERT_EQ(to_stdout.status, 0) << to_stdout.err;
    const auto file = dir_.path() / ("report." + format);
    const CliRun to_file = cli({"report", "--db", db(), "--as-of", "2021-12-31", "--format", format,
                                "--output", file.string()});
    ASSERT_EQ(to_file.status, 0) << to_file.err;
    EXPECT_EQ(to_file.out, "");
    EXPECT_EQ(test::read_file(file), to_stdout.out) << format;
    EXPECT_EQ(to_file.err, "budgetwatch report: execution report (" + format + ", " +
                               std::to_string(to_stdout.out.size()) + " bytes) written to " +
                               file.string() + "\n");
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  }
  const auto nowhere = dir_.path() / "missing" / "report.json";
  const CliRun failed =
      cli({"report", "--db", db(), "--as-of", "2021-12-31", "--output", nowhere.string()});
  EXPECT_EQ(failed.status, 1);
  EXPECT_EQ(failed.err, "budgetwatch report: cannot write " + nowhere.string() + ".tmp\n");
  EXPECT_FALSE(std::filesystem::exists(nowhere.parent_path()));
}

}  // namespace
}  // namespace bw
