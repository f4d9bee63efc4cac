// The email notifier: one Notification → one MIME message over SMTP (net/smtp_client.h), with a
// Message-ID derived from the idempotency key so that a duplicate after a crash can be recognised.
// Built from config by alerts/notifiers/factory.cpp; the request builder is pure and exposed for
// tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "alerts/notification.h"
#include "alerts/notifiers/notifier.h"
#include "alerts/notifiers/webhook.h"  // WallClock
#include "net/smtp_client.h"

namespace bw::alerts {

/// One SMTP receiver. Every default is stated beside the member.
struct EmailOptions {
  /// SMTP server host name or IP address. Default 127.0.0.1 (a local relay).
  std::string host = "127.0.0.1";
  /// Default 587 (submission with STARTTLS); 465 is the usual implicit-TLS port, 25 a relay's.
  std::uint16_t port = 587;
  /// Default STARTTLS, required (net::SmtpTls documents each mode).
  net::SmtpTls tls = net::SmtpTls::starttls;
  /// Empty (default): no AUTH. Otherwise AUTH PLAIN, or LOGIN when the server offers only that.
  std::string username;
  /// Never appears in a DeliveryResult reason.
  std::string password;
  /// The sender: "budgetwatch@example.org" or with a display name, "预算监控
  /// <budgetwatch@example.org>" (parse_mailbox). Default "budgetwatch@localhost".
  std::string from = "budgetwatch@localhost";
  /// Default recipients (same forms as `from`), used when a Notification lists none.
  std::vector<std::string> to;
  /// TLS: the only trusted CA bundle (PEM) when set; the system CAs when empty (default).
  std::filesystem::path ca_file;
  /// Budget for resolve + connect (+ the TLS handshake for implicit TLS). Default 10 s.
  std::chrono::milliseconds connect_timeout{10000};
  /// Budget for each SMTP exchange after connecting (greeting, each command and its reply, the
  /// message content). Default 30 s.
  std::chrono::milliseconds timeout{30000};
  /// EHLO argument and Message-ID domain. Empty (default): this host's name (net::helo_domain).
  std::string helo_name;
  /// For the Date header. Empty (default): the system clock.
  WallClock clock;
};

/// "addr@example.org" → {addr@example.org, ""}; "张三 <z@example.org>" and "\"Ops, Team\"
/// <ops@example.org>" → address and display name (quotes and backslash escapes removed).
/// Surrounding whitespace is trimmed. Does not validate the address: an invalid one fails the send
/// permanently (net::build_message). Pure.
net::MailAddress parse_mailbox(std::string_view text);

/// The Message-ID for an idempotency key: "<" + the first 32 hex digits of SHA-256(key) +
/// ".budgetwatch@" + domain + ">". The same key always gives the same id. Pure.
std::string email_message_id(std::string_view idempotency_key, std::string_view domain);

/// The SMTP request for `n`: Subject = n.title, text body = n.text, HTML alternative = n.html
/// (multipart/alternative; none when n.html is empty), To =
/// n.recipients or, when it lists none, `o.to` (blank entries dropped, duplicate addresses sent
/// once, ASCII case-insensitively); Date = `now`; Message-ID = email_message_id(n.idempotency_key,
/// net::helo_domain(o.helo_name)) (random when the key is empty); extra headers
/// "X-Budgetwatch-Idempotency-Key: <key>" (when set) and "Auto-Submitted: auto-generated" (RFC
/// 3834, so that vacation responders stay quiet). message.to is empty when there is no recipient at
/// all. Pure apart from reading the host name when o.helo_name is empty.
net::SmtpRequest build_email_request(const Notification& n, const EmailOptions& o,
                                     std::chrono::system_clock::time_point now);

/// Sends each notification as one email, one SMTP session per send. Outcomes: 250 to the message
/// → delivered (reason: the server's reply, plus any recipient refused with 5yz while others were
/// accepted); no recipient at all → permanent "no recipients"; otherwise net::SmtpError's class:
/// connect failures, timeouts and 4yz → retry; 5yz (535 authentication failure included), TLS
/// verification failures, missing STARTTLS, invalid addresses or headers → permanent. Reasons never
/// contain the password. Stateless between sends: thread-safe, any number of concurrent sends.
class EmailNotifier final : public Notifier {
 public:
  explicit EmailNotifier(EmailOptions o) : o_(std::move(o)) {}
  std::string_view kind() const override { return "email"; }

 private:
  boost::asio::awaitable<DeliveryResult> do_send(boost::asio::any_io_executor ex,
                                                 const Notification& n, Attempt& attempt) override;
  std::vector<std::string> secrets() const override { return {o_.password}; }

  EmailOptions o_;
};

}  // namespace bw::alerts
