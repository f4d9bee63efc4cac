// The TLS client side shared by the HTTP and SMTP clients: a verifying client context (TLS ≥ 1.2,
// the given CA bundle or the system CAs), peer-name verification (SNI + host name, or IP SAN) and
// the classification of a failed handshake (STYLE §4). Used by net/http_client.cpp and
// net/smtp_client.cpp.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <tl/expected.hpp>

struct ssl_st;  // OpenSSL's SSL

namespace bw::net {

/// A client context that verifies the peer (verify_peer) with TLS 1.2 or later. `ca_file` set: the
/// only trusted CA bundle (PEM); empty: the system CAs. Configure it before any stream is made
/// from it (SSL_new copies the verify mode). Fails with a permanent reason: "TLS: cannot load CA
/// file PATH" or "TLS: cannot load the system CA certificates".
tl::expected<boost::asio::ssl::context, std::string> make_tls_client_context(
    const std::filesystem::path& ca_file);

/// Sets what the handshake verifies on `ssl`: for an IP literal the certificate's IP SAN and no
/// SNI (RFC 6066 §3); for a name SNI and the host name (SSL_set1_host). Fails with a permanent
/// reason: "TLS: cannot verify address H" / "TLS: cannot verify host name H".
tl::expected<void, std::string> expect_peer_name(ssl_st* ssl, const std::string& host,
                                                 bool ip_literal);

/// Why a TLS handshake failed.
struct TlsFailure {
  bool retryable = false;
  std::string reason;
};

/// Classifies a failed client handshake on `ssl` with `authority` ("host:port", for reasons)
/// within `budget`: a failed certificate verification → permanent "TLS: certificate verify failed
/// (…)"; a timeout → retryable "TLS handshake with A timed out after N ms"; any other TLS error →
/// permanent "TLS: handshake failed (…)"; anything else → retryable "TLS handshake with A failed:
/// …". Callers that word a closed connection their own way check for it first.
TlsFailure tls_handshake_failure(ssl_st* ssl, const boost::system::error_code& ec,
                                 const std::string& authority, std::chrono::milliseconds budget);

}  // namespace bw::net
