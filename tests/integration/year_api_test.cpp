// Issue 14 item 4: last year's final figures stay queryable over the API. The daemon in-process
// with the Liwan 2021 data and the 2022 register, its clock pinned to 2022-03-31: the report
// endpoints and the summary take `as_of=YYYY-MM-DD` (the fiscal year that contains it) and
// `fiscal_year=YYYY` (its last day, or today in the current year); wrong values answer 400 with the
// API's one error shape.
#include <gtest/gtest.h>

#include <thread>

#include <boost/json.hpp>

#include "config/load.h"
#include "daemon/app.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class YearApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string liwan = test::data_path("liwan2021").string();
    const std::string years = test::data_path("years").string();
    const std::string yaml = "database: " + (dir_->path() / "bw.db").string() +
                             "\n"
                             "server:\n"
                             "  listen: 127.0.0.1:0\n"
                             "evaluation:\n"
                             "  as_of: 2022-03-31\n"
                             "sources:\n"
                             "  - name: ledger\n"
                             "    kind: files\n"
                             "    files: [" +
                             liwan + "/budget.csv, " + liwan + "/adjustments.csv, " + liwan +
                             "/payments.csv, " + years + "/budget2022.csv, " + years +
                             "/adjustments2022.csv, " + years +
                             "/payments2022.csv]\n"
                             "logging:\n"
                             "  level: warn\n";
    auto c = config::load_config_text(yaml, "test.yaml", dir_->path());
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    daemon::AppOptions o;
    o.handle_signals = false;
    auto app = daemon::App::create(std::move(*c), o);
    ASSERT_TRUE(app.has_value()) << app.error().to_string();
    app_ = app->release();
    port_ = app_->port();
    thread_ = new std::thread([] { app_->run(); });
    // Every file ingested and evaluated: the 2022 payments to 31 March, and 2021's.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    auto paid = [](const std::string& target) -> std::int64_t {
      const auto r = get(target);
      if (r.status != 200) return -1;
      return json::parse(r.body).at("department").at("paid_fen").as_int64();
    };
    while (paid("/api/v1/summary") != 40'000'000 ||
           paid("/api/v1/summary?fiscal_year=2021") != 10'888'890'000) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the ledger was not ingested in time";
      std::this_thread::sleep_for(100ms);
    }
  }
  static void TearDownTestSuite() {
    if (app_ != nullptr) app_->stop();
    if (thread_ != nullptr) thread_->join();
    delete thread_;
    delete app_;
    delete dir_;
  }
  static test::FetchResult get(const std::string& target) {
    return test::fetch(port_, "GET", target);
  }
  static json::object get_json(const std::string& target) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body << r.error;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object();
  }

  static test::TempDir* dir_;
  static daemon::App* app_;
  static std::thread* thread_;
  static std::uint16_t port_;
};
test::TempDir* YearApiTest::dir_ = nullptr;
daemon::App* YearApiTest::app_ = nullptr;
std::thread* YearApiTest::thread_ = nullptr;
std::uint16_t YearApiTest::port_ = 0;

TEST_F(YearApiTest, without_parameters_the_current_year_as_of_today) {
  const auto r = get_json("/api/v1/reports/execution");
  EXPECT_EQ(r.at("fiscal_year").as_int64(), 2022);
  EXPECT_EQ(r.at("as_of").as_string(), "2022-03-31");
  EXPECT_EQ(r.at("lines").as_array().size(), 4u);
  EXPECT_EQ(get_json("/api/v1/reports/execution?fiscal_year=2022").at("as_of").as_string(),
            "2022-03-31");  // the current year: today
}

TEST_F(YearApiTest, last_years_final_figures_by_fiscal_year_or_as_of) {
  for (const std::string q :
       {"fiscal_year=2021", "as_of=2021-12-31", "as_of=2021-12-31&fiscal_year=2021"}) {
    const auto r = get_json("/api/v1/reports/execution?" + q);
    EXPECT_EQ(r.at("fiscal_year").as_int64(), 2021) << q;
    EXPECT_EQ(r.at("as_of").as_string(), "2021-12-31") << q;
    EXPECT_EQ(r.at("lines").as_array().size(), 32u) << q;
    EXPECT_EQ(r.at("department").at("execution_rate_pct").as_string(), "91.38") << q;
    EXPECT_EQ(r.at("department").at("paid_fen").as_int64(), 10'888'890'000) << q;
  }
  const auto s = get_json("/api/v1/summary?fiscal_year=2021");
  EXPECT_EQ(s.at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(s.at("lines").as_int64(), 32);
  // A date inside a past year: that year as of the date.
  const auto mid = get_json("/api/v1/reports/execution?as_of=2021-06-30");
  EXPECT_EQ(mid.at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(mid.at("as_of").as_string(), "2021-06-30");
  // The other kinds and formats too.
  const auto y = get("/api/v1/reports/yearend?fiscal_year=2021&format=csv&bom=0");
  ASSERT_EQ(y.status, 200) << y.body;
  EXPECT_EQ(y.body.substr(0, 6), "序号");
  const auto m = get_json("/api/v1/reports/monthly?as_of=2021-12-31");
  EXPECT_EQ(m.at("fiscal_year").as_int64(), 2021);
  // The other endpoints over the snapshot: a 2021 line is there in 2021 only.
  EXPECT_EQ(get("/api/v1/projects/LW2021-P06").status, 404);
  const auto p06 = get_json("/api/v1/projects/LW2021-P06?fiscal_year=2021");
  EXPECT_EQ(p06.at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(p06.at("project").at("code").as_string(), "LW2021-P06");
  EXPECT_EQ(get_json("/api/v1/projects?per_page=1000&as_of=2021-12-31").at("total").as_int64(), 32);
  EXPECT_EQ(get_json("/api/v1/projects?per_page=1000").at("total").as_int64(), 4);
  EXPECT_EQ(get_json("/api/v1/units?fiscal_year=2021").at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(get_json("/api/v1/units/101001?fiscal_year=2021").at("fiscal_year").as_int64(), 2021);
  EXPECT_EQ(get("/api/v1/projects?fiscal_year=20x1").status, 400);
  // The published snapshot (today's) is unchanged by these.
  EXPECT_EQ(get_json("/api/v1/summary").at("fiscal_year").as_int64(), 2022);
}

TEST_F(YearApiTest, wrong_values_answer_400_with_the_one_error_shape) {
  for (const std::string q : {"as_of=2021-13-01", "as_of=20211231", "as_of=2021/12/31",
                              "fiscal_year=21", "fiscal_year=abcd", "fiscal_year=0999",
                              "fiscal_year=2021x", "as_of=2021-12-31&fiscal_year=2022"}) {
    for (const std::string path : {"/api/v1/reports/execution?", "/api/v1/summary?"}) {
      const auto r = get(path + q);
      EXPECT_EQ(r.status, 400) << path << q << ": " << r.body;
      const json::value v = json::parse(r.body);
      ASSERT_TRUE(v.is_object()) << path << q;
      EXPECT_EQ(v.as_object().size(), 1u) << path << q;
      EXPECT_TRUE(v.at("error").is_string()) << path << q;
    }
  }
  EXPECT_EQ(json::parse(get("/api/v1/reports/execution?as_of=2021-12-31&fiscal_year=2022").body)
                .at("error")
                .as_string(),
            "as_of 2021-12-31 is not in fiscal year 2022 (2022-01-01 to 2022-12-31)");
  EXPECT_EQ(
      json::parse(get("/api/v1/reports/execution?as_of=2021-13-01").body).at("error").as_string(),
      "as_of must be a date YYYY-MM-DD, got '2021-13-01'");
}

}  // namespace
}  // namespace bw
