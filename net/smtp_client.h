// An SMTP submission client (RFC 5321) on Boost.Asio C++20 coroutines: plain, STARTTLS (required
// when configured) and implicit TLS, AUTH PLAIN/LOGIN, per-command timeouts; it sends the message
// net/mime.h builds. Used by alerts/notifiers/email.cpp; classification of failures follows STYLE
// §4.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <tl/expected.hpp>

#include "net/mime.h"

namespace bw::net {

/// How the connection to the server is secured.
enum class SmtpTls {
  /// Plain SMTP. AUTH, when configured, is sent in clear: only for a trusted local relay.
  none,
  /// Plain connect, then STARTTLS (RFC 3207) before anything else. Required: a server that does
  /// not advertise STARTTLS fails the attempt (permanent), there is no fallback to plain text.
  starttls,
  /// TLS from the first byte ("SMTPS", RFC 8314, usually port 465).
  implicit,
};

/// One message to one server. Every default is stated beside the member.
struct SmtpRequest {
  /// Server host name or IP address (IPv6 without brackets). Required.
  std::string host;
  /// Server port. Default 587 (submission with STARTTLS); 465 is the usual implicit-TLS port.
  std::uint16_t port = 587;
  /// Default: STARTTLS, required.
  SmtpTls tls = SmtpTls::starttls;
  /// Empty: no AUTH. Otherwise AUTH PLAIN when the server offers it, else AUTH LOGIN; a server
  /// offering neither fails the attempt (permanent).
  std::string username;
  /// Never appears in an SmtpError (nor does the AUTH exchange).
  std::string password;
  /// TLS: when set, the only trusted CA bundle (PEM); when empty, the system CAs. The server's
  /// certificate must match `host` (DNS name via SSL_set1_host, IP literal via the IP SAN), as in
  /// http_client.h.
  std::filesystem::path ca_file;
  /// The EHLO/HELO argument; passed through helo_domain(), so empty means this host's name.
  std::string helo_name;
  /// Budget for resolve + TCP connect (+ the TLS handshake in implicit mode). Default 10 s.
  std::chrono::milliseconds connect_timeout{10000};
  /// Budget for each exchange after connecting: the greeting, each command and its complete
  /// reply, the STARTTLS handshake, and the message content with its final reply. Default 60 s.
  std::chrono::milliseconds command_timeout{60000};
  MailMessage message;
};

/// A message the server accepted (250 to the end of DATA).
struct SmtpReceipt {
  std::string message_id;             ///< as sent, generated or given
  std::vector<std::string> accepted;  ///< recipients accepted by RCPT TO, in request order
  /// Recipients refused with a 5yz reply while at least one other was accepted (the message went
  /// to the others): address and the server's reply ("550 5.1.1 user unknown").
  std::vector<std::pair<std::string, std::string>> refused;
  std::string reply;           ///< the reply to the end of DATA ("250 2.0.0 Ok: queued as ...")
  bool tls = false;            ///< whether the message travelled over TLS
  std::string auth_mechanism;  ///< "PLAIN", "LOGIN", or empty without AUTH
};

/// Why an attempt failed. `reason` is short and safe to log: it never contains the password or
/// any part of the AUTH exchange; server replies are cut to one line of at most 200 characters.
/// Examples: "connection refused", "greeting timed out after 500 ms", "server does not offer
/// STARTTLS", "TLS: certificate verify failed (self-signed certificate)", "AUTH PLAIN: server
/// replied 535 5.7.8 Authentication credentials invalid", "RCPT TO <a@example.org>: server
/// replied 550 5.1.1 user unknown".
struct SmtpError {
  /// Worth trying again later: resolve/connect failures, timeouts, resets and closed connections,
  /// any 4yz reply. Permanent: any 5yz reply (535 authentication failure included), TLS failures
  /// (certificate verification, protocol), STARTTLS or AUTH not offered when required, invalid
  /// messages or requests, malformed replies.
  bool retryable = false;
  /// The SMTP reply code when the failure is a reply (421, 451, 535, 550, ...); 0 otherwise.
  int code = 0;
  std::string reason;
};

/// Sends one message in one SMTP session; no retries. Order: connect (TLS at once when implicit),
/// 220 greeting, EHLO (HELO when EHLO is refused with 5yz), STARTTLS + EHLO again when
/// configured, AUTH when a username is set, MAIL FROM, one RCPT TO per recipient, DATA with the
/// dot-stuffed build_message() text, QUIT.
///
/// Recipients: any 4yz reply to a RCPT TO makes the whole attempt retryable before DATA (nothing
/// is sent, so a retry reaches everybody exactly once); recipients refused with 5yz are skipped
/// and listed in SmtpReceipt::refused as long as at least one recipient was accepted; when every
/// recipient is refused with 5yz the attempt fails permanently.
///
/// After the end of DATA is sent and before its reply arrives the outcome is unknown; a timeout
/// or closed connection there is retryable, so a retry may deliver a duplicate with the same
/// Message-ID (receivers and humans can drop it). A failure during QUIT after a 250 is ignored.
///
/// Never throws (std::bad_alloc aside). I/O runs on `ex`; any executor works, a multi-threaded one
/// included. `r` must stay alive until the returned awaitable completes.
boost::asio::awaitable<tl::expected<SmtpReceipt, SmtpError>> smtp_send(
    boost::asio::any_io_executor ex, const SmtpRequest& r);

// --- Pure helpers, exposed for tests and for callers that need the same text. ---

/// The DATA transformation (RFC 5321 §4.5.2): every line break becomes CRLF (a CR or LF alone
/// included), a line starting with '.' gets a second '.', a final CRLF is added when missing, and
/// the end-of-data line ".\r\n" is appended.
std::string dot_stuff(std::string_view message);

/// The EHLO/HELO argument for a configured name: empty → this host's name (Asio's host_name(),
/// "localhost" when unavailable); an IPv4 address → "[192.0.2.1]"; an IPv6 address →
/// "[IPv6:2001:db8::1]"; anything else as given. Also the default Message-ID domain.
std::string helo_domain(std::string_view configured);

/// "<" + 32 random hex digits (128 bits from OpenSSL's RAND_bytes) + "@" + domain + ">".
std::string make_message_id(std::string_view domain);

}  // namespace bw::net
