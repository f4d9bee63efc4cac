// The config loader: defaults, the examples, paths, value grammars, error messages, policy and
// curves.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.h"
#include "tests/unit/config/load_fixture.h"

namespace bw::config::test_load {
namespace {

// ---- defaults -----------------------------------------------------------------------------------

TEST_F(LoadTest, minimal_config_gets_every_default) {
  const Config c = ok("database: bw.db\n");
  EXPECT_EQ(c.file, "x.yaml");
  EXPECT_EQ(c.database, dir_.path() / "bw.db");
  EXPECT_EQ(c.language, "zh-CN");
  EXPECT_EQ(c.server.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.server.max_body_bytes, 256u << 20);
  EXPECT_EQ(c.server.max_header_bytes, 16u << 10);
  EXPECT_EQ(c.server.read_timeout, seconds(30));
  EXPECT_EQ(c.server.write_timeout, seconds(30));
  EXPECT_EQ(c.server.idle_timeout, seconds(60));
  EXPECT_EQ(c.server.max_connections, 256u);
  EXPECT_EQ(c.evaluation.interval, seconds(3600));
  EXPECT_EQ(c.evaluation.time_zone, "Asia/Shanghai");
  EXPECT_FALSE(c.evaluation.as_of.has_value());
  const engine::Policy d;
  EXPECT_EQ(c.policy.fiscal_year_start_month, 1u);
  EXPECT_EQ(c.policy.threshold_bp, 8000);
  EXPECT_EQ(c.policy.low_bp, 5000);
  EXPECT_EQ(c.policy.balance_checkpoint_months, (std::vector<unsigned>{10, 11}));
  EXPECT_EQ(c.policy.default_curve.kind, engine::CurveKind::linear_to_deadline);
  EXPECT_TRUE(c.policy.unit_curves.empty());
  EXPECT_TRUE(c.policy.line_curves.empty());
  EXPECT_EQ(c.policy.completion_points, d.completion_points);
  EXPECT_EQ(c.policy.completion_floor_bp, d.completion_floor_bp);
  EXPECT_EQ(c.policy.adjustment_points, d.adjustment_points);
  EXPECT_EQ(c.policy.balance_points, d.balance_points);
  EXPECT_EQ(c.metrics.project_series, ProjectSeries::all);
  EXPECT_TRUE(c.sources.empty());
  EXPECT_TRUE(c.tokens.empty());
  EXPECT_TRUE(c.columns.empty());
  EXPECT_EQ(c.logging.level, "info");
}

// ---- the examples -------------------------------------------------------------------------------

// The reference example, copied with its /etc/budgetwatch secrets moved into a temp dir.

TEST_F(LoadTest, reference_example_loads) {
  std::string text = test::read_file(test::source_dir() / "config/examples/budgetwatch.yaml");
  const std::string etc = tmp() + "/etc/budgetwatch/";
  for (std::size_t at = text.find("/etc/budgetwatch/"); at != std::string::npos;
       at = text.find("/etc/budgetwatch/", at + etc.size())) {
    text.replace(at, 17, etc);
  }
  put(dir_.path(), "etc/budgetwatch/treasury.token", "treasury-bearer-0123456789\n");
  put(dir_.path(), "etc/budgetwatch/operator.token", "operator-token-0123456789\n");
  const fs::path file = put(dir_.path(), "etc/budgetwatch/budgetwatch.yaml", text);
  ScopedEnv env("BW_UPLOAD_TOKEN", "upload-token-0123456789");

  auto loaded = load_config(file);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  const Config& c = *loaded;
  EXPECT_EQ(c.file, file);
  EXPECT_EQ(c.database, "/var/lib/budgetwatch/budgetwatch.db");

  // Every key it shows with a default holds exactly that default.
  const Config d = ok("database: x\n");
  EXPECT_EQ(print_config(c).substr(print_config(c).find("server:"), 200),
            print_config(d).substr(print_config(d).find("server:"), 200));
  EXPECT_EQ(c.language, d.language);
  EXPECT_EQ(c.evaluation.interval, d.evaluation.interval);
  EXPECT_EQ(c.evaluation.time_zone, d.evaluation.time_zone);
  EXPECT_EQ(c.policy.fiscal_year_start_month, d.policy.fiscal_year_start_month);
  EXPECT_EQ(c.policy.threshold_bp, d.policy.threshold_bp);
  EXPECT_EQ(c.policy.low_bp, d.policy.low_bp);
  EXPECT_EQ(c.policy.balance_checkpoint_months, d.policy.balance_checkpoint_months);
  EXPECT_EQ(c.policy.completion_floor_bp, d.policy.completion_floor_bp);
  EXPECT_EQ(c.logging.level, d.logging.level);

  ASSERT_EQ(c.sources.size(), 4u);
  EXPECT_EQ(to_string(c.sources[0].kind), "drop_folder");
  EXPECT_EQ(c.sources[0].path, "/var/lib/budgetwatch/inbox");
  EXPECT_EQ(c.sources[0].file_kind, std::optional<std::string>("payments"));
  EXPECT_EQ(to_string(c.sources[1].kind), "files");
  EXPECT_EQ(c.sources[1].files.size(), 2u);
  const SourceConfig& h = c.sources[2];
  EXPECT_EQ(to_string(h.kind), "http");
  EXPECT_EQ(h.url, "https://treasury.example.gov.cn/export/payments.csv");
  EXPECT_EQ(h.auth.kind, HttpAuth::Kind::bearer);
  EXPECT_EQ(h.auth.secret.value, "treasury-bearer-0123456789");
  EXPECT_EQ(h.auth.secret.origin, "file " + etc + "treasury.token");
  EXPECT_EQ(h.ca_file, etc + "treasury-ca.pem");
  EXPECT_EQ(h.max_bytes, defaults::max_download_bytes);
  EXPECT_EQ(to_string(c.sources[3].kind), "upload");
  ASSERT_EQ(c.tokens.size(), 2u);
  EXPECT_EQ(c.tokens[0].token.value, "upload-token-0123456789");
  EXPECT_EQ(c.tokens[0].token.origin, "env BW_UPLOAD_TOKEN");
  EXPECT_EQ(c.tokens[0].scopes, (std::vector<std::string>{"upload"}));
  EXPECT_EQ(c.tokens[1].token.value, "operator-token-0123456789");
  EXPECT_EQ(c.columns.at("amount"), (std::vector<std::string>{"付款金额", "实付金额"}));

  const std::string printed = print_config(c);
  EXPECT_EQ(printed.find("0123456789"), std::string::npos) << printed;
  // Secrets print as where they come from, so that check-config's output loads again.
  EXPECT_NE(printed.find("bearer_token_file: " + etc + "treasury.token"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("token_env: BW_UPLOAD_TOKEN"), std::string::npos) << printed;

  // Issue 13: load → print → load → print gives the same text and the same effective config.
  auto again = load_config_text(printed, "printed.yaml", "/elsewhere");
  ASSERT_TRUE(again.has_value()) << again.error().to_string() << "\n" << printed;
  expect_equivalent(c, *again);
  EXPECT_EQ(again->tokens[1].token.value, "operator-token-0123456789");
  EXPECT_EQ(print_config(*again), printed);
}

TEST_F(LoadTest, reference_example_as_shipped_names_its_missing_secret_file) {
  const fs::path file = test::source_dir() / "config/examples/budgetwatch.yaml";
  ScopedEnv env("BW_UPLOAD_TOKEN", nullptr);
  auto c = load_config(file);
  ASSERT_FALSE(c.has_value());
  // Loaded in place: its first secret is the treasury token file, absent on a build machine.
  EXPECT_EQ(c.error().to_string(),
            file.string() +
                ":107:26: sources[2].auth.bearer_token_file: cannot read "
                "/etc/budgetwatch/treasury.token: No such file or directory");
}

TEST_F(LoadTest, demo_example_loads) {
  auto c = load_config(test::source_dir() / "config/examples/demo.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->database, test::source_dir() / "var/demo/budgetwatch.db");
  // The demo's one department is named, its code left "" (issue 14).
  EXPECT_EQ(c->policy.single_department_name, "广州市荔湾区科技工业和信息化局");
  EXPECT_EQ(c->policy.single_department_code, "");
  EXPECT_EQ(c->sources.size(), 3u);
  EXPECT_EQ(c->sources[0].files[0], test::source_dir() / "tests/data/liwan2021/budget.csv");
  EXPECT_EQ(c->sources[0].files.size(), 5u);
  EXPECT_EQ(c->evaluation.as_of, engine::make_date(2021, 12, 31));
}

// ---- paths --------------------------------------------------------------------------------------

TEST_F(LoadTest, relative_paths_resolve_against_the_config_files_directory) {
  put(dir_.path(), "etc/secrets/t.token", "tok\n");
  const fs::path file =
      put(dir_.path(), "etc/bw.yaml",
          "database: ../var/bw.db\n"
          "sources:\n"
          "  - {name: in, kind: drop_folder, path: inbox}\n"
          "  - {name: f, kind: files, files: [./a.csv, /abs/b.csv, ../data/../c.csv]}\n"
          "  - {name: h, kind: http, url: 'https://x/e.csv', ca_file: ca.pem}\n"
          "tokens:\n"
          "  - {name: t, token_file: secrets/t.token, scopes: [admin]}\n");
  auto c = load_config(file);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->database, dir_.path() / "var/bw.db");
  EXPECT_EQ(c->sources[0].path, dir_.path() / "etc/inbox");
  EXPECT_EQ(c->sources[1].files, (std::vector<fs::path>{dir_.path() / "etc/a.csv", "/abs/b.csv",
                                                        dir_.path() / "c.csv"}));
  EXPECT_EQ(c->sources[2].ca_file, dir_.path() / "etc/ca.pem");
  EXPECT_EQ(c->tokens[0].token.value, "tok");
  EXPECT_EQ(c->tokens[0].token.origin, "file " + tmp() + "/etc/secrets/t.token");
}

TEST_F(LoadTest, text_paths_resolve_against_base_dir) {
  const Config c = ok(
      "database: /var/lib/budgetwatch/bw.db\nsources: [{name: a, kind: drop_folder, path: in}]\n");
  EXPECT_EQ(c.database, "/var/lib/budgetwatch/bw.db");
  EXPECT_EQ(c.sources[0].path, dir_.path() / "in");
}

TEST_F(LoadTest, unreadable_config_file_is_an_io_error) {
  const fs::path missing = dir_.path() / "nope.yaml";
  auto c = load_config(missing);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::io);
  EXPECT_EQ(c.error().to_string(),
            missing.string() + ": cannot read the config file: No such file or directory");
  auto d = load_config(dir_.path());
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, Errc::io);
}

// ---- value grammars -----------------------------------------------------------------------------

class ValueTest : public LoadTest {
 protected:
  // evaluation.interval (a seconds field) from `text`, printed back, or the error message without
  // `where`.
  std::string interval(const std::string& text) {
    return value("database: x\nevaluation:\n  interval: " + text + "\n", [](const Config& c) {
      return std::to_string(c.evaluation.interval.count()) + "s";
    });
  }
  std::string backoff(const std::string& text) {
    return value(
        "database: x\nsources:\n  - {name: h, kind: http, url: 'http://h/x', backoff_initial: " +
            text + ", backoff_max: 9999d}\n",
        [](const Config& c) {
          return std::to_string(c.sources[0].backoff_initial.count()) + "ms";
        });
  }
  std::string body(const std::string& text) {
    return value("database: x\nserver:\n  max_body_bytes: " + text + "\n",
                 [](const Config& c) { return std::to_string(c.server.max_body_bytes); });
  }
  std::string threshold(const std::string& text) {
    return value("database: x\npolicy:\n  low_band: 0%\n  threshold: " + text + "\n",
                 [](const Config& c) { return std::to_string(c.policy.threshold_bp); });
  }
  std::string listen(const std::string& text) {
    return value("database: x\nserver:\n  listen: " + text + "\n",
                 [](const Config& c) { return c.server.listen; });
  }

 private:
  template <class F>
  std::string value(const std::string& yaml, F get) {
    auto c = load(yaml);
    return c ? get(*c) : c.error().message;
  }
};

TEST_F(ValueTest, durations) {
  EXPECT_EQ(interval("30s"), "30s");
  EXPECT_EQ(interval("5m"), "300s");
  EXPECT_EQ(interval("1h"), "3600s");
  EXPECT_EQ(interval("1d"), "86400s");
  EXPECT_EQ(interval("1h30m"), "5400s");
  EXPECT_EQ(interval("90m"), "5400s");
  EXPECT_EQ(interval("1d2h3m4s"), "93784s");
  EXPECT_EQ(interval("1s1000ms"), "2s");
  EXPECT_EQ(interval("500ms"), "evaluation.interval: '500ms' is not a whole number of seconds");
  EXPECT_EQ(interval("0s"), "evaluation.interval: '0s' must be more than zero");
  EXPECT_EQ(interval("0h0m"), "evaluation.interval: '0h0m' must be more than zero");
  const std::string use = " is not a duration (use 500ms, 30s, 5m, 1h, 1d)";
  EXPECT_EQ(interval("60"), "evaluation.interval: '60'" + use);
  EXPECT_EQ(interval("'10 minutes'"), "evaluation.interval: '10 minutes'" + use);
  EXPECT_EQ(interval("1.5h"), "evaluation.interval: '1.5h'" + use);
  EXPECT_EQ(interval("-5s"), "evaluation.interval: '-5s'" + use);
  EXPECT_EQ(interval("1m1h"), "evaluation.interval: '1m1h'" + use);  // units largest first
  EXPECT_EQ(interval("5m5m"), "evaluation.interval: '5m5m'" + use);
  EXPECT_EQ(interval("5M"), "evaluation.interval: '5M'" + use);
  EXPECT_EQ(interval("5 s"), "evaluation.interval: '5 s'" + use);
  EXPECT_EQ(interval("h"), "evaluation.interval: 'h'" + use);
  EXPECT_EQ(interval("''"), "evaluation.interval: ''" + use);
  EXPECT_EQ(interval("9999999999999d"), "evaluation.interval: '9999999999999d' is too long");
  EXPECT_EQ(interval("999999999999d"), "evaluation.interval: '999999999999d' is too long");
  EXPECT_EQ(interval("[1s]"), "evaluation.interval: expected a value, got a list");
  EXPECT_EQ(backoff("500ms"), "500ms");
  EXPECT_EQ(backoff("1s500ms"), "1500ms");
  EXPECT_EQ(backoff("2m"), "120000ms");
  EXPECT_EQ(backoff("0ms"), "sources[0].backoff_initial: '0ms' must be more than zero");
}

TEST_F(ValueTest, sizes) {
  EXPECT_EQ(body("256MiB"), std::to_string(256u << 20));
  EXPECT_EQ(body("16KiB"), "16384");
  EXPECT_EQ(body("1GiB"), std::to_string(1u << 30));
  EXPECT_EQ(body("10KB"), "10000");
  EXPECT_EQ(body("10MB"), "10000000");
  EXPECT_EQ(body("1GB"), "1000000000");
  EXPECT_EQ(body("4096"), "4096");
  EXPECT_EQ(body("4096B"), "4096");
  EXPECT_EQ(body("2 MiB"), std::to_string(2u << 20));
  EXPECT_EQ(body("2mib"), std::to_string(2u << 20));
  const std::string use = " is not a size (use bytes or 512KiB, 256MiB, 1GiB, 10MB)";
  EXPECT_EQ(body("1.5GiB"), "server.max_body_bytes: '1.5GiB'" + use);
  EXPECT_EQ(body("10XB"), "server.max_body_bytes: '10XB'" + use);
  EXPECT_EQ(body("MiB"), "server.max_body_bytes: 'MiB'" + use);
  EXPECT_EQ(body("-1"), "server.max_body_bytes: '-1'" + use);
  EXPECT_EQ(body("0"), "server.max_body_bytes: '0' must be more than zero");
  EXPECT_EQ(body("99999999999GiB"), "server.max_body_bytes: '99999999999GiB' is too large");
  EXPECT_EQ(body("99999999999999999999"),
            "server.max_body_bytes: '99999999999999999999' is too large");
}

TEST_F(ValueTest, percentages_and_ratios) {
  EXPECT_EQ(threshold("80%"), "8000");
  EXPECT_EQ(threshold("0.8"), "8000");
  EXPECT_EQ(threshold("91.38%"), "9138");
  EXPECT_EQ(threshold("80.5%"), "8050");
  EXPECT_EQ(threshold("0.9138"), "9138");
  EXPECT_EQ(threshold("100%"), "10000");
  EXPECT_EQ(threshold("1"), "10000");
  EXPECT_EQ(threshold("0.01%"), "1");
  EXPECT_EQ(threshold("80"),
            "policy.threshold: '80' is not a ratio between 0 and 1 (did you mean 80%?)");
  EXPECT_EQ(threshold("120%"), "policy.threshold: '120%' is above 100%");
  EXPECT_EQ(threshold("100.01%"), "policy.threshold: '100.01%' is above 100%");
  EXPECT_EQ(threshold("33.333%"), "policy.threshold: '33.333%' is finer than 0.01%");
  EXPECT_EQ(threshold("0.33333"), "policy.threshold: '0.33333' is finer than 0.01%");
  EXPECT_EQ(threshold("0%"), "policy.threshold: '0%' must be more than 0%");
  EXPECT_EQ(threshold("eighty"), "policy.threshold: 'eighty' is not a percentage (use 80% or 0.8)");
  EXPECT_EQ(threshold("-5%"), "policy.threshold: '-5%' is not a percentage (use 80% or 0.8)");
  EXPECT_EQ(threshold("80.%"), "policy.threshold: '80.%' is not a percentage (use 80% or 0.8)");
  EXPECT_EQ(threshold("'80 %'"), "policy.threshold: '80 %' is not a percentage (use 80% or 0.8)");
}

TEST_F(ValueTest, listen_addresses) {
  EXPECT_EQ(listen("127.0.0.1:9464"), "127.0.0.1:9464");
  EXPECT_EQ(listen("0.0.0.0:0"), "0.0.0.0:0");
  EXPECT_EQ(listen("\"[::1]:9464\""), "[::1]:9464");
  EXPECT_EQ(listen("localhost:80"), "localhost:80");
  EXPECT_EQ(listen("metrics.example.org:9464"), "metrics.example.org:9464");
  EXPECT_EQ(listen("[::1]"),
            "server.listen: expected host:port, got a list (quote IPv6 addresses: \"[::1]:9464\")");
  EXPECT_EQ(listen("localhost"),
            "server.listen: 'localhost' is not host:port (e.g. 127.0.0.1:9464, [::1]:9464, "
            "0.0.0.0:9464)");
  EXPECT_EQ(listen("::1:9464"),
            "server.listen: '::1:9464': write IPv6 addresses in brackets ([::1]:9464)");
  EXPECT_EQ(
      listen("127.0.0.1:70000"),
      "server.listen: '127.0.0.1:70000' has an invalid port (1-65535, or 0 for any free port)");
  EXPECT_EQ(
      listen("127.0.0.1:http"),
      "server.listen: '127.0.0.1:http' has an invalid port (1-65535, or 0 for any free port)");
  EXPECT_EQ(listen("256.0.0.1:80"),
            "server.listen: '256.0.0.1:80': '256.0.0.1' is not an IPv4 address");
  EXPECT_EQ(listen("10.1:80"), "server.listen: '10.1:80': '10.1' is not an IPv4 address");
  EXPECT_EQ(listen("':9464'"),
            "server.listen: ':9464' has no host (use 0.0.0.0:9464 for every interface)");
  EXPECT_EQ(listen("'[zz]:1'"), "server.listen: '[zz]:1': 'zz' is not an IPv6 address");
  EXPECT_EQ(listen("'bad host:1'"), "server.listen: 'bad host:1': 'bad host' is not a host name");
}

TEST_F(LoadTest, other_scalars) {
  const Config c =
      ok("database: x\n"
         "language: en\n"
         "evaluation: {as_of: 2021年6月30日, time_zone: '+08:00'}\n"
         "fiscal_year: {start_month: 7}\n"
         "metrics: {project_series: below_threshold}\n"
         "logging: {level: debug}\n"
         "sources:\n"
         "  - {name: a, kind: drop_folder, path: in, encoding: GBK, require_done_marker: true, "
         "file_kind: budget}\n"
         "  - {name: b, kind: upload, encoding: UTF8}\n");
  EXPECT_EQ(c.language, "en");
  EXPECT_EQ(c.evaluation.as_of, engine::make_date(2021, 6, 30));
  EXPECT_EQ(c.evaluation.time_zone, "+08:00");
  EXPECT_EQ(c.policy.fiscal_year_start_month, 7u);
  EXPECT_EQ(c.metrics.project_series, ProjectSeries::below_threshold);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(to_string(c.sources[0].encoding), "gb18030");
  EXPECT_TRUE(c.sources[0].require_done_marker);
  EXPECT_EQ(to_string(c.sources[1].encoding), "utf-8");
  EXPECT_EQ(ok("database: x\nevaluation: {time_zone: UTC}\n").evaluation.time_zone, "UTC");
}

// ---- error messages, exact text -----------------------------------------------------------------

TEST_F(LoadTest, error_names_file_line_column_and_key) {
  const std::string yaml =
      "# budgetwatch demo\n"
      "database: demo.db\n"
      "\n"
      "server:\n"
      "  listen: 127.0.0.1:9464\n"
      "\n"
      "evaluation:\n"
      "  interval: 1h\n"
      "\n"
      "sources:\n"
      "  - name: inbox\n"
      "    interval: 10 minutes\n"
      "    kind: drop_folder\n"
      "    path: inbox\n";
  auto c = load_config_text(yaml, "demo.yaml", dir_.path());
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::invalid_input);
  EXPECT_EQ(c.error().where, "demo.yaml:12:15");
  EXPECT_EQ(c.error().message,
            "sources[0].interval: '10 minutes' is not a duration (use 500ms, 30s, 5m, 1h, 1d)");
  EXPECT_EQ(c.error().to_string(),
            "demo.yaml:12:15: sources[0].interval: '10 minutes' is not a duration (use 500ms, 30s, "
            "5m, 1h, 1d)");
}

TEST_F(LoadTest, unknown_keys_suggest_the_closest) {
  EXPECT_EQ(error("database: x\nlanguage: en\nservr:\n  listen: 127.0.0.1:1\n"),
            "x.yaml:3:1: servr: unknown key (did you mean server?)");
  EXPECT_EQ(error("database: x\nserver:\n  listn: 127.0.0.1:1\n"),
            "x.yaml:3:3: server.listn: unknown key (did you mean listen?)");
  EXPECT_EQ(error("database: x\nplugins: []\n"), "x.yaml:2:1: plugins: unknown key");
  EXPECT_EQ(error("database: x\nsources:\n  - name: a\n    kind: files\n    file: [a.csv]\n"),
            "x.yaml:5:5: sources[0].file: unknown key (did you mean files?)");
  EXPECT_EQ(
      error("database: x\npolicy:\n  scores: {completion_point: 8}\n"),
      "x.yaml:3:12: policy.scores.completion_point: unknown key (did you mean completion_points?)");
  EXPECT_EQ(error("database: x\nDatabase: y\n"),
            "x.yaml:2:1: Database: unknown key (did you mean database?)");
}

TEST_F(LoadTest, duplicate_keys_are_errors) {
  EXPECT_EQ(error("database: x\nserver:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n"),
            "x.yaml:4:3: server.listen: duplicate key");
}

TEST_F(LoadTest, required_keys_point_at_the_parent_map) {
  EXPECT_EQ(error(""), "x.yaml:1:1: database: required");
  EXPECT_EQ(error("# only a comment\n"), "x.yaml:1:1: database: required");
  EXPECT_EQ(error("language: en\n"), "x.yaml:1:1: database: required");
  EXPECT_EQ(error("database: x\nsources:\n  - name: a\n    kind: drop_folder\n"),
            "x.yaml:3:5: sources[0].path: required");
  EXPECT_EQ(error("database: x\nsources:\n  - kind: upload\n"),
            "x.yaml:3:5: sources[0].name: required");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a}\n"),
            "x.yaml:3:5: sources[0].kind: required");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: files}\n"),
            "x.yaml:3:5: sources[0].files: required");
  EXPECT_EQ(error("database: x\nsources:\n  - {name: a, kind: http}\n"),
            "x.yaml:3:5: sources[0].url: required");
  EXPECT_EQ(error("database:\n"), "x.yaml:1:1: database: expected a value, got nothing");
  EXPECT_EQ(error("database: ''\n"), "x.yaml:1:11: database: empty");
}

TEST_F(LoadTest, wrong_types) {
  EXPECT_EQ(error("- database: x\n"), "x.yaml:1:1: expected a map of keys, got a list");
  EXPECT_EQ(error("database: x\nserver: 5\n"),
            "x.yaml:2:9: server: expected a map of keys, got '5'");
  EXPECT_EQ(error("database: x\nsources: {a: 1}\n"),
            "x.yaml:2:10: sources: expected a list, got a map");
  EXPECT_EQ(error("database: [a, b]\n"), "x.yaml:1:11: database: expected a value, got a list");
  EXPECT_EQ(error("database: x\nserver: {max_connections: many}\n"),
            "x.yaml:2:27: server.max_connections: 'many' is not a whole number");
  EXPECT_EQ(error("database: x\nserver: {max_connections: 0}\n"),
            "x.yaml:2:27: server.max_connections: '0' is out of range (1-1000000)");
  EXPECT_EQ(error("database: x\nfiscal_year: {start_month: 13}\n"),
            "x.yaml:2:28: fiscal_year.start_month: '13' is out of range (1-12)");
  EXPECT_EQ(error("database: x\nsources: [{name: a, kind: drop_folder, path: p, "
                  "require_done_marker: 1}]\n"),
            "x.yaml:2:70: sources[0].require_done_marker: '1' is not true or false");
}

TEST_F(LoadTest, yaml_syntax_errors_give_the_position) {
  EXPECT_EQ(error("database: [unclosed\n"),
            "x.yaml:2:1: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(error("database: x\nserver:\n  listen: a\n bad: b\n"),
            "x.yaml:4:2: invalid YAML: end of map not found");
  EXPECT_EQ(error("database: x\nserver:\n  listen: [::1]:9464\n"),
            "x.yaml:3:16: invalid YAML: end of map not found");
}

TEST_F(LoadTest, choices) {
  EXPECT_EQ(error("database: x\nlanguage: zh\n"),
            "x.yaml:2:11: language: 'zh' is not one of zh-CN, en (did you mean zh-CN?)");
  EXPECT_EQ(error("database: x\nlogging: {level: warning}\n"),
            "x.yaml:2:18: logging.level: 'warning' is not one of trace, debug, info, warn, error "
            "(did you mean warn?)");
  EXPECT_EQ(error("database: x\nmetrics: {project_series: some}\n"),
            "x.yaml:2:27: metrics.project_series: 'some' is not one of all, below_threshold, none "
            "(did you mean "
            "none?)");
  EXPECT_EQ(error("database: x\nevaluation: {as_of: 2021-13-05}\n"),
            "x.yaml:2:21: evaluation.as_of: '2021-13-05' is not a date (month 13)");
  EXPECT_EQ(error("database: x\nevaluation: {time_zone: Asia/Shangai}\n"),
            "x.yaml:2:25: evaluation.time_zone: unknown time zone 'Asia/Shangai' (no "
            "/usr/share/zoneinfo/Asia/Shangai)");
  EXPECT_EQ(error("database: x\nevaluation: {time_zone: '+25:00'}\n"),
            "x.yaml:2:25: evaluation.time_zone: '+25:00' is not a UTC offset (e.g. +08:00)");
  EXPECT_EQ(error("database: x\nevaluation: {time_zone: ../../etc/passwd}\n"),
            "x.yaml:2:25: evaluation.time_zone: unknown time zone '../../etc/passwd' (no "
            "/usr/share/zoneinfo/../../etc/passwd)");
}

TEST_F(LoadTest, server_tls_needs_both_files_and_they_must_exist) {
  std::ofstream(dir_.path() / "cert.pem") << "-----BEGIN CERTIFICATE-----\n";
  std::ofstream(dir_.path() / "key.pem") << "-----BEGIN PRIVATE KEY-----\n";
  const Config c = ok("database: x\nserver: {tls_cert_file: cert.pem, tls_key_file: key.pem}\n");
  EXPECT_TRUE(c.server.tls());
  EXPECT_EQ(c.server.tls_cert_file, dir_.path() / "cert.pem");
  EXPECT_EQ(c.server.tls_key_file, dir_.path() / "key.pem");
  EXPECT_FALSE(ok("database: x\n").server.tls());
  EXPECT_EQ(
      error("database: x\nserver: {tls_cert_file: cert.pem}\n"),
      "x.yaml:2:9: server: give both tls_cert_file and tls_key_file (or neither); tls_key_file is "
      "missing");
  EXPECT_EQ(error("database: x\nserver:\n  tls_cert_file: cert.pem\n  tls_key_file: nokey.pem\n"),
            "x.yaml:4:17: server.tls_key_file: '" + (dir_.path() / "nokey.pem").string() +
                "' is not a readable file");
}

TEST_F(LoadTest, policy_errors) {
  EXPECT_EQ(error("database: x\npolicy:\n  threshold: 80%\n  low_band: 80%\n"),
            "x.yaml:4:13: policy.low_band: 80% is not below the threshold (80%)");
  EXPECT_EQ(error("database: x\npolicy:\n  threshold: 40%\n"),
            "x.yaml:3:14: policy.threshold: 40% is not above low_band (50%); set low_band too");
  EXPECT_EQ(error("database: x\npolicy:\n  balance_checkpoints: [10, 13]\n"),
            "x.yaml:3:29: policy.balance_checkpoints[1]: '13' is out of range (1-12)");
  EXPECT_EQ(error("database: x\npolicy:\n  balance_checkpoints: [10, 10]\n"),
            "x.yaml:3:29: policy.balance_checkpoints[1]: 10 is listed twice");
  EXPECT_EQ(error("database: x\npolicy:\n  balance_checkpoints: []\n"),
            "x.yaml:3:24: policy.balance_checkpoints: empty list");
  EXPECT_EQ(error("database: x\npolicy:\n  scores: {completion_floor: 100%}\n"),
            "x.yaml:3:30: policy.scores.completion_floor: '100%' must be below 100%");
  EXPECT_EQ(error("database: x\npolicy:\n  scores: {balance_points: -1}\n"),
            "x.yaml:3:28: policy.scores.balance_points: '-1' is out of range (0-100)");
}

TEST_F(LoadTest, curves) {
  const Config c =
      ok("database: x\n"
         "policy:\n"
         "  curve: month_linear\n"
         "  curves:\n"
         "    - unit: \"101001\"\n"
         "      kind: by_days\n"
         "    - line: LW2021-P02\n"
         "      kind: custom_monthly\n"
         "      monthly: [5%, 10%, 20%, 30%, 40%, 50%, 55%, 60%, 70%, 80%, 90%, 100%]\n"
         "    - line: LW2021-P05\n"
         "      kind: milestones\n"
         "      milestones: [{date: 2021-06-30, share: 30%}, {date: 2021/9/30, share: 0.6}]\n");
  EXPECT_EQ(c.policy.default_curve.kind, engine::CurveKind::month_linear);
  EXPECT_EQ(c.policy.unit_curves.at("101001").kind, engine::CurveKind::by_days);
  const engine::Curve& m = c.policy.line_curves.at("LW2021-P02");
  EXPECT_EQ(m.kind, engine::CurveKind::custom_monthly);
  EXPECT_EQ(m.monthly_bp, (std::array<int, 12>{500, 1000, 2000, 3000, 4000, 5000, 5500, 6000, 7000,
                                               8000, 9000, 10000}));
  const engine::Curve& s = c.policy.line_curves.at("LW2021-P05");
  ASSERT_EQ(s.milestones.size(), 2u);
  EXPECT_EQ(s.milestones[1].date, engine::make_date(2021, 9, 30));
  EXPECT_EQ(s.milestones[1].share_bp, 6000);

  const Config d = ok(
      "database: x\npolicy:\n  curve: {kind: custom_monthly, monthly: [0, 0, 0, 0, 0, 0, 0, 0, 0, "
      "0, 0, 1]}\n");
  EXPECT_EQ(d.policy.default_curve.kind, engine::CurveKind::custom_monthly);
  EXPECT_EQ(d.policy.default_curve.monthly_bp[11], 10000);
}

TEST_F(LoadTest, curve_errors) {
  const std::string head = "database: x\npolicy:\n  curves:\n";
  EXPECT_EQ(error("database: x\npolicy:\n  curve: straight\n"),
            "x.yaml:3:10: policy.curve: unknown curve kind 'straight' (linear_to_deadline, "
            "month_linear, by_days, "
            "custom_monthly or milestones)");
  EXPECT_EQ(error("database: x\npolicy:\n  curve: linear\n"),
            "x.yaml:3:10: policy.curve: unknown curve kind 'linear' (linear_to_deadline, "
            "month_linear, by_days, "
            "custom_monthly or milestones); did you mean linear_to_deadline?");
  EXPECT_EQ(error("database: x\npolicy:\n  curve: month_liner\n"),
            "x.yaml:3:10: policy.curve: unknown curve kind 'month_liner' (linear_to_deadline, "
            "month_linear, "
            "by_days, custom_monthly or milestones); did you mean month_linear?");
  EXPECT_EQ(error("database: x\npolicy:\n  curve: custom_monthly\n"),
            "x.yaml:3:10: policy.curve: custom_monthly needs its values: write curve: {kind: "
            "custom_monthly, "
            "monthly: [...]}");
  EXPECT_EQ(error(head + "    - {kind: by_days}\n"),
            "x.yaml:4:7: policy.curves[0].unit: required (or line)");
  EXPECT_EQ(error(head + "    - {unit: a, line: b, kind: by_days}\n"),
            "x.yaml:4:17: policy.curves[0].line: give unit or line, not both");
  EXPECT_EQ(error(head + "    - {unit: a}\n"), "x.yaml:4:7: policy.curves[0].kind: required");
  EXPECT_EQ(error(head + "    - {unit: a, kind: by_days}\n    - {unit: a, kind: month_linear}\n"),
            "x.yaml:5:14: policy.curves[1].unit: 'a' already has a curve (policy.curves[0])");
  EXPECT_EQ(error(head + "    - {unit: a, kind: custom_monthly}\n"),
            "x.yaml:4:7: policy.curves[0].monthly: required");
  EXPECT_EQ(error(head + "    - {unit: a, kind: by_days, monthly: [100%]}\n"),
            "x.yaml:4:32: policy.curves[0].monthly: only for kind custom_monthly");
  EXPECT_EQ(error(head + "    - {unit: a, kind: by_days, milestones: []}\n"),
            "x.yaml:4:32: policy.curves[0].milestones: only for kind milestones");
  EXPECT_EQ(
      error(head + "    - {unit: a, kind: custom_monthly, monthly: [50%, 100%]}\n"),
      "x.yaml:4:48: policy.curves[0].monthly: expected 12 values (one per fiscal month), got 2");
  EXPECT_EQ(error(head + "    - {unit: a, kind: custom_monthly, monthly: []}\n"),
            "x.yaml:4:48: policy.curves[0].monthly: empty list");
  EXPECT_EQ(
      error(head + "    - unit: a\n      kind: custom_monthly\n"
                   "      monthly: [5%, 10%, 20%, 30%, 25%, 50%, 55%, 60%, 70%, 80%, 90%, 100%]\n"),
      "x.yaml:6:36: policy.curves[0].monthly[4]: 25% is below the month before (30%)");
  EXPECT_EQ(
      error(head + "    - unit: a\n      kind: custom_monthly\n"
                   "      monthly: [5%, 10%, 20%, 30%, 40%, 50%, 55%, 60%, 70%, 80%, 90%, 95%]\n"),
      "x.yaml:6:71: policy.curves[0].monthly[11]: the last month must be 100%, got 95%");
  EXPECT_EQ(
      error(head +
            "    - unit: a\n      kind: milestones\n"
            "      milestones: [{date: 2021-09-30, share: 30%}, {date: 2021-06-30, share: 60%}]\n"),
      "x.yaml:6:59: policy.curves[0].milestones[1].date: 2021-06-30 is not after the milestone "
      "before "
      "(2021-09-30)");
  EXPECT_EQ(
      error(head +
            "    - unit: a\n      kind: milestones\n"
            "      milestones: [{date: 2021-06-30, share: 60%}, {date: 2021-09-30, share: 30%}]\n"),
      "x.yaml:6:78: policy.curves[0].milestones[1].share: 30% is below the milestone before (60%)");
  EXPECT_EQ(
      error(head +
            "    - unit: a\n      kind: milestones\n      milestones: [{date: 2021-06-30}]\n"),
      "x.yaml:6:20: policy.curves[0].milestones[0].share: required");
  EXPECT_EQ(error(head + "    - unit: a\n      kind: milestones\n      milestones: [{date: "
                         "2021-06-31, share: 5%}]\n"),
            "x.yaml:6:27: policy.curves[0].milestones[0].date: '2021-06-31' is not a date (June "
            "2021 has 30 days)");
}

// Issue 16: the workbook limits of the .xlsx reader (collect::XlsxLimits) and whether hidden sheets
// are read.
TEST_F(LoadTest, ingest_workbook_limits) {
  const Config d = ok("database: x\n");
  EXPECT_EQ(d.ingest.max_zip_member_bytes, std::uint64_t{2} << 30);
  EXPECT_EQ(d.ingest.max_zip_ratio, 500);
  EXPECT_EQ(d.ingest.max_zip_members, 10'000);
  EXPECT_FALSE(d.ingest.hidden_sheets);
  const Config c =
      ok("database: x\ningest:\n  max_zip_member: 64MiB\n  max_zip_ratio: 100\n  max_zip_members: "
         "500\n"
         "  hidden_sheets: true\n");
  EXPECT_EQ(c.ingest.max_zip_member_bytes, std::uint64_t{64} << 20);
  EXPECT_EQ(c.ingest.max_zip_ratio, 100);
  EXPECT_EQ(c.ingest.max_zip_members, 500);
  EXPECT_TRUE(c.ingest.hidden_sheets);
  EXPECT_NE(error("database: x\ningest:\n  max_zip_ratio: 1\n")
                .find("x.yaml:3:18: ingest.max_zip_ratio: "),
            std::string::npos);
  EXPECT_NE(error("database: x\ningest:\n  max_zip_member: lots\n").find("ingest.max_zip_member: "),
            std::string::npos);
}

// The .xls guard (FreeXL holds a whole .xls in memory): the file's size, a sheet's declared rows
// and columns.
TEST_F(LoadTest, ingest_xls_limits) {
  const Config d = ok("database: x\n");
  EXPECT_EQ(d.ingest.max_xls_bytes, std::uint64_t{64} << 20);
  EXPECT_EQ(d.ingest.max_xls_rows, 65'536);
  EXPECT_EQ(d.ingest.max_xls_columns, 256);
  const Config c = ok(
      "database: x\ningest:\n  max_xls_size: 8MiB\n  max_xls_rows: 20000\n  max_xls_columns: 40\n");
  EXPECT_EQ(c.ingest.max_xls_bytes, std::uint64_t{8} << 20);
  EXPECT_EQ(c.ingest.max_xls_rows, 20'000);
  EXPECT_EQ(c.ingest.max_xls_columns, 40);
  EXPECT_NE(
      error("database: x\ningest:\n  max_xls_rows: 0\n").find("x.yaml:3:17: ingest.max_xls_rows: "),
      std::string::npos);
  EXPECT_NE(error("database: x\ningest:\n  max_xls_size: big\n").find("ingest.max_xls_size: "),
            std::string::npos);
}

}  // namespace
}  // namespace bw::config::test_load
