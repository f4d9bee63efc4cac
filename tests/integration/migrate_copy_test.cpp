// The growth path (issue 15): `budgetwatch migrate --from FILE.db --to postgresql://...` copies the
// demo's SQLite deployment — ledger, rejects, revisions, indicators, notes, alert state, outbox,
// silences — into a real PostgreSQL 15 (tests/support/postgres_server.h); both databases then give
// the same reports and the same alert history, and the copy continues where SQLite left off.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/civil_date.h"
#include "store/alert_store.h"
#include "store/copy_database.h"
#include "store/database.h"
#include "store/indicators_repo.h"
#include "store/inputs.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace fs = std::filesystem;

test::CommandResult bw(std::vector<std::string> args) {
  args.insert(args.begin(), test::budgetwatch_binary().string());
  return test::run_command(args);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

// The demo (config/examples/demo.yaml) with its database and inbox in `dir`.
fs::path demo_config(const fs::path& dir) {
  std::string yaml = test::read_file(test::source_dir() / "config/examples/demo.yaml");
  replace_all(yaml, "../../var/demo/budgetwatch.db", (dir / "demo.db").string());
  replace_all(yaml, "../../var/demo/inbox", (dir / "inbox").string());
  replace_all(yaml, "../../tests/data/", (test::source_dir() / "tests/data").string() + "/");
  fs::create_directories(dir / "inbox");
  test::write_file(dir / "demo.yaml", yaml);
  return dir / "demo.yaml";
}

// What a user sees of one database: every report kind as JSON at two dates, the ingest history with
// its rejects, the alerts, the delivery log, the groups, the silences and the notes.
std::vector<std::pair<std::string, std::string>> answers(const std::string& db) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* as_of : {"2021-06-30", "2021-12-31"}) {
    for (const char* kind : {"execution", "monthly", "midyear", "yearend"}) {
      const auto r =
          bw({"report", "--db", db, "--kind", kind, "--as-of", as_of, "--format", "json"});
      EXPECT_EQ(r.exit_code, 0) << kind << " " << as_of << "\n" << r.err;
      out.emplace_back(std::string(kind) + " " + as_of, r.out);
    }
  }
  store::Database d = store::Database::open(db);
  std::string files;
  for (const store::IngestReport& f : store::list_ingests(d, 0, 1000, 1000).files) {
    files += std::to_string(f.file_id) + " " + f.name + " " + f.source + " " +
             store::to_string(f.kind) + " rows=" + std::to_string(f.rows_total) +
             " accepted=" + std::to_string(f.accepted) + " rejected=" + std::to_string(f.rejected) +
             " fen=" + std::to_string(f.accepted_amount.fen) + "\n";
    for (const store::Reject& r : f.rejects) files += "  " + r.to_string() + "\n";
  }
  for (const store::FailedFile& f : store::list_failed_files(d, 100))
    files += "failed " + f.name + ": " + f.error;
  out.emplace_back("ingests", files);
  std::string alerts;
  for (const store::AlertRow& a : store::load_alerts(d)) {
    alerts += a.fingerprint + " " + a.rule + " " + a.severity + " " + a.state + " " + a.labels +
              " " + a.annotations + " " + std::to_string(a.active_since) + " " +
              std::to_string(a.fired_at.value_or(-1)) + " " +
              std::to_string(a.resolved_at.value_or(-1)) + " " + std::to_string(a.episode) + "\n";
  }
  out.emplace_back("alerts", alerts);
  std::string outbox;
  store::OutboxQuery q;
  q.limit = 100000;
  for (const store::OutboxRow& r : store::list_outbox(d, q)) {
    outbox += std::to_string(r.id) + " " + r.idempotency_key + " " + r.receiver + " " + r.status +
              " " + r.state + " " + r.title + " " + r.payload + " " + std::to_string(r.created_at) +
              " " + std::to_string(r.attempts) + "\n";
  }
  out.emplace_back("outbox", outbox);
  std::string groups;
  for (const store::GroupRow& g : store::load_groups(d)) {
    groups += g.receiver + " " + g.group_key + " " + std::to_string(g.sequence) + "\n";
  }
  for (const store::MemberRow& m : store::all_group_members(d)) {
    groups += m.receiver + " " + m.group_key + " " + m.fingerprint + "\n";
  }
  out.emplace_back("groups", groups);
  std::string silences;
  for (const store::SilenceRow& s : store::load_silences(d))
    silences += s.id + " " + s.matchers + " " + s.comment;
  for (const store::OwnerNoteRow& n : store::list_owner_notes(d, "2021-midyear")) {
    silences += n.project_code + " " + n.reason + " " + n.measures;
  }
  out.emplace_back("silences and notes", silences);
  return out;
}

std::int64_t rows_of(store::Database& db, const std::string& table) {
  store::Statement st = db.prepare("SELECT count(*) FROM \"" + table + "\"");
  st.step();
  return st.column_int(0);
}

TEST(MigrateCopyTest, the_demo_copied_to_postgresql_gives_the_same_reports_and_alert_history) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const fs::path config = demo_config(dir.path());
  const std::string sqlite = (dir.path() / "demo.db").string();
  // The demo's data and a year of alert cycles: alert state, groups and the outbox.
  const auto replay = bw({"alerts", "replay", "--config", config.string(), "--from", "2021-01-01",
                          "--to", "2021-12-31"});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  // The rest of a deployment's history: a file with a rejected row, a refused file, a register
  // applied again, a silence and an owner's note.
  const std::string liwan = test::read_file(test::data_path("liwan2021/payments.csv"));
  test::write_file(dir.path() / "late.csv",
                   liwan.substr(0, liwan.find('\n', liwan.find('\n') + 1) + 1) +
                       "ZF2099-000001,2021-13-05,101001,广州市荔湾区科技工业和信息化局,LW2021-B02,"
                       "日常公用经费,2150501,30201,授权支付,一般公共预算,某公司,\"1.00\",坏日期\n");
  const auto late = bw({"ingest", "--db", sqlite, (dir.path() / "late.csv").string()});
  ASSERT_EQ(late.exit_code, 0) << late.out << late.err;
  test::write_file(dir.path() / "junk.csv", "not,an,export\n1,2,3\n");
  EXPECT_EQ(bw({"ingest", "--db", sqlite, (dir.path() / "junk.csv").string()}).exit_code, 1);
  const auto again =
      bw({"ingest", "--db", sqlite, "--reapply", test::data_path("liwan2021/budget.csv").string()});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  {
    store::Database d = store::Database::open(sqlite);
    store::insert_silence(d, {"s-1", R"([{"name":"owner","op":"=","value":"陈志远"}])", "ops",
                              "holiday", 1640000000, 1650000000, 1640000000});
    store::put_owner_note(d, {"LW2021-P02", "2021-midyear", "招标延迟", "九月完成招标", "陈志远",
                              "2021-07-15T08:00:00Z"});
    // Files recorded before migration 0008 have no latest payment date on SQLite (it reads its date
    // index); the copy gives them theirs, which PostgreSQL reads.
    d.exec("UPDATE files SET max_pay_date = NULL");
    // Every table the copier knows holds rows, so that the copy of each is exercised.
    for (const std::string& t : store::copied_tables()) EXPECT_GT(rows_of(d, t), 0) << t;
  }

  std::string to = pg.uri();
  to.replace(to.find("bw@"), 3,
             "bw:s3cret@");  // trust authentication ignores it; it must not be printed
  const auto copy = bw({"migrate", "--from", sqlite, "--to", to});
  ASSERT_EQ(copy.exit_code, 0) << copy.out << copy.err;
  EXPECT_EQ((copy.out + copy.err).find("s3cret"), std::string::npos) << copy.out << copy.err;
  EXPECT_NE(copy.out.find("bw:***@127.0.0.1"), std::string::npos) << copy.out;
  // The verification table: each table's rows and money sums on both sides.
  for (const std::string& t : store::copied_tables()) {
    EXPECT_NE(copy.out.find("\n" + t + " "), std::string::npos) << t << "\n" << copy.out;
  }
  EXPECT_NE(copy.out.find("amount_fen"), std::string::npos) << copy.out;
  EXPECT_EQ(copy.out.find("MISMATCH"), std::string::npos) << copy.out;
  EXPECT_NE(copy.out.find("row counts and money sums equal"), std::string::npos) << copy.out;

  {
    store::Database from = store::Database::open(sqlite);
    store::Database copied = store::Database::open(pg.uri());
    const auto latest = store::latest_payment_date(from);
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(engine::to_iso(*latest), "2021-12-31");
    const auto latest_copied = store::latest_payment_date(copied);
    ASSERT_TRUE(latest_copied.has_value()) << "the copy has no latest payment date";
    EXPECT_EQ(engine::to_iso(*latest_copied), "2021-12-31");
  }
  const auto a = answers(sqlite);
  const auto b = answers(pg.uri());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_FALSE(a[i].second.empty()) << a[i].first;
    EXPECT_EQ(a[i].second, b[i].second)
        << a[i].first << " differs between the SQLite file and its copy";
  }
  // The Liwan figures are there: 91.38% at year end.
  EXPECT_NE(a[4].second.find("\"execution_rate_pct\": \"91.38\""), std::string::npos)
      << a[4].second.substr(0, 600);

  // The copy goes on where SQLite left off: the next file, revision and message get the next ids on
  // both.
  for (const std::string& db : {sqlite, pg.uri()}) {
    const auto r =
        bw({"ingest", "--db", db, test::data_path("liwan2021/payments.gb18030.csv").string()});
    ASSERT_EQ(r.exit_code, 0) << db << "\n" << r.out << r.err;
  }
  EXPECT_EQ(answers(sqlite)[8].second, answers(pg.uri())[8].second)
      << "ingest history after the copy";

  // A second copy into the now non-empty database is refused, and changes nothing.
  const auto twice = bw({"migrate", "--from", sqlite, "--to", to});
  EXPECT_EQ(twice.exit_code, 1) << twice.out << twice.err;
  EXPECT_NE(twice.err.find("the target database is not empty"), std::string::npos) << twice.err;
  EXPECT_NE(twice.err.find("nothing was copied"), std::string::npos) << twice.err;
  EXPECT_EQ((twice.out + twice.err).find("s3cret"), std::string::npos);
}

TEST(MigrateCopyTest, a_missing_damaged_or_unknown_source_is_refused_with_a_clear_message) {
  BW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PostgresDatabase pg;
  const auto missing =
      bw({"migrate", "--from", (dir.path() / "none.db").string(), "--to", pg.uri()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.db: no such database file"), std::string::npos) << missing.err;

  test::write_file(dir.path() / "junk.db", std::string(8192, 'x'));
  const auto junk = bw({"migrate", "--from", (dir.path() / "junk.db").string(), "--to", pg.uri()});
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.err.find("junk.db cannot be read as a budgetwatch SQLite database"),
            std::string::npos)
      << junk.err;

  // A real database cut short (a copy interrupted half-way): damaged.
  const std::string good = (dir.path() / "good.db").string();
  ASSERT_EQ(bw({"ingest", "--db", good, test::data_path("liwan2021/budget.csv").string(),
                test::data_path("liwan2021/payments.csv").string()})
                .exit_code,
            0);
  {
    store::Database d = store::Database::open(good);
    d.checkpoint();
  }
  const std::string bytes = test::read_file(good);
  test::write_file(dir.path() / "cut.db", bytes.substr(0, bytes.size() / 2));
  const auto cut = bw({"migrate", "--from", (dir.path() / "cut.db").string(), "--to", pg.uri()});
  EXPECT_EQ(cut.exit_code, 1) << cut.out;
  EXPECT_TRUE(cut.err.find("is damaged") != std::string::npos ||
              cut.err.find("cannot be read as a budgetwatch SQLite database") != std::string::npos)
      << cut.err;

  // A table the copier does not know (a newer release's, or someone's own) stops it before any
  // write.
  {
    store::Database d = store::Database::open(good);
    d.exec("CREATE TABLE my_notes (x TEXT)");
  }
  const auto unknown = bw({"migrate", "--from", good, "--to", pg.uri()});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("tables unknown to the copier: my_notes (in the SQLite file)"),
            std::string::npos)
      << unknown.err;
  store::Database target = store::Database::open(pg.uri());
  EXPECT_EQ(rows_of(target, "files"), 0);
  EXPECT_EQ(rows_of(target, "payments"), 0);

  const auto usage = bw({"migrate", "--from", good});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

}  // namespace
}  // namespace bw
