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

TEST(HttpTest, a_download_names_its_file_in_utf8_with_an_ascii_fallback) {
  const std::string v = content_disposition_attachment("budgetwatch-yearend-2021-12-31.xlsx",
                                                       "年度预算执行情况_2021-12-31.xlsx");
  EXPECT_EQ(v,
            "attachment; filename=\"budgetwatch-yearend-2021-12-31.xlsx\"; "
            "filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E9%A2%84%E7%AE%97%E6%89%A7%E8%A1%8C%E6%83%85%E5%"
            "86%B5_2021-12-31.xlsx");
  EXPECT_EQ(percent_decode(v.substr(v.find("''") + 2), false), "年度预算执行情况_2021-12-31.xlsx");
  // RFC 5987 attr-char only, unencoded; quotes and controls never end the fallback's quoted string.
  EXPECT_EQ(content_disposition_attachment("a\"b\\c\nd", "a b'c\"%"),
            "attachment; filename=\"a_b_c_d\"; filename*=UTF-8''a%20b%27c%22%25");
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
