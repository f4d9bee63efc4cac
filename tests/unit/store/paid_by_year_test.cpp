// Issue 14: the monthly payment sums are kept one row per (calendar year, unit, project) with the
// twelve months side by side (migration 0009), and load_inputs reads a fiscal year from them.
// Checked against the raw payments summed here, on both engines: fiscal years starting in January
// and in April (two calendar years' rows a series), as-of dates at a month end, mid-month and
// before the year, the units' history of the earlier years, and several files adding into the same
// rows.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "store/inputs.h"
#include "store/ledger.h"
#include "tests/support/store_engines.h"

namespace bw::store {
namespace {

using engine::CivilDate;
using engine::make_date;
using engine::Money;

struct Payment {
  std::string unit;
  std::string project;
  CivilDate date;
  std::int64_t fen;
};

// Payments from 2019-11 to 2022-06 over three units and four projects, a few a month, with amounts
// that tell the months apart; one series paid only in 2022 (the second calendar year of an April
// fiscal year 2021), and one only on 2021-07-20 (the partial month of a mid-July as-of date).
std::vector<Payment> payments() {
  std::vector<Payment> out;
  const char* units[] = {"U2", "U1", "U3"};
  const char* projects[] = {"P4", "P1", "P3", "P2"};
  int n = 0;
  for (int y = 2019; y <= 2022; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      if ((y == 2019 && m < 11) || (y == 2022 && m > 6)) continue;
      for (unsigned day : {3U, 15U, 28U}) {
        ++n;
        if (n % 4 == 0) continue;  // some months of some series stay empty
        out.push_back({units[n % 3], projects[n % 4], make_date(y, m, day), 1000 * n + day});
      }
    }
  }
  out.push_back({"U0", "P0", make_date(2022, 2, 10), 777});  // only in 2022, first in key order
  out.push_back({"U9", "P8", make_date(2021, 7, 20), 555});  // only in a partial month
  return out;
}

struct Expected {
  std::map<std::pair<std::string, std::string>,
           std::pair<std::array<Money, 12>, std::array<std::int64_t, 12>>>
      series;
  std::map<std::string, std::array<Money, 12>> history;  // cumulative by fiscal month
};

Expected expected(const std::vector<Payment>& all, CivilDate as_of, const engine::FiscalYear& fy) {
  Expected e;
  for (const Payment& p : all) {
    if (p.date < fy.first_day()) {
      const auto i = static_cast<std::size_t>(
          engine::FiscalYear::containing(p.date, fy.start_month()).month_index(p.date));
      e.history[p.unit][i] += Money{p.fen};
      continue;
    }
    if (p.date > as_of || p.date > fy.last_day()) continue;
    auto& [paid, count] = e.series[{p.unit, p.project}];
    const auto i = static_cast<std::size_t>(fy.month_index(p.date));
    paid[i] += Money{p.fen};
    ++count[i];
  }
  for (auto& [unit, h] : e.history) {
    for (std::size_t k = 1; k < h.size(); ++k) h[k] += h[k - 1];
  }
  return e;
}

class PaidByYearTest : public test::StoreEngineTest {
 protected:
  // The payments in `files` files (round robin), so that later files add into rows the earlier ones
  // wrote.
  void ingest(const std::vector<Payment>& all, int files) {
    Ledger ledger(*db_);
    for (int f = 0; f < files; ++f) {
      auto txn =
          ledger.begin(FileRecord{"sha" + std::to_string(f), "pay" + std::to_string(f) + ".csv",
                                  "test", FileKind::payments, "utf-8", 10, "2022-07-01T00:00:00Z"});
      ASSERT_TRUE(txn.has_value());
      int line = 2;
      for (std::size_t i = static_cast<std::size_t>(f); i < all.size();
           i += static_cast<std::size_t>(files)) {
        const Payment& p = all[i];
        PaymentRow r;
        // PaymentRow holds views: the texts live until add_payment has copied them.
        const std::string voucher = "V" + std::to_string(i);
        const std::string unit_name = "单位" + p.unit;
        const std::string project_name = "项目" + p.project;
        r.voucher_no = voucher;
        r.pay_date = p.date;
        r.unit_code = p.unit;
        r.unit_name = unit_name;
        r.project_code = p.project;
        r.project_name = project_name;
        r.amount = Money{p.fen};
        r.line = line++;
        txn->add_payment(r);
      }
      auto report = txn->commit(std::chrono::milliseconds(0));
      ASSERT_TRUE(report.has_value());
    }
  }

  void check(const std::vector<Payment>& all, CivilDate as_of, const engine::FiscalYear& fy) {
    SCOPED_TRACE("fiscal year " + std::to_string(fy.year()) + " from month " +
                 std::to_string(fy.start_month()) + ", as of " + engine::to_iso(as_of));
    const Expected want = expected(all, as_of, fy);
    const engine::Inputs in = load_inputs(*db_, as_of, fy);
    std::map<std::pair<std::string, std::string>,
             std::pair<std::array<Money, 12>, std::array<std::int64_t, 12>>>
        got;
    for (const engine::PaymentSeries& s : in.payments) {
      EXPECT_EQ(s.unit_name, "单位" + s.unit_code);
      EXPECT_EQ(s.project_name, "项目" + s.project_code);
      auto [it, fresh] = got.emplace(std::pair{s.unit_code, s.project_code},
                                     std::pair{s.month_paid, s.month_count});
      EXPECT_TRUE(fresh) << "series " << s.unit_code << "/" << s.project_code << " twice";
    }
    EXPECT_EQ(got.size(), want.series.size());
    for (const auto& [key, w] : want.series) {
      auto it = got.find(key);
      ASSERT_NE(it, got.end()) << "no series " << key.first << "/" << key.second;
      for (std::size_t i = 0; i < 12; ++i) {
        EXPECT_EQ(it->second.first[i].fen, w.first[i].fen)
            << key.first << "/" << key.second << " month " << i;
        EXPECT_EQ(it->second.second[i], w.second[i])
            << key.first << "/" << key.second << " month " << i;
      }
    }
    // The history is read when a forecast can use it: before the year's last day.
    if (as_of < fy.last_day()) {
      EXPECT_EQ(in.history_cumulative.size(), want.history.size());
      for (const auto& [unit, h] : want.history) {
        auto it = in.history_cumulative.find(unit);
        ASSERT_NE(it, in.history_cumulative.end()) << "no history of " << unit;
        for (std::size_t i = 0; i < 12; ++i)
          EXPECT_EQ(it->second[i].fen, h[i].fen) << unit << " month " << i;
      }
    }
    // The series paid in whole months come in (unit, project) order (the reports' order); those
    // paid only in the days of a partial as-of month follow them.
    const bool partial =
        !engine::is_month_end(as_of) && as_of >= fy.first_day() && as_of <= fy.last_day();
    std::vector<std::pair<std::string, std::string>> order;
    for (const auto& s : in.payments) {
      std::int64_t whole = 0;
      for (std::size_t i = 0; i < 12; ++i) {
        if (!partial || static_cast<int>(i) != fy.month_index(as_of)) whole += s.month_count[i];
      }
      if (whole > 0) order.emplace_back(s.unit_code, s.project_code);
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  }
};

TEST_P(PaidByYearTest, a_fiscal_year_read_from_the_yearly_rows_equals_the_raw_payments) {
  const auto all = payments();
  ingest(all, 3);
  for (const unsigned start : {1U, 4U}) {
    const engine::FiscalYear fy(2021, start);
    for (const CivilDate as_of :
         {make_date(2021, 7, 31), make_date(2021, 7, 20), make_date(2021, 12, 31), fy.last_day(),
          make_date(2022, 6, 30), make_date(2020, 12, 31),
          make_date(2021, static_cast<unsigned>(start), 1)}) {
      check(all, as_of, fy);
    }
  }
}

TEST_P(PaidByYearTest, one_row_per_year_unit_and_project_whatever_the_files) {
  const auto all = payments();
  ingest(all, 4);
  std::map<std::tuple<int, std::string, std::string>, int> want;
  for (const Payment& p : all) want[{static_cast<int>(p.date.year()), p.unit, p.project}] = 1;
  Statement st = db_->prepare("SELECT count(*) FROM paid_by_year");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_int(0), static_cast<std::int64_t>(want.size()));
}

// A database of an earlier release (schema 8, one paid_monthly row per series and month) upgraded:
// every month's sum and count lands in its year's row, and paid_monthly is gone.
class PaidByYearUpgradeTest : public test::StoreEngineTest {
 protected:
  void SetUp() override {
    if (GetParam() == store::Engine::postgresql) BW_REQUIRE_POSTGRES();
    where_.emplace(GetParam());
    db_.emplace(store::Database::open(where_->target()));
    ASSERT_EQ(store::migrate(*db_, 8), 8);
  }
};

TEST_P(PaidByYearUpgradeTest, the_monthly_rows_of_schema_8_become_one_row_a_year) {
  struct Old {
    const char* unit;
    const char* project;
    const char* month;
    std::int64_t fen;
    std::int64_t payments;
  };
  const Old rows[] = {{"U1", "P1", "2020-12", 5, 1},    {"U1", "P1", "2021-01", 100, 2},
                      {"U1", "P1", "2021-07", 7000, 3}, {"U1", "P1", "2021-12", 120000, 4},
                      {"U1", "P2", "2021-07", -300, 1}, {"U2", "P1", "2022-03", 999999999999, 5},
                      {"U2", "", "2021-10", 1, 1}};
  {
    Statement st = db_->prepare(
        "INSERT INTO paid_monthly (unit_code, project_code, month, paid_fen, payments) VALUES "
        "(?,?,?,?,?)");
    for (const Old& r : rows) {
      st.bind(1, r.unit).bind(2, r.project).bind(3, r.month).bind(4, r.fen).bind(5, r.payments);
      st.run();
    }
  }
  {
    Statement st = db_->prepare(
        "INSERT INTO payment_names (unit_code, project_code, unit_name, project_name) VALUES "
        "(?,?,?,?)");
    st.bind(1, "U1").bind(2, "P1").bind(3, "单位一").bind(4, "项目一");
    st.run();
    st.bind(1, "U2").bind(2, "").bind(3, "单位二").bind(4, "");
    st.run();
  }
  ASSERT_GE(store::migrate(*db_), 9);
  // (year, unit, project) → "names | m:fen/payments" of its non-empty months, from the new table.
  std::map<std::tuple<int, std::string, std::string>, std::string> got;
  Statement st = db_->prepare(
      "SELECT pay_year, unit_code, project_code, m01_fen, m02_fen, m03_fen, m04_fen, m05_fen, "
      "m06_fen,"
      " m07_fen, m08_fen, m09_fen, m10_fen, m11_fen, m12_fen, m01_payments, m02_payments, "
      "m03_payments,"
      " m04_payments, m05_payments, m06_payments, m07_payments, m08_payments, m09_payments, "
      "m10_payments,"
      " m11_payments, m12_payments, unit_name, project_name FROM paid_by_year"
      " ORDER BY pay_year, unit_code, project_code");
  while (st.step()) {
    std::string months = st.column_string(27) + "/" + st.column_string(28) + " | ";
    for (int k = 0; k < 12; ++k) {
      if (st.column_int(3 + k) == 0 && st.column_int(15 + k) == 0) continue;
      months += std::to_string(k + 1) + ":" + std::to_string(st.column_int(3 + k)) + "/" +
                std::to_string(st.column_int(15 + k)) + " ";
    }
    got[{static_cast<int>(st.column_int(0)), st.column_string(1), st.column_string(2)}] = months;
  }
  const std::map<std::tuple<int, std::string, std::string>, std::string> want = {
      {{2020, "U1", "P1"}, "单位一/项目一 | 12:5/1 "},
      {{2021, "U1", "P1"}, "单位一/项目一 | 1:100/2 7:7000/3 12:120000/4 "},
      {{2021, "U1", "P2"}, "/ | 7:-300/1 "},  // no names recorded: blank
      {{2021, "U2", ""}, "单位二/ | 10:1/1 "},
      {{2022, "U2", "P1"}, "/ | 3:999999999999/5 "},
  };
  EXPECT_EQ(got, want);
  const bool pg = GetParam() == store::Engine::postgresql;
  Statement gone = db_->prepare(
      pg ? "SELECT count(*) FROM information_schema.tables WHERE table_name = 'paid_monthly'"
         : "SELECT count(*) FROM sqlite_master WHERE name = 'paid_monthly'");
  ASSERT_TRUE(gone.step());
  EXPECT_EQ(gone.column_int(0), 0);
}

BW_ON_BOTH_ENGINES(PaidByYearTest);
BW_ON_BOTH_ENGINES(PaidByYearUpgradeTest);

}  // namespace
}  // namespace bw::store
