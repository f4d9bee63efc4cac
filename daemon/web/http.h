// The HTTP vocabulary of the daemon's server: a request as handlers see it, a response they return,
// and JSON helpers. Handlers never see sockets or Beast types.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace bw::web {

/// A parsed request. The body is in `body` (small JSON bodies) or in the file `body_file`
/// (uploads).
struct Request {
  std::string method;                              ///< "GET", "POST", …
  std::string target;                              ///< as sent, e.g. "/api/v1/projects?unit=101001"
  std::string path;                                ///< percent-decoded path without the query
  std::map<std::string, std::string> query;        ///< decoded; the last value wins
  std::map<std::string, std::string> path_params;  ///< from the route pattern ("{code}")
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::filesystem::path body_file;
  std::string remote;  ///< peer address, for logs

  /// A header value by case-insensitive name.
  std::optional<std::string> header(std::string_view name) const;
};

/// What a handler returns.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Sent after `body` without a copy: large immutable texts (the snapshot's metrics) shared by
  /// every response in flight, so that 50 concurrent scrapes of a city's 8 MB /metrics do not hold
  /// 50 copies.
  std::vector<std::shared_ptr<const std::string>> shared_body;
  std::vector<std::pair<std::string, std::string>> headers;

  /// The body as one string (tests, fuzzing): body followed by the shared parts.
  std::string full_body() const;
};

/// A JSON response (serialized compactly, with a trailing newline).
Response json_response(int status, const boost::json::value& v);
/// {"error": message} with a status; the message is for users and carries no internals.
Response error_response(int status, std::string_view message);
/// A text/plain response.
Response text_response(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");

/// A Content-Disposition header value for a download: `attachment; filename="ASCII";
/// filename*=UTF-8''NAME` with NAME percent-encoded as RFC 5987 (RFC 6266 §4.3: clients that know
/// filename* take it, the others the ASCII fallback). `ascii_fallback` must be printable ASCII;
/// quotes and backslashes in it are replaced by '_'.
std::string content_disposition_attachment(std::string_view ascii_fallback,
                                           std::string_view utf8_name);

/// Percent-decodes a URL component ('+' is a space in query strings when `plus_is_space`); nullopt
/// when malformed (bad %XX).
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

/// Splits a target into a decoded path and query parameters; nullopt when malformed.
std::optional<std::pair<std::string, std::map<std::string, std::string>>> split_target(
    std::string_view target);

}  // namespace bw::web
