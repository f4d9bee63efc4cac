// The one UTF-8 decoder (a step, and whole strings to and from UTF-32) and the truncation helpers
// named by their unit (bytes or characters), plus the RFC 3339 UTC timestamp format. Pure, std
// only; used by store/ (reject rows), reports/, alerts/ and daemon/ (log escaping, API times).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace bw::engine {

/// The length (1–4) of the well-formed UTF-8 sequence (RFC 3629) starting at s[i], or 0 when the
/// bytes there are not one: a continuation byte, an overlong form, a UTF-16 surrogate, a value
/// beyond U+10FFFF or a sequence cut short by the end of `s`. ASCII is 1. Requires i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

/// Decodes `s` into code points, by utf8_sequence_length's rules (strict: no overlong forms,
/// surrogates or values beyond U+10FFFF). False at the first ill-formed sequence (`out` then holds
/// the code points before it).
bool decode_utf8(std::string_view s, std::u32string& out);

/// Appends the UTF-8 form of the code point `c` (a scalar value: the caller's text came from
/// decode_utf8 or a literal).
void append_utf8(std::string& out, char32_t c);

/// The UTF-8 form of `s` (append_utf8 of each code point).
std::string encode_utf8(std::u32string_view s);

/// The longest prefix of `s` of at most `max_bytes` bytes that does not end inside a UTF-8
/// sequence (continuation bytes are never split from their lead byte). `s` itself when it fits.
std::string truncate_bytes_utf8(std::string_view s, std::size_t max_bytes);

/// The first `max_chars` characters of `s`, counted as UTF-8 lead bytes (every byte that is not a
/// continuation byte starts a character); `s` itself when it has no more. Adds no ellipsis.
std::string truncate_chars(std::string_view s, std::size_t max_chars);

/// "2021-06-30T08:00:00Z": RFC 3339 / ISO 8601 in UTC, whole seconds, four-digit year.
std::string format_rfc3339_utc(std::chrono::sys_seconds t);

}  // namespace bw::engine
