// net/crypto: HMAC-SHA256 against RFC 4231, SHA-256 against FIPS 180-2 examples, Base64 against
// RFC 4648 §10, percent-encoding against RFC 3986's unreserved set, and the robot signatures
// against values computed independently with Python's hmac/hashlib/base64/urllib.
#include "net/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace bw::net {
namespace {

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

TEST(CryptoTest, hmac_sha256_matches_rfc4231) {
  // Test cases 1–4, 6 and 7 (5 is a truncated output).
  EXPECT_EQ(to_hex(hmac_sha256(repeat('\x0b', 20), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(to_hex(hmac_sha256(repeat('\xaa', 20), repeat('\xdd', 50))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string key4;
  for (char c = 1; c <= 25; ++c) key4 += c;
  EXPECT_EQ(to_hex(hmac_sha256(key4, repeat('\xcd', 50))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(to_hex(hmac_sha256(repeat('\xaa', 131),
                               "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(to_hex(hmac_sha256(repeat('\xaa', 131),
                               "This is a test using a larger than block-size key and a larger "
                               "than block-size data. The key needs to be hashed before being "
                               "used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(CryptoTest, hmac_sha256_accepts_empty_key_and_message) {
  EXPECT_EQ(to_hex(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(hmac_sha256("k", "m").size(), 32u);
}

TEST(CryptoTest, sha256_hex_matches_fips_examples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, streaming_sha256_equals_one_shot) {
  const std::string text(100000, 'a');
  Sha256 h;
  for (std::size_t pos = 0; pos < text.size(); pos += 4093) h.update(text.substr(pos, 4093));
  EXPECT_EQ(h.hex(), sha256_hex(text));
  Sha256 empty;
  EXPECT_EQ(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, base64_matches_rfc4648) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(base64_encode("user:pa55 w0rd"), "dXNlcjpwYTU1IHcwcmQ=");
}

TEST(CryptoTest, percent_encode_keeps_only_unreserved) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b+c/=~-._中"), "a%20b%2Bc%2F%3D~-._%E4%B8%AD");
  EXPECT_EQ(percent_encode("?&#%@:"), "%3F%26%23%25%40%3A");
  EXPECT_EQ(percent_encode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(CryptoTest, dingtalk_and_feishu_signatures_match_python) {
  // DingTalk 加签: base64(HMAC(key=secret, msg=timestamp_ms "\n" secret)), then quote_plus.
  const std::string secret = "SEC1234567890abcdef";
  const std::string ding = base64_encode(hmac_sha256(secret, "1577262236757\n" + secret));
  EXPECT_EQ(ding, "f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T+WkIqzDk=");
  EXPECT_EQ(percent_encode(ding), "f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T%2BWkIqzDk%3D");
  // Feishu 签名校验: base64(HMAC(key=timestamp_s "\n" secret, msg="")).
  EXPECT_EQ(base64_encode(hmac_sha256("1599360473\n" + secret, "")),
            "LXUvnhRSRxoK60JevBv36QCDMMC9hnDYEYFFDfmmD/M=");
}

}  // namespace
}  // namespace bw::net
