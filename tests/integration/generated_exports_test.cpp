// Generated treasury exports with malformed rows (tests/tools/gen_treasury_export.py --bad-rows):
// the good rows' totals equal the generator's oracle (expected_monthly.csv) and every malformed row
// is rejected with its reason, kept as unregistered, or recognised as a duplicate — as the
// generator documents each defect.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

std::vector<std::vector<std::string>> read_simple_csv(const std::filesystem::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(test::read_file(p));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

struct RejectRow {
  int col = 0;
  std::string field;
  std::string reason;
  bool conflict = false;
};

class GeneratedExportsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    test::generate_exports(*dir_ / "gen",
                           {"--projects", "200", "--payments", "5000", "--seed", "7", "--encoding",
                            "gb18030", "--bad-rows", "0.02", "--date-style", "mixed", "--crlf"});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path gen(const std::string& f) { return *dir_ / "gen" / f; }
  static test::TempDir* dir_;
};
test::TempDir* GeneratedExportsTest::dir_ = nullptr;

TEST_F(GeneratedExportsTest, good_rows_match_the_oracle_and_bad_rows_are_accounted_for) {
  test::TempDir work;
  store::Database db = store::Database::open(work / "gen.db");
  store::migrate(db);
  collect::IngestOptions o;
  o.received_at = "2022-01-01T00:00:00Z";
  for (const char* f : {"budget.csv", "adjustments.csv"}) {
    auto r = collect::ingest_file(db, gen(f), o);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->rejected, 0) << f;
    EXPECT_EQ(r->encoding, "gb18030");
  }
  auto pay = collect::ingest_file(db, gen("payments.csv"), o);
  ASSERT_TRUE(pay.has_value()) << pay.error().to_string();

  // Every reject of the payments file, by line.
  std::map<int, RejectRow> rejects;
  store::Statement st =
      db.prepare("SELECT line, col, field, reason, conflict FROM rejects WHERE file_id = ?");
  st.bind(1, pay->file_id);
  while (st.step()) {
    rejects[static_cast<int>(st.column_int(0))] =
        RejectRow{static_cast<int>(st.column_int(1)), st.column_string(2), st.column_string(3),
                  st.column_int(4) != 0};
  }

  const auto manifest = boost::json::parse(test::read_file(gen("manifest.json")));
  const auto bad = read_simple_csv(gen("bad_rows.csv"));
  ASSERT_EQ(static_cast<std::int64_t>(bad.size()), manifest.at("payment_rows_bad").as_int64());
  int expect_rejected = 0;
  int expect_duplicates = 0;
  std::set<std::string> unknown_vouchers;
  for (const auto& row : bad) {
    const int line = std::stoi(row[0]);
    const std::string& voucher = row[1];
    const std::string& type = row[2];
    SCOPED_TRACE(type + " at line " + row[0]);
    if (type == "duplicate_voucher_same") {
      ++expect_duplicates;
      EXPECT_FALSE(rejects.contains(line));
      continue;
    }
    if (type == "unknown_project") {
      unknown_vouchers.insert(voucher);
      EXPECT_FALSE(rejects.contains(line));
      continue;
    }
    ++expect_rejected;
    ASSERT_TRUE(rejects.contains(line));
    const RejectRow& r = rejects[line];
    if (type == "bad_date") {
      EXPECT_EQ(r.field, "支付日期");
      EXPECT_TRUE(r.reason.find("is not a date") != std::string::npos || r.reason == "empty date")
          << r.reason;
    } else if (type == "non_numeric_amount") {
      EXPECT_EQ(r.field, "金额");
      EXPECT_TRUE(r.reason.find("is not an amount") != std::string::npos ||
                  r.reason == "empty amount")
          << r.reason;
    } else if (type == "missing_voucher") {
      EXPECT_EQ(r.field, "支付凭证号");
      EXPECT_EQ(r.reason, "missing voucher number");
    } else if (type == "duplicate_voucher_conflict") {
      EXPECT_TRUE(r.conflict);
      EXPECT_EQ(r.field, "支付凭证号");
      EXPECT_NE(r.reason.find("is already recorded with amount"), std::string::npos) << r.reason;
    } else if (type == "wrong_column_count") {
      EXPECT_NE(r.reason.find("expected 13 fields, found"), std::string::npos) << r.reason;
    } else if (type == "stray_quote") {
      EXPECT_TRUE(r.reason == "stray quote in an unquoted field" ||
                  r.reason == "text after a closing quote")
          << r.reason;
    } else {
      ADD_FAILURE() << "unknown defect type " << type;
    }
  }
  EXPECT_EQ(pay->rejected, expect_rejected);
  EXPECT_EQ(static_cast<int>(rejects.size()), expect_rejected);
  EXPECT_EQ(pay->duplicate, expect_duplicates);
  EXPECT_EQ(pay->accepted, manifest.at("payment_rows_good").as_int64() +
                               static_cast<std::int64_t>(unknown_vouchers.size()));

  // The good rows, line by line and month by month, equal the oracle.
  const auto as_of = engine::make_date(2021, 12, 31);
  const engine::Snapshot s = engine::evaluate(
      store::load_inputs(db, as_of, engine::FiscalYear(2021, 1)), as_of, engine::Policy{});
  int checked = 0;
  for (const auto& row : read_simple_csv(gen("expected_monthly.csv"))) {
    const engine::LineEval* e = s.find_line(row[0]);
    ASSERT_NE(e, nullptr) << row[0];
    const auto month = static_cast<std::size_t>(std::stoi(row[1].substr(5, 2)) - 1);
    EXPECT_EQ(e->month_end_adjusted[month].fen, std::stoll(row[2])) << row[0] << " " << row[1];
    EXPECT_EQ(e->month_end_paid[month].fen, std::stoll(row[3])) << row[0] << " " << row[1];
    ++checked;
  }
  EXPECT_EQ(checked, 200 * 12);
  EXPECT_EQ(s.department.all.paid.fen, manifest.at("total_paid_fen_good_rows").as_int64());
  // The unknown-project rows are kept and reported as unregistered, counted in no line.
  EXPECT_EQ(s.unregistered.size(), unknown_vouchers.size());
  EXPECT_EQ(s.unattributed.size(), 0u);

  // A re-run is a no-op; the same rows as another file add nothing.
  auto again = collect::ingest_file(db, gen("payments.csv"), o);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate_file);
}

}  // namespace
}  // namespace bw
