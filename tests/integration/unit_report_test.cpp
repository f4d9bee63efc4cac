// A unit's report (issue 13 item 6): the API's /api/v1/reports/{kind}?unit= and `budgetwatch report
// --unit` give the same JSON for the same unit and date, over the Liwan 2021 data plus one payment
// that a unit makes against another unit's line (which must count on that line, not become an
// unregistered payment).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "config/load.h"
#include "daemon/app.h"
#include "daemon/cli.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::int64_t liwan_paid_fen = 10888890000;
constexpr std::int64_t cross_unit_paid_fen = 100000;  // 1,000.00 yuan

TEST(UnitReportTest, api_and_cli_give_the_same_unit_report) {
  test::TempDir dir;
  const std::string data = test::data_path("liwan2021").string();
  // Unit 101002 pays 1,000.00 yuan against LW2021-P01, a line of unit 101001.
  const auto cross = dir.path() / "cross_unit_payments.csv";
  std::ofstream(cross)
      << "支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,"
         "经济分类科目,"
         "支付方式,资金性质,收款人全称,金额,摘要\n"
         "ZF2021-900001,2021-06-30,101002,荔湾区另一单位,LW2021-P01,跨单位支付,2150501,30201,"
         "授权支付,一般公共预算,广州某公司,\"1,000.00\",跨单位支付\n";
  const std::string yaml = "database: " + (dir.path() / "bw.db").string() +
                           "\n"
                           "server:\n"
                           "  listen: 127.0.0.1:0\n"
                           "evaluation:\n"
                           "  as_of: 2021-12-31\n"
                           "sources:\n"
                           "  - name: liwan2021\n"
                           "    kind: files\n"
                           "    files: [" +
                           data + "/budget.csv, " + data + "/adjustments.csv, " + data +
                           "/payments.csv, " + cross.string() +
                           "]\n"
                           "logging:\n"
                           "  level: warn\n";
  auto c = config::load_config_text(yaml, "test.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  daemon::AppOptions o;
  o.handle_signals = false;
  auto created = daemon::App::create(std::move(*c), o);
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  std::unique_ptr<daemon::App> app = std::move(*created);
  const std::uint16_t port = app->port();
  std::thread runner([&] { app->run(); });
  struct Stop {
    daemon::App& app;
    std::thread& t;
    ~Stop() {
      app.stop();
      t.join();
    }
  } stop{*app, runner};

  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    const auto s = test::fetch(port, "GET", "/api/v1/summary");
    if (s.status == 200 && json::parse(s.body).at("department").at("paid_fen").as_int64() ==
                               liwan_paid_fen + cross_unit_paid_fen) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the files were not ingested in time";
    std::this_thread::sleep_for(50ms);
  }

  for (const std::string unit : {"101001", "101002", "101003"}) {
    for (const std::string kind : {"execution", "monthly", "midyear", "yearend", "circular"}) {
      std::ostringstream out;
      std::ostringstream err;
      ASSERT_EQ(daemon::run_cli({"report", "--db", (dir.path() / "bw.db").string(), "--as-of",
                                 "2021-12-31", "--kind", kind, "--unit", unit},
                                out, err),
                0)
          << err.str();
      const auto api = test::fetch(port, "GET", "/api/v1/reports/" + kind + "?unit=" + unit);
      ASSERT_EQ(api.status, 200) << api.body;
      EXPECT_EQ(json::parse(api.body), json::parse(out.str())) << kind << " unit=" << unit;
    }
  }
  // The payment counts on its line, in the line's unit: 101001's paid total holds it, 101002 has no
  // unregistered payment.
  const auto p01 = test::fetch(port, "GET", "/api/v1/reports/execution?unit=101002");
  EXPECT_EQ(p01.body.find("LW2021-P01"), std::string::npos) << p01.body;
}

}  // namespace
}  // namespace bw
