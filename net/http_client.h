// An HTTP/1.1 client for single GET downloads over http:// and https:// (Boost.Beast, C++20
// coroutines): connect/read timeouts, a body size limit, bodies streamed to a file, TLS with
// verification, no redirects. Used by collectors/http_export_source.cpp; classification of failures
// follows STYLE §4.
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

/// One GET request and its limits. Every default is stated beside the member.
struct HttpRequest {
  /// http:// or https:// (parsed with Boost.URL). Userinfo and fragment are never sent; the target
  /// is the path and query as written ("/" when empty). May carry secrets: it is redacted in every
  /// reason.
  std::string url;
  /// Extra request headers (Authorization, If-None-Match, If-Modified-Since, ...), sent as given
  /// after Host and User-Agent. A name or value containing CR, LF or NUL makes the request fail
  /// (permanent).
  std::vector<std::pair<std::string, std::string>> headers;
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

/// Performs one GET attempt; no retries, no redirects (a 3xx is a response like any other). Any
/// HTTP status is returned as an HttpResponse — the caller classifies it (retryable_status).
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
boost::asio::awaitable<tl::expected<HttpResponse, HttpError>> http_get(
    boost::asio::any_io_executor ex, const HttpRequest& r);

/// Whether an HTTP status is worth retrying: 5xx, 429 (Too Many Requests), 408 (Request Timeout).
bool retryable_status(int status);

/// The User-Agent sent with every request.
inline constexpr std::string_view user_agent = "budgetwatch/0.1";

}  // namespace bw::net
