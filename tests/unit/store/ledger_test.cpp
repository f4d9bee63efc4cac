#include "store/ledger.h"

#include <gtest/gtest.h>

#include "store/inputs.h"
#include "store/migrations.h"
#include "tests/support/store_engines.h"
#include "tests/support/test_support.h"

namespace bw::store {
namespace {

using engine::make_date;
using engine::Money;

class LedgerTest : public test::StoreEngineTest {
 protected:
  FileRecord file(std::string sha, FileKind kind = FileKind::payments) {
    std::string name = sha.substr(0, 3) + ".csv";
    return FileRecord{std::move(sha),        std::move(name), "test", kind, "utf-8", 10,
                      "2021-01-01T00:00:00Z"};
  }
  PaymentRow pay(std::string_view voucher, std::int64_t fen, int month = 3,
                 std::string_view code = "P1") {
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
};
BW_ON_BOTH_ENGINES(LedgerTest);

TEST_P(LedgerTest, migrations_create_the_schema_once) {
  EXPECT_EQ(schema_version(*db_), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(migrate(*db_), schema_version(*db_));  // idempotent
}

TEST_P(LedgerTest, refuses_a_database_from_a_newer_budgetwatch) {
  db_->exec(GetParam() == Engine::sqlite ? "PRAGMA user_version = 999"
                                         : "UPDATE bw_schema_version SET version = 999");
  EXPECT_THROW(migrate(*db_), std::runtime_error);
}

TEST_P(LedgerTest, same_file_twice_is_a_noop) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  ASSERT_TRUE(txn.has_value());
  txn->add_payment(pay("V1", 100));
  auto report = txn->commit(std::chrono::milliseconds(1));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->accepted, 1);
  EXPECT_FALSE(ledger.begin(file("aaa")).has_value());
}

TEST_P(LedgerTest, same_voucher_same_content_is_a_duplicate_other_amount_a_conflict) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("aaa"));
    txn->add_payment(pay("V1", 100));
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->accepted, 1);
  }
  auto txn = ledger.begin(file("bbb"));
  txn->add_payment(pay("V1", 100));
  auto conflicting = pay("V1", 250);
  conflicting.line = 7;
  conflicting.raw = "V1,2021-03-15,...,2.50";
  txn->add_payment(conflicting);
  txn->add_payment(pay("V2", 300));
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->duplicate, 1);
  EXPECT_EQ(r->rejected, 1);
  EXPECT_EQ(r->conflicts, 1);
  EXPECT_EQ(r->rows_total, 3);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_TRUE(r->rejects[0].conflict);
  EXPECT_EQ(r->rejects[0].raw, "V1,2021-03-15,...,2.50");
  EXPECT_EQ(r->rejects[0].to_string(),
            "bbb.csv:7:1: 支付凭证号: voucher V1 is already recorded with amount 1.00 on "
            "2021-03-15 for project "
            "'P1' (aaa.csv line 2); this row says 2.50 on 2021-03-15 for project 'P1'");
  const auto in = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  ASSERT_EQ(in.payments.size(), 1u);
  EXPECT_EQ(in.payments[0].month_paid[2], Money{400});  // V1 once (the first amount) and V2
  EXPECT_EQ(in.payments[0].unit_name, "单位一");
}

TEST_P(LedgerTest, batches_settle_duplicates_inside_one_file) {
  // More rows than one batch, with a repeated voucher inside the file and one from an earlier file.
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("old"));
    txn->add_payment(pay("V0100", 5));
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  auto txn = ledger.begin(file("new"));
  std::vector<std::string> vouchers;
  for (int i = 0; i < 300; ++i) vouchers.push_back("V" + std::to_string(10000 + i));
  vouchers[150] = vouchers[10];  // a re-exported row inside the file
  vouchers[200] = "V0100";       // recorded by the earlier file, same content
  for (std::size_t i = 0; i < vouchers.size(); ++i) {
    auto p = pay(vouchers[i], vouchers[i] == "V0100" ? 5 : 1);
    p.line = static_cast<int>(i) + 2;
    txn->add_payment(p);
  }
  auto r = txn->commit(std::chrono::milliseconds(0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accepted, 298);
  EXPECT_EQ(r->duplicate, 2);
  EXPECT_EQ(r->rejected, 0);
  EXPECT_EQ(count_rows(*db_).payments, 299);
  const auto in = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  EXPECT_EQ(in.payments.at(0).month_paid[2], Money{298 + 5});
  EXPECT_EQ(in.payments.at(0).month_count[2], 299);
}

TEST_P(LedgerTest, an_uncommitted_file_leaves_nothing) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("aaa"));
    txn->add_payment(pay("V1", 100));
  }  // destroyed without commit
  EXPECT_EQ(count_rows(*db_).payments, 0);
  EXPECT_EQ(count_rows(*db_).files, 0);
  EXPECT_TRUE(ledger.begin(file("aaa")).has_value());  // can be ingested later
}

TEST_P(LedgerTest, rejects_are_kept_with_where_and_why) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  txn->add_payment(pay("ZF0", 100));  // one good row: a file of rejects only is refused (below)
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

// Issue 17: a small file (below min_rows_for_share) of which every row was rejected was committed
// and archived like a good one; it is refused, with its reasons, and nothing of it is recorded.
TEST_P(LedgerTest, a_file_of_which_every_row_was_rejected_is_refused_with_its_reasons) {
  Ledger ledger(*db_);
  {
    auto txn = ledger.begin(file("bbb"));
    txn->reject(Reject{"bbb.csv", 2, 2, "支付日期", "'2021-13-05' is not a date (month 13)",
                       "ZF1,...", false});
    txn->reject(Reject{"bbb.csv", 3, 2, "支付日期", "'2021-13-06' is not a date (month 13)",
                       "ZF2,...", false});
    auto r = txn->commit(std::chrono::milliseconds(0));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_EQ(r.error().message,
              "all 2 rows rejected: nothing of the file was stored. Reasons: 支付日期: '…' is not "
              "a date (month #) "
              "× 2 (first at line 2)");
  }
  EXPECT_EQ(list_ingests(*db_, 0, 10, 10).total, 0);
  // The same bytes, corrected or not, are not a duplicate: nothing was recorded.
  EXPECT_TRUE(ledger.begin(file("bbb")).has_value());
}

TEST_P(LedgerTest, partial_month_of_the_as_of_date_comes_from_the_rows) {
  Ledger ledger(*db_);
  auto txn = ledger.begin(file("aaa"));
  auto early = pay("V1", 100, 5);
  early.pay_date = make_date(2021, 5, 3);
  auto late = pay("V2", 200, 5);
  late.pay_date = make_date(2021, 5, 20);
  txn->add_payment(early);
  txn->add_payment(late);
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  const engine::FiscalYear fy(2021, 1);
  EXPECT_EQ(load_inputs(*db_, make_date(2021, 5, 10), fy).payments.at(0).month_paid[4], Money{100});
  EXPECT_EQ(load_inputs(*db_, make_date(2021, 5, 31), fy).payments.at(0).month_paid[4], Money{300});
  EXPECT_TRUE(load_inputs(*db_, make_date(2021, 5, 2), fy).payments.empty());
}

TEST_P(LedgerTest, budget_lines_update_from_a_later_register_and_conflict_within_one) {
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
    EXPECT_EQ(twice.error().message,
              "project code P1 appears twice in this register (first at line 2)");
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  auto txn = ledger.begin(file("r2", FileKind::budget));
  EXPECT_EQ(*txn->add_budget_line(l, 2), RowOutcome::duplicate);
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  l.initial = Money{2000};
  auto txn3 = ledger.begin(file("r3", FileKind::budget));
  EXPECT_EQ(*txn3->add_budget_line(l, 2),
            RowOutcome::revised);  // a new version (issue 12), kept in full
  ASSERT_TRUE(txn3->commit(std::chrono::milliseconds(0)).has_value());
  const auto in = load_inputs(*db_, make_date(2021, 12, 31), engine::FiscalYear(2021, 1));
  ASSERT_EQ(in.lines.size(), 1u);
  EXPECT_EQ(in.lines[0].initial, Money{2000});
}

TEST_P(LedgerTest, adjustments_are_identified_by_content_and_occurrence) {
  Ledger ledger(*db_);
  engine::Adjustment a{"P1", make_date(2021, 6, 1), Money{500}, "荔财预〔2021〕1号", "追加"};
  engine::Adjustment b = a;
  b.amount = Money{600};  // the same document adjusts the same line again that day
  {
    auto txn = ledger.begin(file("ad1", FileKind::adjustments));
    EXPECT_EQ(*txn->add_adjustment(a, 2), RowOutcome::accepted);
    EXPECT_EQ(*txn->add_adjustment(a, 3), RowOutcome::accepted);  // two identical items both count
    EXPECT_EQ(*txn->add_adjustment(b, 4), RowOutcome::accepted);
    ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  }
  // A later export repeating those rows and adding one: only the new one is taken.
  auto txn = ledger.begin(file("ad2", FileKind::adjustments));
  EXPECT_EQ(*txn->add_adjustment(b, 2), RowOutcome::duplicate);
  EXPECT_EQ(*txn->add_adjustment(a, 3), RowOutcome::duplicate);
  EXPECT_EQ(*txn->add_adjustment(a, 4), RowOutcome::duplicate);
  engine::Adjustment c = a;
  c.date = make_date(2021, 7, 1);
  EXPECT_EQ(*txn->add_adjustment(c, 5), RowOutcome::accepted);
  ASSERT_TRUE(txn->commit(std::chrono::milliseconds(0)).has_value());
  EXPECT_EQ(count_rows(*db_).adjustments, 4);
}

}  // namespace
}  // namespace bw::store
