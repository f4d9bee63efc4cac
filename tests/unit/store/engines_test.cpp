// The PostgreSQL engine behind store/database.h answers as SQLite does, and its URI never shows a
// password.
#include <gtest/gtest.h>

#include <string>

#include "store/alert_store.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/postgres.h"
#include "tests/support/store_engines.h"

namespace bw::store {
namespace {

TEST(PostgresParamsTest, question_marks_become_numbered_outside_literals_and_comments) {
  int n = 0;
  std::vector<bool> used;
  EXPECT_EQ(detail::to_dollar_params("SELECT ?, '?', \"a?\" -- ?\n, ?", n, used),
            "SELECT $1, '?', \"a?\" -- ?\n, $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(
      detail::to_dollar_params("UPDATE t SET a = ?2 WHERE b = ?1 AND c = ?2 LIMIT ?", n, used),
      "UPDATE t SET a = $2 WHERE b = $1 AND c = $2 LIMIT $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(detail::to_dollar_params("SELECT 1 LIMIT ?3 OFFSET ?4", n, used),
            "SELECT 1 LIMIT $3 OFFSET $4");
  ASSERT_EQ(used.size(), 4U);
  EXPECT_FALSE(used[0]);
  EXPECT_TRUE(used[3]);
}

TEST(PostgresUriTest, the_password_is_redacted_wherever_it_is_written) {
  EXPECT_EQ(redact_uri("postgresql://bw:s3cret@db.example:5432/bw?sslmode=verify-full"),
            "postgresql://bw:***@db.example:5432/bw?sslmode=verify-full");
  EXPECT_EQ(redact_uri("postgres://bw@h/bw?password=s3cret&sslmode=require"),
            "postgres://bw@h/bw?password=***&sslmode=require");
  EXPECT_EQ(redact_uri("/var/lib/budgetwatch/bw.db"), "/var/lib/budgetwatch/bw.db");
  EXPECT_TRUE(is_server_uri("postgresql://h/db"));
  EXPECT_TRUE(is_server_uri("postgres://h/db"));
  EXPECT_FALSE(is_server_uri("postgresql.db"));
}

TEST(PostgresUriTest, a_failed_connection_names_the_server_without_its_password) {
  try {
    Database::open("postgresql://bw:s3cret@127.0.0.1:1/bw?connect_timeout=2");
    FAIL() << "connected to port 1";
  } catch (const DatabaseError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    EXPECT_NE(what.find("127.0.0.1:1"), std::string::npos) << what;
  }
}

class EngineTest : public test::StoreEngineTest {};
BW_ON_BOTH_ENGINES(EngineTest);

TEST_P(EngineTest, values_round_trip_with_nulls_empty_text_and_booleans_as_sqlite_gives_them) {
  db_->exec("CREATE TABLE t (a TEXT, n BIGINT, x DOUBLE PRECISION)");
  Statement ins = db_->prepare("INSERT INTO t (a, n, x) VALUES (?, ?, ?)");
  ins.bind(1, std::string("单位一")).bind(2, std::int64_t{9007199254740993}).bind(3, 0.5).run();
  ins.bind(1, std::string()).bind_null(2).bind_null(3).run();
  EXPECT_EQ(db_->changes(), 1);
  Statement sel = db_->prepare("SELECT a, n, x, n IS NULL FROM t ORDER BY a DESC");
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.column_string(0), "单位一");
  EXPECT_EQ(sel.column_int(1), 9007199254740993);
  EXPECT_DOUBLE_EQ(sel.column_double(2), 0.5);
  EXPECT_EQ(sel.column_int(3), 0);
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.column_string(0), "");
  EXPECT_FALSE(sel.column_is_null(0));
  EXPECT_TRUE(sel.column_is_null(1));
  EXPECT_EQ(sel.column_int(3), 1);
  EXPECT_FALSE(sel.step());
}

TEST_P(EngineTest, a_transaction_not_committed_leaves_nothing_and_an_error_names_the_statement) {
  {
    Transaction txn(*db_);
    enqueue(*db_,
            OutboxRow{0, "k1", "ops", "g", "firing", "t", "{}", 1, 10, 10, 0, "pending", "", {}});
  }
  EXPECT_EQ(count_outbox(*db_, OutboxQuery{}), 0);
  Transaction txn(*db_);
  EXPECT_TRUE(enqueue(
      *db_, OutboxRow{0, "k1", "ops", "g", "firing", "t", "{}", 1, 10, 10, 0, "pending", "", {}}));
  EXPECT_FALSE(enqueue(
      *db_, OutboxRow{0, "k1", "ops", "g", "firing", "t", "{}", 1, 10, 10, 0, "pending", "", {}}));
  txn.commit();
  EXPECT_EQ(count_outbox(*db_, OutboxQuery{}), 1);
  OutboxQuery q;
  q.state = "pending";
  q.limit = 10;
  EXPECT_EQ(list_outbox(*db_, q).size(), 1U);
  try {
    db_->prepare("SELECT no_such_column FROM outbox").step();
    FAIL() << "no error";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_column"), std::string::npos) << e.what();
  }
}

TEST_P(EngineTest, text_sorts_by_code_point_as_in_sqlite) {
  for (const char* fp : {"b", "B", "a", "单", "_", "Z"}) {
    AlertRow a;
    a.fingerprint = fp;
    a.rule = "r";
    a.severity = "warning";
    a.state = "firing";
    a.labels = "{}";
    a.annotations = "{}";
    upsert_alert(*db_, a);
  }
  std::string order;
  for (const AlertRow& a : load_alerts(*db_)) order += a.fingerprint + " ";
  EXPECT_EQ(order, "B Z _ a b 单 ");
}

}  // namespace
}  // namespace bw::store
