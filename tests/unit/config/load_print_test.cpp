// print_config: its output loads back to the same effective config, every key in its unit, no
// secret.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.h"
#include "tests/unit/config/load_fixture.h"

namespace bw::config::test_load {

// Every field but the file name and secret values.
void expect_equivalent(const Config& a, const Config& b) {
  EXPECT_EQ(a.database, b.database);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.server.listen, b.server.listen);
  EXPECT_EQ(a.server.max_body_bytes, b.server.max_body_bytes);
  EXPECT_EQ(a.server.max_header_bytes, b.server.max_header_bytes);
  EXPECT_EQ(a.server.read_timeout, b.server.read_timeout);
  EXPECT_EQ(a.server.write_timeout, b.server.write_timeout);
  EXPECT_EQ(a.server.idle_timeout, b.server.idle_timeout);
  EXPECT_EQ(a.server.max_connections, b.server.max_connections);
  EXPECT_EQ(a.evaluation.interval, b.evaluation.interval);
  EXPECT_EQ(a.evaluation.time_zone, b.evaluation.time_zone);
  EXPECT_EQ(a.evaluation.as_of, b.evaluation.as_of);
  const engine::Policy& p = a.policy;
  const engine::Policy& q = b.policy;
  EXPECT_EQ(p.fiscal_year_start_month, q.fiscal_year_start_month);
  auto same_curve = [](const engine::Curve& x, const engine::Curve& y) {
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.monthly_bp, y.monthly_bp);
    ASSERT_EQ(x.milestones.size(), y.milestones.size());
    for (std::size_t i = 0; i < x.milestones.size(); ++i) {
      EXPECT_EQ(x.milestones[i].date, y.milestones[i].date);
      EXPECT_EQ(x.milestones[i].share_bp, y.milestones[i].share_bp);
    }
  };
  same_curve(p.default_curve, q.default_curve);
  for (auto [x, y] :
       {std::pair{&p.unit_curves, &q.unit_curves}, std::pair{&p.line_curves, &q.line_curves}}) {
    ASSERT_EQ(x->size(), y->size());
    for (const auto& [code, curve] : *x) {
      ASSERT_TRUE(y->count(code)) << code;
      same_curve(curve, y->at(code));
    }
  }
  EXPECT_EQ(p.threshold_bp, q.threshold_bp);
  EXPECT_EQ(p.low_bp, q.low_bp);
  EXPECT_EQ(p.balance_checkpoint_months, q.balance_checkpoint_months);
  EXPECT_EQ(p.completion_points, q.completion_points);
  EXPECT_EQ(p.completion_floor_bp, q.completion_floor_bp);
  EXPECT_EQ(p.adjustment_points, q.adjustment_points);
  EXPECT_EQ(p.balance_points, q.balance_points);
  EXPECT_EQ(a.metrics.project_series, b.metrics.project_series);
  ASSERT_EQ(a.sources.size(), b.sources.size());
  for (std::size_t i = 0; i < a.sources.size(); ++i) {
    const SourceConfig& s = a.sources[i];
    const SourceConfig& t = b.sources[i];
    EXPECT_EQ(s.name, t.name);
    EXPECT_EQ(s.kind, t.kind);
    EXPECT_EQ(s.interval, t.interval);
    EXPECT_EQ(s.encoding, t.encoding);
    EXPECT_EQ(s.file_kind, t.file_kind);
    EXPECT_EQ(s.path, t.path);
    EXPECT_EQ(s.glob, t.glob);
    EXPECT_EQ(s.require_done_marker, t.require_done_marker);
    EXPECT_EQ(s.incomplete_after, t.incomplete_after);
    EXPECT_EQ(s.files, t.files);
    EXPECT_EQ(s.url, t.url);
    EXPECT_EQ(s.auth.kind, t.auth.kind);
    EXPECT_EQ(s.auth.username, t.auth.username);
    EXPECT_EQ(s.connect_timeout, t.connect_timeout);
    EXPECT_EQ(s.read_timeout, t.read_timeout);
    EXPECT_EQ(s.max_bytes, t.max_bytes);
    EXPECT_EQ(s.ca_file, t.ca_file);
    EXPECT_EQ(s.retries, t.retries);
    EXPECT_EQ(s.backoff_initial, t.backoff_initial);
    EXPECT_EQ(s.backoff_max, t.backoff_max);
  }
  ASSERT_EQ(a.tokens.size(), b.tokens.size());
  for (std::size_t i = 0; i < a.tokens.size(); ++i) {
    EXPECT_EQ(a.tokens[i].name, b.tokens[i].name);
    EXPECT_EQ(a.tokens[i].scopes, b.tokens[i].scopes);
  }
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.logging.level, b.logging.level);
}

namespace {

TEST_F(LoadTest, print_config_round_trips) {
  const Config c =
      ok("database: var/bw.db\n"
         "language: en\n"
         "server: {listen: '[::1]:0', max_body_bytes: 1000, max_header_bytes: 1500, read_timeout: "
         "1h30m,\n"
         "         write_timeout: 1d1s, idle_timeout: 5m, max_connections: 7}\n"
         "evaluation: {interval: 90s, time_zone: UTC, as_of: 2021-12-31}\n"
         "fiscal_year: {start_month: 4}\n"
         "policy:\n"
         "  threshold: 91.38%\n"
         "  low_band: 0.505\n"
         "  balance_checkpoints: [6, 11, 12]\n"
         "  curve: {kind: milestones, milestones: [{date: 2021-06-30, share: 40%}, {date: "
         "2021-12-31, share: 1}]}\n"
         "  curves:\n"
         "    - {line: L1, kind: custom_monthly, monthly: [5%, 10%, 20%, 30%, 40%, 50%, 55%, 60%, "
         "70%, 80%, 90%, 1]}\n"
         "    - {unit: \"007\", kind: month_linear}\n"
         "    - {unit: 'yes', kind: by_days}\n"
         "  scores: {completion_points: 10, completion_floor: 60%, adjustment_points: 0, "
         "balance_points: 5}\n"
         "metrics: {project_series: none}\n"
         "sources:\n"
         "  - {name: in, kind: drop_folder, path: '#inbox', glob: '*.CSV', require_done_marker: "
         "true,\n"
         "     interval: 1s, encoding: gbk, file_kind: payments}\n"
         "  - {name: f, kind: files, files: [a.csv, '中文 目录/b.csv'], incomplete_after: 1h}\n"
         "  - {name: h, kind: http, url: 'http://127.0.0.1:8443/export.csv?day=1', "
         "connect_timeout: 2s,\n"
         "     read_timeout: 3s, max_bytes: 5MB, ca_file: ca.pem, retries: 0, backoff_initial: "
         "1s500ms,\n"
         "     backoff_max: 1m}\n"
         "  - {name: u, kind: upload, file_kind: budget}\n"
         "columns: {amount: [付款金额, 'a: b'], note: ['~', 'null', 'yes']}\n"
         "logging: {level: trace}\n");
  ASSERT_FALSE(c.columns.empty()) << "first load failed";
  const std::string printed = print_config(c);
  auto again = load_config_text(printed, "printed.yaml", "/elsewhere");
  ASSERT_TRUE(again.has_value()) << again.error().to_string() << "\n" << printed;
  expect_equivalent(c, *again);
  EXPECT_EQ(print_config(*again), printed);

  const Config minimal = ok("database: bw.db\n");
  auto minimal_again = load_config_text(print_config(minimal), "printed.yaml", "/elsewhere");
  ASSERT_TRUE(minimal_again.has_value()) << minimal_again.error().to_string() << "\n"
                                         << print_config(minimal);
  expect_equivalent(minimal, *minimal_again);
}

TEST_F(LoadTest, print_config_writes_every_key_in_its_unit) {
  const Config c =
      ok("database: /var/lib/budgetwatch/bw.db\n"
         "server: {read_timeout: 90m, max_body_bytes: 1500}\n"
         "policy: {threshold: 0.9138}\n");
  EXPECT_EQ(print_config(c),
            "database: /var/lib/budgetwatch/bw.db\n"
            "language: zh-CN\n"
            "server:\n"
            "  listen: 127.0.0.1:9464\n"
            "  max_body_bytes: 1500B\n"
            "  max_header_bytes: 16KiB\n"
            "  read_timeout: 1h30m\n"
            "  write_timeout: 30s\n"
            "  idle_timeout: 1m\n"
            "  max_connections: 256\n"
            "  tls_cert_file: ~\n"
            "  tls_key_file: ~\n"
            "evaluation:\n"
            "  interval: 1h\n"
            "  time_zone: Asia/Shanghai\n"
            "  as_of: ~\n"
            "fiscal_year:\n"
            "  start_month: 1\n"
            "  deadline_after_year_end: fiscal_year_end\n"
            "policy:\n"
            "  threshold: 91.38%\n"
            "  low_band: 50%\n"
            "  balance_checkpoints: [10, 11]\n"
            "  curve: linear_to_deadline\n"
            "  curves: []\n"
            "  scores:\n"
            "    completion_points: 8\n"
            "    completion_floor: 80%\n"
            "    adjustment_points: 3\n"
            "    balance_points: 3\n"
            "metrics:\n"
            "  project_series: all\n"
            "ingest:\n"
            "  max_stored_rejects: 1000\n"
            "  max_reject_share: 50%\n"
            "  max_zip_member: 2GiB\n"
            "  max_zip_ratio: 500\n"
            "  max_zip_members: 10000\n"
            "  hidden_sheets: false\n"
            "  max_xls_size: 64MiB\n"
            "  max_xls_rows: 65536\n"
            "  max_xls_columns: 256\n"
            "sources: []\n"
            "tokens: []\n"
            "columns: {}\n"
            "logging:\n"
            "  level: info\n");
}

TEST_F(LoadTest, print_config_never_shows_a_secret) {
  put(dir_.path(), "bearer.token", "bearer-SECRET-1\n");
  put(dir_.path(), "upload.token", "upload-SECRET-2");
  ScopedEnv env1("BW_TEST_PASSWORD", "password-SECRET-3");
  ScopedEnv env2("BW_TEST_TOKEN", "env-SECRET-4");
  const Config c =
      ok("database: x\n"
         "sources:\n"
         "  - {name: a, kind: http, url: 'https://h/a', auth: {bearer_token_file: bearer.token}}\n"
         "  - {name: b, kind: http, url: 'https://h/b', auth: {username: bw, password_env: "
         "BW_TEST_PASSWORD}}\n"
         "  - {name: c, kind: http, url: 'https://h/c', auth: {bearer_token: inline-SECRET-5}}\n"
         "tokens:\n"
         "  - {name: f, token_file: upload.token, scopes: [upload]}\n"
         "  - {name: e, token_env: BW_TEST_TOKEN, scopes: [write, admin]}\n"
         "  - {name: i, token: inline-SECRET-6, scopes: [upload]}\n");
  ASSERT_EQ(c.tokens.size(), 3u);
  EXPECT_EQ(c.sources[0].auth.secret.value, "bearer-SECRET-1");
  EXPECT_EQ(c.tokens[1].token.value, "env-SECRET-4");
  const std::string printed = print_config(c);
  EXPECT_EQ(printed.find("SECRET"), std::string::npos) << printed;
  // Issue 13: a secret from a file or the environment prints as its source (it loads again); an
  // inline one as a placeholder.
  EXPECT_NE(printed.find("bearer_token_file: " + tmp() + "/bearer.token"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("username: bw\n      password_env: BW_TEST_PASSWORD"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("bearer_token: <secret inline>"), std::string::npos) << printed;
  EXPECT_NE(printed.find("token_file: " + tmp() + "/upload.token"), std::string::npos) << printed;
  EXPECT_NE(printed.find("token_env: BW_TEST_TOKEN"), std::string::npos) << printed;
  EXPECT_NE(printed.find("token: <secret inline>"), std::string::npos) << printed;
  // Reloading the printed text must not turn the masks into working tokens.
  auto again = load_config_text(printed, "printed.yaml", dir_.path());
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("is a masked value printed by check-config"),
            std::string::npos);
}

}  // namespace
}  // namespace bw::config::test_load
