#include "alerts/notifiers/robots.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/json.hpp>

#include "net/crypto.h"
#include "net/redact.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

// Every vendor asks to come back after a minute when its frequency limit trips.
constexpr std::chrono::seconds vendor_rate_limit_wait{60};

std::string_view first_non_empty(std::string_view a, std::string_view b) {
  return a.empty() ? b : a;
}

// The title as a first line unless the body already shows it.
std::string with_title(std::string_view title, std::string_view body, bool markdown) {
  if (title.empty() || body.find(title) != std::string_view::npos) return std::string(body);
  std::string out = markdown ? "**" + std::string(title) + "**" : std::string(title);
  if (!body.empty()) out += markdown ? "\n\n" : "\n";
  out += body;
  return out;
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int64_t unix_s(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool contains_nocase(std::string_view text, std::string_view word) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find(word) != std::string::npos;
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Feishu's post content: one paragraph per line.
json::object feishu_body(const Notification& n, const FeishuOptions& o, std::string_view text,
                         std::int64_t now_s) {
  json::array paragraphs;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto eol = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    paragraphs.push_back(json::array{json::object{{"tag", "text"}, {"text", line}}});
    rest.remove_prefix(std::min(eol + 1, rest.size()));
  }
  if (o.at_all) paragraphs.push_back(json::array{json::object{{"tag", "at"}, {"user_id", "all"}}});
  json::object body;
  if (!o.secret.empty()) {
    body["timestamp"] = std::to_string(now_s);
    body["sign"] = feishu_sign(o.secret, now_s);
  }
  body["msg_type"] = "post";
  body["content"] = json::object{
      {"post", json::object{{"zh_cn", json::object{{"title", n.title},
                                                   {"content", std::move(paragraphs)}}}}}};
  return body;
}

}  // namespace

RateLimiter::RateLimiter(std::size_t max_messages, std::chrono::steady_clock::duration window)
    : max_(std::max<std::size_t>(max_messages, 1)), window_(window) {}

std::chrono::steady_clock::duration RateLimiter::acquire(
    std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  while (!taken_.empty() && now - taken_.front() >= window_) taken_.pop_front();
  if (taken_.size() < max_) {
    // Keep the deque ordered even if `now` went backwards.
    taken_.push_back(taken_.empty() ? now : std::max(now, taken_.back()));
    return std::chrono::steady_clock::duration::zero();
  }
  const auto wait = taken_.front() + window_ - now;
  return std::clamp(wait, std::chrono::steady_clock::duration(1), window_);
}

std::string_view to_string(RobotKind k) {
  switch (k) {
    case RobotKind::wecom:
      return "wecom";
    case RobotKind::dingtalk:
      return "dingtalk";
    case RobotKind::feishu:
      return "feishu";
  }
  return "robot";
}

std::string dingtalk_sign(std::string_view secret, std::int64_t timestamp_ms) {
  const std::string to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return net::base64_encode(net::hmac_sha256(secret, to_sign));
}

std::string feishu_sign(std::string_view secret, std::int64_t timestamp_s) {
  const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
  return net::base64_encode(net::hmac_sha256(key, ""));
}

BuiltRequest build_wecom_request(const Notification& n, const WecomOptions& o) {
  json::object body;
  if (!n.mention_mobiles.empty() || o.at_all) {
    const std::string content =
        truncate_utf8(with_title(n.title, first_non_empty(n.text, n.markdown), false),
                      o.max_text_bytes, o.truncation_note);
    json::array mobiles;
    for (const auto& m : n.mention_mobiles) mobiles.push_back(json::string(m));
    if (o.at_all) mobiles.push_back("@all");
    body["msgtype"] = "text";
    body["text"] =
        json::object{{"content", content}, {"mentioned_mobile_list", std::move(mobiles)}};
  } else {
    const std::string content =
        truncate_utf8(with_title(n.title, first_non_empty(n.markdown, n.text), true),
                      o.max_markdown_bytes, o.truncation_note);
    body["msgtype"] = "markdown";
    body["markdown"] = json::object{{"content", content}};
  }
  return BuiltRequest{o.url, {{"Content-Type", "application/json"}}, json::serialize(body)};
}

BuiltRequest build_dingtalk_request(const Notification& n, const DingtalkOptions& o,
                                    std::int64_t now_ms) {
  BuiltRequest b;
  b.url = o.url;
  if (!o.secret.empty()) {
    b.url += b.url.find('?') == std::string::npos ? '?' : '&';
    b.url += "timestamp=" + std::to_string(now_ms) +
             "&sign=" + net::percent_encode(dingtalk_sign(o.secret, now_ms));
  }
  b.headers.emplace_back("Content-Type", "application/json");

  std::string text = truncate_utf8(with_title(n.title, first_non_empty(n.markdown, n.text), true),
                                   o.max_text_bytes, o.truncation_note);
  json::array mobiles;
  if (!n.mention_mobiles.empty()) {
    text += "\n\n";
    for (std::size_t i = 0; i < n.mention_mobiles.size(); ++i) {
      if (i > 0) text += ' ';
      text += "@" + n.mention_mobiles[i];
      mobiles.push_back(json::string(n.mention_mobiles[i]));
    }
  }
  json::object body;
  body["msgtype"] = "markdown";
  body["markdown"] = json::object{{"title", n.title.empty() ? std::string("budgetwatch") : n.title},
                                  {"text", text}};
  body["at"] = json::object{{"atMobiles", std::move(mobiles)}, {"isAtAll", o.at_all}};
  b.body = json::serialize(body);
  return b;
}

BuiltRequest build_feishu_request(const Notification& n, const FeishuOptions& o,
                                  std::int64_t now_s) {
  const std::string_view full = first_non_empty(n.text, n.markdown);
  auto body_for = [&](std::size_t budget) {
    return json::serialize(
        feishu_body(n, o, truncate_utf8(full, budget, o.truncation_note), now_s));
  };
  std::string body = body_for(full.size());
  if (body.size() > o.max_body_bytes) {
    // Escaping and per-line framing make the body longer than the text by an amount only
    // serializing tells: find the largest text budget whose body fits (the size grows with the
    // budget), ~log2(text size) serializations.
    std::size_t fits = 0, too_big = full.size();
    while (too_big - fits > 1) {
      const std::size_t mid = fits + (too_big - fits) / 2;
      (body_for(mid).size() <= o.max_body_bytes ? fits : too_big) = mid;
    }
    body = body_for(fits);
  }
  return BuiltRequest{o.url, {{"Content-Type", "application/json"}}, std::move(body)};
}

DeliveryResult classify_robot_response(RobotKind kind, int status, std::string_view body,
                                       std::optional<std::chrono::seconds> retry_after) {
  if (status < 200 || status > 299) return classify_http_status(status, body, retry_after);
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return {Outcome::permanent, "unexpected response: " + reason_excerpt(body), std::nullopt};
  }
  const json::object& o = v.get_object();
  std::optional<std::int64_t> code;
  std::string message;
  std::string_view label = "errcode";
  if (kind == RobotKind::feishu) {
    label = "code";
    code = int_field(o, "code");
    message = string_field(o, "msg");
    if (!code) {  // the older answer: {"StatusCode":0,"StatusMessage":"success"}
      code = int_field(o, "StatusCode");
      message = string_field(o, "StatusMessage");
    }
  } else {
    code = int_field(o, "errcode");
    message = string_field(o, "errmsg");
  }
  if (!code) {
    return {Outcome::permanent, "unexpected response: " + reason_excerpt(body), std::nullopt};
  }
  std::string reason = std::string(label) + " " + std::to_string(*code);
  if (*code == 0) return {Outcome::delivered, reason, std::nullopt};
  if (!message.empty()) reason += ": " + reason_excerpt(message);

  bool rate_limited = false;
  bool busy = false;
  switch (kind) {
    case RobotKind::wecom:
      rate_limited = *code == 45009;
      busy = *code == -1;
      break;
    case RobotKind::dingtalk:
      rate_limited = *code == 130101;
      busy = *code == -1;
      break;
    case RobotKind::feishu:
      rate_limited = *code == 11232 || (*code == 9499 && (contains_nocase(message, "too many") ||
                                                          contains_nocase(message, "frequen")));
      break;
  }
  if (rate_limited) return {Outcome::retry, reason, vendor_rate_limit_wait};
  if (busy) return {Outcome::retry, reason, std::nullopt};
  return {Outcome::permanent, reason, std::nullopt};
}

std::shared_ptr<RateLimiter> RobotNotifier::limiter_for(const RobotOptions& o) {
  return o.limiter ? o.limiter : std::make_shared<RateLimiter>(o.max_per_minute, 1min);
}

asio::awaitable<DeliveryResult> RobotNotifier::do_send(asio::any_io_executor ex,
                                                       const Notification& n, Attempt& attempt) {
  const RobotOptions& o = options();
  const auto wait = limiter_->acquire(std::chrono::steady_clock::now());
  if (wait > std::chrono::steady_clock::duration::zero()) {
    const auto seconds = std::max(std::chrono::ceil<std::chrono::seconds>(wait), 1s);
    co_return DeliveryResult{Outcome::retry,
                             "rate limited: at most " + std::to_string(limiter_->max_messages()) +
                                 " messages per minute to this robot; next slot in " +
                                 std::to_string(seconds.count()) + " s",
                             seconds};
  }
  const auto now = now_of(o.clock);
  const BuiltRequest b = build(n, now);
  // The signed URL first (its query carries the timestamp and signature), then the configured one.
  attempt.urls = {b.url};
  if (b.url != o.url) attempt.urls.push_back(o.url);
  auto r = co_await post_request(ex, b, o.http);
  if (!r) co_return r.error();
  std::optional<std::chrono::seconds> retry_after;
  if (const auto h = r->header("Retry-After")) retry_after = net::parse_retry_after(*h, now);
  co_return classify_robot_response(robot(), r->status, r->body, retry_after);
}

BuiltRequest WecomNotifier::build(const Notification& n,
                                  std::chrono::system_clock::time_point) const {
  return build_wecom_request(n, o_);
}

BuiltRequest DingtalkNotifier::build(const Notification& n,
                                     std::chrono::system_clock::time_point now) const {
  return build_dingtalk_request(n, o_, unix_ms(now));
}

BuiltRequest FeishuNotifier::build(const Notification& n,
                                   std::chrono::system_clock::time_point now) const {
  return build_feishu_request(n, o_, unix_s(now));
}

std::vector<std::string> FeishuNotifier::secrets() const {
  // The token is the last path segment of .../open-apis/bot/v2/hook/<token>.
  std::string_view path = o_.url;
  path = path.substr(0, std::min(path.find_first_of("?#"), path.size()));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  std::string token(slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1));
  if (token.find('.') != std::string::npos || token.find(':') != std::string::npos) token.clear();
  return {o_.secret, token};
}

}  // namespace bw::alerts
