// Issue 12, config hardening: the config file's size is bounded before parsing; check-config and
// the daemon warn about secret files others can read, missing inputs, a public listener without TLS
// or tokens; check-config masks signed query parameters of source URLs as the logs do.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/load.h"
#include "config/warnings.h"
#include "tests/support/test_support.h"

namespace bw::config {
namespace {

namespace fs = std::filesystem;

class HardeningTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  std::string tmp() const { return dir_.path().string(); }
  Config ok(const std::string& yaml) {
    auto c = load_config_text(yaml, "x.yaml", dir_.path());
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().to_string());
    return c ? *c : Config{};
  }
  fs::path put(const std::string& rel, const std::string& content, unsigned mode = 0600) {
    const fs::path p = dir_.path() / rel;
    fs::create_directories(p.parent_path());
    test::write_file(p, content);
    ::chmod(p.c_str(), mode);
    return p;
  }
};

TEST_F(HardeningTest, a_config_over_the_size_limit_is_refused_before_parsing) {
  EXPECT_EQ(defaults::max_config_bytes, 1u << 20);
  // A list of 1.2M items took 19 s and 989 MB in yaml-cpp; a file just over the limit is enough
  // here.
  std::string big = "database: bw.db\ncolumns:\n  amount:\n";
  while (big.size() <= defaults::max_config_bytes) big += "    - x\n";
  const fs::path file = put("big.yaml", big);
  auto c = load_config(file);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::invalid_input);
  EXPECT_EQ(c.error().to_string(), file.string() + ": the config file is " +
                                       std::to_string(big.size()) +
                                       " bytes, more than the limit of 1MiB");
  // At the limit it still loads (a config is a few KiB; the limit only stops abuse).
  std::string fits = "database: bw.db\n#";
  fits.resize(defaults::max_config_bytes, 'x');
  EXPECT_TRUE(load_config(put("fits.yaml", fits))) << "exactly 1 MiB";
}

TEST_F(HardeningTest, a_clean_config_has_no_warnings) {
  put("secrets/upload.token", "tok\n", 0600);
  fs::create_directories(dir_.path() / "state");
  put("in/budget.csv", "x");
  const Config c =
      ok("database: state/bw.db\n"
         "sources: [{name: f, kind: files, files: [in/budget.csv]}]\n"
         "tokens: [{name: up, token_file: secrets/upload.token, scopes: [upload]}]\n");
  EXPECT_EQ(warnings(c), std::vector<std::string>{});
}

TEST_F(HardeningTest, warns_about_secret_files_others_can_read) {
  put("group.token", "tok-group\n", 0640);
  put("world.token", "tok-world\n", 0604);
  put("both.token", "tok-both\n", 0644);
  put("bearer", "bearer\n", 0644);
  const Config c =
      ok("database: bw.db\n"
         "sources: [{name: h, kind: http, url: 'https://h/x', auth: {bearer_token_file: bearer}}]\n"
         "tokens:\n"
         "  - {name: g, token_file: group.token, scopes: [upload]}\n"
         "  - {name: w, token_file: world.token, scopes: [upload]}\n"
         "  - {name: b, token_file: both.token, scopes: [upload]}\n"
         "  - {name: i, token: inline-token, scopes: [upload]}\n");
  EXPECT_EQ(warnings(c),
            (std::vector<std::string>{"sources[0] (h).auth: " + tmp() +
                                          "/bearer is readable by group and others (mode "
                                          "0644); chmod 600 it",
                                      "tokens[0] (g).token_file: " + tmp() +
                                          "/group.token is readable by group (mode 0640); "
                                          "chmod 600 it",
                                      "tokens[1] (w).token_file: " + tmp() +
                                          "/world.token is readable by others (mode "
                                          "0604); chmod 600 it",
                                      "tokens[2] (b).token_file: " + tmp() +
                                          "/both.token is readable by group and others "
                                          "(mode 0644); chmod 600 it"}));
  for (const std::string& w : warnings(c)) EXPECT_EQ(w.find("tok-"), std::string::npos) << w;
}

TEST_F(HardeningTest, warns_about_missing_files_and_database_folder) {
  put("in/there.csv", "x");
  const Config c =
      ok("database: no-such-dir/bw.db\n"
         "sources: [{name: f, kind: files, files: [in/there.csv, in/missing.csv]}]\n");
  EXPECT_EQ(warnings(c),
            (std::vector<std::string>{
                "database: the folder " + tmp() +
                    "/no-such-dir does not exist (the daemon creates it at start: check the path)",
                "sources[0] (f).files: " + tmp() + "/in/missing.csv does not exist"}));
}

TEST_F(HardeningTest, warns_about_a_public_listener_without_tls_or_tokens) {
  const auto listen_warnings = [&](const std::string& listen, const std::string& server = "",
                                   const std::string& rest = "") {
    return warnings(
        ok("database: bw.db\nserver: {listen: '" + listen + "'" + server + "}\n" + rest));
  };
  for (const char* loopback : {"127.0.0.1:9464", "127.0.0.2:0", "[::1]:9464", "localhost:9464"})
    EXPECT_EQ(listen_warnings(loopback), std::vector<std::string>{}) << loopback;
  EXPECT_EQ(
      listen_warnings("0.0.0.0:9464"),
      (std::vector<std::string>{
          "server.listen: 0.0.0.0:9464 is not a loopback address and TLS is off (tls_cert_file, "
          "tls_key_file): tokens, uploads and budget data cross the network in clear",
          "server.listen: 0.0.0.0:9464 is not a loopback address and no tokens are configured: "
          "the API's reads are open to the network and its writes (uploads, silences) are "
          "refused"}));
  put("t.token", "tok\n");
  const std::string tokens = "tokens: [{name: t, token_file: t.token, scopes: [upload]}]\n";
  const auto with_token = listen_warnings("[::]:9464", "", tokens);
  ASSERT_EQ(with_token.size(), 1u);
  EXPECT_NE(with_token[0].find("[::]:9464 is not a loopback address and TLS is off"),
            std::string::npos);
  put("cert.pem", "cert");
  put("key.pem", "key");
  const std::string tls = ", tls_cert_file: cert.pem, tls_key_file: key.pem";
  const auto with_tls = listen_warnings("10.0.0.5:9464", tls);
  ASSERT_EQ(with_tls.size(), 1u);
  EXPECT_NE(
      with_tls[0].find("10.0.0.5:9464 is not a loopback address and no tokens are configured"),
      std::string::npos);
  EXPECT_EQ(listen_warnings("10.0.0.5:9464", tls, tokens), std::vector<std::string>{});
}

TEST_F(HardeningTest, check_config_masks_signed_query_parameters_of_source_urls) {
  const Config c =
      ok("database: bw.db\n"
         "sources:\n"
         "  - {name: s3, kind: http, url: "
         "'https://bucket.s3.amazonaws.com/export.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
         "&X-Amz-Security-Token=TOKEN-SECRET-1&X-Amz-Signature=SIG-SECRET-2&X-Amz-Expires=3600'}\n"
         "  - {name: api, kind: http, url: "
         "'https://treasury.example/export?access_token=SECRET-3&month=2021-06'}\n");
  const std::string printed = print_config(c);
  EXPECT_EQ(printed.find("SECRET"), std::string::npos) << printed;
  EXPECT_NE(printed.find(
                "url: https://bucket.s3.amazonaws.com/export.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                "&X-Amz-Security-Token=***&X-Amz-Signature=***&X-Amz-Expires=3600"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("url: https://treasury.example/export?access_token=***&month=2021-06"),
            std::string::npos)
      << printed;
  // The loaded value is untouched: only the printing masks.
  EXPECT_NE(c.sources[1].url.find("access_token=SECRET-3"), std::string::npos);
}

}  // namespace
}  // namespace bw::config
