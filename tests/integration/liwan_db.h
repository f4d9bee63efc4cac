// A test suite's database holding the Liwan 2021 register, adjustments and payments (and any more
// files the suite names), ingested once per suite through the real ingest path.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "collectors/ingest.h"
#include "engine/snapshot.h"
#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::test {

class LiwanDbTest : public ::testing::Test {
 protected:
  /// Creates the database (in dir_, made here unless the suite made it first) and ingests the Liwan
  /// 2021 files then `more`; each must succeed.
  static void open_liwan(const std::vector<std::filesystem::path>& more = {}) {
    if (dir_ == nullptr) dir_ = new TempDir();
    db_ = new store::Database(store::Database::open(*dir_ / "liwan.db"));
    store::migrate(*db_);
    std::vector<std::filesystem::path> files = {data_path("liwan2021/budget.csv"),
                                                data_path("liwan2021/adjustments.csv"),
                                                data_path("liwan2021/payments.csv")};
    files.insert(files.end(), more.begin(), more.end());
    for (const auto& path : files) {
      collect::IngestOptions o;
      o.received_at = "2022-01-01T00:00:00Z";
      ASSERT_TRUE(collect::ingest_file(*db_, path, o).has_value()) << path;
    }
  }
  static void SetUpTestSuite() { open_liwan(); }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  /// The snapshot as of a date, with the default policy.
  static engine::Snapshot snapshot(engine::CivilDate as_of) {
    return engine::evaluate(store::load_inputs(*db_, as_of, engine::FiscalYear::containing(as_of)),
                            as_of, {});
  }

  static inline TempDir* dir_ = nullptr;
  static inline store::Database* db_ = nullptr;
};

}  // namespace bw::test
