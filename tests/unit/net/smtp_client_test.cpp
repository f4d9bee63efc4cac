// net/smtp_client against a real SMTP server (tests/support/smtp_sink.py, python3-aiosmtpd) on
// 127.0.0.1: what arrives (decoded by Python's email package), STARTTLS / implicit TLS with a
// throwaway CA, AUTH PLAIN / LOGIN, every failure class with its exact reason, dot-stuffing, HELO
// names and Message-IDs. The MIME builder's own tests are in mime_test.cpp.
#include "net/smtp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "tests/support/export_server.h"
#include "tests/support/smtp_sink.h"
#include "tests/support/test_support.h"
#include "tests/unit/net/mail_samples.h"

namespace bw::net {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Outcome = tl::expected<SmtpReceipt, SmtpError>;
using namespace mail_samples;

// --- The sink process -------------------------------------------------------------------------

struct SinkOptions {
  std::string tls = "none";  ///< none | starttls | implicit
  fs::path cert;
  fs::path key;
  std::string auth;                            ///< "user:password"
  std::optional<std::string> auth_mechanisms;  ///< "PLAIN,LOGIN" when unset; "" offers none
  std::string rcpt_reply;
  std::vector<std::string> refuse;
  std::string data_reply;
  std::string data_delay;  ///< seconds
  bool no_ehlo = false;
};

// The sink's command-line options for SinkOptions.
std::vector<std::string> sink_args(const SinkOptions& o) {
  std::vector<std::string> args = {"--tls", o.tls};
  if (!o.cert.empty())
    args.insert(args.end(), {"--cert", o.cert.string(), "--key", o.key.string()});
  if (!o.auth.empty()) args.insert(args.end(), {"--auth", o.auth});
  if (o.auth_mechanisms) args.insert(args.end(), {"--auth-mechanisms", *o.auth_mechanisms});
  if (!o.rcpt_reply.empty()) args.insert(args.end(), {"--rcpt-reply", o.rcpt_reply});
  for (const auto& a : o.refuse) args.insert(args.end(), {"--refuse", a});
  if (!o.data_reply.empty()) args.insert(args.end(), {"--data-reply", o.data_reply});
  if (!o.data_delay.empty()) args.insert(args.end(), {"--data-delay", o.data_delay});
  if (o.no_ehlo) args.emplace_back("--no-ehlo");
  return args;
}

// tests/support/smtp_sink.py with SinkOptions.
class SmtpSink : public test::SmtpSink {
 public:
  SmtpSink(const fs::path& dir, const SinkOptions& o) : test::SmtpSink(dir, sink_args(o)) {}
};

using test::SilentServer;

std::string field(const fs::path& message, const std::string& name) {
  return test::sink_field(message, name);
}

// --- Helpers ----------------------------------------------------------------------------------

Outcome send(const SmtpRequest& r) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, smtp_send(ioc.get_executor(), r), asio::use_future);
  ioc.run();
  return f.get();
}

std::string describe(const Outcome& o) {
  return o ? "delivered: " + o->reply
           : (o.error().retryable ? "retryable: " : "permanent: ") + o.error().reason;
}

SmtpRequest request_to(std::uint16_t port, SmtpTls tls = SmtpTls::none) {
  SmtpRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.tls = tls;
  r.helo_name = "bw.test";
  r.connect_timeout = 5000ms;
  r.command_timeout = 5000ms;
  r.message = sample_message();
  return r;
}

// --- Pure helpers -----------------------------------------------------------------------------

TEST(SmtpMessageTest, dot_stuffing_and_line_endings) {
  EXPECT_EQ(dot_stuff("a\n.b\r\n..c\rd"), "a\r\n..b\r\n...c\r\nd\r\n.\r\n");
  EXPECT_EQ(dot_stuff(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(dot_stuff("x\r\n"), "x\r\n.\r\n");
  EXPECT_EQ(dot_stuff(""), ".\r\n");
}

TEST(SmtpMessageTest, helo_domain_and_generated_message_ids) {
  EXPECT_EQ(helo_domain("mail.example.org"), "mail.example.org");
  EXPECT_EQ(helo_domain("127.0.0.1"), "[127.0.0.1]");
  EXPECT_EQ(helo_domain("::1"), "[IPv6:::1]");
  EXPECT_FALSE(helo_domain("").empty());
  const std::string a = make_message_id("bw.test");
  EXPECT_TRUE(std::regex_match(a, std::regex("<[0-9a-f]{32}@bw\\.test>"))) << a;
  EXPECT_NE(a, make_message_id("bw.test"));
}

// --- Against the sink -------------------------------------------------------------------------

class SmtpClientTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(SmtpClientTest, message_arrives_once_and_decodes_exactly) {
  SmtpSink sink(dir_.path(), {});
  const Outcome o = send(request_to(sink.port()));
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->message_id, "<fixed-1.budgetwatch@bw.test>");
  EXPECT_EQ(o->accepted, std::vector<std::string>{"owner@example.org"});
  EXPECT_TRUE(o->refused.empty());
  EXPECT_EQ(o->reply, "250 2.0.0 Ok: queued");
  EXPECT_FALSE(o->tls);
  EXPECT_EQ(o->auth_mechanism, "");

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  const fs::path& msg = messages[0];
  EXPECT_EQ(field(msg, "subject"), chinese_subject);
  EXPECT_EQ(field(msg, "body"), chinese_body);
  EXPECT_EQ(field(msg, "message_id"), "<fixed-1.budgetwatch@bw.test>");
  EXPECT_EQ(field(msg, "from"), "预算监控 <budgetwatch@bw.test>");
  EXPECT_EQ(field(msg, "to"), "张三 <owner@example.org>");
  EXPECT_EQ(field(msg, "date"), "Wed, 30 Jun 2021 08:00:00 +0000");
  EXPECT_EQ(field(msg, "mail_from"), "budgetwatch@bw.test");
  EXPECT_EQ(field(msg, "rcpt_tos"), "owner@example.org");
  EXPECT_EQ(field(msg, "tls"), "none");
  EXPECT_EQ(field(msg, "html"), "");
  EXPECT_EQ(field(msg, "defects"), "");
  const std::string raw = field(msg, "raw.eml");
  for (const auto& line : split_lines(raw)) EXPECT_LE(line.size(), 998u);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST_F(SmtpClientTest, generated_message_id_uses_the_helo_domain) {
  SmtpSink sink(dir_.path(), {});
  SmtpRequest r = request_to(sink.port());
  r.message.message_id.clear();
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_TRUE(std::regex_match(o->message_id, std::regex("<[0-9a-f]{32}@bw\\.test>")))
      << o->message_id;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "message_id"), o->message_id);
}

TEST_F(SmtpClientTest, html_alternative_and_extra_headers_arrive) {
  SmtpSink sink(dir_.path(), {});
  SmtpRequest r = request_to(sink.port());
  r.message.html = "<p>执行率 <b>36.62%</b>，低于序时进度</p>\n<p>.点开头</p>";
  r.message.headers = {{"X-Budgetwatch-Idempotency-Key", "mail/owner=张三/3"},
                       {"Auto-Submitted", "auto-generated"}};
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  ASSERT_EQ(sink.messages().size(), 1u);
  const fs::path msg = sink.messages()[0];
  EXPECT_EQ(field(msg, "body"), chinese_body);
  EXPECT_EQ(field(msg, "html"), r.message.html);
  EXPECT_EQ(field(msg, "defects"), "");
  const std::string headers = field(msg, "headers");
  EXPECT_NE(headers.find("X-Budgetwatch-Idempotency-Key: mail/owner=张三/3\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Auto-Submitted: auto-generated\n"), std::string::npos);
}

TEST_F(SmtpClientTest, every_recipient_gets_a_rcpt_to) {
  SmtpSink sink(dir_.path(), {});
  SmtpRequest r = request_to(sink.port());
  r.message.to = {{"a@example.org", "甲"}, {"b@example.org", ""}, {"c@example.org", "C"}};
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->accepted.size(), 3u);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "rcpt_tos"), "a@example.org\nb@example.org\nc@example.org");
  EXPECT_EQ(field(sink.messages()[0], "to"),
            "甲 <a@example.org>, b@example.org, C <c@example.org>");
}

TEST_F(SmtpClientTest, a_refused_recipient_does_not_stop_the_others) {
  SinkOptions so;
  so.refuse = {"gone@example.org"};
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = request_to(sink.port());
  r.message.to = {{"gone@example.org", ""}, {"owner@example.org", ""}};
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->accepted, std::vector<std::string>{"owner@example.org"});
  ASSERT_EQ(o->refused.size(), 1u);
  EXPECT_EQ(o->refused[0].first, "gone@example.org");
  EXPECT_EQ(o->refused[0].second, "550 5.1.1 <gone@example.org>: Recipient address rejected");
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "rcpt_tos"), "owner@example.org");
}

TEST_F(SmtpClientTest, every_recipient_refused_is_permanent) {
  SinkOptions so;
  so.refuse = {"owner@example.org"};
  SmtpSink sink(dir_.path(), so);
  const Outcome o = send(request_to(sink.port()));
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().code, 550);
  EXPECT_EQ(o.error().reason,
            "RCPT TO <owner@example.org>: server replied 550 5.1.1 <owner@example.org>: "
            "Recipient address rejected");
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpClientTest, rcpt_451_is_retryable_and_sends_nothing) {
  SinkOptions so;
  so.rcpt_reply = "451 4.3.0 Greylisted, try again later";
  SmtpSink sink(dir_.path(), so);
  const Outcome o = send(request_to(sink.port()));
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().code, 451);
  EXPECT_EQ(o.error().reason,
            "RCPT TO <owner@example.org>: server replied 451 4.3.0 Greylisted, try again later");
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpClientTest, data_550_is_permanent_and_451_retryable) {
  {
    SinkOptions so;
    so.data_reply = "550 5.7.1 Message rejected as spam";
    SmtpSink sink(dir_.path(), so);
    const Outcome o = send(request_to(sink.port()));
    ASSERT_FALSE(o);
    EXPECT_FALSE(o.error().retryable);
    EXPECT_EQ(o.error().code, 550);
    EXPECT_EQ(o.error().reason, "end of DATA: server replied 550 5.7.1 Message rejected as spam");
  }
  {
    SinkOptions so;
    so.data_reply = "451 4.3.0 Local error in processing";
    SmtpSink sink(dir_.path(), so);
    const Outcome o = send(request_to(sink.port()));
    ASSERT_FALSE(o);
    EXPECT_TRUE(o.error().retryable);
    EXPECT_EQ(o.error().code, 451);
    EXPECT_EQ(o.error().reason, "end of DATA: server replied 451 4.3.0 Local error in processing");
  }
}

TEST_F(SmtpClientTest, helo_is_used_when_ehlo_is_refused) {
  SinkOptions so;
  so.no_ehlo = true;
  SmtpSink sink(dir_.path(), so);
  const Outcome o = send(request_to(sink.port()));
  ASSERT_TRUE(o) << describe(o);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "subject"), chinese_subject);
}

TEST_F(SmtpClientTest, auth_plain_is_preferred) {
  SinkOptions so;
  so.auth = "alerts:s3cret-Passw0rd";
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = request_to(sink.port());
  r.username = "alerts";
  r.password = "s3cret-Passw0rd";
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->auth_mechanism, "PLAIN");
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "auth"), "PLAIN:alerts");
}

TEST_F(SmtpClientTest, auth_login_when_plain_is_not_offered) {
  SinkOptions so;
  so.auth = "alerts:s3cret-Passw0rd";
  so.auth_mechanisms = "LOGIN";
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = request_to(sink.port());
  r.username = "alerts";
  r.password = "s3cret-Passw0rd";
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->auth_mechanism, "LOGIN");
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "auth"), "LOGIN:alerts");
}

TEST_F(SmtpClientTest, wrong_password_is_permanent_and_never_in_the_reason) {
  const std::string password = "Wr0ng-Passw0rd-XYZ";
  for (const std::string mechanisms : {"PLAIN,LOGIN", "LOGIN"}) {
    SCOPED_TRACE(mechanisms);
    SinkOptions so;
    so.auth = "alerts:right-password";
    so.auth_mechanisms = mechanisms;
    SmtpSink sink(dir_.path(), so);
    SmtpRequest r = request_to(sink.port());
    r.username = "alerts";
    r.password = password;
    const Outcome o = send(r);
    ASSERT_FALSE(o);
    EXPECT_FALSE(o.error().retryable);
    EXPECT_EQ(o.error().code, 535);
    const std::string stage = mechanisms == "LOGIN" ? "AUTH LOGIN" : "AUTH PLAIN";
    EXPECT_EQ(o.error().reason,
              stage + ": server replied 535 5.7.8 Authentication credentials invalid");
    // Neither the password nor any AUTH payload (base64 of the password, of "\0user\0password").
    for (const std::string& secret : {password, std::string("V3IwbmctUGFzc3cwcmQtWFla"),
                                      std::string("AGFsZXJ0cwBXcjBuZy1QYXNzdzByZC1YWVo=")}) {
      EXPECT_EQ(o.error().reason.find(secret), std::string::npos) << o.error().reason;
    }
    EXPECT_TRUE(sink.messages().empty());
  }
}

TEST_F(SmtpClientTest, auth_not_offered_is_permanent) {
  SinkOptions so;
  so.auth = "alerts:pw";
  so.auth_mechanisms = "";
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = request_to(sink.port());
  r.username = "alerts";
  r.password = "pw";
  const Outcome o = send(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "server does not offer AUTH PLAIN or LOGIN");
}

TEST_F(SmtpClientTest, starttls_required_but_not_offered_is_permanent) {
  SmtpSink sink(dir_.path(), {});
  const Outcome o = send(request_to(sink.port(), SmtpTls::starttls));
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "server does not offer STARTTLS");
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpClientTest, server_down_is_retryable) {
  const test::ClosedPort closed;
  const Outcome o = send(request_to(static_cast<std::uint16_t>(closed.port())));
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().code, 0);
  EXPECT_EQ(o.error().reason, "connection refused");
}

TEST_F(SmtpClientTest, silent_server_times_out_within_the_command_timeout) {
  const SilentServer silent;
  SmtpRequest r = request_to(silent.port());
  r.command_timeout = 500ms;
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = send(r);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "greeting timed out after 500 ms");
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(SmtpClientTest, slow_reply_to_the_message_times_out_and_is_retryable) {
  SinkOptions so;
  so.data_delay = "5";
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = request_to(sink.port());
  r.command_timeout = 700ms;
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = send(r);
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "end of DATA timed out after 700 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(SmtpClientTest, invalid_request_fails_before_connecting) {
  const test::ClosedPort closed;
  SmtpRequest r = request_to(static_cast<std::uint16_t>(closed.port()));
  r.message.headers = {{"X-Note", "line\nbreak"}};
  Outcome o = send(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "extra header X-Note contains CR, LF or NUL");
  r = request_to(static_cast<std::uint16_t>(closed.port()));
  r.helo_name = "bw.test\r\nMAIL FROM:<x@y>";
  o = send(r);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().reason, "invalid HELO name");
}

TEST_F(SmtpClientTest, works_on_a_multithreaded_executor) {
  SmtpSink sink(dir_.path(), {});
  asio::thread_pool pool(2);
  const SmtpRequest r = request_to(sink.port());
  auto f = asio::co_spawn(pool, smtp_send(pool.get_executor(), r), asio::use_future);
  const Outcome o = f.get();
  pool.join();
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(sink.messages().size(), 1u);
}

// --- TLS ----------------------------------------------------------------------------------------

class SmtpTlsTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  test::TempDir pki_;
  test::TestCertificates certs_ = test::make_test_certificates(pki_.path());

  SinkOptions tls_sink(const std::string& mode) {
    SinkOptions so;
    so.tls = mode;
    so.cert = certs_.server_cert;
    so.key = certs_.server_key;
    return so;
  }
  SmtpRequest tls_request(std::uint16_t port, SmtpTls tls) {
    SmtpRequest r = request_to(port, tls);
    r.ca_file = certs_.ca_cert;
    return r;
  }
};

TEST_F(SmtpTlsTest, starttls_is_used_when_configured) {
  SmtpSink sink(dir_.path(), tls_sink("starttls"));
  const Outcome o = send(tls_request(sink.port(), SmtpTls::starttls));
  ASSERT_TRUE(o) << describe(o);
  EXPECT_TRUE(o->tls);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "tls"), "starttls");
  EXPECT_EQ(field(sink.messages()[0], "subject"), chinese_subject);
  EXPECT_EQ(field(sink.messages()[0], "body"), chinese_body);
}

TEST_F(SmtpTlsTest, starttls_with_auth) {
  SinkOptions so = tls_sink("starttls");
  so.auth = "alerts:s3cret-Passw0rd";
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = tls_request(sink.port(), SmtpTls::starttls);
  r.username = "alerts";
  r.password = "s3cret-Passw0rd";
  const Outcome o = send(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->auth_mechanism, "PLAIN");
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "tls"), "starttls");
  EXPECT_EQ(field(sink.messages()[0], "auth"), "PLAIN:alerts");
}

TEST_F(SmtpTlsTest, plain_client_is_refused_by_a_starttls_only_server) {
  SmtpSink sink(dir_.path(), tls_sink("starttls"));
  const Outcome o = send(request_to(sink.port(), SmtpTls::none));
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().code, 530);
  EXPECT_EQ(o.error().reason, "MAIL FROM: server replied 530 Must issue a STARTTLS command first");
}

TEST_F(SmtpTlsTest, implicit_tls) {
  SmtpSink sink(dir_.path(), tls_sink("implicit"));
  const Outcome o = send(tls_request(sink.port(), SmtpTls::implicit));
  ASSERT_TRUE(o) << describe(o);
  EXPECT_TRUE(o->tls);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "tls"), "implicit");
  EXPECT_EQ(field(sink.messages()[0], "body"), chinese_body);
}

TEST_F(SmtpTlsTest, untrusted_certificate_is_permanent) {
  for (const auto& [mode, tls] : {std::pair<std::string, SmtpTls>{"starttls", SmtpTls::starttls},
                                  std::pair<std::string, SmtpTls>{"implicit", SmtpTls::implicit}}) {
    SCOPED_TRACE(mode);
    SmtpSink sink(dir_.path(), tls_sink(mode));
    SmtpRequest r = tls_request(sink.port(), tls);
    r.ca_file.clear();  // system CAs only
    const Outcome o = send(r);
    ASSERT_FALSE(o);
    EXPECT_FALSE(o.error().retryable);
    EXPECT_EQ(o.error().reason,
              "TLS: certificate verify failed (unable to get local issuer certificate)");
    EXPECT_TRUE(sink.messages().empty());
  }
}

TEST_F(SmtpTlsTest, self_signed_certificate_is_permanent) {
  SinkOptions so = tls_sink("implicit");
  so.cert = certs_.ca_cert;
  so.key = certs_.ca_key;
  SmtpSink sink(dir_.path(), so);
  SmtpRequest r = tls_request(sink.port(), SmtpTls::implicit);
  r.ca_file.clear();
  const Outcome o = send(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "TLS: certificate verify failed (self-signed certificate)");
}

TEST_F(SmtpTlsTest, host_name_is_verified) {
  // The certificate names 127.0.0.1 only; "localhost" reaches the same loopback server.
  SmtpSink sink(dir_.path(), tls_sink("starttls"));
  SmtpRequest r = tls_request(sink.port(), SmtpTls::starttls);
  r.host = "localhost";
  const Outcome o = send(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "TLS: certificate verify failed (hostname mismatch)");
}

}  // namespace
}  // namespace bw::net
