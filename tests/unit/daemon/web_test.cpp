#include <gtest/gtest.h>

#include "daemon/web/http.h"
#include "daemon/web/router.h"

namespace bw::web {
namespace {

TEST(HttpTest, percent_decoding_and_targets) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%E9%A1%B9%E7%9B%AE", false), "项目");
  EXPECT_FALSE(percent_decode("%zz", false).has_value());
  EXPECT_FALSE(percent_decode("%4", false).has_value());
  auto t = split_target("/api/v1/projects?unit=101001&band=below_80&q=%E7%A7%91");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->first, "/api/v1/projects");
  EXPECT_EQ(t->second.at("unit"), "101001");
  EXPECT_EQ(t->second.at("q"), "科");
  EXPECT_FALSE(split_target("no-slash").has_value());
  EXPECT_FALSE(split_target("/x?a=%G1").has_value());
}

TEST(HttpTest, error_responses_are_json) {
  const Response r = error_response(404, "no project X");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"error\":\"no project X\"}\n");
}

TEST(RouterTest, matches_patterns_methods_and_parameters) {
  Router router;
  auto none = [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; };
  router.add({"GET", "/api/v1/projects", "list", BodyKind::none, "", none});
  router.add({"GET", "/api/v1/projects/{code}", "one", BodyKind::none, "", none});
  router.add({"POST", "/api/v1/uploads", "up", BodyKind::file, "upload", none});
  auto m = router.match("GET", "/api/v1/projects/LW2021-P27");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->name, "one");
  EXPECT_EQ(m.params.at("code"), "LW2021-P27");
  EXPECT_EQ(router.match("HEAD", "/api/v1/projects").route->name, "list");
  auto wrong = router.match("GET", "/api/v1/uploads");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_TRUE(wrong.wrong_method);
  auto missing = router.match("GET", "/api/v1/projects/a/b");
  EXPECT_EQ(missing.route, nullptr);
  EXPECT_FALSE(missing.wrong_method);
}

}  // namespace
}  // namespace bw::web
