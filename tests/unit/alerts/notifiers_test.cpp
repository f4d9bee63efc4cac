// The notifiers' pure parts: request builders (JSON shapes parsed back with Boost.JSON, signatures
// against values computed independently with Python's hmac/hashlib/base64/urllib), UTF-8 safe
// truncation, HTTP and robot answer classification (the retry-class tables), the rate limiter and
// reason scrubbing. No network here: see notifiers_http_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <boost/json.hpp>

#include "alerts/notifiers/alertmanager.h"
#include "alerts/notifiers/robots.h"
#include "alerts/notifiers/webhook.h"
#include "net/redact.h"

namespace bw::alerts {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::int64_t june30_0800 = 1625040000;  // 2021-06-30T08:00:00Z
constexpr std::int64_t july15_0930 = 1626341400;  // 2021-07-15T09:30:00Z
constexpr std::int64_t june01_0000 = 1622505600;  // 2021-06-01T00:00:00Z

Notification sample() {
  Notification n;
  n.idempotency_key = "owner-zhang/owner=张三/3";
  n.receiver = "owner-zhang";
  n.group_key = "owner=张三";
  n.status = Status::firing;
  n.title = "预算执行预警：2 个项目";
  n.text = "预算执行预警：2 个项目\n- P001 执行率 36.62%\n- P002 已恢复";
  n.markdown = "### 预算执行预警：2 个项目\n- **P001** 执行率 36.62%\n- **P002** 已恢复";
  AlertItem a;
  a.fingerprint = "0123456789abcdef";
  a.rule = "below_threshold";
  a.severity = Severity::critical;
  a.status = Status::firing;
  a.labels = {{"alertname", "below_threshold"},
              {"severity", "critical"},
              {"project_code", "P001"},
              {"unit", "林业局"},
              {"owner", "张三"}};
  a.annotations = {{"summary", "P001 执行率 36.62%"}, {"description", "已支付 36.62 万元"}};
  a.starts_at = june30_0800;
  a.url = "http://budgetwatch.local:9108/api/v1/projects/P001";
  AlertItem b;
  b.fingerprint = "fedcba9876543210";
  b.rule = "no_spending";
  b.severity = Severity::warning;
  b.status = Status::resolved;
  b.labels = {{"project_code", "P002"}, {"unit", "林业局"}, {"owner", "张三"}};
  b.annotations = {{"summary", "P002 已开始支付"}, {"description", "已支付 10 万元"}};
  b.starts_at = june01_0000;
  b.ends_at = july15_0930;
  b.url = "http://budgetwatch.local:9108/api/v1/projects/P002";
  n.alerts = {a, b};
  n.mention_mobiles = {"13800000000", "13900000000"};
  n.external_url = "http://budgetwatch.local:9108";
  n.group_labels = {{"owner", "张三"}};
  return n;
}

json::object parse_object(const std::string& body) { return json::parse(body).as_object(); }

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::optional<std::string> header(const BuiltRequest& b, std::string_view name) {
  for (const auto& [n, v] : b.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// Strict UTF-8 validity (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing

TEST(NotifierPlumbingTest, rfc3339_utc_and_the_zero_time) {
  EXPECT_EQ(format_rfc3339(june30_0800), "2021-06-30T08:00:00Z");
  EXPECT_EQ(format_rfc3339(july15_0930), "2021-07-15T09:30:00Z");
  EXPECT_EQ(format_rfc3339(1), "1970-01-01T00:00:01Z");
  EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-5), "0001-01-01T00:00:00Z");
}

TEST(NotifierPlumbingTest, truncate_utf8_cuts_at_character_boundaries) {
  EXPECT_EQ(truncate_utf8("hello", 5, "…"), "hello");
  EXPECT_EQ(truncate_utf8("hello world", 8, "..."), "hello...");
  // "预算执行" is 4 × 3 bytes; 8 bytes leave room for two characters, never a partial third.
  EXPECT_EQ(truncate_utf8("预算执行", 8), "预算");
  EXPECT_EQ(truncate_utf8("预算执行", 9), "预算执");
  EXPECT_EQ(truncate_utf8("预算执行", 10, "!"), "预算执!");
  EXPECT_EQ(truncate_utf8("a😀b", 4), "a");  // a 4-byte sequence is kept whole or dropped
  EXPECT_EQ(truncate_utf8("a😀b", 5), "a😀");
  EXPECT_EQ(truncate_utf8("abcdef", 4, "（已截断）"), "（");  // note alone too long: cut it too
  for (std::size_t max = 0; max < 40; ++max) {
    const std::string out = truncate_utf8("预算执行率😀 91.38% — 已截断", max, "…");
    EXPECT_LE(out.size(), max);
    EXPECT_TRUE(valid_utf8(out)) << max;
  }
}

TEST(NotifierPlumbingTest, reason_excerpt_is_one_short_clean_line) {
  EXPECT_EQ(reason_excerpt("bad request\nsecond line"), "bad request");
  EXPECT_EQ(reason_excerpt("a\tb\x01"
                           "c"),
            "a b c");
  EXPECT_EQ(reason_excerpt(std::string(300, 'x')), std::string(197, 'x') + "…");
  EXPECT_EQ(reason_excerpt(""), "");
}

TEST(NotifierPlumbingTest, http_status_retry_class_table) {
  struct Row {
    int status;
    Outcome outcome;
  };
  for (const Row& r :
       {Row{200, Outcome::delivered}, Row{202, Outcome::delivered}, Row{204, Outcome::delivered},
        Row{408, Outcome::retry}, Row{429, Outcome::retry}, Row{500, Outcome::retry},
        Row{502, Outcome::retry}, Row{503, Outcome::retry}, Row{599, Outcome::retry},
        Row{100, Outcome::permanent}, Row{301, Outcome::permanent}, Row{304, Outcome::permanent},
        Row{400, Outcome::permanent}, Row{401, Outcome::permanent}, Row{403, Outcome::permanent},
        Row{404, Outcome::permanent}, Row{410, Outcome::permanent}, Row{422, Outcome::permanent}}) {
    EXPECT_EQ(classify_http_status(r.status, "", std::nullopt).outcome, r.outcome) << r.status;
  }
  const DeliveryResult busy = classify_http_status(503, "overloaded\nstack trace", 30s);
  EXPECT_EQ(busy.outcome, Outcome::retry);
  EXPECT_EQ(busy.reason, "HTTP 503: overloaded");
  EXPECT_EQ(busy.retry_after, 30s);
  const DeliveryResult bad = classify_http_status(400, "", 30s);
  EXPECT_EQ(bad.reason, "HTTP 400");
  EXPECT_EQ(bad.retry_after, std::nullopt);  // only retries carry a wait
  EXPECT_EQ(classify_http_status(200, "ok", std::nullopt).reason, "HTTP 200");
}

TEST(NotifierPlumbingTest, http_response_retry_after_header_is_parsed) {
  net::HttpResponse r;
  r.status = 429;
  r.headers = {{"retry-after", "Wed, 30 Jun 2021 08:01:00 GMT"}};
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(june30_0800));
  EXPECT_EQ(classify_http_response(r, now).retry_after, 60s);
  r.headers = {{"Retry-After", "7"}};
  EXPECT_EQ(classify_http_response(r, now).retry_after, 7s);
  r.headers = {{"Retry-After", "later"}};
  EXPECT_EQ(classify_http_response(r, now).retry_after, std::nullopt);
}

TEST(NotifierPlumbingTest, safe_reason_hides_urls_query_secrets_and_known_secrets) {
  const std::string url =
      "https://user:pw@oapi.dingtalk.com/robot/send?access_token=T0KEN1234"
      "&timestamp=1577262236757&sign=f7qQ1A8K%2BWkIqzDk%3D";
  EXPECT_EQ(safe_reason("invalid URL " + url, url, {}), "invalid URL https://oapi.dingtalk.com/…");
  EXPECT_EQ(safe_reason("invalid URL " + std::string(net::redact_url(url)), url, {}),
            "invalid URL https://oapi.dingtalk.com/…");
  // Echoed by a careless server, encoded or decoded.
  EXPECT_EQ(safe_reason("HTTP 400: token T0KEN1234 sign f7qQ1A8K+WkIqzDk= bad", url, {}),
            "HTTP 400: token *** sign *** bad");
  EXPECT_EQ(safe_reason("HTTP 401: Bearer s3cr3t-b3arer", "", {"s3cr3t-b3arer", ""}),
            "HTTP 401: Bearer ***");
  EXPECT_EQ(safe_reason("connection refused", url, {"SEC123456"}), "connection refused");
}

TEST(NotifierPlumbingTest, idempotency_header_is_visible_ascii_and_reversible) {
  EXPECT_EQ(idempotency_header("r/owner=张三/3"), "r/owner=%E5%BC%A0%E4%B8%89/3");
  EXPECT_EQ(idempotency_header("a b%c\r\n~"), "a b%25c%0D%0A~");
  EXPECT_EQ(idempotency_header("plain-key_1.2"), "plain-key_1.2");
}

TEST(NotifierPlumbingTest, auth_headers) {
  std::vector<std::pair<std::string, std::string>> h;
  append_auth_headers(h, "tok", "user", "pw");
  append_auth_headers(h, "", "user", "pa55 w0rd");
  append_auth_headers(h, "", "", "pw");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].second, "Bearer tok");
  EXPECT_EQ(h[1].second, "Basic dXNlcjpwYTU1IHcwcmQ=");
}

// ---------------------------------------------------------------------------------------------
// Generic webhook

TEST(WebhookBuilderTest, payload_has_alertmanagers_webhook_shape) {
  const json::object o = parse_object(build_webhook_payload(sample()));
  EXPECT_EQ(str(o.at("version")), "4");
  EXPECT_EQ(str(o.at("groupKey")), "owner=张三");
  EXPECT_EQ(str(o.at("status")), "firing");
  EXPECT_EQ(str(o.at("receiver")), "owner-zhang");
  EXPECT_EQ(o.at("groupLabels"), (json::object{{"owner", "张三"}}));
  // Shared by both alerts; alertname and severity differ, so they are not common.
  EXPECT_EQ(o.at("commonLabels"), (json::object{{"owner", "张三"}, {"unit", "林业局"}}));
  EXPECT_EQ(o.at("commonAnnotations"), json::object{});
  EXPECT_EQ(str(o.at("externalURL")), "http://budgetwatch.local:9108");
  EXPECT_EQ(o.at("truncatedAlerts").as_int64(), 0);
  const json::array& alerts = o.at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 2u);
  const json::object& a = alerts[0].as_object();
  EXPECT_EQ(str(a.at("status")), "firing");
  EXPECT_EQ(str(a.at("labels").at("alertname")), "below_threshold");
  EXPECT_EQ(str(a.at("labels").at("project_code")), "P001");
  EXPECT_EQ(str(a.at("annotations").at("summary")), "P001 执行率 36.62%");
  EXPECT_EQ(str(a.at("startsAt")), "2021-06-30T08:00:00Z");
  EXPECT_EQ(str(a.at("endsAt")), "0001-01-01T00:00:00Z");
  EXPECT_EQ(str(a.at("generatorURL")), "http://budgetwatch.local:9108/api/v1/projects/P001");
  EXPECT_EQ(str(a.at("fingerprint")), "0123456789abcdef");
  const json::object& b = alerts[1].as_object();
  EXPECT_EQ(str(b.at("status")), "resolved");
  // alertname and severity are filled in from the rule when the labels lack them.
  EXPECT_EQ(str(b.at("labels").at("alertname")), "no_spending");
  EXPECT_EQ(str(b.at("labels").at("severity")), "warning");
  EXPECT_EQ(str(b.at("startsAt")), "2021-06-01T00:00:00Z");
  EXPECT_EQ(str(b.at("endsAt")), "2021-07-15T09:30:00Z");
  EXPECT_EQ(o.size(), 10u);  // nothing else
  EXPECT_EQ(a.size(), 7u);
}

// The alerts rendered since issue 17 link to the project's HTML page (generatorURL, what a person
// opens from Alertmanager's UI or a chat) and keep its JSON for machines: `api_url` in the
// webhook's alert, the annotation `api_url` in Alertmanager's. An alert without one (a source) has
// neither key.
TEST(WebhookBuilderTest, page_and_json_links_of_an_alert) {
  Notification n = sample();
  n.alerts[0].url = "http://127.0.0.1:9464/projects/P001?fiscal_year=2021";
  n.alerts[0].api_url = "http://127.0.0.1:9464/api/v1/projects/P001?fiscal_year=2021";
  n.alerts[1].url.clear();
  const json::object o = parse_object(build_webhook_payload(n));
  const json::object& a = o.at("alerts").as_array()[0].as_object();
  EXPECT_EQ(str(a.at("generatorURL")), "http://127.0.0.1:9464/projects/P001?fiscal_year=2021");
  EXPECT_EQ(str(a.at("api_url")), "http://127.0.0.1:9464/api/v1/projects/P001?fiscal_year=2021");
  const json::object& b = o.at("alerts").as_array()[1].as_object();
  EXPECT_FALSE(b.contains("api_url"));

  const json::array am = json::parse(build_alertmanager_payload(n, 3600s, july15_0930)).as_array();
  const json::object& x = am[0].as_object();
  EXPECT_EQ(str(x.at("generatorURL")), "http://127.0.0.1:9464/projects/P001?fiscal_year=2021");
  EXPECT_EQ(str(x.at("annotations").at("api_url")),
            "http://127.0.0.1:9464/api/v1/projects/P001?fiscal_year=2021");
  const json::object& y = am[1].as_object();
  EXPECT_FALSE(y.contains("generatorURL"));
  EXPECT_FALSE(y.at("annotations").as_object().contains("api_url"));
}

TEST(WebhookBuilderTest, max_alerts_counts_the_rest_as_truncated) {
  const json::object o = parse_object(build_webhook_payload(sample(), 1));
  EXPECT_EQ(o.at("alerts").as_array().size(), 1u);
  EXPECT_EQ(o.at("truncatedAlerts").as_int64(), 1);
  // Common labels still describe every alert of the group.
  EXPECT_EQ(o.at("commonLabels"), (json::object{{"owner", "张三"}, {"unit", "林业局"}}));
}

TEST(WebhookBuilderTest, request_headers) {
  WebhookOptions opt;
  opt.url = "https://hooks.example.org/budget?token=abc";
  opt.bearer_token = "b3arer-t0ken";
  const BuiltRequest b = build_webhook_request(sample(), opt);
  EXPECT_EQ(b.url, opt.url);
  EXPECT_EQ(header(b, "Content-Type"), "application/json");
  EXPECT_EQ(header(b, "Idempotency-Key"), "owner-zhang/owner=%E5%BC%A0%E4%B8%89/3");
  EXPECT_EQ(header(b, "Authorization"), "Bearer b3arer-t0ken");
  EXPECT_EQ(b.body, build_webhook_payload(sample()));
  Notification n = sample();
  n.idempotency_key.clear();
  EXPECT_EQ(header(build_webhook_request(n, WebhookOptions{}), "Idempotency-Key"), std::nullopt);
  EXPECT_EQ(header(build_webhook_request(n, WebhookOptions{}), "Authorization"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Alertmanager API v2

TEST(AlertmanagerBuilderTest, alerts_url) {
  EXPECT_EQ(alertmanager_alerts_url("http://am:9093"), "http://am:9093/api/v2/alerts");
  EXPECT_EQ(alertmanager_alerts_url("http://am:9093/"), "http://am:9093/api/v2/alerts");
  EXPECT_EQ(alertmanager_alerts_url("https://h/am"), "https://h/am/api/v2/alerts");
  EXPECT_EQ(alertmanager_alerts_url("http://am:9093/api/v2/alerts"),
            "http://am:9093/api/v2/alerts");
}

TEST(AlertmanagerBuilderTest, postable_alerts) {
  const std::int64_t now = july15_0930 + 60;
  const json::array arr = json::parse(build_alertmanager_payload(sample(), 3600s, now)).as_array();
  ASSERT_EQ(arr.size(), 2u);
  const json::object& a = arr[0].as_object();
  EXPECT_EQ(a.at("labels"), (json::object{{"alertname", "below_threshold"},
                                          {"owner", "张三"},
                                          {"project_code", "P001"},
                                          {"severity", "critical"},
                                          {"unit", "林业局"}}));
  EXPECT_EQ(str(a.at("annotations").at("description")), "已支付 36.62 万元");
  EXPECT_EQ(str(a.at("startsAt")), "2021-06-30T08:00:00Z");
  EXPECT_EQ(str(a.at("endsAt")), "2021-07-15T10:31:00Z");  // firing: now + resolve window
  EXPECT_EQ(str(a.at("generatorURL")), "http://budgetwatch.local:9108/api/v1/projects/P001");
  EXPECT_EQ(a.size(), 5u);
  const json::object& b = arr[1].as_object();
  EXPECT_EQ(str(b.at("labels").at("alertname")), "no_spending");
  EXPECT_EQ(str(b.at("endsAt")), "2021-07-15T09:30:00Z");  // resolved: the resolution time
}

TEST(AlertmanagerBuilderTest, labels_are_made_valid_and_times_consistent) {
  Notification n;
  AlertItem a;
  a.rule = "overspend";
  a.status = Status::resolved;
  a.labels = {{"project-code", "P9"}, {"9lives", "x"}, {"empty", ""}, {"项目", "y"}};
  a.annotations = {{"runbook.url", "http://r"}};
  a.starts_at = july15_0930;
  a.ends_at = june30_0800;  // before the start: Alertmanager would refuse the whole batch
  n.alerts = {a};
  const json::object o =
      json::parse(build_alertmanager_payload(n, 3600s, july15_0930)).as_array()[0].as_object();
  EXPECT_EQ(o.at("labels"), (json::object{{"_9lives", "x"},
                                          {"__", "y"},
                                          {"alertname", "overspend"},
                                          {"project_code", "P9"},
                                          {"severity", "warning"}}));
  EXPECT_EQ(o.at("annotations"), (json::object{{"runbook_url", "http://r"}}));
  EXPECT_EQ(str(o.at("endsAt")), str(o.at("startsAt")));
  EXPECT_FALSE(o.contains("generatorURL"));

  a.starts_at = 0;
  a.ends_at = 0;
  n.alerts = {a};
  const json::object unknown =
      json::parse(build_alertmanager_payload(n, 3600s, july15_0930)).as_array()[0].as_object();
  EXPECT_FALSE(unknown.contains("startsAt"));  // Alertmanager takes the time of receipt
  EXPECT_EQ(str(unknown.at("endsAt")), "2021-07-15T09:30:00Z");
}

TEST(AlertmanagerBuilderTest, request) {
  AlertmanagerOptions o;
  o.url = "http://127.0.0.1:9093/";
  o.username = "am";
  o.password = "pw";
  o.resolve_timeout = 600s;
  const BuiltRequest b = build_alertmanager_request(sample(), o, july15_0930);
  EXPECT_EQ(b.url, "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ(header(b, "Content-Type"), "application/json");
  EXPECT_EQ(header(b, "Authorization"), "Basic YW06cHc=");
  EXPECT_EQ(b.body, build_alertmanager_payload(sample(), 600s, july15_0930));
}

// ---------------------------------------------------------------------------------------------
// Robots

TEST(RobotSignTest, signatures_match_values_computed_with_python) {
  // python3: base64.b64encode(hmac.new(secret, f"{ts}\n{secret}", sha256).digest())
  EXPECT_EQ(dingtalk_sign("SEC1234567890abcdef", 1577262236757),
            "f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T+WkIqzDk=");
  // python3: base64.b64encode(hmac.new(f"{ts}\n{secret}", b"", sha256).digest())
  EXPECT_EQ(feishu_sign("SEC1234567890abcdef", 1599360473),
            "LXUvnhRSRxoK60JevBv36QCDMMC9hnDYEYFFDfmmD/M=");
}

TEST(DingtalkBuilderTest, signed_url_and_markdown_with_mentions) {
  DingtalkOptions o;
  o.url = "https://oapi.dingtalk.com/robot/send?access_token=abc";
  o.secret = "SEC1234567890abcdef";
  const BuiltRequest b = build_dingtalk_request(sample(), o, 1577262236757);
  EXPECT_EQ(b.url,
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1577262236757"
            "&sign=f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T%2BWkIqzDk%3D");
  EXPECT_EQ(header(b, "Content-Type"), "application/json");
  const json::object body = parse_object(b.body);
  EXPECT_EQ(str(body.at("msgtype")), "markdown");
  EXPECT_EQ(str(body.at("markdown").at("title")), "预算执行预警：2 个项目");
  EXPECT_EQ(str(body.at("markdown").at("text")),
            sample().markdown + "\n\n@13800000000 @13900000000");
  EXPECT_EQ(body.at("at"), (json::object{{"atMobiles", json::array{"13800000000", "13900000000"}},
                                         {"isAtAll", false}}));
}

TEST(DingtalkBuilderTest, unsigned_robot_and_url_without_query) {
  DingtalkOptions o;
  o.url = "http://127.0.0.1:1/robot/send";
  EXPECT_EQ(build_dingtalk_request(sample(), o, 1).url, o.url);
  o.secret = "s";
  EXPECT_EQ(build_dingtalk_request(sample(), o, 1)
                .url.rfind("http://127.0.0.1:1/robot/send?"
                           "timestamp=1&sign=",
                           0),
            0u);
}

TEST(DingtalkBuilderTest, title_is_added_when_the_body_lacks_it_and_text_is_cut) {
  Notification n = sample();
  n.markdown = std::string(30000, 'x');
  n.mention_mobiles = {"13800000000"};
  DingtalkOptions o;
  o.url = "http://h/robot/send";
  o.at_all = true;
  const json::object body = parse_object(build_dingtalk_request(n, o, 1).body);
  const std::string text = str(body.at("markdown").at("text"));
  EXPECT_EQ(text.rfind("**预算执行预警：2 个项目**\n\nxxx", 0), 0u);
  EXPECT_NE(text.find(o.truncation_note + "\n\n@13800000000"), std::string::npos);
  EXPECT_EQ(text.size(), o.max_text_bytes + std::string("\n\n@13800000000").size());
  EXPECT_TRUE(body.at("at").at("isAtAll").as_bool());
}

TEST(WecomBuilderTest, markdown_without_mentions) {
  Notification n = sample();
  n.mention_mobiles.clear();
  WecomOptions o;
  o.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  const BuiltRequest b = build_wecom_request(n, o);
  EXPECT_EQ(b.url, o.url);
  EXPECT_EQ(
      parse_object(b.body),
      (json::object{{"msgtype", "markdown"}, {"markdown", json::object{{"content", n.markdown}}}}));
}

TEST(WecomBuilderTest, text_with_mentioned_mobiles) {
  WecomOptions o;
  o.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  o.at_all = true;
  const json::object body = parse_object(build_wecom_request(sample(), o).body);
  EXPECT_EQ(str(body.at("msgtype")), "text");
  EXPECT_EQ(str(body.at("text").at("content")), sample().text);
  EXPECT_EQ(body.at("text").at("mentioned_mobile_list"),
            (json::array{"13800000000", "13900000000", "@all"}));
}

TEST(WecomBuilderTest, content_is_cut_to_the_vendor_limits_at_utf8_boundaries) {
  Notification n = sample();
  n.mention_mobiles.clear();
  n.markdown = "**标题**\n";
  for (int i = 0; i < 2000; ++i) n.markdown += "执行率";  // 18000 bytes
  WecomOptions o;
  const std::string md =
      str(parse_object(build_wecom_request(n, o).body).at("markdown").at("content"));
  EXPECT_LE(md.size(), 4096u);
  EXPECT_GT(md.size(), 4096u - 3);  // as long as a character boundary allows
  EXPECT_TRUE(valid_utf8(md));
  EXPECT_EQ(md.substr(md.size() - o.truncation_note.size()), o.truncation_note);

  n.mention_mobiles = {"13800000000"};
  n.text = n.markdown;
  const std::string text =
      str(parse_object(build_wecom_request(n, o).body).at("text").at("content"));
  EXPECT_LE(text.size(), 2048u);
  EXPECT_TRUE(valid_utf8(text));
}

TEST(FeishuBuilderTest, signed_post_with_one_paragraph_per_line) {
  FeishuOptions o;
  o.url = "https://open.feishu.cn/open-apis/bot/v2/hook/0b0c0d0e";
  o.secret = "SEC1234567890abcdef";
  o.at_all = true;
  const BuiltRequest b = build_feishu_request(sample(), o, 1599360473);
  EXPECT_EQ(b.url, o.url);
  const json::object body = parse_object(b.body);
  EXPECT_EQ(str(body.at("timestamp")), "1599360473");  // a string, as the vendor documents
  EXPECT_EQ(str(body.at("sign")), "LXUvnhRSRxoK60JevBv36QCDMMC9hnDYEYFFDfmmD/M=");
  EXPECT_EQ(str(body.at("msg_type")), "post");
  const json::object& zh = body.at("content").at("post").at("zh_cn").as_object();
  EXPECT_EQ(str(zh.at("title")), "预算执行预警：2 个项目");
  EXPECT_EQ(
      zh.at("content"),
      (json::array{json::array{json::object{{"tag", "text"}, {"text", "预算执行预警：2 个项目"}}},
                   json::array{json::object{{"tag", "text"}, {"text", "- P001 执行率 36.62%"}}},
                   json::array{json::object{{"tag", "text"}, {"text", "- P002 已恢复"}}},
                   json::array{json::object{{"tag", "at"}, {"user_id", "all"}}}}));
}

TEST(FeishuBuilderTest, unsigned_and_cut_until_the_body_fits) {
  FeishuOptions o;
  o.url = "https://open.feishu.cn/open-apis/bot/v2/hook/0b0c0d0e";
  Notification n = sample();
  n.text.clear();
  for (int i = 0; i < 3000; ++i) n.text += "第" + std::to_string(i) + "行 \"引号\"\n";
  const BuiltRequest b = build_feishu_request(n, o, 1599360473);
  EXPECT_LE(b.body.size(), o.max_body_bytes);
  EXPECT_GT(b.body.size(), o.max_body_bytes - 200);
  EXPECT_TRUE(valid_utf8(b.body));
  const json::object body = parse_object(b.body);
  EXPECT_FALSE(body.contains("sign"));
  EXPECT_FALSE(body.contains("timestamp"));
  const json::array& lines = body.at("content").at("post").at("zh_cn").at("content").as_array();
  EXPECT_NE(str(lines.back().as_array()[0].at("text")).find("已截断"), std::string::npos);
}

TEST(RobotClassifyTest, retry_class_table) {
  struct Row {
    RobotKind kind;
    int status;
    std::string body;
    Outcome outcome;
    std::optional<std::chrono::seconds> retry_after;
    std::string reason;
  };
  const std::vector<Row> rows = {
      {RobotKind::wecom,
       200,
       R"({"errcode":0,"errmsg":"ok"})",
       Outcome::delivered,
       {},
       "errcode 0"},
      {RobotKind::wecom, 200, R"({"errcode":45009,"errmsg":"api freq out of limit"})",
       Outcome::retry, 60s, "errcode 45009: api freq out of limit"},
      {RobotKind::wecom,
       200,
       R"({"errcode":-1,"errmsg":"system busy"})",
       Outcome::retry,
       {},
       "errcode -1: system busy"},
      {RobotKind::wecom,
       200,
       R"({"errcode":93000,"errmsg":"invalid webhook url"})",
       Outcome::permanent,
       {},
       "errcode 93000: invalid webhook url"},
      {RobotKind::dingtalk,
       200,
       R"({"errcode":0,"errmsg":"ok"})",
       Outcome::delivered,
       {},
       "errcode 0"},
      {RobotKind::dingtalk, 200, R"({"errcode":130101,"errmsg":"send too fast"})", Outcome::retry,
       60s, "errcode 130101: send too fast"},
      {RobotKind::dingtalk,
       200,
       R"({"errcode":310000,"errmsg":"sign not match"})",
       Outcome::permanent,
       {},
       "errcode 310000: sign not match"},
      {RobotKind::dingtalk,
       200,
       R"({"errcode":300001,"errmsg":"token is not exist"})",
       Outcome::permanent,
       {},
       "errcode 300001: token is not exist"},
      {RobotKind::feishu,
       200,
       R"({"code":0,"msg":"success","data":{}})",
       Outcome::delivered,
       {},
       "code 0"},
      {RobotKind::feishu,
       200,
       R"({"Extra":null,"StatusCode":0,"StatusMessage":"success"})",
       Outcome::delivered,
       {},
       "code 0"},
      {RobotKind::feishu,
       200,
       R"({"code":19021,"msg":"sign match fail"})",
       Outcome::permanent,
       {},
       "code 19021: sign match fail"},
      {RobotKind::feishu, 200, R"({"code":11232,"msg":"frequency limited"})", Outcome::retry, 60s,
       "code 11232: frequency limited"},
      {RobotKind::feishu, 200, R"({"code":9499,"msg":"too many request"})", Outcome::retry, 60s,
       "code 9499: too many request"},
      {RobotKind::feishu,
       200,
       R"({"code":9499,"msg":"Bad Request","data":{}})",
       Outcome::permanent,
       {},
       "code 9499: Bad Request"},
      {RobotKind::feishu,
       200,
       R"({"errcode":0})",
       Outcome::permanent,
       {},
       R"(unexpected response: {"errcode":0})"},
      {RobotKind::dingtalk,
       200,
       "<html>captive portal</html>",
       Outcome::permanent,
       {},
       "unexpected response: <html>captive portal</html>"},
      {RobotKind::dingtalk, 200, "[0]", Outcome::permanent, {}, "unexpected response: [0]"},
      {RobotKind::wecom, 502, "bad gateway", Outcome::retry, {}, "HTTP 502: bad gateway"},
      {RobotKind::feishu, 404, "", Outcome::permanent, {}, "HTTP 404"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(to_string(r.kind)) + " " + r.body);
    const DeliveryResult d = classify_robot_response(r.kind, r.status, r.body);
    EXPECT_EQ(d.outcome, r.outcome);
    EXPECT_EQ(d.retry_after, r.retry_after);
    EXPECT_EQ(d.reason, r.reason);
  }
  EXPECT_EQ(classify_robot_response(RobotKind::dingtalk, 429, "", 17s).retry_after, 17s);
}

TEST(RateLimiterTest, twenty_per_sliding_minute) {
  RateLimiter limiter;  // 20 per minute
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(limiter.acquire(t0 + std::chrono::seconds(i)), 0s) << i;  // one a second
  }
  // Full: the first slot (taken at t0) frees at t0 + 60 s.
  EXPECT_EQ(limiter.acquire(t0 + 25s), 35s);
  EXPECT_EQ(limiter.acquire(t0 + 59s), 1s);  // refusals take nothing
  EXPECT_EQ(limiter.acquire(t0 + 60s), 0s);  // the t0 slot left the window
  EXPECT_EQ(limiter.acquire(t0 + 60s), 1s);  // the t0+1 slot frees at t0+61
  EXPECT_EQ(limiter.acquire(t0 + 200s), 0s);
}

TEST(RateLimiterTest, custom_limits_and_a_clock_going_backwards) {
  RateLimiter limiter(2, 10s);
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  EXPECT_EQ(limiter.acquire(t0), 0s);
  EXPECT_EQ(limiter.acquire(t0), 0s);
  EXPECT_EQ(limiter.acquire(t0 + 4s), 6s);
  EXPECT_EQ(limiter.acquire(t0 - 100s), 10s);  // never more than the window
  EXPECT_EQ(RateLimiter(0).max_messages(), 1u);
}

}  // namespace
}  // namespace bw::alerts
