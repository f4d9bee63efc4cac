#include "net/mime.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "net/crypto.h"

namespace bw::net {
namespace {

// RFC 5322 §2.1.1: a line MUST NOT exceed 998 characters, SHOULD NOT exceed 78.
constexpr std::size_t max_line_chars = 998;
constexpr std::size_t folded_line_chars = 78;
// RFC 2047 §2: an encoded-word is at most 75 characters, a line holding one at most 76.
constexpr std::size_t max_encoded_word_chars = 75;
constexpr std::size_t max_encoded_line_chars = 76;
constexpr std::string_view encoded_word_prefix = "=?UTF-8?B?";
constexpr std::string_view encoded_word_suffix = "?=";
// "=_" can never occur in base64 text (no '_', '=' only as final padding), so a fixed boundary
// cannot collide with the base64 parts it separates (RFC 2045 §6.7 uses the same trick).
constexpr std::string_view alternative_boundary = "=_budgetwatch_alternative";

tl::unexpected<MimeError> invalid(std::string reason) {
  return tl::unexpected<MimeError>(MimeError{std::move(reason)});
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool printable_ascii(char c) { return c >= 0x20 && c <= 0x7e; }

// --- Validation -------------------------------------------------------------------------------

bool valid_address(std::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  for (const char c : a) {
    if (c <= 0x20 || c >= 0x7f || std::string_view("<>,;()\"\\").find(c) != std::string_view::npos)
      return false;
  }
  const auto at = a.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
         a.find('@', at + 1) == std::string_view::npos;
}

bool valid_message_id(std::string_view id) {
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
  const std::string_view inner = id.substr(1, id.size() - 2);
  for (const char c : inner) {
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return false;
  }
  const auto at = inner.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < inner.size();
}

// RFC 5322 §3.6.8 field-name: printable ASCII except ':' (and no space).
bool valid_header_name(std::string_view name) {
  return !name.empty() && name.size() <= 76 && std::all_of(name.begin(), name.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != ':';
  });
}

bool generated_header(std::string_view name) {
  const std::string n = upper(name);
  return n == "DATE" || n == "FROM" || n == "TO" || n == "SUBJECT" || n == "MESSAGE-ID" ||
         n == "MIME-VERSION" || n.rfind("CONTENT-", 0) == 0;
}

// --- Encodings ----------------------------------------------------------------------------------

// Length of the UTF-8 sequence starting at s[i]; an invalid byte counts as a sequence of one, so
// invalid input is still encoded (and shown as U+FFFD by readers) without splitting valid ones.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
  }
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
  }
  return n;
}

// Largest number of input bytes whose base64 fits an encoded-word of `chars` characters.
std::size_t encoded_word_bytes(std::size_t chars) {
  const std::size_t overhead = encoded_word_prefix.size() + encoded_word_suffix.size();
  return chars <= overhead ? 0 : (chars - overhead) / 4 * 3;
}

std::string encode_words(std::string_view s, std::size_t first_line_used) {
  std::string out;
  // Continuation lines are " " + one encoded-word, which holds 45 bytes: any UTF-8 sequence fits.
  const std::size_t next_room = max_encoded_line_chars - 1;
  std::size_t room =
      first_line_used < max_encoded_line_chars
          ? std::min(max_encoded_word_chars, max_encoded_line_chars - first_line_used)
          : 0;
  bool fold = false;  // whether the next word starts a continuation line
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t max_bytes = encoded_word_bytes(room);
    std::size_t end = pos;
    while (end < s.size()) {
      const std::size_t n = utf8_length(s, end);
      if (end + n - pos > max_bytes) break;
      end += n;
    }
    if (end == pos) {
      // Not even one character fits on the first line: start the words on the next one.
      fold = true;
      room = next_room;
      continue;
    }
    if (fold) out += "\r\n ";
    out += encoded_word_prefix;
    out += base64_encode(s.substr(pos, end - pos));
    out += encoded_word_suffix;
    pos = end;
    fold = true;
    room = next_room;
  }
  return out;
}

bool plain_header_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), printable_ascii) && s.find("=?") == std::string_view::npos;
}

// Folds printable ASCII before spaces so that lines stay within 78 characters where the words
// allow; nullopt when folding cannot keep the text intact and every line within 998 characters
// (leading, trailing or repeated spaces could leave a whitespace-only line).
std::optional<std::string> fold_ascii(std::string_view s, std::size_t first_line_used) {
  if (first_line_used + s.size() <= folded_line_chars) return std::string(s);
  if (s.front() == ' ' || s.back() == ' ' || s.find("  ") != std::string_view::npos)
    return std::nullopt;
  std::string out;
  std::size_t used = first_line_used;
  std::size_t pos = 0;  // start of the current line's text; a space after the first fold
  while (used + (s.size() - pos) > folded_line_chars) {
    const std::size_t room = folded_line_chars > used ? folded_line_chars - used : 0;
    std::size_t brk = std::string_view::npos;
    for (std::size_t i = std::min(pos + room, s.size() - 1); i > pos; --i) {
      if (s[i] == ' ') {
        brk = i;
        break;
      }
    }
    if (brk == std::string_view::npos) brk = s.find(' ', pos + 1);
    if (brk == std::string_view::npos) break;
    if (used + (brk - pos) > max_line_chars) return std::nullopt;
    out += s.substr(pos, brk - pos);
    out += "\r\n";
    pos = brk;
    used = 0;
  }
  if (used + (s.size() - pos) > max_line_chars) return std::nullopt;
  out += s.substr(pos);
  return out;
}

// Characters on the last line of a possibly folded value.
std::size_t last_line_chars(std::string_view s) {
  const auto nl = s.rfind('\n');
  return nl == std::string_view::npos ? s.size() : s.size() - nl - 1;
}

std::string to_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (s[i] == '\n') {
      out += "\r\n";
    } else {
      out += s[i];
    }
  }
  return out;
}

void append_part_body(std::string& out, std::string_view content) {
  const std::string lines = base64_lines(to_crlf(content));
  out += lines;
  // The CRLF before a boundary delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  if (lines.empty()) out += "\r\n";
}

}  // namespace

std::string base64_lines(std::string_view data, std::size_t line_chars) {
  const std::string encoded = base64_encode(data);
  if (line_chars == 0) line_chars = encoded.size();
  std::string out;
  out.reserve(encoded.size() + (encoded.size() / std::max<std::size_t>(line_chars, 1) + 1) * 2);
  for (std::size_t pos = 0; pos < encoded.size(); pos += line_chars) {
    out.append(encoded, pos, line_chars);
    out += "\r\n";
  }
  return out;
}

std::string encode_header_word(std::string_view utf8, std::size_t first_line_used) {
  if (utf8.empty()) return {};
  if (plain_header_text(utf8)) {
    if (auto folded = fold_ascii(utf8, first_line_used)) return *folded;
  }
  return encode_words(utf8, first_line_used);
}

std::string format_mailbox(const MailAddress& a, std::size_t first_line_used) {
  if (a.display_name.empty()) return a.address;
  std::string out;
  if (plain_header_text(a.display_name)) {
    // RFC 5322 §3.2.4 quoted-string: every printable ASCII character, '"' and '\' escaped.
    out += '"';
    for (const char c : a.display_name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out = encode_words(a.display_name, first_line_used);
  }
  const std::size_t used =
      out.find('\n') == std::string::npos ? first_line_used + out.size() : last_line_chars(out);
  const bool words = !plain_header_text(a.display_name);
  const std::size_t limit = words ? max_encoded_line_chars : folded_line_chars;
  out += used + 3 + a.address.size() > limit ? "\r\n <" : " <";
  out += a.address;
  out += '>';
  return out;
}

std::string format_rfc5322_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  static constexpr std::array<std::string_view, 7> weekdays = {"Sun", "Mon", "Tue", "Wed",
                                                               "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  const auto two = [](long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  std::string out;
  out += weekdays[weekday{day}.c_encoding()];
  out += ", ";
  out += two(static_cast<long>(static_cast<unsigned>(ymd.day())));
  out += ' ';
  out += months[static_cast<unsigned>(ymd.month()) - 1];
  out += ' ';
  out += std::to_string(static_cast<int>(ymd.year()));
  out += ' ';
  out += two(static_cast<long>(hms.hours().count()));
  out += ':';
  out += two(static_cast<long>(hms.minutes().count()));
  out += ':';
  out += two(static_cast<long>(hms.seconds().count()));
  out += " +0000";
  return out;
}

tl::expected<std::string, MimeError> build_message(const MailMessage& m) {
  if (m.message_id.empty()) return invalid("message has no Message-ID");
  if (!valid_message_id(m.message_id)) return invalid("invalid Message-ID");
  if (!valid_address(m.from.address)) return invalid("invalid sender address");
  if (m.to.empty()) return invalid("no recipients");
  for (const auto& to : m.to) {
    if (!valid_address(to.address)) return invalid("invalid recipient address");
  }
  for (const auto& [name, value] : m.headers) {
    if (!valid_header_name(name)) return invalid("invalid extra header name");
    if (generated_header(name)) return invalid("extra header " + name + " is generated");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return invalid("extra header " + name + " contains CR, LF or NUL");
  }

  std::string out;
  const auto field = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  field("Date", format_rfc5322_date(m.date));
  field("From", format_mailbox(m.from, 6));
  std::string to;
  for (std::size_t i = 0; i < m.to.size(); ++i) {
    if (i > 0) to += ",\r\n ";
    to += format_mailbox(m.to[i], i == 0 ? 4 : 1);
  }
  field("To", to);
  field("Subject", encode_header_word(m.subject, 9));
  field("Message-ID", m.message_id);
  field("MIME-Version", "1.0");
  for (const auto& [name, value] : m.headers) {
    field(name, encode_header_word(value, name.size() + 2));
  }
  if (m.html.empty()) {
    field("Content-Type", "text/plain; charset=UTF-8");
    field("Content-Transfer-Encoding", "base64");
    out += "\r\n";
    out += base64_lines(to_crlf(m.text));
  } else {
    const std::string boundary(alternative_boundary);
    field("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
    out += "\r\n";
    for (const auto& [type, content] :
         {std::pair<std::string_view, std::string_view>{"text/plain", m.text},
          std::pair<std::string_view, std::string_view>{"text/html", m.html}}) {
      out += "--" + boundary + "\r\n";
      field("Content-Type", std::string(type) + "; charset=UTF-8");
      field("Content-Transfer-Encoding", "base64");
      out += "\r\n";
      append_part_body(out, content);
    }
    out += "--" + boundary + "--\r\n";
  }

  for (std::size_t pos = 0; pos < out.size();) {
    const auto end = std::min(out.find("\r\n", pos), out.size());
    if (end - pos > max_line_chars) return invalid("header line longer than 998 characters");
    pos = end + 2;
  }
  return out;
}

}  // namespace bw::net
