// alerts/notifiers/email against a real SMTP server (tests/support/smtp_sink.py, python3-aiosmtpd)
// on 127.0.0.1: one notification → one message with the decoded subject and body, a Message-ID
// derived from the idempotency key, the retry-class table and the secret-leak check.
#include "alerts/notifiers/email.h"

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
#include <regex>
#include <sstream>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "alerts/render.h"
#include "tests/support/export_server.h"
#include "tests/support/smtp_sink.h"
#include "tests/support/test_support.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::SilentServer;
using test::SmtpSink;

std::string field(const fs::path& message, const std::string& name) {
  return test::sink_field(message, name);
}

DeliveryResult send(Notifier& notifier, const Notification& n) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, notifier.send(ioc.get_executor(), n), asio::use_future);
  ioc.run();
  return f.get();
}

const char* name(Outcome o) {
  return o == Outcome::delivered ? "delivered" : o == Outcome::retry ? "retry" : "permanent";
}

// 2021-06-30 08:00:00 UTC.
const std::chrono::system_clock::time_point fixed_now{std::chrono::seconds{1625040000}};

const std::string title = "【预算执行预警】城乡道路提升改造工程执行率 36.62%，低于序时进度 58.33%";
const std::string text =
    "张三：\n"
    "城乡道路提升改造工程（项目编号 2021-037）截至 2021 年 6 月 30 日累计支出 366.2 万元，预算 "
    "1000 万元，执行率 36.62%，低于序时进度 58.33%，请在五个工作日内书面说明原因并提出整改措施，"
    "逾期未说明的将按规定收回部分预算资金统筹用于其他急需支出的项目。\n"
    ".以句点开头的一行\n"
    "budgetwatch";

Notification notification() {
  Notification n;
  n.idempotency_key = "owners/owner=张三/3";
  n.receiver = "owners";
  n.group_key = "owner=张三";
  n.title = title;
  n.text = text;
  n.recipients = {"张三 <zhangsan@example.org>"};
  return n;
}

EmailOptions options(std::uint16_t port) {
  EmailOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = net::SmtpTls::none;
  o.from = "预算监控 <budgetwatch@bw.test>";
  o.helo_name = "bw.test";
  o.connect_timeout = 5000ms;
  o.timeout = 5000ms;
  o.clock = [] { return fixed_now; };
  return o;
}

// --- Pure parts -------------------------------------------------------------------------------

TEST(EmailNotifierTest, mailboxes_are_parsed_with_or_without_a_display_name) {
  const auto a = parse_mailbox("  ops@example.org ");
  EXPECT_EQ(a.address, "ops@example.org");
  EXPECT_EQ(a.display_name, "");
  const auto b = parse_mailbox("张三 <zhangsan@example.org>");
  EXPECT_EQ(b.address, "zhangsan@example.org");
  EXPECT_EQ(b.display_name, "张三");
  const auto c = parse_mailbox("\"Ops, \\\"Team\\\"\" < ops@example.org >");
  EXPECT_EQ(c.address, "ops@example.org");
  EXPECT_EQ(c.display_name, "Ops, \"Team\"");
}

TEST(EmailNotifierTest, message_id_is_derived_from_the_idempotency_key) {
  const std::string id = email_message_id("owners/owner=张三/3", "bw.test");
  EXPECT_TRUE(std::regex_match(id, std::regex("<[0-9a-f]{32}\\.budgetwatch@bw\\.test>"))) << id;
  EXPECT_EQ(id, email_message_id("owners/owner=张三/3", "bw.test"));
  EXPECT_NE(id, email_message_id("owners/owner=张三/4", "bw.test"));
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.
  EXPECT_EQ(email_message_id("abc", "x.test"),
            "<ba7816bf8f01cfea414140de5dae2223.budgetwatch@x.test>");
}

TEST(EmailNotifierTest, request_uses_the_notification_then_the_default_recipients) {
  EmailOptions o = options(25);
  o.to = {"ops@example.org", " ", "OPS@example.org", "Audit <audit@example.org>"};
  Notification n = notification();
  n.recipients = {"a@example.org", "A@EXAMPLE.ORG", "b@example.org"};
  net::SmtpRequest r = build_email_request(n, o, fixed_now);
  ASSERT_EQ(r.message.to.size(), 2u);
  EXPECT_EQ(r.message.to[0].address, "a@example.org");
  EXPECT_EQ(r.message.to[1].address, "b@example.org");

  n.recipients.clear();
  r = build_email_request(n, o, fixed_now);
  ASSERT_EQ(r.message.to.size(), 2u);
  EXPECT_EQ(r.message.to[0].address, "ops@example.org");
  EXPECT_EQ(r.message.to[1].address, "audit@example.org");
  EXPECT_EQ(r.message.to[1].display_name, "Audit");

  EXPECT_EQ(r.message.from.address, "budgetwatch@bw.test");
  EXPECT_EQ(r.message.from.display_name, "预算监控");
  EXPECT_EQ(r.message.subject, title);
  EXPECT_EQ(r.message.text, text);
  EXPECT_EQ(r.message.date, fixed_now);
  EXPECT_EQ(r.message.message_id, email_message_id(n.idempotency_key, "bw.test"));
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Budgetwatch-Idempotency-Key", "owners/owner=张三/3"},
      {"Auto-Submitted", "auto-generated"}};
  EXPECT_EQ(r.message.headers, headers);
  EXPECT_EQ(r.command_timeout, 5000ms);
  EXPECT_EQ(r.helo_name, "bw.test");
}

// --- Against the sink -------------------------------------------------------------------------

class EmailNotifierSmtpTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(EmailNotifierSmtpTest, one_notification_arrives_once_as_the_owner_reads_it) {
  SmtpSink sink(dir_.path(), {});
  EmailNotifier notifier(options(sink.port()));
  EXPECT_EQ(notifier.kind(), "email");
  const Notification n = notification();
  const DeliveryResult r = send(notifier, n);
  ASSERT_EQ(r.outcome, Outcome::delivered) << r.reason;
  EXPECT_EQ(r.reason, "250 2.0.0 Ok: queued");

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  const fs::path& msg = messages[0];
  EXPECT_EQ(field(msg, "subject"), title);
  EXPECT_EQ(field(msg, "body"), text);
  EXPECT_EQ(field(msg, "message_id"), email_message_id(n.idempotency_key, "bw.test"));
  EXPECT_EQ(field(msg, "from"), "预算监控 <budgetwatch@bw.test>");
  EXPECT_EQ(field(msg, "to"), "张三 <zhangsan@example.org>");
  EXPECT_EQ(field(msg, "rcpt_tos"), "zhangsan@example.org");
  EXPECT_EQ(field(msg, "date"), "Wed, 30 Jun 2021 08:00:00 +0000");
  EXPECT_EQ(field(msg, "defects"), "");
  const std::string headers = field(msg, "headers");
  EXPECT_NE(headers.find("X-Budgetwatch-Idempotency-Key: owners/owner=张三/3\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Auto-Submitted: auto-generated\n"), std::string::npos);
}

// Issue 17: a rendered message (alerts/render.h) arrives as multipart/alternative, the text and the
// HTML part with the same entries, both UTF-8.
TEST_F(EmailNotifierSmtpTest, the_html_alternative_arrives_with_the_text) {
  SmtpSink sink(dir_.path(), {});
  EmailNotifier notifier(options(sink.port()));
  AlertState a;
  a.rule = "below_80_at_deadline";
  a.fingerprint = "f1";
  a.state = State::firing;
  a.labels = {{"rule_kind", "below_threshold"}, {"subject", "P1"},     {"project_code", "P1"},
              {"project_name", "道路<养护>"},   {"unit_name", "某局"}, {"fiscal_year", "2021"}};
  a.annotations = {{"threshold_pct", "80.00"}, {"execution_pct", "40.00"},
                   {"expected_pct", "100.00"}, {"gap_pp", "60.00"},
                   {"unspent_wan", "6.00"},    {"deadline", "2021-12-31"},
                   {"days_left", "0"}};
  RenderInput in;
  in.external_url = "http://bw.test";
  in.as_of = "2021-12-31";
  in.group_labels = {{"owner", "张三"}};
  in.firing = {&a};
  Notification n = render(in);
  n.idempotency_key = "owners/x/1";
  n.recipients = {"zhangsan@example.org"};
  ASSERT_EQ(send(notifier, n).outcome, Outcome::delivered);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(field(messages[0], "subject"),
            "【预算执行预警】张三：1 个项目需关注（截至 2021-12-31）");
  EXPECT_EQ(field(messages[0], "body"), n.text);
  EXPECT_EQ(field(messages[0], "html"), n.html);
  EXPECT_EQ(field(messages[0], "defects"), "");
  EXPECT_NE(field(messages[0], "html").find("<strong>道路&lt;养护&gt;（P1）</strong>"),
            std::string::npos);
  EXPECT_NE(
      field(messages[0], "html").find("<a href=\"http://bw.test/projects/P1?fiscal_year=2021\""),
      std::string::npos);
  const std::string raw = field(messages[0], "raw.eml");
  EXPECT_NE(raw.find("Content-Type: multipart/alternative;"), std::string::npos)
      << raw.substr(0, 600);
  EXPECT_NE(raw.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  EXPECT_LT(raw.find("text/plain"), raw.find("text/html"))
      << "text first, then the HTML it prefers";
}

TEST_F(EmailNotifierSmtpTest, default_recipients_when_the_notification_names_none) {
  SmtpSink sink(dir_.path(), {});
  EmailOptions o = options(sink.port());
  o.to = {"ops@example.org", "audit@example.org"};
  Notification n = notification();
  n.recipients.clear();
  EmailNotifier notifier(o);
  const DeliveryResult r = send(notifier, n);
  ASSERT_EQ(r.outcome, Outcome::delivered) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "rcpt_tos"), "ops@example.org\naudit@example.org");
}

TEST_F(EmailNotifierSmtpTest, no_recipients_at_all_is_permanent_without_connecting) {
  const test::ClosedPort closed;  // a connection attempt would read "connection refused"
  EmailNotifier notifier(options(static_cast<std::uint16_t>(closed.port())));
  Notification n = notification();
  n.recipients.clear();
  const DeliveryResult r = send(notifier, n);
  EXPECT_EQ(r.outcome, Outcome::permanent);
  EXPECT_EQ(r.reason, "no recipients");
}

TEST_F(EmailNotifierSmtpTest, a_refused_recipient_is_reported_while_the_others_get_it) {
  SmtpSink sink(dir_.path(), {"--refuse", "gone@example.org"});
  EmailNotifier notifier(options(sink.port()));
  Notification n = notification();
  n.recipients = {"gone@example.org", "zhangsan@example.org"};
  const DeliveryResult r = send(notifier, n);
  ASSERT_EQ(r.outcome, Outcome::delivered) << r.reason;
  EXPECT_EQ(r.reason,
            "250 2.0.0 Ok: queued; refused gone@example.org: 550 5.1.1 <gone@example.org>: "
            "Recipient address rejected");
  ASSERT_EQ(sink.messages().size(), 1u);
}

TEST_F(EmailNotifierSmtpTest, starttls_and_auth) {
  test::TempDir pki;
  const test::TestCertificates certs = test::make_test_certificates(pki.path());
  SmtpSink sink(dir_.path(), {"--tls", "starttls", "--cert", certs.server_cert.string(), "--key",
                              certs.server_key.string(), "--auth", "alerts:s3cret-Passw0rd"});
  EmailOptions o = options(sink.port());
  o.tls = net::SmtpTls::starttls;
  o.ca_file = certs.ca_cert;
  o.username = "alerts";
  o.password = "s3cret-Passw0rd";
  EmailNotifier notifier(o);
  const DeliveryResult r = send(notifier, notification());
  ASSERT_EQ(r.outcome, Outcome::delivered) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(field(sink.messages()[0], "tls"), "starttls");
  EXPECT_EQ(field(sink.messages()[0], "auth"), "PLAIN:alerts");
  EXPECT_EQ(field(sink.messages()[0], "subject"), title);
}

TEST_F(EmailNotifierSmtpTest, wrong_password_is_permanent_and_leaks_no_secret) {
  const std::string password = "Leaky-Passw0rd-42";
  SmtpSink sink(dir_.path(), {"--auth", "alerts:another-password"});
  EmailOptions o = options(sink.port());
  o.username = "alerts";
  o.password = password;
  EmailNotifier notifier(o);
  const DeliveryResult r = send(notifier, notification());
  EXPECT_EQ(r.outcome, Outcome::permanent);
  EXPECT_EQ(r.reason, "AUTH PLAIN: server replied 535 5.7.8 Authentication credentials invalid");
  EXPECT_EQ(r.reason.find(password), std::string::npos);
  EXPECT_EQ(r.reason.find("TGVha3ktUGFzc3cwcmQtNDI"), std::string::npos);  // base64(password)
  EXPECT_TRUE(sink.messages().empty());
}

// Retry-class table (STYLE §6): connect failures, timeouts and 4yz retry; 5yz is permanent.
TEST_F(EmailNotifierSmtpTest, retry_classes) {
  struct Case {
    std::string label;
    std::vector<std::string> sink;  // smtp_sink.py options
    Outcome expected;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"rcpt 451",
       {"--rcpt-reply", "451 4.7.1 Greylisted"},
       Outcome::retry,
       "RCPT TO <zhangsan@example.org>: server replied 451 4.7.1 Greylisted"},
      {"rcpt 550",
       {"--rcpt-reply", "550 5.1.1 No such user"},
       Outcome::permanent,
       "RCPT TO <zhangsan@example.org>: server replied 550 5.1.1 No such user"},
      {"data 451",
       {"--data-reply", "451 4.3.0 Try again"},
       Outcome::retry,
       "end of DATA: server replied 451 4.3.0 Try again"},
      {"data 554",
       {"--data-reply", "554 5.7.1 Rejected"},
       Outcome::permanent,
       "end of DATA: server replied 554 5.7.1 Rejected"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    test::TempDir dir;
    SmtpSink sink(dir.path(), c.sink);
    EmailNotifier notifier(options(sink.port()));
    const DeliveryResult r = send(notifier, notification());
    EXPECT_EQ(name(r.outcome), std::string(name(c.expected)));
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_TRUE(sink.messages().empty());
  }
  {
    SCOPED_TRACE("server down");
    const test::ClosedPort closed;
    EmailNotifier notifier(options(static_cast<std::uint16_t>(closed.port())));
    const DeliveryResult r = send(notifier, notification());
    EXPECT_EQ(r.outcome, Outcome::retry);
    EXPECT_EQ(r.reason, "connection refused");
  }
  {
    SCOPED_TRACE("server accepts but never speaks");
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 4), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    EmailOptions o = options(ntohs(addr.sin_port));
    o.timeout = 400ms;
    EmailNotifier notifier(o);
    const auto start = std::chrono::steady_clock::now();
    const DeliveryResult r = send(notifier, notification());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ::close(fd);
    EXPECT_EQ(r.outcome, Outcome::retry);
    EXPECT_EQ(r.reason, "greeting timed out after 400 ms");
    EXPECT_LT(elapsed, 3s);
  }
  {
    SCOPED_TRACE("invalid sender");
    SmtpSink sink(dir_.path(), {});
    EmailOptions o = options(sink.port());
    o.from = "not an address";
    EmailNotifier notifier(o);
    const DeliveryResult r = send(notifier, notification());
    EXPECT_EQ(r.outcome, Outcome::permanent);
    EXPECT_EQ(r.reason, "invalid sender address");
  }
}

}  // namespace
}  // namespace bw::alerts
