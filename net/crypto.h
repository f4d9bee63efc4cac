// Small cryptographic and encoding helpers on OpenSSL: HMAC-SHA256, SHA-256, Base64 and RFC 3986
// percent-encoding. Used by the robot notifiers (DingTalk 加签, Feishu 签名校验), Basic
// authentication and content hashes. Pure functions, no state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace bw::net {

/// HMAC-SHA256 (RFC 2104 with SHA-256) of `message` under `key`, as the 32 raw digest bytes (not
/// hex; pass through base64_encode or to_hex). Keys of any length work (longer than 64 bytes are
/// hashed first, as RFC 2104 says). Thread-safe. Throws std::runtime_error only if OpenSSL fails,
/// which does not happen short of memory exhaustion.
std::string hmac_sha256(std::string_view key, std::string_view message);

/// SHA-256 of `data` as 64 lowercase hex digits. Thread-safe. Throws std::runtime_error only if
/// OpenSSL fails.
std::string sha256_hex(std::string_view data);

/// Streaming SHA-256 through OpenSSL EVP (uses the CPU's SHA extensions where present), for
/// content too large to hold at once (collectors hash export files while reading them). Feed bytes
/// with update(), then read hex() once; the object cannot be reused after hex(). Move-only; one
/// object is not thread-safe, separate objects are. Throws std::runtime_error only if OpenSSL
/// fails.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  /// Adds `data` to the digest.
  void update(std::string_view data);
  /// The digest of everything added, as 64 lowercase hex digits.
  std::string hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* c) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

/// Lowercase hex of arbitrary bytes: "\x01\xab" → "01ab".
std::string to_hex(std::string_view bytes);

/// Standard Base64 (RFC 4648 §4: alphabet A–Z a–z 0–9 + /, '=' padding, no line breaks).
std::string base64_encode(std::string_view bytes);

/// RFC 3986 percent-encoding for a query value or a path segment: the unreserved characters
/// A–Z a–z 0–9 - . _ ~ are kept, every other byte becomes %XX with uppercase hex (so a space is
/// "%20", '+' is "%2B", '/' is "%2F", '=' is "%3D"; UTF-8 is encoded byte by byte). For Base64
/// text this equals Python's urllib.parse.quote_plus, which DingTalk's documentation uses.
std::string percent_encode(std::string_view text);

}  // namespace bw::net
