// FreeXL holds a whole .xls in memory and sizes each sheet's cell table by the sheet's declared
// dimensions (issue 16): a .xls over ingest.max_xls_size, or a sheet declaring more rows or columns
// than ingest.max_xls_rows / max_xls_columns, is refused before FreeXL reads it, with one error
// naming the file (and the sheet), nothing stored. And FreeXL does not say which sheets are hidden:
// the compound file is read for it, so a hidden sheet is left out as in an .xlsx.
#include <gtest/gtest.h>

#include <string>

#include "collectors/ingest.h"
#include "collectors/xls_probe.h"
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

std::int64_t count(store::Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  return st.step() ? st.column_int(0) : -1;
}

std::string fixture(const std::string& name) { return test::data_path("xls/" + name).string(); }

// The refusal of `file` with `message`, from the file and from its bytes (an upload): nothing
// stored, the file listed as failed.
void expect_refused(const std::string& file, const IngestOptions& o, const std::string& message) {
  for (bool in_memory : {false, true}) {
    Db d;
    auto r = in_memory ? ingest_bytes(d.db, file, test::read_file(fixture(file)), o)
                       : ingest_file(d.db, fixture(file), o);
    ASSERT_FALSE(r.has_value()) << file;
    EXPECT_EQ(r.error().message, message) << (in_memory ? "bytes" : "file");
    EXPECT_EQ(r.error().where, file);
    EXPECT_EQ(count(d.db, "SELECT count(*) FROM payments"), 0);
    EXPECT_EQ(count(d.db, "SELECT count(*) FROM failed_files WHERE name = '" + file + "'"), 1);
  }
}

TEST(XlsGuardTest, a_xls_larger_than_max_xls_size_is_refused_before_freexl_reads_it) {
  IngestOptions o = options();
  o.workbook.max_xls_bytes = 10'000;  // payments40.xls has 17,920 bytes
  expect_refused(
      "payments40.xls", o,
      "too large for .xls: 17,920 bytes, over ingest.max_xls_size (10,000 bytes): FreeXL "
      "holds a whole .xls in memory; save it as .xlsx or CSV");
  o.workbook.max_xls_bytes = 17'920;  // at the limit it is read
  Db d;
  auto r = ingest_file(d.db, fixture("payments40.xls"), o);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->accepted, 40);
}

TEST(XlsGuardTest, a_sheet_declaring_more_rows_or_columns_than_the_limits_is_refused) {
  // rows1m.xls: payments40.xls whose sheet 明细 declares 1,000,000 rows (FreeXL would allocate a
  // cell table of 1,000,000 × 13 × 16 bytes, 208 MB, for 40 payments).
  expect_refused("rows1m.xls", options(),
                 "sheet 明细 declares 1,000,000 rows and 13 columns, over ingest.max_xls_rows "
                 "(65,536): FreeXL holds a whole .xls in memory; save it as .xlsx or CSV");
  IngestOptions o = options();
  o.workbook.max_xls_rows =
      44;  // 明细 declares 46 rows: title, unit, header, 40, blank, 合计, footer
  expect_refused(
      "payments40.xls", o,
      "sheet 明细 declares 46 rows and 13 columns, over ingest.max_xls_rows (44): FreeXL "
      "holds a whole .xls in memory; save it as .xlsx or CSV");
  o = options();
  o.workbook.max_xls_columns = 12;
  expect_refused(
      "payments40.xls", o,
      "sheet 明细 declares 46 rows and 13 columns, over ingest.max_xls_columns (12): FreeXL "
      "holds a whole .xls in memory; save it as .xlsx or CSV");
}

TEST(XlsGuardTest, the_probe_reads_names_visibility_and_dimensions) {
  auto facts = probe_xls(test::read_file(fixture("payments40-hidden.xls")));
  ASSERT_TRUE(facts.has_value()) << facts.error().message;
  ASSERT_EQ(facts->sheets.size(), 3U);
  EXPECT_EQ(facts->sheets[0].name, "说明");
  EXPECT_FALSE(facts->sheets[0].hidden);
  EXPECT_EQ(facts->sheets[1].name, "旧数据");
  EXPECT_TRUE(facts->sheets[1].hidden);
  EXPECT_EQ(facts->sheets[1].rows, 2U);
  EXPECT_EQ(facts->sheets[2].name, "明细");
  EXPECT_FALSE(facts->sheets[2].hidden);
  EXPECT_EQ(facts->sheets[2].rows, 46U);
  EXPECT_EQ(facts->sheets[2].columns, 13U);
  // A file cut short is refused by the probe, before FreeXL.
  auto cut = probe_xls(test::read_file(fixture("truncated.xls")));
  ASSERT_FALSE(cut.has_value());
  EXPECT_TRUE(cut.error().message.starts_with("corrupt .xls: the file is damaged or cut short"))
      << cut.error().message;
}

TEST(XlsGuardTest, a_hidden_xls_sheet_is_not_read_unless_configured) {
  Db d;
  auto r = ingest_file(d.db, fixture("payments40-hidden.xls"), options());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->rows_total, 40);
  EXPECT_EQ(r->accepted, 40);
  EXPECT_EQ(count(d.db, "SELECT count(*) FROM payments WHERE voucher_no = 'ZF2020-000001'"), 0);
  IngestOptions o = options();
  o.workbook.hidden_sheets = true;
  Db h;
  auto all = ingest_file(h.db, fixture("payments40-hidden.xls"), o);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  EXPECT_EQ(all->accepted, 41);
  EXPECT_EQ(count(h.db, "SELECT count(*) FROM payments WHERE voucher_no = 'ZF2020-000001'"), 1);
}

}  // namespace
}  // namespace bw::collect
