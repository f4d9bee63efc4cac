// One store, two engines (issue 15): the same exports ingested through the CLI into a SQLite file
// and into a real PostgreSQL 15 (tests/support/postgres_server.h) give byte-identical reports and
// ingest accounting.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/load.h"
#include "daemon/app.h"
#include "store/database.h"
#include "store/inputs.h"
#include "tests/support/http_fetch.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace fs = std::filesystem;

test::CommandResult bw(std::vector<std::string> args) {
  args.insert(args.begin(), test::budgetwatch_binary().string());
  return test::run_command(args);
}

void ingest(const std::string& db, const std::vector<fs::path>& files) {
  for (const fs::path& f : files) {
    const auto r = bw({"ingest", "--db", db, f.string()});
    ASSERT_EQ(r.exit_code, 0) << db << " " << f << "\n" << r.out << r.err;
  }
}

// Every report kind as JSON, and the ingest history, on one database.
std::vector<std::pair<std::string, std::string>> answers(const std::string& db,
                                                         const std::vector<std::string>& dates) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& as_of : dates) {
    for (const char* kind : {"execution", "monthly", "midyear", "yearend"}) {
      const auto r =
          bw({"report", "--db", db, "--kind", kind, "--as-of", as_of, "--format", "json"});
      EXPECT_EQ(r.exit_code, 0) << kind << " " << as_of << "\n" << r.err;
      out.emplace_back(std::string(kind) + " " + as_of, r.out);
    }
  }
  store::Database d = store::Database::open(db);
  const store::StoreCounts c = store::count_rows(d);
  out.emplace_back("counts", std::to_string(c.files) + " " + std::to_string(c.budget_lines) + " " +
                                 std::to_string(c.adjustments) + " " + std::to_string(c.payments) +
                                 " " + std::to_string(c.rejects));
  std::string files;
  for (const store::IngestReport& f : store::list_ingests(d, 0, 100, 1000).files) {
    files += f.name + " " + store::to_string(f.kind) + " rows=" + std::to_string(f.rows_total) +
             " accepted=" + std::to_string(f.accepted) + " dup=" + std::to_string(f.duplicate) +
             " rejected=" + std::to_string(f.rejected) +
             " conflict=" + std::to_string(f.conflicts) +
             " fen=" + std::to_string(f.accepted_amount.fen) + "\n";
    for (const store::Reject& r : f.rejects) files += "  " + r.to_string() + "\n";
    for (const store::RejectCount& r : f.reject_counts) {
      files += "  " + r.field + ": " + r.reason + " x" + std::to_string(r.rows) + "\n";
    }
  }
  out.emplace_back("files", files);
  return out;
}

void expect_identical(const std::vector<std::pair<std::string, std::string>>& sqlite,
                      const std::vector<std::pair<std::string, std::string>>& pg) {
  ASSERT_EQ(sqlite.size(), pg.size());
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_FALSE(sqlite[i].second.empty()) << sqlite[i].first;
    EXPECT_EQ(sqlite[i].second, pg[i].second)
        << sqlite[i].first << " differs between SQLite and PostgreSQL";
  }
}

TEST(PostgresEngineTest, liwan_2021_reports_are_identical_to_the_fen_on_sqlite_and_postgresql) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const std::string sqlite = (dir.path() / "liwan.db").string();
  const std::vector<fs::path> files = {test::data_path("liwan2021/budget.csv"),
                                       test::data_path("liwan2021/adjustments.csv"),
                                       test::data_path("liwan2021/payments.csv")};
  ingest(sqlite, files);
  ingest(pg.uri(), files);
  // The same payments again (GB18030: other bytes, same vouchers): every row a duplicate on both.
  ingest(sqlite, {test::data_path("liwan2021/payments.gb18030.csv")});
  ingest(pg.uri(), {test::data_path("liwan2021/payments.gb18030.csv")});
  const auto a = answers(sqlite, {"2021-06-30", "2021-12-31"});
  const auto b = answers(pg.uri(), {"2021-06-30", "2021-12-31"});
  expect_identical(a, b);
  // The figures are there (not two empty answers): the Liwan payments to 30 June, 27,829,613.59
  // yuan.
  EXPECT_NE(a[0].second.find("\"paid_fen\": 2782961359"), std::string::npos)
      << a[0].second.substr(0, 400);
}

TEST(PostgresEngineTest, generated_exports_with_bad_rows_give_identical_reports_and_rejects) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const fs::path gen = test::generate_exports(
      dir.path() / "gen", {"--projects", "60", "--payments", "3000", "--seed", "11", "--bad-rows",
                           "0.02", "--date-style", "mixed"});
  std::vector<fs::path> files;
  for (const char* f : {"budget.csv", "adjustments.csv", "payments.csv"}) {
    if (fs::exists(gen / f)) files.push_back(gen / f);
  }
  ASSERT_FALSE(files.empty());
  const std::string sqlite = (dir.path() / "gen.db").string();
  ingest(sqlite, files);
  ingest(pg.uri(), files);
  expect_identical(answers(sqlite, {"2021-09-30"}), answers(pg.uri(), {"2021-09-30"}));
}

// The CLI's account of an ingest, without its timing.
std::string ingest_output(const std::string& db, const std::vector<std::string>& extra,
                          const fs::path& file) {
  std::vector<std::string> args = {"ingest", "--db", db, "--show-rejects", "200"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(file.string());
  const auto r = bw(args);
  EXPECT_EQ(r.exit_code, 0) << file << "\n" << r.out << r.err;
  std::string text = r.out + r.err;
  for (std::size_t p = text.find(" ms="); p != std::string::npos; p = text.find(" ms=", p + 1)) {
    const std::size_t end = text.find_first_of(" \n", p + 4);
    text.erase(p, end - p);
  }
  return text;
}

// PostgreSQL ingests payments by COPY, 16,384 rows at a time; SQLite by multi-row INSERTs of 64. A
// file of 40,000 rows with 5% bad rows (more rejects than the 1,000 stored per file), then a second
// export of 60,000 whose first 40,000-odd vouchers exist with other content (conflicts, stored past
// the cap): the same rows accepted, the same duplicates, the same conflicts quarantined, the same
// rejects stored and reported, in the same order.
TEST(PostgresEngineTest, copy_ingest_keeps_the_sqlite_rejects_and_conflicts_across_copy_batches) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const fs::path a = test::generate_exports(
      dir.path() / "a",
      {"--projects", "300", "--payments", "40000", "--seed", "5", "--bad-rows", "0.05"});
  const fs::path b = test::generate_exports(
      dir.path() / "b",
      {"--projects", "300", "--payments", "60000", "--seed", "6", "--no-expected"});
  const std::string sqlite = (dir.path() / "copy.db").string();
  for (const std::string& db : {sqlite, pg.uri()})
    ingest(db, {a / "budget.csv", a / "adjustments.csv"});
  const std::string first_sqlite = ingest_output(sqlite, {}, a / "payments.csv");
  const std::string first_pg = ingest_output(pg.uri(), {}, a / "payments.csv");
  EXPECT_EQ(first_sqlite, first_pg);
  EXPECT_NE(first_sqlite.find("conflicts="), std::string::npos) << first_sqlite;
  EXPECT_NE(first_sqlite.find("is already recorded with amount"), std::string::npos)
      << first_sqlite;
  const std::string second_sqlite =
      ingest_output(sqlite, {"--max-reject-share", "1"}, b / "payments.csv");
  const std::string second_pg =
      ingest_output(pg.uri(), {"--max-reject-share", "1"}, b / "payments.csv");
  EXPECT_EQ(second_sqlite, second_pg);
  const std::size_t at = second_sqlite.find("conflicts=");
  ASSERT_NE(at, std::string::npos) << second_sqlite.substr(0, 400);
  EXPECT_GT(std::stol(second_sqlite.substr(at + 10)), 30000) << second_sqlite.substr(0, 400);
  // The same file again: a duplicate file on both.
  EXPECT_EQ(ingest_output(sqlite, {}, a / "payments.csv"),
            ingest_output(pg.uri(), {}, a / "payments.csv"));
  expect_identical(answers(sqlite, {"2021-12-31"}), answers(pg.uri(), {"2021-12-31"}));
}

// PostgreSQL copies a batch straight into payments and reads the next one while the server takes
// it; a batch whose vouchers are partly recorded fails that COPY only when the next batch is read,
// and is then staged with the rest of the file. An export of 50,000 payments whose rows
// 20,001-30,000 were ingested before (as a file of their own): the first batch goes in straight,
// the second fails and the file ends staged; the monthly sums of the rows already recorded exist,
// so they are merged. Both engines count the same 10,000 duplicates and give the same reports.
TEST(PostgresEngineTest, a_later_batch_with_recorded_vouchers_is_staged_and_counted_as_on_sqlite) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const fs::path gen = test::generate_exports(
      dir.path() / "gen",
      {"--projects", "200", "--payments", "50000", "--seed", "8", "--no-expected"});
  const std::string all = test::read_file(gen / "payments.csv");
  std::vector<std::string> lines;
  for (std::size_t p = 0; p < all.size();) {
    const std::size_t end = all.find('\n', p);
    lines.push_back(all.substr(p, end == std::string::npos ? std::string::npos : end - p + 1));
    p = end == std::string::npos ? all.size() : end + 1;
  }
  ASSERT_GE(lines.size(), 50001U);
  std::string slice = lines[0];
  for (std::size_t i = 20001; i <= 30000; ++i) slice += lines[i];
  test::write_file(dir.path() / "slice.csv", slice);
  const std::string sqlite = (dir.path() / "later.db").string();
  for (const std::string& db : {sqlite, pg.uri()})
    ingest(db, {gen / "budget.csv", gen / "adjustments.csv", dir.path() / "slice.csv"});
  const std::string out_sqlite = ingest_output(sqlite, {}, gen / "payments.csv");
  const std::string out_pg = ingest_output(pg.uri(), {}, gen / "payments.csv");
  EXPECT_EQ(out_sqlite, out_pg);
  EXPECT_NE(out_pg.find("accepted=40000 duplicate=10000 rejected=0"), std::string::npos) << out_pg;
  expect_identical(answers(sqlite, {"2021-06-15", "2021-12-31"}),
                   answers(pg.uri(), {"2021-06-15", "2021-12-31"}));
}

TEST(PostgresEngineTest, check_config_prints_a_database_uri_without_its_password) {
  test::TempDir dir;
  test::write_file(dir.path() / "c.yaml",
                   "database: postgresql://bw:s3cret@db.example:5432/bw?sslmode=verify-full\n");
  const auto r = bw({"check-config", (dir.path() / "c.yaml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("database: postgresql://"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("db.example:5432/bw?sslmode=verify-full"), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find("s3cret"), std::string::npos) << r.out << r.err;
}

TEST(PostgresEngineTest, migrate_on_the_cli_takes_a_uri_and_never_prints_its_password) {
  BW_REQUIRE_POSTGRES();
  test::PostgresDatabase pg;
  // A password in the URI (trust authentication ignores it): it must not reach the output.
  std::string uri = pg.uri();
  uri.replace(uri.find("bw@"), 3, "bw:s3cret@");
  const auto r = bw({"migrate", "--db", uri});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("schema version"), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find("s3cret"), std::string::npos) << r.out << r.err;
  const auto bad =
      bw({"migrate", "--db", "postgresql://bw:s3cret@127.0.0.1:1/none?connect_timeout=2"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ((bad.out + bad.err).find("s3cret"), std::string::npos) << bad.out << bad.err;
}

}  // namespace
}  // namespace bw

namespace bw {
namespace {

// What a user of the API sees of one daemon on the Liwan 2021 data at year end: the summary, each
// alert's fingerprint and state, and the messages queued (by idempotency key).
struct DaemonView {
  std::string summary;
  std::vector<std::string> alerts;
  std::vector<std::string> messages;
};

std::vector<std::string> values_of(const std::string& body, const std::string& key) {
  std::vector<std::string> out;
  const std::string needle = "\"" + key + "\":\"";
  for (std::size_t p = body.find(needle); p != std::string::npos; p = body.find(needle, p + 1)) {
    const std::size_t start = p + needle.size();
    out.push_back(body.substr(start, body.find('"', start) - start));
  }
  std::sort(out.begin(), out.end());
  return out;
}

DaemonView run_daemon(const std::string& database, const fs::path& dir) {
  using namespace std::chrono_literals;
  const std::string liwan = test::data_path("liwan2021").string();
  const std::string yaml =
      "database: " + database +
      "\nserver:\n  listen: 127.0.0.1:0\nevaluation:\n  as_of: 2021-12-31\n"
      "sources:\n  - name: ledger\n    kind: files\n    files: [" +
      liwan + "/budget.csv, " + liwan + "/adjustments.csv, " + liwan +
      "/payments.csv]\n"
      "alerts:\n  rules:\n"
      "    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: "
      "true, severity: warning}\n"
      "    - {name: overspend, kind: overspend, severity: critical, line_kinds: [project, basic]}\n"
      "  receivers:\n"
      "    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: 1, smtp_tls: none,\n"
      "       from: \"bw <bw@localhost>\", to_owner: true}\n"
      "  routes:\n    - {match: [\"rule_kind=~below_threshold|overspend\"], receivers: [owners], "
      "group_by: [owner]}\n"
      "logging:\n  level: warn\n";
  DaemonView v;
  auto c = config::load_config_text(yaml, "test.yaml", dir);
  EXPECT_TRUE(c.has_value()) << c.error().to_string();
  if (!c) return v;
  daemon::AppOptions o;
  o.handle_signals = false;
  auto app = daemon::App::create(std::move(*c), o);
  EXPECT_TRUE(app.has_value()) << app.error().to_string();
  if (!app) return v;
  std::unique_ptr<daemon::App> a(app->release());
  std::thread t([&] { a->run(); });
  const auto port = a->port();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto s = test::fetch(port, "GET", "/api/v1/summary");
    const auto n = test::fetch(port, "GET", "/api/v1/notifications");
    if (s.status == 200 && s.body.find("\"paid_fen\":10888890000") != std::string::npos &&
        !values_of(n.body, "idempotency_key").empty()) {
      v.summary = s.body;
      v.alerts = values_of(test::fetch(port, "GET", "/api/v1/alerts").body, "fingerprint");
      for (const std::string& k : values_of(n.body, "idempotency_key")) v.messages.push_back(k);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  a->stop();
  t.join();
  return v;
}

TEST(PostgresEngineTest,
     the_daemon_on_postgresql_serves_the_same_figures_alerts_and_messages_as_on_sqlite) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const DaemonView on_sqlite = run_daemon((dir.path() / "bw.db").string(), dir.path());
  const DaemonView on_pg = run_daemon(pg.uri(), dir.path());
  ASSERT_FALSE(on_sqlite.summary.empty())
      << "the SQLite daemon did not ingest and evaluate in time";
  ASSERT_FALSE(on_pg.summary.empty())
      << "the PostgreSQL daemon did not ingest and evaluate in time";
  EXPECT_NE(on_pg.summary.find("\"execution_rate_pct\":\"91.38\""), std::string::npos)
      << on_pg.summary;
  EXPECT_EQ(on_sqlite.summary, on_pg.summary);
  EXPECT_FALSE(on_pg.alerts.empty());
  EXPECT_EQ(on_sqlite.alerts, on_pg.alerts);
  EXPECT_EQ(on_sqlite.messages, on_pg.messages);
}

}  // namespace
}  // namespace bw
