// The HTTP export source against tests/support/export_server.py on 127.0.0.1: conditional GETs that
// survive a restart, retries with backoff for transient failures only, exact error messages, no
// leftover downloads, and the downloaded export ingested into a real SQLite ledger exactly once.
#include "collectors/http_export_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "collectors/ingest.h"
#include "net/redact.h"
#include "store/migrations.h"
#include "tests/support/export_server.h"
#include "tests/support/test_support.h"

namespace bw::collect {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using PollResult = Result<std::vector<ExportFile>>;

test::ExportServerOptions serving(const fs::path& file) {
  test::ExportServerOptions o;
  o.file = file;
  return o;
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

std::int64_t payment_rows(store::Database& db) {
  auto st = db.prepare("SELECT COUNT(*) FROM payments");
  st.step();
  return st.column_int(0);
}

class HttpSourceTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  fs::path fixture_ = test::data_path("liwan2021/payments.csv");
  fs::path state_dir_ = dir_ / "state";
  asio::io_context ioc_;

  config::SourceConfig config_for(const std::string& url) {
    config::SourceConfig c;
    c.name = "treasury";
    c.kind = config::SourceKind::http;
    c.url = url;
    c.file_kind = "payments";
    c.connect_timeout = 5s;
    c.read_timeout = 5s;
    c.retries = 3;
    c.backoff_initial = 10ms;
    c.backoff_max = 40ms;
    return c;
  }

  HttpExportSource make(const config::SourceConfig& c) {
    return HttpExportSource(c, state_dir_, ioc_.get_executor());
  }

  PollResult poll(HttpExportSource& s) {
    auto f = asio::co_spawn(ioc_, s.poll(), asio::use_future);
    ioc_.restart();
    ioc_.run();
    return f.get();
  }

  // Polls expecting one download.
  ExportFile poll_one(HttpExportSource& s) {
    const PollResult r = poll(s);
    if (!r) ADD_FAILURE() << r.error().to_string();
    if (!r || r->size() != 1) {
      ADD_FAILURE() << "expected one file";
      return {};
    }
    return r->front();
  }

  store::Database open_db() {
    store::Database db = store::Database::open(dir_ / "bw.db");
    store::migrate(db);
    return db;
  }

  Result<store::IngestReport> ingest(store::Database& db, const ExportFile& f) {
    IngestOptions o;
    o.kind = f.kind;
    o.encoding = f.encoding;
    o.source = f.source;
    o.received_at = "2021-07-01T00:00:00Z";
    return ingest_file(db, f.path, o);
  }
};

TEST_F(HttpSourceTest, etag_round_trip_survives_a_restart) {
  test::ExportServer server(serving(fixture_));
  auto source = make(config_for(server.url()));
  EXPECT_EQ(source.kind(), "http");
  EXPECT_EQ(source.name(), "treasury");

  const ExportFile file = poll_one(source);
  EXPECT_EQ(file.source, "treasury");
  EXPECT_EQ(file.name, "export.csv");
  EXPECT_EQ(file.kind, store::FileKind::payments);
  EXPECT_EQ(file.encoding, EncodingChoice::auto_detect);
  EXPECT_EQ(file.path.parent_path(), state_dir_ / "downloads");
  EXPECT_EQ(test::read_file(file.path), test::read_file(fixture_));
  const auto first = server.requests();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].header("If-None-Match"));
  EXPECT_FALSE(first[0].header("If-Modified-Since"));

  store::Database db = open_db();
  const auto report = ingest(db, file);
  ASSERT_TRUE(report) << report.error().to_string();
  source.done(file, report);
  EXPECT_FALSE(fs::exists(file.path));
  EXPECT_TRUE(fs::exists(source.state_file()));

  server.clear_requests();
  const PollResult second = poll(source);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_TRUE(second->empty());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  const std::string etag = source.validators().etag;
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(seen[0].header("If-None-Match"), etag);
  EXPECT_EQ(seen[0].header("If-Modified-Since"), "Mon, 04 Jan 2021 08:00:00 GMT");
  EXPECT_EQ(source.stats().not_modified, 1u);
  EXPECT_EQ(source.stats().downloads, 1u);

  // A restart: a new source on the same state directory remembers the validators.
  server.clear_requests();
  auto restarted = make(config_for(server.url()));
  const PollResult third = poll(restarted);
  ASSERT_TRUE(third) << third.error().to_string();
  EXPECT_TRUE(third->empty());
  seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("If-None-Match"), etag);
  EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
}

TEST_F(HttpSourceTest, state_file_is_json_and_keeps_escaped_and_non_utf8_validators) {
  const std::string url = "http://127.0.0.1:1/export.csv";
  const auto write_state = [&](const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
  };
  const fs::path state = make(config_for(url)).state_file();
  // A quote, a backslash, a \u escape and a raw obs-text byte (0xFF) all come back as they were.
  write_state(state,
              "{\"url\": \"" + net::redact_url(url) +
                  "\", \"etag\": \"W/\\\"a\\\\b\\u00e9\xff\\\"\", \"last_modified\": \"x\"}\n");
  auto source = make(config_for(url));
  EXPECT_EQ(source.validators().etag, "W/\"a\\b\xc3\xa9\xff\"");
  EXPECT_EQ(source.validators().last_modified, "x");
  // Anything but an object of strings is no state at all.
  write_state(state, "{\"url\": \"" + net::redact_url(url) + "\", \"etag\": 7}");
  EXPECT_EQ(make(config_for(url)).validators().etag, "");
  write_state(state, "[\"" + net::redact_url(url) + "\"]");
  EXPECT_EQ(make(config_for(url)).validators().etag, "");
}

TEST_F(HttpSourceTest, validators_are_remembered_only_after_a_successful_ingest) {
  test::ExportServer server(serving(fixture_));
  auto source = make(config_for(server.url()));
  const ExportFile file = poll_one(source);
  source.done(file, fail(Errc::invalid_input, "required column 金额 is missing"));
  EXPECT_FALSE(fs::exists(file.path));
  EXPECT_FALSE(fs::exists(source.state_file()));

  server.clear_requests();
  const ExportFile again = poll_one(source);  // downloaded again: nothing was remembered
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].header("If-None-Match"));
  EXPECT_NE(again.path, file.path);
  source.done(again, fail(Errc::io, "cannot read file"));
}

TEST_F(HttpSourceTest, server_errors_are_retried_and_the_export_is_ingested_once) {
  test::ExportServer server(serving(fixture_));
  server.control({{"fail", "2"}});
  auto source = make(config_for(server.url()));
  const ExportFile file = poll_one(source);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(source.stats().attempts, 3u);
  EXPECT_EQ(source.stats().retries, 2u);
  EXPECT_EQ(source.stats().failures, 0u);

  store::Database db = open_db();
  const auto report = ingest(db, file);
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_FALSE(report->duplicate_file);
  EXPECT_GT(report->accepted, 2000);
  EXPECT_EQ(report->accepted + report->rejected, report->rows_total);
  EXPECT_EQ(payment_rows(db), report->accepted);
  source.done(file, report);

  // The server re-exports the same bytes under a new ETag: downloaded again, recognised as a
  // duplicate.
  server.control({{"etag", "\"v2\""}});
  const ExportFile again = poll_one(source);
  const auto second = ingest(db, again);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_TRUE(second->duplicate_file);
  EXPECT_EQ(payment_rows(db), report->accepted);
  source.done(again, second);
  EXPECT_EQ(source.validators().etag, "\"v2\"");

  const PollResult third = poll(source);
  ASSERT_TRUE(third) << third.error().to_string();
  EXPECT_TRUE(third->empty());
}

TEST_F(HttpSourceTest, retries_give_up_with_the_last_reason) {
  test::ExportServer server(serving(fixture_));
  server.control({{"fail", "10"}});
  auto c = config_for(server.url());
  c.retries = 3;
  auto source = make(c);
  const PollResult r = poll(source);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message, "GET " + server.url() + " failed after 4 attempts: HTTP 500");
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(source.stats().failures, 1u);
  EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
}

TEST_F(HttpSourceTest, unauthorized_is_permanent_and_not_retried) {
  const std::string token = "s3cret-bearer-token";
  auto options = serving(fixture_);
  options.bearer = token;
  test::ExportServer server(options);

  auto c = config_for(server.url() + "?access_token=query-secret");
  c.auth.kind = config::HttpAuth::Kind::bearer;
  c.auth.secret.value = "wrong-bearer-token";
  auto source = make(c);
  const PollResult r = poll(source);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_EQ(r.error().message,
            "GET " + server.url() + "?access_token=*** failed after 1 attempt: HTTP 401");
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(source.stats().retries, 0u);

  c.auth.secret.value = token;
  auto authorized = make(c);
  server.clear_requests();
  const ExportFile file = poll_one(authorized);
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "Bearer " + token);
  authorized.done(file, fail(Errc::io, "not ingested"));
}

TEST_F(HttpSourceTest, basic_authentication) {
  auto options = serving(fixture_);
  options.basic = "alice:pa55:word";
  test::ExportServer server(options);
  auto c = config_for(server.url());
  c.auth.kind = config::HttpAuth::Kind::basic;
  c.auth.username = "alice";
  c.auth.secret.value = "pa55:word";
  auto source = make(c);
  const ExportFile file = poll_one(source);
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "Basic YWxpY2U6cGE1NTp3b3Jk");
  source.done(file, fail(Errc::io, "not ingested"));
}

TEST_F(HttpSourceTest, slow_server_fails_after_its_retries_in_bounded_time) {
  test::ExportServer server(serving(fixture_));
  server.control({{"delay", "5"}});
  auto c = config_for(server.url());
  c.read_timeout = 1s;
  c.retries = 1;
  auto source = make(c);
  const auto start = std::chrono::steady_clock::now();
  const PollResult r = poll(source);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message,
            "GET " + server.url() + " failed after 2 attempts: read timed out after 1000 ms");
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 4s);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
}

TEST_F(HttpSourceTest, oversized_export_is_refused_without_leftovers) {
  test::ExportServer server(serving(fixture_));
  auto c = config_for(server.url());
  c.max_bytes = 100000;
  auto source = make(c);
  for (const char* mode : {"normal", "chunked"}) {
    SCOPED_TRACE(mode);
    server.control({{"mode", mode}});
    server.clear_requests();
    const PollResult r = poll(source);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_EQ(r.error().message,
              "GET " + server.url() + " failed after 1 attempt: response larger than 100000 bytes");
    EXPECT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
  }
}

TEST_F(HttpSourceTest, truncated_download_is_retried_and_removed) {
  test::ExportServer server(serving(fixture_));
  server.control({{"mode", "truncate"}});
  auto c = config_for(server.url());
  c.retries = 2;
  auto source = make(c);
  const PollResult r = poll(source);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message,
            "GET " + server.url() + " failed after 3 attempts: response truncated");
  EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
}

TEST_F(HttpSourceTest, refused_connection_is_unavailable) {
  const test::ClosedPort closed;
  const std::string url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/export.csv";
  auto c = config_for(url);
  c.retries = 2;
  auto source = make(c);
  const PollResult r = poll(source);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message, "GET " + url + " failed after 3 attempts: connection refused");
  EXPECT_EQ(source.stats().attempts, 3u);
}

TEST_F(HttpSourceTest, done_deletes_only_its_own_downloads) {
  test::ExportServer server(serving(fixture_));
  auto source = make(config_for(server.url()));
  const ExportFile file = poll_one(source);
  ASSERT_TRUE(fs::exists(file.path));

  const fs::path stranger = dir_ / "stranger.csv";
  test::write_file(stranger, "x");
  ExportFile other = file;
  other.path = stranger;
  source.done(other, fail(Errc::io, "?"));
  EXPECT_TRUE(fs::exists(stranger));

  source.done(file, fail(Errc::io, "not ingested"));
  EXPECT_FALSE(fs::exists(file.path));
}

TEST_F(HttpSourceTest, leftover_downloads_of_an_earlier_process_are_removed_at_start) {
  const fs::path downloads = state_dir_ / "downloads";
  fs::create_directories(downloads);
  for (const char* name : {"treasury-0badf00d-7.csv", "treasury-x-0badf00d-1.csv",
                           "other-0badf00d-1.csv", "treasury-7.csv"}) {
    test::write_file(downloads / name, "partial");
  }
  auto source = make(config_for("http://127.0.0.1:1/export.csv"));
  EXPECT_FALSE(fs::exists(downloads / "treasury-0badf00d-7.csv"));
  EXPECT_TRUE(fs::exists(downloads / "treasury-x-0badf00d-1.csv"));  // source "treasury-x"
  EXPECT_TRUE(fs::exists(downloads / "other-0badf00d-1.csv"));
  EXPECT_TRUE(fs::exists(downloads / "treasury-7.csv"));  // not a download name
}

TEST_F(HttpSourceTest, a_reloaded_source_keeps_its_predecessors_download) {
  test::ExportServer server(serving(fixture_));
  auto before = make(config_for(server.url()));
  const ExportFile file = poll_one(before);
  auto after = make(config_for(server.url()));  // SIGHUP rebuilds sources while `file` is ingested
  EXPECT_TRUE(fs::exists(file.path));
  const ExportFile next = poll_one(after);
  EXPECT_NE(next.path, file.path);
  before.done(file, fail(Errc::io, "not ingested"));
  after.done(next, fail(Errc::io, "not ingested"));
  EXPECT_EQ(files_in(state_dir_ / "downloads"), 0u);
}

TEST_F(HttpSourceTest, https_export_with_the_test_ca) {
  const auto certs = test::make_test_certificates(dir_.path());
  auto options = serving(fixture_);
  options.tls_cert = certs.server_cert;
  options.tls_key = certs.server_key;
  test::ExportServer server(options);
  auto c = config_for(server.url());
  c.ca_file = certs.ca_cert;
  auto source = make(c);
  const ExportFile file = poll_one(source);
  EXPECT_EQ(test::read_file(file.path), test::read_file(fixture_));
  source.done(file, fail(Errc::io, "not ingested"));

  c.ca_file.clear();  // system CAs do not know the test CA: permanent
  auto untrusting = make(c);
  const PollResult r = poll(untrusting);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_EQ(r.error().message,
            "GET " + server.url() +
                " failed after 1 attempt: TLS: certificate verify failed (unable to get local "
                "issuer certificate)");
}

TEST_F(HttpSourceTest, unusable_configuration_is_refused_at_construction) {
  auto c = config_for("ftp://127.0.0.1/export.csv");
  EXPECT_THROW(make(c), std::invalid_argument);
  c = config_for("http://127.0.0.1:1/export.csv");
  c.file_kind = "invoices";
  EXPECT_THROW(make(c), std::invalid_argument);
}

TEST(HttpExportDisplayNameTest, last_segment_reduced_to_safe_characters) {
  EXPECT_EQ(export_display_name("https://127.0.0.1/api/v1/payments_2021.csv?token=x"),
            "payments_2021.csv");
  EXPECT_EQ(
      export_display_name("https://127.0.0.1/exports/%E6%94%AF%E4%BB%98%20%E6%98%8E%E7%BB%86.csv"),
      "_.csv");
  EXPECT_EQ(export_display_name("https://127.0.0.1/a/..%2F..%2Fetc%2Fpasswd"), ".._.._etc_passwd");
  EXPECT_EQ(export_display_name("https://127.0.0.1/"), "export.csv");
  EXPECT_EQ(export_display_name("https://127.0.0.1"), "export.csv");
  EXPECT_EQ(export_display_name("https://127.0.0.1/a/.."), "export.csv");
}

}  // namespace
}  // namespace bw::collect
