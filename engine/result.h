// The one error vocabulary of budgetwatch: every expected failure (bad input, an outside system
// that is down) is a Result<T>; infrastructure failures throw and are caught once at a task
// boundary (STYLE §4).
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace bw {

/// What kind of failure an Error is. Callers branch on this, never on the message text.
enum class Errc {
  invalid_input,  ///< bad data or arguments from a user or a file: fix the input
  not_found,      ///< a named thing (file, project, key) does not exist
  conflict,       ///< contradicts what is already recorded (same voucher, other amount)
  unavailable,    ///< an outside system did not answer or refused for now: retry later
  io,             ///< reading or writing a local file failed
  internal,       ///< a bug or an impossible state; logged with details
};

/// A failure a user can act on. `message` is complete and safe to show or log (no secrets);
/// `where` is "file.csv:17:5" (file, line, column) when known, else empty.
struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::string where;

  /// "where: message", or the message alone when `where` is empty.
  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

template <class T>
using Result = tl::expected<T, Error>;

/// Builds the unexpected value of a Result: `return fail(Errc::invalid_input, "...");`.
inline tl::unexpected<Error> fail(Errc code, std::string message, std::string where = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}

/// Errc as a stable lower-case word, for logs and JSON ("invalid_input").
constexpr const char* to_string(Errc c) {
  switch (c) {
    case Errc::invalid_input:
      return "invalid_input";
    case Errc::not_found:
      return "not_found";
    case Errc::conflict:
      return "conflict";
    case Errc::unavailable:
      return "unavailable";
    case Errc::io:
      return "io";
    case Errc::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace bw
