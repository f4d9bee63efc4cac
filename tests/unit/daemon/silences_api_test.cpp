// POST /api/v1/silences: matchers go through the config's RE2 compiler (issue 12, defect 6). A
// pattern that made std::regex backtrack for seconds is accepted and evaluated at once;
// backreferences, lookarounds and over-long patterns are a 400 that says why.
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "alerts/cycle.h"
#include "alerts/routes.h"
#include "daemon/web/alerts_api.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::web {
namespace {

class SilencesApiTest : public ::testing::Test {
 protected:
  SilencesApiTest() : db_(store::Database::open(dir_ / "bw.db")) {
    store::migrate(db_);
    AlertApiContext ctx;
    auto run = [this](AlertApiContext::DbJob job) -> boost::asio::awaitable<Response> {
      co_return job(db_);
    };
    ctx.on_reader = run;
    ctx.on_writer = run;
    ctx.config = [] { return std::make_shared<const config::AlertsConfig>(); };
    add_alert_routes(router_, std::move(ctx));
  }

  Response post(const std::string& matcher_json,
                const std::string& times = R"("ends_at":"2099-01-01T00:00:00Z")") {
    Request r;
    r.method = "POST";
    r.path = r.target = "/api/v1/silences";
    r.body = R"({"created_by":"ops","comment":"test",)" + times + R"(,"matchers":[)" +
             matcher_json + "]}";
    const auto m = router_.match("POST", r.path);
    EXPECT_NE(m.route, nullptr);
    boost::asio::io_context io;
    auto f = boost::asio::co_spawn(io, m.route->handler(r), boost::asio::use_future);
    io.run();
    return f.get();
  }

  test::TempDir dir_;
  store::Database db_;
  Router router_;
};

TEST_F(SilencesApiTest, a_backtracking_pattern_is_accepted_and_evaluates_at_once) {
  const auto start = std::chrono::steady_clock::now();
  const Response r = post(R"x({"name":"owner_email","op":"=~","value":"(.|.)*X"})x");
  EXPECT_EQ(r.status, 201) << r.body;
  const auto silences = alerts::read_silences(db_);
  ASSERT_EQ(silences.size(), 1u);
  const std::string email(40, 'a');
  EXPECT_FALSE(silences[0].silences({{"owner_email", email}}, silences[0].starts_at + 1));
  EXPECT_TRUE(silences[0].silences({{"owner_email", email + "X"}}, silences[0].starts_at + 1));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(SilencesApiTest, unsupported_or_over_long_patterns_are_a_400_that_says_why) {
  Response r = post(R"x({"name":"a","op":"=~","value":"(x)\\1"})x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"x({"error":"'(x)\\1' is not a regular expression: invalid escape sequence: \\1 )x"
            R"x((backreferences such as \\1 are not supported)"})x"
            "\n");
  r = post(R"x({"name":"a","op":"!~","value":"a(?=b)"})x");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("lookarounds such as"), std::string::npos) << r.body;
  r = post(R"({"name":"a","op":"=~","value":")" + std::string(1025, 'a') + R"("})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("is longer than 1024 bytes"), std::string::npos) << r.body;
  r = post(R"({"name":"a","op":"~","value":"x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"op must be one of =, !=, =~, !~\"}\n");
  EXPECT_TRUE(alerts::read_silences(db_).empty());
}

TEST_F(SilencesApiTest, equality_matchers_and_rfc3339_times_still_work) {
  const Response ok = post(R"({"name":"a","value":"b"})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_NE(ok.body.find("\"ends_at\":\"2099-01-01T00:00:00Z\""), std::string::npos) << ok.body;
  const Response offset =
      post(R"({"name":"a","value":"b"})",
           R"("starts_at":"2021-07-01T08:00:00.5+08:00","ends_at":"2021-07-02 00:00:00Z")");
  EXPECT_EQ(offset.status, 201) << offset.body;
  EXPECT_NE(offset.body.find("\"starts_at\":\"2021-07-01T00:00:00Z\""), std::string::npos)
      << offset.body;
  for (const char* bad : {"2021-02-30T00:00:00Z", "2021-07-02T00:00:00", "2021-07-02T00:00:00Zx",
                          "2021-07-02T00:00:00.Z", "21-07-02T00:00:00Z"}) {
    const Response r =
        post(R"({"name":"a","value":"b"})", std::string(R"("ends_at":")") + bad + "\"");
    EXPECT_EQ(r.status, 400) << bad;
  }
}

}  // namespace
}  // namespace bw::web
