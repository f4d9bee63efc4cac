#include "alerts/notifiers/email.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include "net/crypto.h"
#include "net/redact.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<net::MailAddress> recipients(const Notification& n, const EmailOptions& o) {
  const std::vector<std::string>& listed = n.recipients.empty() ? o.to : n.recipients;
  std::vector<net::MailAddress> out;
  std::vector<std::string> seen;
  for (const auto& entry : listed) {
    if (trim(entry).empty()) continue;
    net::MailAddress a = parse_mailbox(entry);
    std::string key = lower(a.address);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(a));
  }
  return out;
}

DeliveryResult delivered(const net::SmtpReceipt& r) {
  std::string reason = r.reply;
  for (const auto& [address, reply] : r.refused) reason += "; refused " + address + ": " + reply;
  return {Outcome::delivered, std::move(reason), std::nullopt};
}

}  // namespace

net::MailAddress parse_mailbox(std::string_view text) {
  text = trim(text);
  const auto lt = text.rfind('<');
  if (text.empty() || text.back() != '>' || lt == std::string_view::npos) {
    return {std::string(text), {}};
  }
  net::MailAddress a;
  a.address = std::string(trim(text.substr(lt + 1, text.size() - lt - 2)));
  std::string_view name = trim(text.substr(0, lt));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '\\' && i + 1 < name.size()) ++i;
      a.display_name += name[i];
    }
  } else {
    a.display_name = std::string(name);
  }
  return a;
}

std::string email_message_id(std::string_view idempotency_key, std::string_view domain) {
  return "<" + net::sha256_hex(idempotency_key).substr(0, 32) + ".budgetwatch@" +
         std::string(domain) + ">";
}

net::SmtpRequest build_email_request(const Notification& n, const EmailOptions& o,
                                     std::chrono::system_clock::time_point now) {
  net::SmtpRequest r;
  r.host = o.host;
  r.port = o.port;
  r.tls = o.tls;
  r.username = o.username;
  r.password = o.password;
  r.ca_file = o.ca_file;
  r.helo_name = o.helo_name;
  r.connect_timeout = o.connect_timeout;
  r.command_timeout = o.timeout;
  net::MailMessage& m = r.message;
  m.from = parse_mailbox(o.from);
  m.to = recipients(n, o);
  m.subject = n.title;
  m.text = n.text;
  m.html = n.html;  // multipart/alternative when set (payloads queued before it: text only)
  m.date = now;
  if (!n.idempotency_key.empty()) {
    m.message_id = email_message_id(n.idempotency_key, net::helo_domain(o.helo_name));
    m.headers.emplace_back("X-Budgetwatch-Idempotency-Key", n.idempotency_key);
  }
  m.headers.emplace_back("Auto-Submitted", "auto-generated");
  return r;
}

asio::awaitable<DeliveryResult> EmailNotifier::do_send(asio::any_io_executor ex,
                                                       const Notification& n,
                                                       Attempt& /*attempt: no URL*/) {
  const net::SmtpRequest request = build_email_request(n, o_, now_of(o_.clock));
  if (request.message.to.empty())
    co_return DeliveryResult{Outcome::permanent, "no recipients", std::nullopt};
  auto sent = co_await net::smtp_send(ex, request);
  if (sent) co_return delivered(*sent);
  co_return DeliveryResult{sent.error().retryable ? Outcome::retry : Outcome::permanent,
                           std::move(sent.error().reason), std::nullopt};
}

}  // namespace bw::alerts
