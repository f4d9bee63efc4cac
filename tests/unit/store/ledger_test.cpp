#include "store/ledger.h"

#include <gtest/gtest.h>

#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::store {
namespace {

using engine::make_date;
using engine::Money;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(Database::open(dir_ / "t.db"));
    migrate(*db_);
  }
  FileRecord file(std::string sha, FileKind kind = FileKind::payments) {
    std::string name = sha.substr(0, 3) + ".csv";
    return FileRecord{std::move(sha), std::move(name), "test", kind, "utf-8", 10, "2021-01-01T00:00:00Z"};
  }
  PaymentRow pay(std::string_view voucher, std::int64_t fen, int month = 3, std::string_view code = "P1") {
    PaymentRow p;
    p.voucher_no = voucher;
    p.pay_date = make_date(2021, static_cast<unsigned>(month), 15);
    p.unit_code = "U1";
    p.unit_name = "单位一";
    p.project_code = code;
    p.project_name = "项目一";
    p.amount = Money{fen};
    p.line = 2;
    return p;
  }
  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(LedgerTest, migrations_create_the_schema_once) {
  EXPECT_EQ(schema_version(*db_), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(migrate(*db_), schema_version(*db_));  // idempotent
}

TEST_F(LedgerTest, refuses_a_database_from_a_newer_budgetwatch) {
  db_->exec("PRAGMA user_version = 999");
  EXPECT_THROW(migrate(*db_), std::runtime_error);
}

TEST_F(LedgerTest, same_file_twice_is_a_noop) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  ASSERT_TRUE(txn.has_value());
  ASSERT_TRUE(txn->add_payment(pay("V1", 100)).has_value());
  auto report = txn->commit(std::chrono::milliseconds(1));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->accepted, 1);
  EXPECT_FALSE(ledger.begin(file("aaa")).has_value());
}

TEST_F(LedgerTest, same_voucher_same_content_is_a_duplicate_other_amount_a_conflict) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("aaa"));
    ASSERT_EQ(*txn->add_payment(pay("V1", 100)), RowOutcome::accepted);
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  auto txn = ledger.begin(file("bbb"));
  EXPECT_EQ(*txn->add_payment(pay("V1", 100)), RowOutcome::duplicate);
  auto conflict = txn->add_payment(pay("V1", 250));
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code, Errc::conflict);
  EXPECT_EQ(conflict.error().message,
            "voucher V1 is already recorded with amount 1.00 on 2021-03-15 for project 'P1' (aaa.csv line 2); "
            "this row says 2.50 on 2021-03-15 for project 'P1'");
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  const auto in = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  ASSERT_EQ(in.payments.size(), 1u);
  EXPECT_EQ(in.payments[0].month_paid[2], Money{100});  // the first is kept, once
  EXPECT_EQ(in.payments[0].unit_name, "单位一");
}

TEST_F(LedgerTest, an_uncommitted_file_leaves_nothing) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("aaa"));
    ASSERT_TRUE(txn->add_payment(pay("V1", 100)).has_value());
  }  // destroyed without commit
  EXPECT_EQ(count_rows(*db_).payments, 0);
  EXPECT_EQ(count_rows(*db_).files, 0);
  EXPECT_TRUE(ledger.begin(file("aaa")).has_value());  // can be ingested later
}

TEST_F(LedgerTest, rejects_are_kept_with_where_and_why) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  txn->reject(Reject{"aaa.csv", 17, 12, "金额", "'12,3a4.00' is not an amount", "ZF1,...", false});
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rejected, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].to_string(), "aaa.csv:17:12: 金额: '12,3a4.00' is not an amount");
  const IngestPage page = list_ingests(*db_, 0, 10, 10);
  ASSERT_EQ(page.files.size(), 1u);
  EXPECT_EQ(page.files[0].rejects.at(0).reason, "'12,3a4.00' is not an amount");
}

TEST_F(LedgerTest, partial_month_of_the_as_of_date_comes_from_the_rows) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  auto early = pay("V1", 100, 5);
  early.pay_date = make_date(2021, 5, 3);
  auto late = pay("V2", 200, 5);
  late.pay_date = make_date(2021, 5, 20);
  ASSERT_TRUE(txn->add_payment(early).has_value());
  ASSERT_TRUE(txn->add_payment(late).has_value());
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  const engine::FiscalYear fy(2021, 1);
  EXPECT_EQ(load_inputs(*db_, make_date(2021, 5, 10), fy).payments.at(0).month_paid[4], Money{100});
  EXPECT_EQ(load_inputs(*db_, make_date(2021, 5, 31), fy).payments.at(0).month_paid[4], Money{300});
  EXPECT_TRUE(load_inputs(*db_, make_date(2021, 5, 2), fy).payments.empty());
}

TEST_F(LedgerTest, budget_lines_update_from_a_later_register_and_conflict_within_one) {
  Ledger ledger(*db_);
  engine::BudgetLine l;
  l.code = "P1";
  l.name = "项目一";
  l.unit_code = "U1";
  l.initial = Money{1000};
  {
    auto txn = ledger.begin(file("r1", FileKind::budget));
    EXPECT_EQ(*txn->add_budget_line(l, 2), RowOutcome::accepted);
    auto twice = txn->add_budget_line(l, 3);
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error().message, "project code P1 appears twice in this register (first at line 2)");
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  auto txn = ledger.begin(file("r2", FileKind::budget));
  EXPECT_EQ(*txn->add_budget_line(l, 2), RowOutcome::duplicate);
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  l.initial = Money{2000};
  auto txn3 = ledger.begin(file("r3", FileKind::budget));
  EXPECT_EQ(*txn3->add_budget_line(l, 2), RowOutcome::accepted);
  ASSERT_TRUE(txn3->commit(std::chrono::milliseconds(0)).has_value());
  const auto in = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  ASSERT_EQ(in.lines.size(), 1u);
  EXPECT_EQ(in.lines[0].initial, Money{2000});
}

TEST_F(LedgerTest, adjustments_are_identified_by_document_and_date) {
  Ledger ledger(*db_);
  engine::Adjustment a{"P1", make_date(2021, 6, 1), Money{500}, "荔财预〔2021〕1号", "追加"};
  auto txn = ledger.begin(file("adj", FileKind::adjustments));
  EXPECT_EQ(*txn->add_adjustment(a, 2), RowOutcome::accepted);
  EXPECT_EQ(*txn->add_adjustment(a, 3), RowOutcome::duplicate);
  a.amount = Money{600};
  auto c = txn->add_adjustment(a, 4);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::conflict);
  a.note = "上级转移支付追加";  // a second item of the same document, told apart by its note
  EXPECT_EQ(*txn->add_adjustment(a, 5), RowOutcome::accepted);
  a.doc_no = "";  // without a document number the amount is part of the identity
  EXPECT_EQ(*txn->add_adjustment(a, 6), RowOutcome::accepted);
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  EXPECT_EQ(count_rows(*db_).adjustments, 3);
}

}  // namespace
}  // namespace bw::store
