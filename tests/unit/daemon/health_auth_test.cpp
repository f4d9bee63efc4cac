#include <gtest/gtest.h>

#include <map>

#include "daemon/health.h"
#include "daemon/web/auth.h"

namespace bw::daemon {
namespace {

TEST(SameSecretTest, equal_only_when_every_byte_and_the_length_match) {
  EXPECT_TRUE(web::same_secret("demo-upload-token", "demo-upload-token"));
  EXPECT_TRUE(web::same_secret("", ""));
  EXPECT_FALSE(web::same_secret("demo-upload-token", "demo-upload-tokeN"));
  EXPECT_FALSE(web::same_secret("Demo-upload-token", "demo-upload-token"));
  EXPECT_FALSE(web::same_secret("demo-upload", "demo-upload-token"));        // a prefix
  EXPECT_FALSE(web::same_secret("demo-upload-token-x", "demo-upload-token"));  // longer
  EXPECT_FALSE(web::same_secret("", "demo-upload-token"));
  EXPECT_FALSE(web::same_secret(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(web::same_secret(std::string_view("abc\0", 4), "abc"));  // a trailing NUL is not padding
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
