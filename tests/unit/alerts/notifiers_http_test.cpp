// The webhook, Alertmanager and robot notifiers against real local HTTP receivers
// (tests/support/receiver.py on 127.0.0.1): the receiver verifies the robots' keys and signatures
// with its own Python implementation of the vendors' documentation. Delivery, the retry classes
// (5xx, 429 + Retry-After, robot errcodes), the 20-a-minute limit, and that no reason ever carries
// a secret (Alertmanager's AssertNotifyLeaksNoSecret).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "alerts/notifiers/alertmanager.h"
#include "alerts/notifiers/robots.h"
#include "alerts/notifiers/webhook.h"
#include "net/crypto.h"
#include "tests/support/export_server.h"
#include "tests/support/receiver.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string wecom_key = "wecom-KEY-0d9a7c1e";
const std::string ding_token = "ding-TOKEN-5f3b2a";
const std::string ding_secret = "SECding-s3cr3t-9e8d7c";
const std::string feishu_token = "feishu-TOKEN-a1b2c3";
const std::string feishu_secret = "feishu-s3cr3t-4d5e6f";
const std::string bearer = "hook-B3ARER-77aa";

DeliveryResult run(Notifier& notifier, const Notification& n) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, notifier.send(ioc.get_executor(), n), asio::use_future);
  ioc.run();
  return f.get();
}

std::string describe(const DeliveryResult& d) {
  const char* names[] = {"delivered", "retry", "permanent"};
  return std::string(names[static_cast<int>(d.outcome)]) + ": " + d.reason;
}

Notification sample() {
  Notification n;
  n.idempotency_key = "owner-zhang/owner=张三/7";
  n.receiver = "owner-zhang";
  n.group_key = "owner=张三";
  n.status = Status::firing;
  n.title = "预算执行预警：1 个项目";
  n.text = "预算执行预警：1 个项目\nP001 执行率 36.62%，低于 60%";
  n.markdown = "### 预算执行预警：1 个项目\n- **P001** 执行率 36.62%，低于 60%";
  AlertItem a;
  a.fingerprint = "0123456789abcdef";
  a.rule = "below_threshold";
  a.severity = Severity::critical;
  a.labels = {{"alertname", "below_threshold"},
              {"severity", "critical"},
              {"project_code", "P001"},
              {"owner", "张三"}};
  a.annotations = {{"summary", "P001 执行率 36.62%"}};
  a.starts_at = 1625040000;
  a.url = "http://budgetwatch.local:9108/api/v1/projects/P001";
  n.alerts = {a};
  n.mention_mobiles = {"13800000000"};
  n.external_url = "http://budgetwatch.local:9108";
  n.group_labels = {{"owner", "张三"}};
  return n;
}

HttpOptions quick_http() {
  HttpOptions h;
  h.connect_timeout = 3000ms;
  h.read_timeout = 3000ms;
  return h;
}

WallClock fixed_clock(std::chrono::system_clock::time_point t) {
  return [t] { return t; };
}

class NotifiersHttpTest : public ::testing::Test {
 protected:
  test::Receiver receiver_{
      test::ReceiverOptions{wecom_key, ding_token, ding_secret, feishu_token, feishu_secret}};
  std::string base_ = receiver_.base_url();

  WebhookOptions webhook(const std::string& path) {
    WebhookOptions o;
    o.url = base_ + path;
    o.bearer_token = bearer;
    o.http = quick_http();
    return o;
  }
  WecomOptions wecom(const std::string& key = wecom_key, const std::string& extra = "") {
    WecomOptions o;
    o.url = base_ + "/cgi-bin/webhook/send?key=" + key + extra;
    o.http = quick_http();
    return o;
  }
  DingtalkOptions dingtalk(const std::string& secret = ding_secret, const std::string& extra = "") {
    DingtalkOptions o;
    o.url = base_ + "/robot/send?access_token=" + ding_token + extra;
    o.secret = secret;
    o.http = quick_http();
    return o;
  }
  FeishuOptions feishu(const std::string& secret = feishu_secret, const std::string& extra = "",
                       const std::string& token = feishu_token) {
    FeishuOptions o;
    o.url = base_ + "/open-apis/bot/v2/hook/" + token + extra;
    o.secret = secret;
    o.http = quick_http();
    return o;
  }
};

// ---------------------------------------------------------------------------------------------
// Generic webhook

TEST_F(NotifiersHttpTest, webhook_delivers_the_alertmanager_shaped_payload) {
  WebhookNotifier notifier(webhook("/hooks/budget"));
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::delivered) << describe(d);
  EXPECT_EQ(d.reason, "HTTP 200");
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/hooks/budget");
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_EQ(seen[0].header("Idempotency-Key"), "owner-zhang/owner=%E5%BC%A0%E4%B8%89/7");
  EXPECT_EQ(seen[0].header("Authorization"), "Bearer " + bearer);
  const json::object body = json::parse(seen[0].body).as_object();
  EXPECT_EQ(body, json::parse(build_webhook_payload(sample())));
  EXPECT_EQ(body.at("version"), "4");
  EXPECT_EQ(body.at("alerts").as_array()[0].at("labels").at("owner"), "张三");
  EXPECT_EQ(body.at("alerts").as_array()[0].at("endsAt"), "0001-01-01T00:00:00Z");
}

TEST_F(NotifiersHttpTest, webhook_retry_classes) {
  struct Row {
    std::string path;
    Outcome outcome;
    std::optional<std::chrono::seconds> retry_after;
    std::string reason;
  };
  const std::vector<Row> rows = {
      {"/status/500", Outcome::retry, std::nullopt, R"(HTTP 500: {"status": 500})"},
      {"/status/503?retry_after=120", Outcome::retry, 120s, R"(HTTP 503: {"status": 503})"},
      {"/status/429?retry_after=7", Outcome::retry, 7s, R"(HTTP 429: {"status": 429})"},
      {"/status/408", Outcome::retry, std::nullopt, R"(HTTP 408: {"status": 408})"},
      {"/status/400", Outcome::permanent, std::nullopt, R"(HTTP 400: {"status": 400})"},
      {"/status/401", Outcome::permanent, std::nullopt, R"(HTTP 401: {"status": 401})"},
      {"/status/404?retry_after=5", Outcome::permanent, std::nullopt,
       R"(HTTP 404: {"status": 404})"},
      {"/status/302", Outcome::permanent, std::nullopt, R"(HTTP 302: {"status": 302})"},
      {"/status/204", Outcome::delivered, std::nullopt, "HTTP 204"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.path);
    WebhookNotifier notifier(webhook(r.path));
    const DeliveryResult d = run(notifier, sample());
    EXPECT_EQ(d.outcome, r.outcome) << describe(d);
    EXPECT_EQ(d.retry_after, r.retry_after);
    EXPECT_EQ(d.reason, r.reason);
  }
  EXPECT_EQ(receiver_.requests().size(), rows.size());
}

TEST_F(NotifiersHttpTest, webhook_retry_after_http_date_is_measured_from_the_clock) {
  WebhookOptions o = webhook("/status/429?retry_after=Wed,%2030%20Jun%202021%2008:02:00%20GMT");
  o.clock = fixed_clock(std::chrono::system_clock::time_point(std::chrono::seconds(1625040000)));
  WebhookNotifier notifier(o);
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::retry);
  EXPECT_EQ(d.retry_after, 120s);
}

TEST_F(NotifiersHttpTest, webhook_transport_failures) {
  const test::ClosedPort closed;
  WebhookOptions refused = webhook("");
  refused.url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/hook";
  WebhookNotifier a(refused);
  const DeliveryResult d1 = run(a, sample());
  EXPECT_EQ(d1.outcome, Outcome::retry);
  EXPECT_EQ(d1.reason, "connection refused");

  WebhookOptions slow = webhook("/delay/3000");
  slow.http.read_timeout = 300ms;
  WebhookNotifier b(slow);
  const DeliveryResult d2 = run(b, sample());
  EXPECT_EQ(d2.outcome, Outcome::retry);
  EXPECT_EQ(d2.reason, "read timed out after 300 ms");

  WebhookOptions bad = webhook("");
  bad.url = "ftp://127.0.0.1/hook?token=abcdef123";
  WebhookNotifier c(bad);
  const DeliveryResult d3 = run(c, sample());
  EXPECT_EQ(d3.outcome, Outcome::permanent);
  EXPECT_EQ(d3.reason, "unsupported URL scheme in ftp://127.0.0.1/… (expected http or https)");
}

TEST_F(NotifiersHttpTest, alertmanager_posts_to_the_v2_alerts_path) {
  AlertmanagerOptions o;
  o.url = base_ + "/am/";
  o.http = quick_http();
  o.clock = fixed_clock(std::chrono::system_clock::time_point(std::chrono::seconds(1625040000)));
  AlertmanagerNotifier notifier(o);
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::delivered) << describe(d);
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/am/api/v2/alerts");
  const json::array body = json::parse(seen[0].body).as_array();
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].at("endsAt"), "2021-06-30T09:00:00Z");
  EXPECT_EQ(body[0].at("labels").at("project_code"), "P001");
  EXPECT_EQ(seen[0].header("Idempotency-Key"), "owner-zhang/owner=%E5%BC%A0%E4%B8%89/7");
}

// ---------------------------------------------------------------------------------------------
// Robots

TEST_F(NotifiersHttpTest, wecom_delivers_and_the_receiver_accepts_the_key) {
  WecomNotifier notifier(wecom());
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::delivered) << describe(d);
  EXPECT_EQ(d.reason, "errcode 0");
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].verdict, "ok");
  const json::object body = json::parse(seen[0].body).as_object();
  EXPECT_EQ(body.at("msgtype"), "text");  // a mention needs the text type
  EXPECT_EQ(body.at("text").at("mentioned_mobile_list"), (json::array{"13800000000"}));
}

TEST_F(NotifiersHttpTest, wecom_failures) {
  WecomNotifier wrong(wecom("wecom-KEY-wrong-123"));
  const DeliveryResult d1 = run(wrong, sample());
  EXPECT_EQ(d1.outcome, Outcome::permanent);
  EXPECT_EQ(d1.reason.rfind("errcode 93000: invalid webhook url", 0), 0u) << d1.reason;

  WecomNotifier limited(wecom(wecom_key, "&force=45009"));
  const DeliveryResult d2 = run(limited, sample());
  EXPECT_EQ(d2.outcome, Outcome::retry);
  EXPECT_EQ(d2.reason, "errcode 45009: api freq out of limit");
  EXPECT_EQ(d2.retry_after, 60s);
}

TEST_F(NotifiersHttpTest, dingtalk_signature_is_verified_by_the_receiver) {
  DingtalkNotifier notifier(dingtalk());
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::delivered) << describe(d);
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].verdict, "ok");
  EXPECT_NE(seen[0].query.find("&timestamp="), std::string::npos);
  EXPECT_NE(seen[0].query.find("&sign="), std::string::npos);
  const json::object body = json::parse(seen[0].body).as_object();
  EXPECT_EQ(body.at("msgtype"), "markdown");
  EXPECT_EQ(body.at("at").at("atMobiles"), (json::array{"13800000000"}));
  const std::string text(body.at("markdown").at("text").as_string());
  EXPECT_EQ(text.substr(text.size() - 13), "\n@13800000000");
}

TEST_F(NotifiersHttpTest, dingtalk_failures) {
  DingtalkNotifier wrong_secret(dingtalk("SECnot-the-right-one"));
  const DeliveryResult d1 = run(wrong_secret, sample());
  EXPECT_EQ(d1.outcome, Outcome::permanent);
  EXPECT_EQ(d1.reason.rfind("errcode 310000: sign not match", 0), 0u) << d1.reason;

  DingtalkOptions late = dingtalk();
  late.clock = fixed_clock(std::chrono::system_clock::now() - 2h);  // outside the vendor's hour
  DingtalkNotifier stale(late);
  const DeliveryResult d2 = run(stale, sample());
  EXPECT_EQ(d2.outcome, Outcome::permanent);
  EXPECT_EQ(d2.reason, "errcode 310000: invalid timestamp");

  DingtalkOptions bad_token = dingtalk();
  bad_token.url = base_ + "/robot/send?access_token=nope-nope";
  DingtalkNotifier no_token(bad_token);
  EXPECT_EQ(run(no_token, sample()).reason, "errcode 300001: token is not exist");

  DingtalkNotifier fast(dingtalk(ding_secret, "&force=130101"));
  const DeliveryResult d3 = run(fast, sample());
  EXPECT_EQ(d3.outcome, Outcome::retry);
  EXPECT_EQ(d3.retry_after, 60s);
  EXPECT_EQ(d3.reason.rfind("errcode 130101: ", 0), 0u);

  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].verdict, "sign mismatch");
  EXPECT_EQ(seen[1].verdict, "timestamp out of range");
  EXPECT_EQ(seen[3].verdict, "forced 130101");  // the signature itself was fine
}

TEST_F(NotifiersHttpTest, feishu_signature_is_verified_by_the_receiver) {
  FeishuNotifier notifier(feishu());
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::delivered) << describe(d);
  EXPECT_EQ(d.reason, "code 0");
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].verdict, "ok");
  const json::object body = json::parse(seen[0].body).as_object();
  EXPECT_EQ(body.at("msg_type"), "post");
  EXPECT_TRUE(body.at("timestamp").is_string());
  EXPECT_EQ(body.at("content").at("post").at("zh_cn").at("title"), "预算执行预警：1 个项目");
}

TEST_F(NotifiersHttpTest, feishu_failures) {
  FeishuNotifier wrong_secret(feishu("feishu-wrong-secret"));
  const DeliveryResult d1 = run(wrong_secret, sample());
  EXPECT_EQ(d1.outcome, Outcome::permanent);
  EXPECT_EQ(d1.reason,
            "code 19021: sign match fail or timestamp is not within one hour from current time");

  FeishuOptions early = feishu();
  early.clock = fixed_clock(std::chrono::system_clock::now() + 2h);
  FeishuNotifier future(early);
  EXPECT_EQ(run(future, sample()).outcome, Outcome::permanent);

  FeishuNotifier wrong_token(feishu(feishu_secret, "", "feishu-TOKEN-other"));
  const DeliveryResult d2 = run(wrong_token, sample());
  EXPECT_EQ(d2.outcome, Outcome::permanent);
  EXPECT_EQ(d2.reason, "code 19001: param invalid: incoming webhook access token invalid");

  FeishuNotifier limited(feishu(feishu_secret, "?force=11232"));
  const DeliveryResult d3 = run(limited, sample());
  EXPECT_EQ(d3.outcome, Outcome::retry);
  EXPECT_EQ(d3.retry_after, 60s);

  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].verdict, "sign mismatch");
  EXPECT_EQ(seen[1].verdict, "timestamp out of range");
  EXPECT_EQ(seen[2].verdict, "invalid token");
}

TEST_F(NotifiersHttpTest, robot_http_errors_use_the_http_classes) {
  WecomOptions o = wecom();
  o.url = base_ + "/status/502?key=" + wecom_key;
  WecomNotifier notifier(o);
  const DeliveryResult d = run(notifier, sample());
  EXPECT_EQ(d.outcome, Outcome::retry);
  EXPECT_EQ(d.reason, R"(HTTP 502: {"status": 502})");
}

TEST_F(NotifiersHttpTest, twenty_first_message_within_a_minute_is_held_back) {
  std::vector<std::unique_ptr<Notifier>> robots;
  robots.push_back(std::make_unique<WecomNotifier>(wecom()));
  robots.push_back(std::make_unique<DingtalkNotifier>(dingtalk()));
  robots.push_back(std::make_unique<FeishuNotifier>(feishu()));
  for (auto& robot : robots) {
    SCOPED_TRACE(std::string(robot->kind()));
    receiver_.clear();
    for (int i = 0; i < 20; ++i) {
      const DeliveryResult d = run(*robot, sample());
      ASSERT_EQ(d.outcome, Outcome::delivered) << i << " " << describe(d);
    }
    const DeliveryResult held = run(*robot, sample());
    EXPECT_EQ(held.outcome, Outcome::retry);
    ASSERT_TRUE(held.retry_after.has_value());
    EXPECT_GE(*held.retry_after, 1s);
    EXPECT_LE(*held.retry_after, 60s);
    EXPECT_EQ(held.reason.rfind("rate limited: at most 20 messages per minute to this robot; "
                                "next slot in ",
                                0),
              0u)
        << held.reason;
    EXPECT_EQ(receiver_.requests().size(), 20u);  // the 21st never left
  }
}

TEST_F(NotifiersHttpTest, a_shared_limiter_counts_every_notifier_of_the_robot) {
  auto shared = std::make_shared<RateLimiter>(2);
  DingtalkOptions o = dingtalk();
  o.limiter = shared;
  DingtalkNotifier first(o), second(o);
  EXPECT_EQ(run(first, sample()).outcome, Outcome::delivered);
  EXPECT_EQ(run(second, sample()).outcome, Outcome::delivered);
  EXPECT_EQ(run(first, sample()).outcome, Outcome::retry);
  EXPECT_EQ(run(second, sample()).outcome, Outcome::retry);
  EXPECT_EQ(receiver_.requests().size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Secret leaks

TEST_F(NotifiersHttpTest, no_reason_carries_a_secret_key_token_or_signature) {
  const test::ClosedPort closed;
  const std::string dead = "http://127.0.0.1:" + std::to_string(closed.port());
  const auto now = std::chrono::system_clock::now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t now_s = now_ms / 1000;
  const std::string ding_sign = dingtalk_sign(ding_secret, now_ms);
  const std::vector<std::string> secrets = {wecom_key,
                                            ding_token,
                                            ding_secret,
                                            feishu_token,
                                            feishu_secret,
                                            bearer,
                                            ding_sign,
                                            net::percent_encode(ding_sign),
                                            feishu_sign(feishu_secret, now_s),
                                            "key=w",
                                            "access_token=d"};

  std::vector<std::pair<std::string, std::unique_ptr<Notifier>>> cases;
  auto add = [&](std::string name, std::unique_ptr<Notifier> n) {
    cases.emplace_back(std::move(name), std::move(n));
  };
  // Webhooks: a server echoing the request (URL with a token, Authorization) in its error body,
  // unreachable hosts and invalid URLs that carry secrets.
  for (const std::string& url :
       {base_ + "/status/400?echo=1&token=" + wecom_key, dead + "/hook?access_token=" + ding_token,
        "http://127.0.0.1:99999/hook?key=" + wecom_key, "ftp://h/hook?sign=" + ding_secret}) {
    WebhookOptions w = webhook("");
    w.url = url;
    add("webhook " + url, std::make_unique<WebhookNotifier>(w));
    AlertmanagerOptions a;
    a.url = url;
    a.bearer_token = bearer;
    a.http = quick_http();
    add("alertmanager " + url, std::make_unique<AlertmanagerNotifier>(a));
  }
  // Robots: refusals by the receiver, echoes, dead hosts, bad ports.
  add("wecom wrong key", std::make_unique<WecomNotifier>(wecom("w" + wecom_key)));
  {
    WecomOptions o = wecom();
    o.url = base_ + "/status/500?echo=1&key=" + wecom_key;
    add("wecom echo", std::make_unique<WecomNotifier>(o));
    o.url = dead + "/cgi-bin/webhook/send?key=" + wecom_key;
    add("wecom dead", std::make_unique<WecomNotifier>(o));
    o.url = "http://127.0.0.1:99999/cgi-bin/webhook/send?key=" + wecom_key;
    add("wecom bad port", std::make_unique<WecomNotifier>(o));
  }
  {
    DingtalkOptions o = dingtalk("SECwrong-secret-value");
    add("dingtalk wrong secret", std::make_unique<DingtalkNotifier>(o));
    o = dingtalk();
    o.clock = fixed_clock(now);
    o.url = base_ + "/status/400?echo=1&access_token=" + ding_token;
    add("dingtalk echo", std::make_unique<DingtalkNotifier>(o));
    o.url = dead + "/robot/send?access_token=" + ding_token;
    add("dingtalk dead", std::make_unique<DingtalkNotifier>(o));
    o.url = "http://[::1/robot/send?access_token=" + ding_token;
    add("dingtalk invalid url", std::make_unique<DingtalkNotifier>(o));
  }
  {
    FeishuOptions o = feishu("feishu-wrong-secret");
    add("feishu wrong secret", std::make_unique<FeishuNotifier>(o));
    o = feishu();
    o.url = dead + "/open-apis/bot/v2/hook/" + feishu_token;
    add("feishu dead", std::make_unique<FeishuNotifier>(o));
    o.url = "http://127.0.0.1:99999/open-apis/bot/v2/hook/" + feishu_token;
    add("feishu bad port", std::make_unique<FeishuNotifier>(o));
    o.url = "gopher://127.0.0.1/open-apis/bot/v2/hook/" + feishu_token;
    add("feishu bad scheme", std::make_unique<FeishuNotifier>(o));
  }

  for (auto& [name, notifier] : cases) {
    SCOPED_TRACE(name);
    const DeliveryResult d = run(*notifier, sample());
    EXPECT_NE(d.outcome, Outcome::delivered);
    EXPECT_FALSE(d.reason.empty());
    for (const std::string& s : secrets) {
      EXPECT_EQ(d.reason.find(s), std::string::npos) << "'" << s << "' in: " << d.reason;
    }
  }
  // The echoes did carry the secrets: the scrubbing, not luck, kept them out.
  bool echoed = false;
  for (const auto& r : receiver_.requests()) {
    echoed = echoed || (r.path.rfind("/status/", 0) == 0 && r.query.find("echo=1") == 0);
  }
  EXPECT_TRUE(echoed);
}

}  // namespace
}  // namespace bw::alerts
