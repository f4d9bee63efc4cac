// The config loader: sources, their HTTP auth, secrets, tokens and column names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.h"
#include "tests/unit/config/load_fixture.h"

namespace bw::config::test_load {
namespace {

TEST_F(LoadTest, source_defaults_come_from_defaults_h) {
  const Config c =
      ok("database: bw.db\n"
         "sources:\n"
         "  - {name: in, kind: drop_folder, path: inbox}\n"
         "  - {name: t, kind: http, url: 'https://127.0.0.1:8443/export.csv'}\n");
  ASSERT_EQ(c.sources.size(), 2u);
  const SourceConfig& in = c.sources[0];
  EXPECT_EQ(in.interval, seconds(defaults::poll_interval_s));
  EXPECT_EQ(to_string(in.encoding), "auto");
  EXPECT_FALSE(in.file_kind.has_value());
  EXPECT_EQ(in.glob, "*.csv");
  EXPECT_FALSE(in.require_done_marker);
  EXPECT_EQ(in.incomplete_after, seconds(defaults::incomplete_after_s));
  EXPECT_EQ(in.incomplete_after, std::chrono::minutes(10));
  const SourceConfig& t = c.sources[1];
  EXPECT_EQ(t.auth.kind, HttpAuth::Kind::none);
  EXPECT_EQ(t.connect_timeout, seconds(10));
  EXPECT_EQ(t.read_timeout, seconds(60));
  EXPECT_EQ(t.max_bytes, 1ull << 30);
  EXPECT_TRUE(t.ca_file.empty());
  EXPECT_EQ(t.retries, 3);
  EXPECT_EQ(t.backoff_initial, milliseconds(500));
  EXPECT_EQ(t.backoff_max, milliseconds(30000));
}

TEST_F(LoadTest, source_errors) {
  EXPECT_EQ(error("database: x\nsources:\n"
                  "  - {name: a, kind: drop_folder, path: p}\n"
                  "  - name: b\n"
                  "    kind: files\n"
                  "    files: [f.csv]\n"
                  "    url: http://h/x\n"),
            "x.yaml:7:5: sources[1].url: only for kind http");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: u, kind: upload, interval: 5s}\n"),
            "x.yaml:3:29: sources[0].interval: only for kinds drop_folder, files, http");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: u, kind: files, files: [a], glob: '*.txt'}\n"),
            "x.yaml:3:40: sources[0].glob: only for kind drop_folder");
}

TEST_F(LoadTest, incomplete_after_is_a_duration_of_drop_folders_and_files) {
  const Config c =
      ok("database: x\nsources:\n"
         "  - {name: a, kind: drop_folder, path: in, incomplete_after: 90s}\n"
         "  - {name: b, kind: files, files: [a.csv], incomplete_after: 2h}\n");
  EXPECT_EQ(c.sources[0].incomplete_after, seconds(90));
  EXPECT_EQ(c.sources[1].incomplete_after, seconds(7200));
  EXPECT_NE(print_config(c).find("incomplete_after: 2h"), std::string::npos) << print_config(c);
  EXPECT_EQ(error("database: x\nsources:\n  - {name: t, kind: http, url: 'http://h/x', "
                  "incomplete_after: 5m}\n"),
            "x.yaml:3:46: sources[0].incomplete_after: only for kinds drop_folder, files");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: drop_folder, path: in, "
                  "incomplete_after: 0s}\n"),
            "x.yaml:3:62: sources[0].incomplete_after: '0s' must be more than zero");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: upload}\n  - {name: a, kind: "
                  "drop_folder, path: p}\n"),
            "x.yaml:4:12: sources[1].name: 'a' is already used by sources[0]");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: 'my inbox', kind: upload}\n"),
            "x.yaml:3:12: sources[0].name: 'my inbox' is not a name (letters, digits, _ . -)");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: drop-folder}\n"),
            "x.yaml:3:21: sources[0].kind: 'drop-folder' is not one of drop_folder, files, http, "
            "upload (did you "
            "mean drop_folder?)");
  EXPECT_EQ(
      error("database: x\nsources:\n  - {name: a, kind: upload}\n  - {name: b, kind: upload}\n"),
      "x.yaml:4:21: sources[1].kind: only one upload source is allowed (sources[0] is one)");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: files, files: []}\n"),
            "x.yaml:3:35: sources[0].files: empty list");
  EXPECT_EQ(
      error("database: x\nsources:\n  - {name: a, kind: drop_folder, path: p, glob: 'in/*.csv'}\n"),
      "x.yaml:3:49: sources[0].glob: 'in/*.csv' is a path; give a file name pattern");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: upload, encoding: latin1}\n"),
            "x.yaml:3:39: sources[0].encoding: 'latin1' is not one of auto, utf-8, gb18030 (gbk "
            "and gb2312 are "
            "read as gb18030)");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: upload, file_kind: indicators}\n"),
            "x.yaml:3:40: sources[0].file_kind: 'indicators' is not one of budget, adjustments, "
            "payments");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: h, kind: http, url: 'ftp://h/x'}\n"),
            "x.yaml:3:32: sources[0].url: 'ftp://h/x' is not an http:// or https:// URL");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: h, kind: http, url: 'https:///x'}\n"),
            "x.yaml:3:32: sources[0].url: 'https:///x' is not an http:// or https:// URL");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: h, kind: http, url: 'https://u:pw@h/x'}\n"),
            "x.yaml:3:32: sources[0].url: credentials in the URL are not allowed (use auth)");
  EXPECT_EQ(
      error("database: x\nsources:\n  - {name: h, kind: http, url: 'http://h/x', retries: 101}\n"),
      "x.yaml:3:55: sources[0].retries: '101' is out of range (0-100)");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: h, kind: http, url: 'http://h/x', "
                  "backoff_max: 100ms}\n"),
            "x.yaml:3:59: sources[0].backoff_max: 100ms is below backoff_initial (500ms)");
}

TEST_F(LoadTest, auth_errors) {
  const std::string head =
      "database: x\nsources:\n  - name: h\n    kind: http\n    url: https://h/x\n    auth:\n";
  EXPECT_EQ(
      error(head + "      bearer_token: abc\n      username: u\n"),
      "x.yaml:8:7: sources[0].auth.username: a bearer token and a username exclude each other");
  EXPECT_EQ(error(head + "      bearer_token: abc\n      bearer_token_env: HOME\n"),
            "x.yaml:8:7: sources[0].auth.bearer_token_env: give only one of bearer_token, "
            "bearer_token_file, "
            "bearer_token_env");
  EXPECT_EQ(error(head + "      username: u\n"),
            "x.yaml:7:7: sources[0].auth.password_file: required (or password_env, password)");
  EXPECT_EQ(error(head + "      password: p\n"),
            "x.yaml:7:7: sources[0].auth.username: required with a password");
  EXPECT_EQ(
      error(head + "      {}\n"),
      "x.yaml:7:7: sources[0].auth: give bearer_token_file or bearer_token_env, or username with "
      "password_file or password_env");
  EXPECT_EQ(
      error(head + "      username: 'a:b'\n      password: p\n"),
      "x.yaml:7:17: sources[0].auth.username: a user name cannot contain ':' (HTTP basic auth)");
  EXPECT_EQ(error(head + "      bearer_tokn: abc\n"),
            "x.yaml:7:7: sources[0].auth.bearer_tokn: unknown key (did you mean bearer_token?)");
}

TEST_F(LoadTest, basic_auth_reads_its_password) {
  ScopedEnv env("BW_TEST_EXPORT_PASSWORD", "pw-0123");
  const Config c =
      ok("database: x\nsources:\n  - name: h\n    kind: http\n    url: https://h/x\n"
         "    auth: {username: bw, password_env: BW_TEST_EXPORT_PASSWORD}\n");
  EXPECT_EQ(c.sources[0].auth.kind, HttpAuth::Kind::basic);
  EXPECT_EQ(c.sources[0].auth.username, "bw");
  EXPECT_EQ(c.sources[0].auth.secret.value, "pw-0123");
  EXPECT_EQ(c.sources[0].auth.secret.origin, "env BW_TEST_EXPORT_PASSWORD");
}

TEST_F(LoadTest, secret_errors_name_the_key_and_the_reason) {
  const std::string head = "database: x\ntokens:\n  - name: t\n    scopes: [upload]\n";
  EXPECT_EQ(error(head + "    token_file: missing.token\n"),
            "x.yaml:5:17: tokens[0].token_file: cannot read " + tmp() +
                "/missing.token: No such file or directory");
  fs::create_directories(dir_.path() / "adir");
  EXPECT_EQ(error(head + "    token_file: adir\n"),
            "x.yaml:5:17: tokens[0].token_file: cannot read " + tmp() + "/adir: Is a directory");
  put(dir_.path(), "empty.token", "\n\n");
  EXPECT_EQ(error(head + "    token_file: empty.token\n"),
            "x.yaml:5:17: tokens[0].token_file: " + tmp() + "/empty.token is empty");
  put(dir_.path(), "two.token", "line-one-secret\nline-two-secret\n");
  const std::string two = error(head + "    token_file: two.token\n");
  EXPECT_EQ(two, "x.yaml:5:17: tokens[0].token_file: " + tmp() +
                     "/two.token contains a line break or another control character");
  EXPECT_EQ(two.find("line-one-secret"), std::string::npos);
  put(dir_.path(), "big.token", std::string(70000, 'a'));
  EXPECT_EQ(
      error(head + "    token_file: big.token\n"),
      "x.yaml:5:17: tokens[0].token_file: cannot read " + tmp() + "/big.token: larger than 64KiB");
  {
    ScopedEnv env("BW_TEST_UNSET_TOKEN", nullptr);
    EXPECT_EQ(
        error(head + "    token_env: BW_TEST_UNSET_TOKEN\n"),
        "x.yaml:5:16: tokens[0].token_env: environment variable BW_TEST_UNSET_TOKEN is not set");
  }
  {
    ScopedEnv env("BW_TEST_EMPTY_TOKEN", "");
    EXPECT_EQ(
        error(head + "    token_env: BW_TEST_EMPTY_TOKEN\n"),
        "x.yaml:5:16: tokens[0].token_env: environment variable BW_TEST_EMPTY_TOKEN is empty");
  }
  EXPECT_EQ(error(head + "    token_env: 'BAD-NAME'\n"),
            "x.yaml:5:16: tokens[0].token_env: 'BAD-NAME' is not an environment variable name");
  EXPECT_EQ(error(head + "    token: ''\n"), "x.yaml:5:12: tokens[0].token: empty");
  EXPECT_EQ(error(head + "    token: '<secret from env BW_UPLOAD_TOKEN>'\n"),
            "x.yaml:5:12: tokens[0].token: '<secret from env BW_UPLOAD_TOKEN>' is a masked value "
            "printed by "
            "check-config; give token_file or token_env");
  EXPECT_EQ(error(head + "    token: a\n    token_env: HOME\n"),
            "x.yaml:6:5: tokens[0].token_env: give only one of token, token_file, token_env");
  EXPECT_EQ(error(head), "x.yaml:3:5: tokens[0].token_file: required (or token_env, token)");
}

TEST_F(LoadTest, token_errors) {
  EXPECT_EQ(error("database: x\ntokens:\n  - {name: t, token: abc}\n"),
            "x.yaml:3:5: tokens[0].scopes: required");
  EXPECT_EQ(error("database: x\ntokens:\n  - {name: t, token: abc, scopes: []}\n"),
            "x.yaml:3:35: tokens[0].scopes: empty list");
  EXPECT_EQ(error("database: x\ntokens:\n  - {name: t, token: abc, scopes: [upload, read]}\n"),
            "x.yaml:3:44: tokens[0].scopes[1]: 'read' is not one of upload, write, admin");
  EXPECT_EQ(error("database: x\ntokens:\n  - {name: t, token: abc, scopes: [upload, upload]}\n"),
            "x.yaml:3:44: tokens[0].scopes[1]: upload is listed twice");
  EXPECT_EQ(error("database: x\ntokens:\n  - {name: t, token: a, scopes: [upload]}\n"
                  "  - {name: t, token: b, scopes: [write]}\n"),
            "x.yaml:4:12: tokens[1].name: 't' is already used by tokens[0]");
  EXPECT_EQ(error("database: x\ntokens:\n  - {token: a, scopes: [upload]}\n"),
            "x.yaml:3:5: tokens[0].name: required");
}

TEST_F(LoadTest, column_errors) {
  const Config c =
      ok("database: x\ncolumns:\n  amount: [付款金额]\n  voucher_no: [凭证号, 支付令号]\n");
  EXPECT_EQ(c.columns.at("amount"), (std::vector<std::string>{"付款金额"}));
  EXPECT_EQ(c.columns.at("voucher_no").size(), 2u);
  EXPECT_EQ(error("database: x\ncolumns:\n  amout: [付款金额]\n"),
            "x.yaml:3:3: columns.amout: unknown field (did you mean amount?)");
  EXPECT_EQ(
      error("database: x\ncolumns:\n  price: [单价]\n"),
      "x.yaml:3:3: columns.price: unknown field (known: voucher_no, pay_date, unit_code, "
      "unit_name, "
      "project_code, project_name, func_class, econ_class, pay_method, fund_type, payee, amount, "
      "memo, "
      "kind, initial, owner, owner_email, deadline, tags, adj_date, adj_amount, doc_no, note, seq, "
      "source_no, indicator_class, indicator_subclass, indicator_name, period_target_raw, "
      "target_raw, "
      "date, value)");
  EXPECT_EQ(error("database: x\ncolumns:\n  amount: []\n"),
            "x.yaml:3:11: columns.amount: empty list");
  EXPECT_EQ(error("database: x\ncolumns:\n  amount: ['']\n"),
            "x.yaml:3:12: columns.amount[0]: empty");
  EXPECT_EQ(error("database: x\ncolumns:\n  amount: 付款金额\n"),
            "x.yaml:3:11: columns.amount: expected a list, got '付款金额'");
}

}  // namespace
}  // namespace bw::config::test_load
