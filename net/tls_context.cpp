#include "net/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include "net/connect.h"

namespace bw::net {

namespace ssl = boost::asio::ssl;

tl::expected<ssl::context, std::string> make_tls_client_context(
    const std::filesystem::path& ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file.string(), ec);
    if (ec) return tl::unexpected("TLS: cannot load CA file " + ca_file.string());
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec) return tl::unexpected(std::string("TLS: cannot load the system CA certificates"));
  }
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

tl::expected<void, std::string> expect_peer_name(SSL* ssl, const std::string& host,
                                                 bool ip_literal) {
  if (ip_literal) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
      return tl::unexpected("TLS: cannot verify address " + host);
  } else if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                      const_cast<char*>(host.c_str())) != 1 ||  // SSL_set_tlsext_host_name (SNI)
             SSL_set1_host(ssl, host.c_str()) != 1) {
    return tl::unexpected("TLS: cannot verify host name " + host);
  }
  return {};
}

TlsFailure tls_handshake_failure(SSL* ssl, const boost::system::error_code& ec,
                                 const std::string& authority, std::chrono::milliseconds budget) {
  if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
    return {false, std::string("TLS: certificate verify failed (") +
                       X509_verify_cert_error_string(v) + ")"};
  }
  if (ec == boost::beast::error::timeout)
    return {true, "TLS handshake with " + authority + " timed out after " + ms_text(budget)};
  if (ec.category() == boost::asio::error::get_ssl_category())
    return {false, "TLS: handshake failed (" + ec.message() + ")"};
  return {true, "TLS handshake with " + authority + " failed: " + lower_first(ec.message())};
}

}  // namespace bw::net
