// The MIME message builder (RFC 5322 + RFC 2045–2047): header fields with UTF-8 as RFC 2047
// encoded-words, base64 bodies, multipart/alternative for HTML. Pure, no I/O. Used by
// net/smtp_client.cpp (which sends it) and alerts/notifiers/email.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace bw::net {

/// One mailbox: an address and an optional display name.
struct MailAddress {
  /// addr-spec, ASCII only ("owner@example.org"): no spaces, controls, '<', '>' or ','; exactly
  /// one '@' with text on both sides. Anything else fails the send before connecting (permanent).
  std::string address;
  /// Optional, UTF-8 ("张三"). Sent as a quoted-string when printable ASCII, otherwise as RFC 2047
  /// encoded-words.
  std::string display_name;
};

/// The message to send. build_message() turns it into RFC 5322 text.
struct MailMessage {
  MailAddress from;  ///< From header and envelope sender (MAIL FROM)
  /// To header and envelope recipients (one RCPT TO each), in this order. At least one.
  std::vector<MailAddress> to;
  /// UTF-8; encoded as RFC 2047 encoded-words unless it is short printable ASCII.
  std::string subject;
  /// UTF-8 plain-text body; any line endings (LF, CRLF, CR), sent as CRLF. Sent as text/plain;
  /// charset=UTF-8 with Content-Transfer-Encoding base64.
  std::string text;
  /// Optional UTF-8 HTML body. When set, the body is multipart/alternative (text first, then
  /// HTML), both parts base64.
  std::string html;
  /// "<local@domain>", printable ASCII without spaces. Empty: smtp_send() generates one with
  /// make_message_id(helo_domain(SmtpRequest::helo_name)); build_message() requires it.
  std::string message_id;
  /// The Date header (RFC 5322, written in UTC as "+0000"). Callers pass their clock's now; the
  /// default (the epoch) is only meant for tests.
  std::chrono::system_clock::time_point date{};
  /// Extra header fields, written after the generated ones in this order. Names are RFC 5322
  /// field names (printable ASCII, no ':' or space) and may not be one of the generated fields
  /// (Date, From, To, Subject, Message-ID, MIME-Version, Content-*); values may not contain CR, LF
  /// or NUL, and non-ASCII values are encoded like the subject. A violation fails the send before
  /// connecting (permanent).
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Why a message cannot be built: "invalid sender address", "extra header X-Note contains CR, LF
/// or NUL", … Always a property of the message, so a sender treats it as permanent.
struct MimeError {
  std::string reason;
};

/// The full RFC 5322 message for `m`: header fields (Date, From, To, Subject, Message-ID,
/// MIME-Version, the extra headers, Content-Type, Content-Transfer-Encoding), a blank line and the
/// body, every line ending in CRLF, no line longer than 998 octets, base64 lines of 76 characters.
/// Not dot-stuffed (see dot_stuff in smtp_client.h). Fails on an empty or invalid
/// Message-ID, an invalid address, no recipient, or an invalid extra header. Thread-safe.
tl::expected<std::string, MimeError> build_message(const MailMessage& m);

/// RFC 2047 header text: printable ASCII without "=?" is returned as is (folded at spaces when
/// longer than a 78-character line); anything else becomes "=?UTF-8?B?...?=" encoded-words of at
/// most 75 characters each, never splitting a UTF-8 sequence, joined by "\r\n " (folding
/// whitespace, removed again by readers). `first_line_used` counts the characters already on the
/// first line ("Subject: " is 9) so that every line holding encoded-words stays within 76
/// characters. Thread-safe.
std::string encode_header_word(std::string_view utf8, std::size_t first_line_used = 0);

/// A mailbox for From/To: "addr@example.org", "\"Ops Team\" <ops@example.org>" or
/// "=?UTF-8?B?5byg5LiJ?= <owner@example.org>". Does not validate the address.
std::string format_mailbox(const MailAddress& a, std::size_t first_line_used = 0);

/// Base64 (RFC 4648, with padding) of `data` split into CRLF-terminated lines of at most
/// `line_chars` characters (76 for MIME bodies). Empty input gives an empty string.
std::string base64_lines(std::string_view data, std::size_t line_chars = 76);

/// "Mon, 04 Jan 2021 08:00:00 +0000" (RFC 5322 date-time, UTC, English names, locale-free).
std::string format_rfc5322_date(std::chrono::system_clock::time_point t);

}  // namespace bw::net
