#include "net/redact.h"

#include <gtest/gtest.h>

namespace bw::net {
namespace {

TEST(RedactTest, masks_userinfo_and_secret_query_parameters) {
  EXPECT_EQ(redact_url("https://user:pw@host:8443/robot/send?access_token=abc123&x=1"),
            "https://***@host:8443/robot/send?access_token=***&x=1");
  EXPECT_EQ(redact_url("https://oapi.dingtalk.com/robot/send?access_token=t0k&timestamp=1&sign=abc%3D"),
            "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***");
  EXPECT_EQ(redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY#frag"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***#frag");
  EXPECT_EQ(redact_url("http://127.0.0.1:9000/export.csv"), "http://127.0.0.1:9000/export.csv");
  EXPECT_EQ(redact_url("not a url"), "not a url");
}

TEST(RedactTest, masks_known_secrets_in_text) {
  EXPECT_EQ(redact_secrets("auth failed for token s3cr3t-value", {"s3cr3t-value", "abc"}),
            "auth failed for token ***");
}

}  // namespace
}  // namespace bw::net
