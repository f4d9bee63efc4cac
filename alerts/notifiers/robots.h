// Group-chat robot notifiers: WeCom (企业微信群机器人), DingTalk (钉钉自定义机器人, 加签) and
// Feishu (飞书自定义机器人, 签名校验), with the per-robot rate limit all three impose (DESIGN §8).
// Built from config by the daemon; the builders, signatures and classification are pure and exposed
// for tests. A robot answers HTTP 200 with a non-zero errcode/code on failure: that is a failure
// here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/notifiers/webhook.h"

namespace bw::alerts {

/// A sliding-window limit: at most `max_messages` acquisitions within any `window`. The robots
/// allow 20 messages per minute per robot URL; one limiter per notifier by default, or shared
/// between notifiers that post to the same robot (RobotOptions::limiter). Thread-safe.
class RateLimiter {
 public:
  /// `max_messages` 0 is taken as 1.
  explicit RateLimiter(std::size_t max_messages = 20,
                       std::chrono::steady_clock::duration window = std::chrono::minutes(1));

  /// Takes a slot at `now` and returns zero; or, when `max_messages` slots were taken within the
  /// window ending at `now`, takes nothing and returns how long until the oldest of them leaves
  /// the window (> 0). `now` should not go backwards; if it does, the wait never exceeds `window`.
  std::chrono::steady_clock::duration acquire(std::chrono::steady_clock::time_point now);

  std::size_t max_messages() const { return max_; }
  std::chrono::steady_clock::duration window() const { return window_; }

 private:
  std::mutex mutex_;
  std::size_t max_;
  std::chrono::steady_clock::duration window_;
  std::deque<std::chrono::steady_clock::time_point> taken_;  // oldest first
};

/// What every robot receiver is configured with. Every default is stated beside the member.
struct RobotOptions {
  /// The robot's webhook URL as the vendor shows it (it carries the key or access token, which
  /// are never shown in a reason).
  std::string url;
  /// Also mention everyone (WeCom "@all", DingTalk isAtAll, Feishu <at user_id="all">). Default
  /// off.
  bool at_all = false;
  /// Messages per rolling minute this notifier sends to the robot before answering retry without
  /// sending. The vendors allow 20. Ignored when `limiter` is set.
  std::size_t max_per_minute = 20;
  /// A limiter shared with other notifiers posting to the same robot URL. Empty (default): a
  /// private one of max_per_minute per minute.
  std::shared_ptr<RateLimiter> limiter;
  /// Appended where a too-long message is cut (at a UTF-8 boundary).
  std::string truncation_note = "\n\n……（内容过长，已截断 / truncated）";
  HttpOptions http;
  WallClock clock;  ///< for signing timestamps and Retry-After dates; empty: system clock
};

/// WeCom group robot: POST to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>.
struct WecomOptions : RobotOptions {
  /// Byte limits of the two message types the vendor documents (markdown 4096, text 2048).
  std::size_t max_markdown_bytes = 4096;
  std::size_t max_text_bytes = 2048;
};

/// DingTalk custom robot: POST to https://oapi.dingtalk.com/robot/send?access_token=<token>.
struct DingtalkOptions : RobotOptions {
  /// The 加签 secret ("SEC…"). Empty: no signature (a robot secured by keywords or IP list).
  std::string secret;
  /// Limit of the markdown text, mentions excluded. Default 18000 bytes (the vendor caps a message
  /// at 20000).
  std::size_t max_text_bytes = 18000;
};

/// Feishu custom robot: POST to https://open.feishu.cn/open-apis/bot/v2/hook/<token>.
struct FeishuOptions : RobotOptions {
  /// The 签名校验 secret. Empty: no signature.
  std::string secret;
  /// The vendor refuses request bodies over 20 KB; the text is cut until the body fits. Default
  /// 19000 bytes.
  std::size_t max_body_bytes = 19000;
};

enum class RobotKind { wecom, dingtalk, feishu };

/// "wecom", "dingtalk", "feishu".
std::string_view to_string(RobotKind k);

/// DingTalk 加签: Base64(HMAC-SHA256(key = secret, message = timestamp_ms + "\n" + secret)), not
/// yet percent-encoded. Pure.
std::string dingtalk_sign(std::string_view secret, std::int64_t timestamp_ms);

/// Feishu 签名校验: Base64(HMAC-SHA256(key = timestamp_s + "\n" + secret, message = "")). Pure.
std::string feishu_sign(std::string_view secret, std::int64_t timestamp_s);

/// WeCom request. With mention_mobiles (or at_all): {"msgtype":"text","text":{"content": text,
/// "mentioned_mobile_list":[…, "@all"]}} — WeCom markdown cannot mention by mobile — else
/// {"msgtype":"markdown","markdown":{"content": markdown}}. The content is the notification's
/// markdown (text for the text type), falling back to the other when empty, with the title as a
/// first line when the body does not contain it; cut to max_markdown_bytes / max_text_bytes with
/// the truncation note. Pure.
BuiltRequest build_wecom_request(const Notification& n, const WecomOptions& o);

/// DingTalk request. URL: o.url + "&timestamp=<now_ms>&sign=<percent-encoded dingtalk_sign>"
/// ("?" instead of the first "&" when the URL has no query) when o.secret is set. Body:
/// {"msgtype":"markdown","markdown":{"title": title,"text": markdown (cut to max_text_bytes) +
/// "\n\n@<mobile> …"},"at":{"atMobiles":[…],"isAtAll": at_all}} — DingTalk highlights a mention
/// only when "@mobile" also appears in the text. Pure.
BuiltRequest build_dingtalk_request(const Notification& n, const DingtalkOptions& o,
                                    std::int64_t now_ms);

/// Feishu request: {"timestamp":"<now_s>","sign": feishu_sign (both only when o.secret is set),
/// "msg_type":"post","content":{"post":{"zh_cn":{"title": title,"content":[[{"tag":"text",
/// "text": line}], …]}}}} with one paragraph per line of the plain text (markdown when the text is
/// empty), plus [{"tag":"at","user_id":"all"}] when at_all. Feishu custom robots cannot mention by
/// mobile number: mention_mobiles are ignored. The text is cut (with the note) until the body
/// fits max_body_bytes. Pure.
BuiltRequest build_feishu_request(const Notification& n, const FeishuOptions& o,
                                  std::int64_t now_s);

/// Classifies a robot's answer. Non-2xx: as classify_http_status (with `retry_after`). 2xx: the
/// JSON's errcode (WeCom, DingTalk) or code / StatusCode (Feishu) must be 0 → delivered ("errcode
/// 0"). Otherwise:
/// - rate limits → retry after 60 s: WeCom 45009, DingTalk 130101, Feishu 11232, and Feishu 9499
///   when its msg says "too many request" (9499 is also Feishu's "Bad Request": permanent);
/// - "system busy" -1 (WeCom, DingTalk) → retry;
/// - any other code → permanent (DingTalk 310000 sign/keyword/IP, 300001 token; Feishu 19021
///   sign, 19001 token, 19024 keyword; WeCom 93000 key, 40058 content);
/// - a 2xx body that is not JSON or has no code → permanent.
/// Reasons read "errcode 310000: sign not match" (Feishu: "code 19021: …"), the vendor's message
/// cut to 200 bytes, unscrubbed. Pure.
DeliveryResult classify_robot_response(RobotKind kind, int status, std::string_view body,
                                       std::optional<std::chrono::seconds> retry_after = {});

/// The robot notifiers' common attempt: rate limit, build, POST, classify (Notifier::send scrubs).
/// When the limiter is full, send() answers Outcome::retry with retry_after = the wait until a slot
/// frees (at least 1 s) and sends nothing. Every attempt that passes the limiter takes a slot,
/// whatever its outcome (a failed attempt may still have reached the robot). Thread-safe.
class RobotNotifier : public Notifier {
 protected:
  /// `limiter`: limiter_for(options), computed before the derived class moves its options in.
  explicit RobotNotifier(std::shared_ptr<RateLimiter> limiter) : limiter_(std::move(limiter)) {}
  /// o.limiter when set, else a new RateLimiter(o.max_per_minute, 1 min).
  static std::shared_ptr<RateLimiter> limiter_for(const RobotOptions& o);

 private:
  virtual RobotKind robot() const = 0;
  virtual const RobotOptions& options() const = 0;
  /// The request for `n` at `now`.
  virtual BuiltRequest build(const Notification& n,
                             std::chrono::system_clock::time_point now) const = 0;
  // Notifier::secrets(): what must never appear in a reason besides the URL's key/token query
  // values: the signing secret, Feishu's token (a path segment).
  boost::asio::awaitable<DeliveryResult> do_send(boost::asio::any_io_executor ex,
                                                 const Notification& n, Attempt& attempt) final;
  std::string_view endpoint() const final { return options().url; }

  std::shared_ptr<RateLimiter> limiter_;
};

/// WeCom group robot. See build_wecom_request and classify_robot_response.
class WecomNotifier final : public RobotNotifier {
 public:
  explicit WecomNotifier(WecomOptions o) : RobotNotifier(limiter_for(o)), o_(std::move(o)) {}
  std::string_view kind() const override { return "wecom"; }

 private:
  RobotKind robot() const override { return RobotKind::wecom; }
  const RobotOptions& options() const override { return o_; }
  BuiltRequest build(const Notification& n,
                     std::chrono::system_clock::time_point now) const override;
  std::vector<std::string> secrets() const override { return {}; }
  WecomOptions o_;
};

/// DingTalk custom robot with 加签. See build_dingtalk_request and classify_robot_response.
class DingtalkNotifier final : public RobotNotifier {
 public:
  explicit DingtalkNotifier(DingtalkOptions o) : RobotNotifier(limiter_for(o)), o_(std::move(o)) {}
  std::string_view kind() const override { return "dingtalk"; }

 private:
  RobotKind robot() const override { return RobotKind::dingtalk; }
  const RobotOptions& options() const override { return o_; }
  BuiltRequest build(const Notification& n,
                     std::chrono::system_clock::time_point now) const override;
  std::vector<std::string> secrets() const override { return {o_.secret}; }
  DingtalkOptions o_;
};

/// Feishu custom robot with 签名校验. See build_feishu_request and classify_robot_response.
class FeishuNotifier final : public RobotNotifier {
 public:
  explicit FeishuNotifier(FeishuOptions o) : RobotNotifier(limiter_for(o)), o_(std::move(o)) {}
  std::string_view kind() const override { return "feishu"; }

 private:
  RobotKind robot() const override { return RobotKind::feishu; }
  const RobotOptions& options() const override { return o_; }
  BuiltRequest build(const Notification& n,
                     std::chrono::system_clock::time_point now) const override;
  std::vector<std::string> secrets() const override;
  FeishuOptions o_;
};

}  // namespace bw::alerts
