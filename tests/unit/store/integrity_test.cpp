// Issue 12: nothing acknowledged is ever lost or silently changed — the store's side. Each test
// reproduces a defect that was seen and fails without its fix.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "engine/text.h"
#include "store/database.h"
#include "store/instance_lock.h"
#include "store/ledger.h"
#include "store/migrations.h"
#include "store/revisions.h"
#include "tests/support/store_engines.h"
#include "tests/support/test_support.h"

namespace bw::store {
namespace {

using engine::make_date;
using engine::Money;

FileRecord file(std::string sha, FileKind kind = FileKind::payments,
                std::string at = "2021-01-01T00:00:00Z") {
  std::string name = sha.substr(0, 3) + ".csv";
  return FileRecord{std::move(sha), std::move(name), "test", kind, "utf-8", 10, std::move(at)};
}

PaymentRow pay(std::string_view voucher, std::int64_t fen, int line = 2) {
  PaymentRow p;
  p.voucher_no = voucher;
  p.pay_date = make_date(2021, 3, 15);
  p.unit_code = "U1";
  p.unit_name = "单位一";
  p.project_code = "P1";
  p.project_name = "项目一";
  p.amount = Money{fen};
  p.line = line;
  return p;
}

engine::BudgetLine line(std::string code, std::int64_t fen, std::string owner = "张三") {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = "U1";
  l.unit_name = "单位一";
  l.initial = Money{fen};
  l.owner = std::move(owner);
  return l;
}

std::int64_t scalar(Database& db, const std::string& sql) {
  Statement st = db.prepare(sql);
  st.step();
  return st.column_int(0);
}

class IntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(Database::open(dir_ / "t.db"));
    migrate(*db_);
  }
  test::TempDir dir_;
  std::optional<Database> db_;
};

// The ledger's guarantees hold on both engines.
class IntegrityEngineTest : public test::StoreEngineTest {};
BW_ON_BOTH_ENGINES(IntegrityEngineTest);

// Defect 1: `rm` the database while the daemon runs — writes were acknowledged into the unlinked
// file.
TEST_F(IntegrityTest, a_deleted_database_refuses_writes) {
  EXPECT_EQ(db_->file_problem(), "");
  std::filesystem::remove(dir_ / "t.db");
  EXPECT_NE(db_->file_problem().find("was deleted while open"), std::string::npos)
      << db_->file_problem();
  Ledger ledger(*db_);
  try {
    auto txn = ledger.begin(file("aaa"));
    FAIL() << "a write transaction began on a deleted database";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("deleted"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ledger.record_failure(file("bbb"), "x"), DatabaseError);
}

TEST_F(IntegrityTest, a_replaced_database_or_deleted_wal_refuses_writes) {
  {
    Transaction t(*db_);  // the WAL exists from the first write on
    db_->exec("CREATE TABLE x(a)");
    t.commit();
  }
  EXPECT_EQ(db_->file_problem(), "");
  std::filesystem::remove(dir_ / "t.db-wal");
  EXPECT_NE(db_->file_problem().find("write-ahead log"), std::string::npos) << db_->file_problem();
  EXPECT_THROW(Transaction t(*db_), DatabaseError);

  test::TempDir other;
  Database db2 = Database::open(other / "u.db");
  test::write_file(other / "v.db", "not the same file");
  std::filesystem::rename(other / "v.db", other / "u.db");
  EXPECT_NE(db2.file_problem().find("replaced"), std::string::npos) << db2.file_problem();
}

// Defect 1: after a restart an empty database was silently created where one had been.
TEST_F(IntegrityTest, a_missing_database_with_its_lock_file_is_not_recreated_silently) {
  const auto path = dir_ / "gone.db";
  EXPECT_TRUE(
      check_database_present(path, false).has_value());  // first start: nothing was ever here
  {
    auto lock = InstanceLock::acquire(path, "pid 1");
    ASSERT_TRUE(lock.has_value());
  }
  auto r = check_database_present(path, false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("--create-database"), std::string::npos) << r.error().message;
  EXPECT_TRUE(check_database_present(path, true).has_value());
}

// Defect 2: two daemons on one database file.
TEST_F(IntegrityTest, a_second_instance_is_refused_with_the_holder_named) {
  auto first = InstanceLock::acquire(dir_ / "t.db", "pid 4242, listen 127.0.0.1:9464");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = InstanceLock::acquire(dir_ / "t.db", "pid 4243, listen 127.0.0.1:9465");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Errc::conflict);
  EXPECT_NE(second.error().message.find("pid 4242, listen 127.0.0.1:9464"), std::string::npos)
      << second.error().message;
  first = InstanceLock::acquire(dir_ / "other.db", "x");  // releases the first lock
  EXPECT_TRUE(InstanceLock::acquire(dir_ / "t.db", "pid 4244").has_value());
}

// Defect 2: started together, the second daemon died in a migration ("table files already exists").
TEST(MigrateTest, two_connections_migrating_at_once_apply_each_migration_once) {
  test::TempDir dir;
  for (int round = 0; round < 5; ++round) {
    const auto path = dir / ("m" + std::to_string(round) + ".db");
    std::atomic<int> failures{0};
    auto run = [&] {
      try {
        Database db = Database::open(path);
        migrate(db);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    };
    std::thread a(run), b(run);
    a.join();
    b.join();
    EXPECT_EQ(failures.load(), 0);
    Database db = Database::open(path);
    EXPECT_EQ(schema_version(db), static_cast<int>(embedded_migrations().size()));
  }
}

// Defect 5: `zf2021-000002` and `ＺＦ2021-000003` were taken as new payments beside
// ZF2021-000002/3.
TEST(NormalizeKeyTest, folds_width_case_and_surrounding_spaces) {
  std::string out;
  EXPECT_FALSE(engine::normalize_key("ZF2021-000002", out));
  EXPECT_EQ(out, "ZF2021-000002");
  EXPECT_TRUE(engine::normalize_key("zf2021-000002", out));
  EXPECT_EQ(out, "ZF2021-000002");
  EXPECT_TRUE(engine::normalize_key("ＺＦ2021-000003", out));
  EXPECT_EQ(out, "ZF2021-000003");
  EXPECT_TRUE(engine::normalize_key("\u3000ｚｆ２０２１－０００００４ ", out));
  EXPECT_EQ(out, "ZF2021-000004");
  EXPECT_TRUE(engine::normalize_key("\u00a0ZF2021-000005\u2003", out));
  EXPECT_EQ(out, "ZF2021-000005");
  EXPECT_FALSE(engine::normalize_key("凭证-1", out));  // other characters are kept
  EXPECT_EQ(out, "凭证-1");
}

TEST_P(IntegrityEngineTest, vouchers_differing_in_width_case_or_spaces_are_one_payment) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("aaa"));
    txn->add_payment(pay("ZF2021-000002", 100));
    txn->add_payment(pay("ZF2021-000003", 200, 3));
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  auto txn = ledger.begin(file("bbb"));
  txn->add_payment(pay("zf2021-000002", 100));       // the same payment: a duplicate
  txn->add_payment(pay("ＺＦ2021-000003", 999, 3));  // the same voucher, another amount: a conflict
  txn->add_payment(pay(" ｚｆ2021-000004 ", 400, 4));  // new; its text as written is kept
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->duplicate, 1);
  EXPECT_EQ(r->conflicts, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_NE(r->rejects[0].reason.find("ＺＦ2021-000003 (recorded as ZF2021-000003)"),
            std::string::npos)
      << r->rejects[0].reason;
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM payments"), 3);
  EXPECT_EQ(scalar(*db_, "SELECT sum(amount_fen) FROM payments"), 700);
  Statement st = db_->prepare(
      "SELECT voucher_no, voucher_raw FROM payments WHERE voucher_no = 'ZF2021-000004'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_string(1), " ｚｆ2021-000004 ");
}

// Defect 4: a register changing a line's budget to 1.00 was `accepted:1`, without a trace, and the
// original file could not be applied again.
TEST_P(IntegrityEngineTest, a_changed_register_line_is_a_revision_with_every_version_kept) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("r1", FileKind::budget, "2021-01-05T08:00:00Z"));
    ASSERT_EQ(*txn->add_budget_line(line("P1", 1'000'000'00), 2), RowOutcome::accepted);
    ASSERT_EQ(*txn->add_budget_line(line("P2", 500'00), 3), RowOutcome::accepted);
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  {
    auto txn = ledger.begin(file("r2", FileKind::budget, "2021-03-01T08:00:00Z"));
    EXPECT_EQ(*txn->add_budget_line(line("P1", 100, "李四"), 2), RowOutcome::revised);
    EXPECT_EQ(*txn->add_budget_line(line("P2", 500'00), 3), RowOutcome::duplicate);
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->accepted, 0);
    EXPECT_EQ(r->revised, 1);
    ASSERT_EQ(r->revisions.size(), 1u);
    const Revision& rev = r->revisions[0];
    EXPECT_EQ(rev.code, "P1");
    EXPECT_EQ(rev.version, 2);
    EXPECT_EQ(rev.initial_before.fen, 1'000'000'00);
    EXPECT_EQ(rev.initial_after.fen, 100);
    ASSERT_EQ(rev.changes.size(), 2u);
    EXPECT_EQ(rev.changes[0].field, "initial_fen");
    EXPECT_EQ(rev.changes[1].field, "owner");
    EXPECT_EQ(rev.changes[1].before, "张三");
    EXPECT_NEAR(rev.initial_change_ratio(), 0.999999, 1e-6);
    EXPECT_NE(rev.to_string().find("1,000,000.00 → 1.00"), std::string::npos) << rev.to_string();
  }
  EXPECT_EQ(scalar(*db_, "SELECT initial_fen FROM budget_lines WHERE code = 'P1'"), 100);
  // The original register again: a duplicate file, unless re-applied on purpose.
  EXPECT_FALSE(ledger.begin(file("r1", FileKind::budget)).has_value());
  {
    auto txn =
        ledger.begin(file("r1", FileKind::budget, "2021-03-02T08:00:00Z"), {}, /*reapply=*/true);
    ASSERT_TRUE(txn.has_value());
    EXPECT_EQ(*txn->add_budget_line(line("P1", 1'000'000'00), 2), RowOutcome::revised);
    EXPECT_EQ(*txn->add_budget_line(line("P2", 500'00), 3), RowOutcome::duplicate);
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->reapplied);
    EXPECT_EQ(r->revised, 1);
  }
  EXPECT_EQ(scalar(*db_, "SELECT initial_fen FROM budget_lines WHERE code = 'P1'"), 1'000'000'00);
  const auto versions = line_versions(*db_, "P1");
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].initial.fen, 1'000'000'00);
  EXPECT_EQ(versions[1].initial.fen, 100);
  EXPECT_EQ(versions[1].recorded_at, "2021-03-01T08:00:00Z");
  EXPECT_EQ(versions[1].file_name, "r2.csv");
  EXPECT_EQ(versions[2].initial.fen, 1'000'000'00);
  EXPECT_TRUE(versions[2].reapplied);
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM file_reapplications WHERE rows_revised = 1"), 1);
  const auto recent = recent_revisions(*db_, "2021-03-01T00:00:00Z");
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].version, 3);
  EXPECT_EQ(recent[0].initial_before.fen, 100);
}

// A re-applied payments file counts nothing twice.
TEST_P(IntegrityEngineTest, a_reapplied_payments_file_adds_nothing) {
  Ledger ledger(*db_);
  for (bool reapply : {false, true}) {
    auto txn = ledger.begin(file("ppp"), {}, reapply);
    ASSERT_TRUE(txn.has_value());
    txn->add_payment(pay("V1", 100, 2));
    txn->add_payment(pay("V2", 200, 3));
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->accepted, reapply ? 0 : 2);
    EXPECT_EQ(r->duplicate, reapply ? 2 : 0);
  }
  EXPECT_EQ(scalar(*db_,
                   "SELECT sum(m01_fen + m02_fen + m03_fen + m04_fen + m05_fen + m06_fen + m07_fen "
                   "+ m08_fen + m09_fen"
                   " + m10_fen + m11_fen + m12_fen) FROM paid_by_year"),
            300);
}

// Defect 7: a 9 MB upload of `Q,` lines stored 10 million rejects (252 MB database, 251 MB WAL).
TEST_P(IntegrityEngineTest, rejects_are_stored_up_to_a_limit_and_counted_by_reason) {
  Ledger ledger(*db_);
  IngestLimits limits;
  limits.max_stored_rejects = 3;
  limits.max_reject_share = 1.0;  // counting only
  auto txn = ledger.begin(file("junk"), limits);
  txn->add_payment(
      pay("ZF2021-000001", 100, 1003));  // one good row: a file of rejects only is refused
  for (int i = 0; i < 1000; ++i) {
    txn->reject(Reject{"junk.csv", i + 2, 3, "金额",
                       "'" + std::to_string(i) + "x' is not an amount", "Q,", false});
  }
  txn->reject(Reject{"junk.csv", 1002, 2, "支付日期", "'2021-13-05' is not a date (month 13)", "Q,",
                     false});
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rejected, 1001);
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM rejects"), 3);
  EXPECT_EQ(scalar(*db_, "SELECT rejects_stored FROM files"), 3);
  ASSERT_EQ(r->reject_counts.size(), 2u);
  EXPECT_EQ(r->reject_counts[0].field, "金额");
  EXPECT_EQ(r->reject_counts[0].reason, "'…' is not an amount");
  EXPECT_EQ(r->reject_counts[0].rows, 1000);
  EXPECT_EQ(r->reject_counts[0].first_line, 2);
  EXPECT_EQ(r->reject_counts[1].reason, "'…' is not a date (month #)");
  EXPECT_EQ(scalar(*db_, "SELECT sum(rows) FROM reject_counts"), 1001);
}

TEST_P(IntegrityEngineTest, a_file_mostly_rejected_is_refused_whole) {
  Ledger ledger(*db_);
  IngestLimits limits;  // 50%, from 10 rows on
  {
    auto txn = ledger.begin(file("mostly-bad"), limits);
    for (int i = 0; i < 4; ++i) txn->add_payment(pay("G" + std::to_string(i), 100, i + 2));
    for (int i = 0; i < 6; ++i)
      txn->reject(Reject{"m.csv", i + 10, 1, "支付凭证号", "empty", "Q,", false});
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_NE(r.error().message.find("6 of 10 rows rejected, more than the limit of 50%"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("支付凭证号: empty × 6 (first at line 10)"), std::string::npos)
        << r.error().message;
  }  // rolled back
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM files"), 0);
  EXPECT_EQ(scalar(*db_, "SELECT count(*) FROM rejects"), 0);
  // Half rejected is not more than half: kept.
  auto txn = ledger.begin(file("half-bad"), limits);
  for (int i = 0; i < 5; ++i) txn->add_payment(pay("H" + std::to_string(i), 100, i + 2));
  for (int i = 0; i < 5; ++i)
    txn->reject(Reject{"h.csv", i + 10, 1, "支付凭证号", "empty", "Q,", false});
  EXPECT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
}

// A database of the previous release (schema 3, with a register and payments) upgrades: each line
// gets its version 1 from the file that registered it, payments keep their vouchers.
TEST(MigrateTest, a_schema_3_database_upgrades_with_its_lines_as_version_1) {
  test::TempDir dir;
  Database db = Database::open(dir / "old.db");
  for (const Migration& m : embedded_migrations()) {
    if (m.version > 3) break;
    db.exec(m.sql);
  }
  db.exec("PRAGMA user_version = 3");
  db.exec(
      "INSERT INTO files (id, sha256, name, source, kind, encoding, size_bytes, ingested_at)"
      " VALUES (1, 'aa', 'budget.csv', 'cli', 'budget', 'utf-8', 10, '2021-01-05T08:00:00Z'),"
      " (2, 'bb', 'pay.csv', 'inbox', 'payments', 'utf-8', 10, '2021-02-01T08:00:00Z')");
  db.exec(
      "INSERT INTO budget_lines (code, name, unit_code, unit_name, kind, initial_fen, deadline, "
      "file_id, line_no)"
      " VALUES ('P1', '项目一', 'U1', '单位一', 'project', 100000, '2021-12-31', 1, 2),"
      " ('P2', '项目二', 'U1', '单位一', 'basic', 5000, NULL, 1, 3)");
  db.exec(
      "INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, "
      "func_class, econ_class,"
      " pay_method, fund_type, payee, memo, file_id, line_no)"
      " VALUES ('ZF1', '2021-01-10', 'U1', 'P1', 100, '', '', '', '', '', '', 2, 2)");
  EXPECT_EQ(migrate(db), static_cast<int>(embedded_migrations().size()));
  const auto v = line_versions(db, "P2");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].version, 1);
  EXPECT_EQ(v[0].initial.fen, 5000);
  EXPECT_EQ(v[0].file_name, "budget.csv");
  EXPECT_EQ(v[0].recorded_at, "2021-01-05T08:00:00Z");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM budget_line_versions"), 2);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM payments WHERE voucher_raw IS NULL"), 1);
  // The next register revises from version 1.
  Ledger ledger(db);
  auto txn = ledger.begin(file("cc", FileKind::budget, "2021-03-01T00:00:00Z"));
  auto changed = line("P1", 200000);
  changed.name = "项目一";
  changed.deadline = make_date(2021, 12, 31);
  changed.owner = "";
  EXPECT_EQ(*txn->add_budget_line(changed, 2), RowOutcome::revised);
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->revisions.size(), 1u);
  EXPECT_EQ(r->revisions[0].version, 2);
  ASSERT_EQ(r->revisions[0].changes.size(), 1u) << r->revisions[0].to_string();
  EXPECT_EQ(r->revisions[0].changes[0].field, "initial_fen");
}

TEST_F(IntegrityTest, quick_check_finds_damage_in_the_middle_of_the_file) {
  {
    Transaction t(*db_);
    db_->exec("CREATE TABLE big(a TEXT)");
    Statement ins = db_->prepare("INSERT INTO big VALUES (?)");
    for (int i = 0; i < 2000; ++i) {
      ins.bind(1, std::string(200, static_cast<char>('a' + i % 26)));
      ins.run();
    }
    t.commit();
  }
  db_->checkpoint();
  EXPECT_EQ(quick_check(*db_), "ok");
  db_.reset();
  {
    std::FILE* f = std::fopen((dir_ / "t.db").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    const std::string garbage(8000, '\xA5');
    for (int page = 3; page < 8;
         ++page) {  // b-tree pages in the middle, not the file's header (page 1)
      std::fseek(f, 16384L * page, SEEK_SET);
      std::fwrite(garbage.data(), 1, garbage.size(), f);
    }
    std::fclose(f);
  }
  Database db = Database::open(dir_ / "t.db");
  std::string result;
  try {
    result = quick_check(db);
  } catch (const DatabaseError& e) {
    result = e.what();
  }
  EXPECT_NE(result, "ok");
}

}  // namespace
}  // namespace bw::store
