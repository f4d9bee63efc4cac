// An HTTP/1.1 client for single requests over http:// and https:// (Boost.Beast, C++20
// coroutines): any method with an optional body, connect/read timeouts, a response size limit,
// bodies streamed to a file, TLS with verification, no redirects. Used by
// collectors/http_export_source.cpp (GET downloads) and the webhook/robot notifiers in
// alerts/notifiers/ (JSON POSTs); classification of failures follows STYLE §4.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <tl/expected.hpp>

namespace bw::net {

/// One request and its limits. Every default is stated beside the member.
struct HttpRequest {
  /// The request method, an RFC 9110 token ("GET", "POST", "PUT", ...). Default "GET". http_get()
  /// ignores it and always sends GET. An empty or malformed method makes the request fail
  /// (permanent). For "HEAD" the response has no body.
  std::string method = "GET";
  /// http:// or https:// (parsed with Boost.URL). Userinfo and fragment are never sent; the target
  /// is the path and query as written ("/" when empty). May carry secrets: it is redacted in every
  /// reason.
  std::string url;
  /// Extra request headers (Authorization, If-None-Match, If-Modified-Since, Content-Type, ...),
  /// sent as given after Host and User-Agent; a header set here replaces a default of the same
  /// name, except Content-Length and Transfer-Encoding: the framing is always the client's. The
  /// content type of `body` is given here ({"Content-Type", "application/json"}); none
  /// is sent otherwise. A name or value containing CR, LF or NUL makes the request fail
  /// (permanent). Values may carry secrets: they never appear in a reason.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The request body, sent with its Content-Length ("Content-Length: 0" for an empty body of
  /// POST, PUT and OPTIONS; no length for an empty body of other methods, as Beast's
  /// prepare_payload does). http_get() sends no body. Default empty.
  std::string body;
  /// Budget for resolve + TCP connect + TLS handshake, together. Default 10 s.
  std::chrono::milliseconds connect_timeout{10000};
  /// Budget for sending the request and reading the whole response (headers and body). Default 60
  /// s.
  std::chrono::milliseconds read_timeout{60000};
  /// A body larger than this (announced by Content-Length, or counted while reading chunks) is a
  /// permanent error and is never read to the end. Default 1 GiB.
  std::uint64_t max_body_bytes = 1ull << 30;
  /// HTTPS: when set, the only trusted CA bundle (PEM); when empty, the system CAs
  /// (SSL_CTX_set_default_verify_paths).
  std::filesystem::path ca_file;
  /// When set, the body of a 2xx response is streamed into this file (created or truncated; never
  /// held in memory) and HttpResponse::body stays empty. Bodies of other statuses go to
  /// HttpResponse::body. On any error the file is removed, so a partial download is never left
  /// behind.
  std::filesystem::path body_to_file;
};

/// A complete response, whatever its status.
struct HttpResponse {
  int status = 0;
  /// Header fields in received order, names as received.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body, unless it went to HttpRequest::body_to_file.
  std::string body;
  /// Body size in bytes (after chunked decoding), wherever it went.
  std::uint64_t body_bytes = 0;

  /// The first header named `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// Why an attempt failed. `reason` is short and safe to log: URLs are redacted (redact_url), header
/// values never appear. Examples: "connection refused", "connect to 127.0.0.1:8443 timed out after
/// 10000 ms", "TLS: certificate verify failed (self-signed certificate)", "read timed out after
/// 2000 ms", "response larger than 1048576 bytes", "response truncated".
struct HttpError {
  /// Worth trying again later: resolve/connect failures, timeouts, resets, truncated bodies.
  /// Permanent: invalid URL or headers, TLS failures (verification, protocol), oversized bodies,
  /// malformed responses, local file errors.
  bool retryable = false;
  std::string reason;
};

/// Performs one attempt of `r` (method, headers, body); no retries, no redirects (a 3xx is a
/// response like any other). Any HTTP status is returned as an HttpResponse — the caller
/// classifies it (retryable_status, parse_retry_after).
/// Transport failures, timeouts, TLS failures, bodies over max_body_bytes and bodies shorter than
/// their Content-Length are an HttpError, classified as documented there.
///
/// HTTPS verifies the peer's chain and its name (DNS name via SSL_set1_host, IP literal via the IP
/// SAN), sends SNI for DNS names, and requires TLS 1.2 or later. The connection is closed after the
/// response
/// ("Connection: close"); a TLS peer that closes without close_notify after a complete body is not
/// an error.
///
/// Never throws (std::bad_alloc aside). I/O runs on `ex`; any executor works, a multi-threaded one
/// included. `r` is read at the start of the call and must stay alive until the returned awaitable
/// completes (co_await it in the same expression, as usual).
///
/// A failure while sending a body is reported like any other send failure ("send timed out after
/// N ms", "connection reset"): the peer may or may not have acted on a partial request, so callers
/// that retry must be idempotent (the notifiers send an Idempotency-Key).
boost::asio::awaitable<tl::expected<HttpResponse, HttpError>> http_request(
    boost::asio::any_io_executor ex, const HttpRequest& r);

/// http_request() as a GET without a body, whatever r.method and r.body say: the download used by
/// the collectors. Same contract otherwise.
boost::asio::awaitable<tl::expected<HttpResponse, HttpError>> http_get(
    boost::asio::any_io_executor ex, const HttpRequest& r);

/// Whether an HTTP status is worth retrying: 5xx, 429 (Too Many Requests), 408 (Request Timeout).
bool retryable_status(int status);

/// The wait a Retry-After header value asks for (RFC 9110 §10.2.3): either delay-seconds ("120")
/// or an HTTP-date in any of the three formats a recipient must accept (IMF-fixdate "Sun, 06 Nov
/// 1994 08:49:37 GMT", obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6
/// 08:49:37 1994"), measured from `now`. A date in the past gives 0 s. Surrounding whitespace is
/// ignored; anything else (negative or fractional numbers, unknown formats, invalid dates) gives
/// nullopt. Values above ten years are clamped to ten years. Pure; thread-safe.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

/// The User-Agent sent with every request.
inline constexpr std::string_view user_agent = "budgetwatch/0.1";

}  // namespace bw::net
