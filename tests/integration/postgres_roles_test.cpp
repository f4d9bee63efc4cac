// Least privilege on PostgreSQL (issue 15, deploy/postgres/grants.sql): a DBA runs grants.sql, the
// owner role applies the migrations, and budgetwatch then works as the app role — ingest (COPY
// through a temporary staging table), reports, the alert cycle and its outbox — without being a
// superuser, owning anything or being able to change the schema.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/database.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace fs = std::filesystem;

test::CommandResult bw(std::vector<std::string> args) {
  args.insert(args.begin(), test::budgetwatch_binary().string());
  return test::run_command(args);
}

std::string psql_binary() {
  const char* dir = std::getenv("PG_BIN");
  return (fs::path(dir != nullptr ? dir : "/usr/lib/postgresql/15/bin") / "psql").string();
}

std::string as_role(const test::PostgresDatabase& pg, const std::string& role) {
  return "postgresql://" + role + "@127.0.0.1:" + std::to_string(pg.port()) + "/" + pg.name();
}

TEST(PostgresRolesTest, the_daemon_works_as_a_non_superuser_app_role_after_the_owner_migrated) {
  BW_REQUIRE_POSTGRES();
  std::string owner;
  std::string app;
  int port = 0;
  {
    test::TempDir dir;
    test::PostgresDatabase pg;
    port = pg.port();
    owner = "bwo_" + pg.name();
    app = "bwa_" + pg.name();
    // The DBA (the test server's superuser) runs the shipped file, with this test's role names.
    const auto grants = test::run_command(
        {psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
         std::to_string(port), "-U", "bw", "-d", pg.name(), "-v", "owner=" + owner, "-v",
         "app=" + app, "-f", (test::source_dir() / "deploy/postgres/grants.sql").string()});
    ASSERT_EQ(grants.exit_code, 0) << grants.out << grants.err;
    // The owner creates the schema; the app role can then do everything budgetwatch does.
    const auto migrated = bw({"migrate", "--db", as_role(pg, owner)});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.out << migrated.err;
    const std::string db = as_role(pg, app);
    for (const char* f :
         {"liwan2021/budget.csv", "liwan2021/adjustments.csv", "liwan2021/payments.csv"}) {
      const auto r = bw({"ingest", "--db", db, test::data_path(f).string()});
      ASSERT_EQ(r.exit_code, 0) << f << "\n" << r.out << r.err;
    }
    const auto report = bw({"report", "--db", db, "--as-of", "2021-12-31", "--format", "json"});
    ASSERT_EQ(report.exit_code, 0) << report.err;
    EXPECT_NE(report.out.find("\"execution_rate_pct\": \"91.38\""), std::string::npos)
        << report.out.substr(0, 400);
    // The alert cycle and the outbox, as the daemon runs them (the demo's rules).
    std::string yaml = test::read_file(test::source_dir() / "config/examples/demo.yaml");
    const std::string from = "database: ../../var/demo/budgetwatch.db";
    yaml.replace(yaml.find(from), from.size(), "database: " + db);
    const std::string inbox = "../../var/demo/inbox";
    yaml.replace(yaml.find(inbox), inbox.size(), (dir / "inbox").string());
    for (std::size_t p = yaml.find("../../"); p != std::string::npos; p = yaml.find("../../")) {
      yaml.replace(p, 6, test::source_dir().string() + "/");
    }
    fs::create_directories(dir / "inbox");
    test::write_file(dir / "bw.yaml", yaml);
    const auto replay = bw({"alerts", "replay", "--config", (dir / "bw.yaml").string(), "--from",
                            "2021-06-30", "--to", "2021-12-31"});
    ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;

    store::Database as_app = store::Database::open(db);
    store::Statement st = as_app.prepare(
        "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, (SELECT count(*) FROM pg_tables t"
        " WHERE t.schemaname = 'public' AND t.tableowner = current_user), (SELECT count(*) FROM "
        "outbox)"
        " FROM pg_roles r WHERE r.rolname = current_user");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_int(0), 0) << "the app role is a superuser";
    EXPECT_EQ(st.column_int(1), 0);
    EXPECT_EQ(st.column_int(2), 0);
    EXPECT_EQ(st.column_int(3), 0) << "the app role owns tables";
    EXPECT_GT(st.column_int(4), 0) << "the alert cycle queued no message";
    st.reset();
    // No DDL: the schema is the owner's.
    EXPECT_THROW(as_app.exec("CREATE TABLE app_made (x BIGINT)"), store::DatabaseError);
    EXPECT_THROW(as_app.exec("DROP TABLE payments"), store::DatabaseError);
    EXPECT_THROW(as_app.exec("ALTER TABLE files ADD COLUMN x BIGINT"), store::DatabaseError);
  }
  // The database is gone (with the grants in it): the roles go too.
  store::Database admin =
      store::Database::open("postgresql://bw@127.0.0.1:" + std::to_string(port) + "/postgres");
  admin.exec("DROP ROLE IF EXISTS \"" + app + "\"");
  admin.exec("DROP ROLE IF EXISTS \"" + owner + "\"");
}

}  // namespace
}  // namespace bw
