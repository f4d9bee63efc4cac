#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

#include "daemon/health.h"
#include "daemon/web/auth.h"

namespace bw::daemon {
namespace {

TEST(SameSecretTest, equal_only_when_every_byte_and_the_length_match) {
  EXPECT_TRUE(web::same_secret("demo-upload-token", "demo-upload-token"));
  EXPECT_TRUE(web::same_secret("", ""));
  EXPECT_FALSE(web::same_secret("demo-upload-token", "demo-upload-tokeN"));
  EXPECT_FALSE(web::same_secret("Demo-upload-token", "demo-upload-token"));
  EXPECT_FALSE(web::same_secret("demo-upload", "demo-upload-token"));          // a prefix
  EXPECT_FALSE(web::same_secret("demo-upload-token-x", "demo-upload-token"));  // longer
  EXPECT_FALSE(web::same_secret("", "demo-upload-token"));
  EXPECT_FALSE(web::same_secret(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(
      web::same_secret(std::string_view("abc\0", 4), "abc"));  // a trailing NUL is not padding
}

std::vector<config::TokenConfig> test_tokens() {
  std::vector<config::TokenConfig> t(4);
  t[0].name = "uploader";
  t[0].token.value = "upload-token-0123456789";
  t[0].scopes = {"upload"};
  t[1].name = "operator";
  t[1].token.value = "write-token-0123456789";
  t[1].scopes = {"write", "read"};
  t[2].name = "root";
  t[2].token.value = "admin-token-0123456789";
  t[2].scopes = {"admin"};
  t[3].name = "unset";  // a token_env that was empty: never a credential
  t[3].scopes = {"upload"};
  return t;
}

TEST(CheckTokenTest, a_token_with_the_scope_or_admin_is_ok_and_named) {
  const auto tokens = test_tokens();
  auto c = web::check_token("Bearer upload-token-0123456789", tokens, "upload");
  EXPECT_EQ(c.status, web::TokenCheck::Status::ok);
  EXPECT_EQ(c.name, "uploader");
  c = web::check_token("Bearer admin-token-0123456789", tokens, "write");
  EXPECT_EQ(c.status, web::TokenCheck::Status::ok);
  EXPECT_EQ(c.name, "root");
}

TEST(CheckTokenTest, missing_or_unknown_tokens_are_unknown) {
  const auto tokens = test_tokens();
  using S = web::TokenCheck::Status;
  EXPECT_EQ(web::check_token(std::nullopt, tokens, "upload").status, S::unknown_token);
  EXPECT_EQ(web::check_token("", tokens, "upload").status, S::unknown_token);
  EXPECT_EQ(web::check_token("Bearer ", tokens, "upload").status,
            S::unknown_token);  // the empty token
  EXPECT_EQ(web::check_token("upload-token-0123456789", tokens, "upload").status, S::unknown_token);
  EXPECT_EQ(web::check_token("Basic upload-token-0123456789", tokens, "upload").status,
            S::unknown_token);
  EXPECT_EQ(web::check_token("Bearer upload-token-012345678", tokens, "upload").status,
            S::unknown_token);
  EXPECT_EQ(web::check_token("Bearer upload-token-0123456789x", tokens, "upload").status,
            S::unknown_token);
  // An unknown token is unknown whatever the scope asked: no hint that the scope exists.
  EXPECT_EQ(web::check_token("Bearer nope", tokens, "write").status, S::unknown_token);
  EXPECT_TRUE(web::check_token("Bearer nope", tokens, "write").name.empty());
}

TEST(CheckTokenTest, a_known_token_without_the_scope_is_wrong_scope) {
  const auto tokens = test_tokens();
  auto c = web::check_token("Bearer write-token-0123456789", tokens, "upload");
  EXPECT_EQ(c.status, web::TokenCheck::Status::wrong_scope);
  EXPECT_EQ(c.name, "operator");
  c = web::check_token("Bearer upload-token-0123456789", tokens, "write");
  EXPECT_EQ(c.status, web::TokenCheck::Status::wrong_scope);
  EXPECT_EQ(c.name, "uploader");
}

TEST(CheckTokenTest, refusals_are_401_or_403_and_never_hold_the_token) {
  const auto tokens = test_tokens();
  const auto unknown = web::refusal(web::check_token("Bearer nope", tokens, "upload"), "upload");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, "{\"error\":\"a valid token with scope 'upload' is required\"}\n");
  ASSERT_EQ(unknown.headers.size(), 1u);
  EXPECT_EQ(unknown.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(unknown.headers[0].second, "Bearer");

  const auto wrong =
      web::refusal(web::check_token("Bearer write-token-0123456789", tokens, "upload"), "upload");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.body,
            "{\"error\":\"a token with scope 'upload' is required; this token ('operator') has "
            "scopes 'write', "
            "'read'\"}\n");
  EXPECT_TRUE(wrong.headers.empty());
  EXPECT_EQ(wrong.body.find("token-0123456789"), std::string::npos);

  const auto one =
      web::refusal(web::check_token("Bearer upload-token-0123456789", tokens, "write"), "write");
  EXPECT_EQ(one.status, 403);
  EXPECT_EQ(
      one.body,
      "{\"error\":\"a token with scope 'write' is required; this token ('uploader') has scope "
      "'upload'\"}\n");
}

TEST(HealthTest, reports_transitions_and_keeps_the_last_error) {
  std::map<std::string, int> gauge;  // what budgetwatch_check_up would show
  int changes = 0;
  Health h([&](const std::string& name, bool ok, bool removed) {
    ++changes;
    if (removed) {
      gauge.erase(name);
    } else {
      gauge[name] = ok ? 1 : 0;
    }
  });
  EXPECT_TRUE(h.checks().empty());
  h.report("database", true);
  h.report("database", true);
  EXPECT_EQ(changes, 1);  // one observer call per change, not per report
  EXPECT_EQ(gauge["database"], 1);
  h.report("database", false, "exec: database or disk is full");
  h.report("database", false, "exec: database is locked");
  EXPECT_EQ(changes, 2);
  EXPECT_EQ(gauge["database"], 0);
  auto failing = h.failing();
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0].name, "database");
  EXPECT_EQ(failing[0].message, "exec: database is locked");  // the latest reason
  EXPECT_EQ(failing[0].failures, 2u);
  h.report("database", true);
  EXPECT_TRUE(h.failing().empty());
  EXPECT_EQ(h.checks()[0].message, "");
  EXPECT_EQ(h.checks()[0].failures, 0u);
  EXPECT_EQ(gauge["database"], 1);
}

TEST(HealthTest, retain_drops_removed_sources_and_their_gauges) {
  std::map<std::string, int> gauge;
  Health h([&](const std::string& name, bool ok, bool removed) {
    if (removed) {
      gauge.erase(name);
    } else {
      gauge[name] = ok ? 1 : 0;
    }
  });
  h.report("source:inbox", true);
  h.report("source:treasury", false, "connection refused");
  h.report("receiver:owners", false, "connection refused");
  h.retain("source:", {"source:inbox", "source:new"});
  EXPECT_EQ(gauge.count("source:treasury"), 0u);
  EXPECT_EQ(gauge.count("source:inbox"), 1u);
  EXPECT_EQ(gauge.count("receiver:owners"), 1u);  // another prefix: untouched
  std::vector<std::string> names;
  for (const auto& c : h.checks()) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"receiver:owners", "source:inbox"}));
}

}  // namespace
}  // namespace bw::daemon
