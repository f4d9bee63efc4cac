#include "net/redact.h"

#include <gtest/gtest.h>

namespace bw::net {
namespace {

TEST(RedactTest, masks_userinfo_and_secret_query_parameters) {
  EXPECT_EQ(redact_url("https://user:pw@host:8443/robot/send?access_token=abc123&x=1"),
            "https://***@host:8443/robot/send?access_token=***&x=1");
  EXPECT_EQ(
      redact_url("https://oapi.dingtalk.com/robot/send?access_token=t0k&timestamp=1&sign=abc%3D"),
      "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***");
  EXPECT_EQ(redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY#frag"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***#frag");
  EXPECT_EQ(redact_url("http://127.0.0.1:9000/export.csv"), "http://127.0.0.1:9000/export.csv");
  EXPECT_EQ(redact_url("not a url"), "not a url");
}

TEST(RedactTest, masks_the_robot_urls_keys_and_signatures) {
  // WeCom key, DingTalk access_token + sign (timestamp is not secret), Feishu's token is a path
  // segment: redact_url cannot know it, the notifiers scrub it as a known secret.
  EXPECT_EQ(redact_url("http://127.0.0.1:8080/cgi-bin/webhook/send?key=693a91f6-7xxx&debug=1"),
            "http://127.0.0.1:8080/cgi-bin/webhook/send?key=***&debug=1");
  EXPECT_EQ(
      redact_url("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1577262236757"
                 "&sign=f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T%2BWkIqzDk%3D"),
      "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1577262236757&sign=***");
  EXPECT_EQ(redact_url("https://h/x?Signature=a&X-Amz-Credential=b&apiKey=c&ticket=d&pwd=e"),
            "https://h/x?Signature=***&X-Amz-Credential=b&apiKey=***&ticket=***&pwd=***");
}

TEST(RedactTest, secret_names) {
  for (const char* name : {"key", "access_token", "sign", "Signature", "client_secret", "PASSWORD",
                           "pwd", "Authorization", "ticket"}) {
    EXPECT_TRUE(is_secret_name(name)) << name;
  }
  for (const char* name : {"timestamp", "x", "page", "user"}) {
    EXPECT_FALSE(is_secret_name(name)) << name;
  }
}

TEST(RedactTest, masks_known_secrets_in_text) {
  EXPECT_EQ(redact_secrets("auth failed for token s3cr3t-value", {"s3cr3t-value", "abc"}),
            "auth failed for token ***");
}

}  // namespace
}  // namespace bw::net
