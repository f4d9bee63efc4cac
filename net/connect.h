// Resolve + TCP connect within one deadline, and the reason fragments the protocol clients share.
// Used by net/http_client.cpp and net/smtp_client.cpp; no protocol knowledge.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <tl/expected.hpp>

namespace bw::net {

/// Where to connect. `host` is a decoded name or an address without brackets (what the resolver,
/// SNI and certificate verification need); `authority` is only for reasons ("[::1]:465").
struct Peer {
  std::string host;
  std::string port;  ///< decimal
  std::string authority;
  bool ip_literal = false;  ///< resolved numerically, verified against the certificate's IP SAN
};

/// Resolves `p` and connects `stream` to the first endpoint that answers, all before `deadline`
/// (`budget` is the same time as a duration, for reasons). On success the stream's expiry is left
/// at `deadline`, so that a TLS handshake can share the budget. Every failure is retryable; the
/// reason is one of "resolve H timed out after N ms", "cannot resolve H: …", "connection refused",
/// "connect to A timed out after N ms", "connect to A failed: …". Never throws (std::bad_alloc
/// aside). The resolver is cancelled by a timer that holds only a weak reference to it.
boost::asio::awaitable<tl::expected<void, std::string>> connect_within(
    boost::beast::tcp_stream& stream, const Peer& p, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds budget);

/// "1500 ms": durations in reasons.
std::string ms_text(std::chrono::milliseconds d);

/// "Connection refused" → "connection refused": system messages become fragments of a reason.
std::string lower_first(std::string s);

}  // namespace bw::net
