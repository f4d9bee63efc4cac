// Runs a store test on both engines: a SQLite file in a temp dir and a database of its own on the
// test PostgreSQL server (tests/support/postgres_server.h). The PostgreSQL variant skips, saying
// why, only when the PostgreSQL binaries are absent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace bw::test {

/// Where a test's database lives on one engine: `target()` is the file path or the URI.
class EngineDatabase {
 public:
  explicit EngineDatabase(store::Engine e) : engine_(e) {
    if (e == store::Engine::postgresql) pg_ = std::make_unique<PostgresDatabase>();
  }
  std::string target() const { return pg_ ? pg_->uri() : (dir_.path() / "t.db").string(); }
  store::Engine engine() const { return engine_; }

 private:
  store::Engine engine_;
  TempDir dir_;
  std::unique_ptr<PostgresDatabase> pg_;
};

/// A fixture parameterised by engine, with a migrated database open in db_.
class StoreEngineTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Engine::postgresql) BW_REQUIRE_POSTGRES();
    where_.emplace(GetParam());
    db_.emplace(store::Database::open(where_->target()));
    store::migrate(*db_);
  }
  void TearDown() override { db_.reset(); }
  std::optional<EngineDatabase> where_;
  std::optional<store::Database> db_;
};

inline std::string engine_name(const ::testing::TestParamInfo<store::Engine>& i) {
  return i.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

}  // namespace bw::test

/// INSTANTIATE_TEST_SUITE_P for both engines.
#define BW_ON_BOTH_ENGINES(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(                                                            \
      Engines, suite,                                                                  \
      ::testing::Values(::bw::store::Engine::sqlite, ::bw::store::Engine::postgresql), \
      ::bw::test::engine_name)
