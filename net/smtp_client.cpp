#include "net/smtp_client.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <memory>
#include <optional>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "net/connect.h"
#include "net/crypto.h"
#include "net/redact.h"
#include "net/tls_context.h"

namespace bw::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Outcome = tl::expected<SmtpReceipt, SmtpError>;
template <class T>
using Expect = tl::expected<T, SmtpError>;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; be lenient, but bounded.
constexpr std::size_t max_reply_line_bytes = 4096;
constexpr std::size_t max_reply_lines = 100;
constexpr std::size_t max_reason_reply_chars = 200;
// After QUIT and for close_notify: courtesy only, never hold a delivered message for long.
constexpr std::chrono::milliseconds quit_timeout{2000};
constexpr std::chrono::milliseconds tls_shutdown_timeout{1000};

tl::unexpected<SmtpError> retryable(std::string reason, int code = 0) {
  return tl::unexpected<SmtpError>(SmtpError{true, code, std::move(reason)});
}
tl::unexpected<SmtpError> permanent(std::string reason, int code = 0) {
  return tl::unexpected<SmtpError>(SmtpError{false, code, std::move(reason)});
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// EHLO argument: a domain or an address literal; anything that could inject a command is refused.
bool valid_helo(std::string_view h) {
  return !h.empty() && h.size() <= 255 &&
         std::all_of(h.begin(), h.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// --- Replies ----------------------------------------------------------------------------------

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // text after "250-" / "250 "
};

// "550 5.1.1 user unknown": one line, controls replaced, at most max_reason_reply_chars.
std::string one_line(const Reply& r) {
  std::string s = std::to_string(r.code);
  for (const auto& line : r.lines) {
    if (line.empty()) continue;
    s += ' ';
    for (const char c : line) s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  if (s.size() > max_reason_reply_chars) {
    std::size_t cut = max_reason_reply_chars;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    s.resize(cut);
    s += "...";
  }
  return s;
}

// STYLE §4: 4yz → retryable, 5yz → permanent; anything else where a success was due is a broken
// peer (permanent).
SmtpError reply_error(std::string_view stage, const Reply& r) {
  const int cls = r.code / 100;
  if (cls == 4 || cls == 5) {
    return {cls == 4, r.code, std::string(stage) + ": server replied " + one_line(r)};
  }
  return {false, r.code, std::string(stage) + ": unexpected reply " + one_line(r)};
}

Expect<void> expect_code(std::string_view stage, const Reply& r, int want) {
  if (r.code == want || (want < 10 && r.code / 100 == want)) return {};
  return tl::unexpected(reply_error(stage, r));
}

// EHLO keywords (upper case) → parameters ("AUTH" → "PLAIN LOGIN").
std::vector<std::pair<std::string, std::string>> parse_ehlo(const Reply& r) {
  std::vector<std::pair<std::string, std::string>> ext;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    const std::string_view line = r.lines[i];
    auto sep = line.find_first_of(" =");  // "AUTH=PLAIN LOGIN": pre-RFC 4954 servers
    const std::string keyword = upper(line.substr(0, sep));
    const std::string params =
        sep == std::string_view::npos ? std::string() : upper(line.substr(sep + 1));
    ext.emplace_back(keyword, params);
  }
  return ext;
}

const std::string* extension(const std::vector<std::pair<std::string, std::string>>& ext,
                             std::string_view keyword) {
  for (const auto& [k, v] : ext) {
    if (k == keyword) return &v;
  }
  return nullptr;
}

bool has_word(std::string_view list, std::string_view word) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    const auto end = std::min(list.find(' ', pos), list.size());
    if (list.substr(pos, end - pos) == word) return true;
    pos = end + 1;
  }
  return false;
}

// --- Connection -------------------------------------------------------------------------------

using Target = Peer;

Expect<Target> parse_target(const SmtpRequest& r) {
  if (r.host.empty()) return permanent("no SMTP host configured");
  if (!std::all_of(r.host.begin(), r.host.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    return permanent("invalid SMTP host");
  if (r.port == 0) return permanent("invalid SMTP port 0");
  Target t;
  t.host = r.host;
  t.port = std::to_string(r.port);
  error_code ec;
  const auto addr = asio::ip::make_address(r.host, ec);
  t.ip_literal = !ec;
  t.authority = (t.ip_literal && addr.is_v6() ? "[" + r.host + "]" : r.host) + ":" + t.port;
  return t;
}

// One SMTP session over a stream that starts plain and may become TLS (STARTTLS) or is TLS from
// the start (implicit). Every I/O error marks the session broken: no QUIT is attempted then.
class Session {
 public:
  Session(asio::any_io_executor ex, const SmtpRequest& r, const Target& t, ssl::context& ctx)
      : ex_(std::move(ex)), r_(r), t_(t), stream_(ex_, ctx) {}

  bool tls() const { return tls_; }
  bool broken() const { return broken_; }

  asio::awaitable<Expect<void>> connect() {
    const auto deadline = Clock::now() + r_.connect_timeout;
    if (auto c = co_await connect_within(lowest(), t_, deadline, r_.connect_timeout); !c) {
      broken_ = true;
      co_return retryable(std::move(c.error()));
    }
    if (r_.tls == SmtpTls::implicit) co_return co_await handshake(r_.connect_timeout);
    co_return Expect<void>{};
  }

  // The TLS handshake, within the expiry already set on the stream (`budget` is for reasons).
  asio::awaitable<Expect<void>> handshake(std::chrono::milliseconds budget) {
    SSL* h = stream_.native_handle();
    if (auto named = expect_peer_name(h, t_.host, t_.ip_literal); !named)
      co_return permanent(std::move(named.error()));
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::client, nothrow);
    if (!ec) {
      tls_ = true;
      co_return Expect<void>{};
    }
    broken_ = true;
    if ((ec == asio::error::connection_reset || ec == asio::error::eof) &&
        SSL_get_verify_result(h) == X509_V_OK) {
      co_return retryable("TLS handshake with " + t_.authority + " failed: connection closed");
    }
    TlsFailure f = tls_handshake_failure(h, ec, t_.authority, budget);
    co_return tl::unexpected(SmtpError{f.retryable, 0, std::move(f.reason)});
  }

  // RFC 3207: after "220 Ready to start TLS", anything already buffered was sent in clear before
  // the handshake and must be discarded (it could be injected).
  asio::awaitable<Expect<void>> start_tls() {
    static constexpr std::string_view stage = "STARTTLS";
    auto reply = co_await command("STARTTLS", stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (auto ok = expect_code(stage, *reply, 220); !ok) co_return ok;
    in_.clear();
    lowest().expires_after(r_.command_timeout);
    co_return co_await handshake(r_.command_timeout);
  }

  // Sends `line` + CRLF and reads the whole reply, within command_timeout.
  asio::awaitable<Expect<Reply>> command(std::string_view line, std::string_view stage) {
    lowest().expires_after(r_.command_timeout);
    std::string out;
    out.reserve(line.size() + 2);
    out += line;
    out += "\r\n";
    if (auto w = co_await write(out, stage); !w) co_return tl::unexpected(w.error());
    co_return co_await read_reply(stage);
  }

  // The greeting, or the reply to the end of DATA after write(): reads one reply within
  // command_timeout.
  asio::awaitable<Expect<Reply>> reply(std::string_view stage) {
    lowest().expires_after(r_.command_timeout);
    co_return co_await read_reply(stage);
  }

  asio::awaitable<Expect<void>> write_data(std::string_view data, std::string_view stage) {
    lowest().expires_after(r_.command_timeout);
    co_return co_await write(data, stage);
  }

  // Best effort: QUIT, then close_notify on TLS; errors are irrelevant by now.
  asio::awaitable<void> quit() {
    if (!broken_) {
      lowest().expires_after(std::min(r_.command_timeout, quit_timeout));
      std::string line = "QUIT\r\n";
      if (auto w = co_await write(line, "QUIT"); w) {
        auto ignored = co_await read_reply("QUIT");
        (void)ignored;
      }
    }
    if (tls_ && !broken_) {
      lowest().expires_after(tls_shutdown_timeout);
      auto [ec] = co_await stream_.async_shutdown(nothrow);
      (void)ec;
    }
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  SmtpError io_error(const error_code& ec, std::string_view stage) {
    broken_ = true;
    const std::string s(stage);
    if (ec == beast::error::timeout)
      return {true, 0, s + " timed out after " + ms_text(r_.command_timeout)};
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
        ec == ssl::error::stream_truncated) {
      return {true, 0, "connection closed by the server during " + s};
    }
    return {true, 0, s + " failed: " + lower_first(ec.message())};
  }

  asio::awaitable<Expect<void>> write(std::string_view data, std::string_view stage) {
    const auto buffer = asio::buffer(data.data(), data.size());
    error_code ec;
    if (tls_) {
      auto [e, n] = co_await asio::async_write(stream_, buffer, nothrow);
      ec = e;
    } else {
      auto [e, n] = co_await asio::async_write(stream_.next_layer(), buffer, nothrow);
      ec = e;
    }
    if (ec) co_return tl::unexpected(io_error(ec, stage));
    co_return Expect<void>{};
  }

  // One line without its line break (CRLF, or a bare LF from a lax server).
  asio::awaitable<Expect<std::string>> read_line(std::string_view stage) {
    std::array<char, 4096> chunk{};
    for (;;) {
      if (const auto eol = in_.find('\n'); eol != std::string::npos) {
        std::string line = in_.substr(0, eol);
        in_.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        co_return line;
      }
      if (in_.size() > max_reply_line_bytes) {
        broken_ = true;
        co_return permanent(std::string(stage) + ": reply line too long");
      }
      const auto buffer = asio::buffer(chunk);
      error_code ec;
      std::size_t n = 0;
      if (tls_) {
        auto [e, k] = co_await stream_.async_read_some(buffer, nothrow);
        ec = e;
        n = k;
      } else {
        auto [e, k] = co_await stream_.next_layer().async_read_some(buffer, nothrow);
        ec = e;
        n = k;
      }
      in_.append(chunk.data(), n);
      if (ec) co_return tl::unexpected(io_error(ec, stage));
    }
  }

  // RFC 5321 §4.2: "250-first", "250-more", "250 last"; the same code on every line.
  asio::awaitable<Expect<Reply>> read_reply(std::string_view stage) {
    Reply reply;
    while (reply.lines.size() < max_reply_lines) {
      auto line = co_await read_line(stage);
      if (!line) co_return tl::unexpected(line.error());
      const std::string& l = *line;
      const bool well_formed = l.size() >= 3 && l[0] >= '2' && l[0] <= '5' &&
                               std::isdigit(static_cast<unsigned char>(l[1])) &&
                               std::isdigit(static_cast<unsigned char>(l[2])) &&
                               (l.size() == 3 || l[3] == ' ' || l[3] == '-');
      const int code = well_formed ? std::stoi(l.substr(0, 3)) : 0;
      if (!well_formed || (!reply.lines.empty() && code != reply.code)) {
        broken_ = true;
        co_return permanent(std::string(stage) + ": malformed reply from the server");
      }
      reply.code = code;
      reply.lines.push_back(l.size() > 4 ? l.substr(4) : std::string());
      if (l.size() == 3 || l[3] == ' ') co_return reply;
    }
    broken_ = true;
    co_return permanent(std::string(stage) + ": reply has too many lines");
  }

  asio::any_io_executor ex_;
  const SmtpRequest& r_;
  const Target& t_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::string in_;  // received, not yet consumed
  bool tls_ = false;
  bool broken_ = false;
};

// EHLO (HELO when EHLO is refused with 5yz); the extensions, empty after HELO.
asio::awaitable<Expect<std::vector<std::pair<std::string, std::string>>>> greet(
    Session& s, const std::string& helo) {
  const std::string ehlo = "EHLO " + helo;
  auto reply = co_await s.command(ehlo, "EHLO");
  if (!reply) co_return tl::unexpected(reply.error());
  if (reply->code / 100 == 2) co_return parse_ehlo(*reply);
  if (reply->code / 100 != 5) co_return tl::unexpected(reply_error("EHLO", *reply));
  const std::string helo_line = "HELO " + helo;
  auto helo_reply = co_await s.command(helo_line, "HELO");
  if (!helo_reply) co_return tl::unexpected(helo_reply.error());
  if (auto ok = expect_code("HELO", *helo_reply, 2); !ok) co_return tl::unexpected(ok.error());
  co_return std::vector<std::pair<std::string, std::string>>{};
}

asio::awaitable<Expect<std::string>> authenticate(
    Session& s, const SmtpRequest& r, const std::vector<std::pair<std::string, std::string>>& ext) {
  const std::string* mechanisms = extension(ext, "AUTH");
  if (mechanisms != nullptr && has_word(*mechanisms, "PLAIN")) {
    static constexpr std::string_view stage = "AUTH PLAIN";
    // RFC 4616: [authzid] NUL authcid NUL passwd, sent as the initial response (RFC 4954).
    std::string payload;
    payload += '\0';
    payload += r.username;
    payload += '\0';
    payload += r.password;
    const std::string line = "AUTH PLAIN " + base64_encode(payload);
    auto reply = co_await s.command(line, stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (auto ok = expect_code(stage, *reply, 235); !ok) co_return tl::unexpected(ok.error());
    co_return std::string("PLAIN");
  }
  if (mechanisms != nullptr && has_word(*mechanisms, "LOGIN")) {
    static constexpr std::string_view stage = "AUTH LOGIN";
    auto reply = co_await s.command("AUTH LOGIN", stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (auto ok = expect_code(stage, *reply, 334); !ok) co_return tl::unexpected(ok.error());
    const std::string user = base64_encode(r.username);
    reply = co_await s.command(user, stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (auto ok = expect_code(stage, *reply, 334); !ok) co_return tl::unexpected(ok.error());
    const std::string pass = base64_encode(r.password);
    reply = co_await s.command(pass, stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (auto ok = expect_code(stage, *reply, 235); !ok) co_return tl::unexpected(ok.error());
    co_return std::string("LOGIN");
  }
  co_return permanent("server does not offer AUTH PLAIN or LOGIN");
}

// Everything after the TCP (and implicit TLS) connection, up to the reply to the end of DATA.
asio::awaitable<Outcome> deliver(Session& s, const SmtpRequest& r, const MailMessage& m,
                                 const std::string& helo, const std::string& data) {
  auto greeting = co_await s.reply("greeting");
  if (!greeting) co_return tl::unexpected(greeting.error());
  if (auto ok = expect_code("greeting", *greeting, 2); !ok) co_return tl::unexpected(ok.error());

  auto ext = co_await greet(s, helo);
  if (!ext) co_return tl::unexpected(ext.error());
  if (r.tls == SmtpTls::starttls) {
    if (extension(*ext, "STARTTLS") == nullptr)
      co_return permanent("server does not offer STARTTLS");
    if (auto ok = co_await s.start_tls(); !ok) co_return tl::unexpected(ok.error());
    ext = co_await greet(s, helo);  // RFC 3207 §4.2: forget what was learnt in clear
    if (!ext) co_return tl::unexpected(ext.error());
  }

  SmtpReceipt receipt;
  receipt.message_id = m.message_id;
  receipt.tls = s.tls();
  if (!r.username.empty()) {
    auto mechanism = co_await authenticate(s, r, *ext);
    if (!mechanism) co_return tl::unexpected(mechanism.error());
    receipt.auth_mechanism = *mechanism;
  }
  if (const std::string* size = extension(*ext, "SIZE"); size != nullptr && !size->empty()) {
    // RFC 1870: 0 means no fixed limit.
    const std::uint64_t limit = std::strtoull(size->c_str(), nullptr, 10);
    if (limit > 0 && data.size() > limit) {
      co_return permanent("message of " + std::to_string(data.size()) +
                          " bytes exceeds the server's limit of " + std::to_string(limit));
    }
  }

  const std::string mail_from = "MAIL FROM:<" + m.from.address + ">";
  auto reply = co_await s.command(mail_from, "MAIL FROM");
  if (!reply) co_return tl::unexpected(reply.error());
  if (auto ok = expect_code("MAIL FROM", *reply, 2); !ok) co_return tl::unexpected(ok.error());

  std::optional<SmtpError> first_refusal;
  for (const auto& to : m.to) {
    const std::string stage = "RCPT TO <" + to.address + ">";
    const std::string line = "RCPT TO:<" + to.address + ">";
    reply = co_await s.command(line, stage);
    if (!reply) co_return tl::unexpected(reply.error());
    if (reply->code / 100 == 2) {
      receipt.accepted.push_back(to.address);
    } else if (reply->code / 100 == 5) {
      receipt.refused.emplace_back(to.address, one_line(*reply));
      if (!first_refusal) first_refusal = reply_error(stage, *reply);
    } else {
      // 4yz (or nonsense): stop before DATA so that a retry reaches everybody exactly once.
      co_return tl::unexpected(reply_error(stage, *reply));
    }
  }
  if (receipt.accepted.empty()) co_return tl::unexpected(*first_refusal);

  reply = co_await s.command("DATA", "DATA");
  if (!reply) co_return tl::unexpected(reply.error());
  if (auto ok = expect_code("DATA", *reply, 354); !ok) co_return tl::unexpected(ok.error());
  if (auto w = co_await s.write_data(data, "sending the message"); !w)
    co_return tl::unexpected(w.error());
  reply = co_await s.reply("end of DATA");
  if (!reply) co_return tl::unexpected(reply.error());
  if (auto ok = expect_code("end of DATA", *reply, 2); !ok) co_return tl::unexpected(ok.error());
  receipt.reply = one_line(*reply);
  co_return receipt;
}

asio::awaitable<Outcome> send_checked(asio::any_io_executor ex, const SmtpRequest& r) {
  const std::string helo = helo_domain(r.helo_name);
  if (!valid_helo(helo)) co_return permanent("invalid HELO name");
  MailMessage m = r.message;
  if (m.message_id.empty()) m.message_id = make_message_id(helo);
  auto text = build_message(m);
  if (!text) co_return permanent(std::move(text.error().reason));
  const std::string data = dot_stuff(*text);
  auto target = parse_target(r);
  if (!target) co_return tl::unexpected(target.error());

  // The context is configured before the stream exists: SSL_new copies the verify mode.
  ssl::context ctx(ssl::context::tls_client);  // unused without TLS
  if (r.tls != SmtpTls::none) {
    auto configured = make_tls_client_context(r.ca_file);
    if (!configured) co_return permanent(std::move(configured.error()));
    ctx = std::move(*configured);
  }

  Session session(ex, r, *target, ctx);
  Outcome out = permanent("internal error");
  if (auto connected = co_await session.connect(); !connected) {
    out = tl::unexpected(connected.error());
  } else {
    out = co_await deliver(session, r, m, helo, data);
  }
  co_await session.quit();
  co_return out;
}

}  // namespace

std::string dot_stuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 5);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string helo_domain(std::string_view configured) {
  if (configured.empty()) {
    error_code ec;
    std::string name = asio::ip::host_name(ec);
    return ec || name.empty() ? std::string("localhost") : name;
  }
  error_code ec;
  const auto addr = asio::ip::make_address(std::string(configured), ec);
  if (ec) return std::string(configured);
  if (addr.is_v4()) return "[" + addr.to_string() + "]";
  return "[IPv6:" + addr.to_string() + "]";
}

std::string make_message_id(std::string_view domain) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "<";
  for (const unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  id += '@';
  id += domain;
  id += '>';
  return id;
}

asio::awaitable<tl::expected<SmtpReceipt, SmtpError>> smtp_send(asio::any_io_executor ex,
                                                                const SmtpRequest& r) {
  Outcome out = permanent("internal error");
  try {
    out = co_await send_checked(ex, r);
  } catch (const std::exception& e) {
    // Not expected (Asio reports through error codes here); keep the promise of never throwing.
    out = permanent(std::string("internal error: ") + e.what());
  }
  if (!out) {
    // Reasons are built without secrets; this guards against a server echoing them back.
    std::string plain;
    plain += '\0';
    plain += r.username;
    plain += '\0';
    plain += r.password;
    const std::string plain_b64 = base64_encode(plain);
    const std::string password_b64 = base64_encode(r.password);
    out.error().reason =
        redact_secrets(std::move(out.error().reason), {r.password, plain_b64, password_b64});
  }
  co_return out;
}

}  // namespace bw::net
