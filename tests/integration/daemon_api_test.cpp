// The daemon in-process on a free port with the Liwan 2021 data: the JSON API, uploads with tokens,
// and the server's limits (body, headers, slow clients), over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "config/load.h"
#include "daemon/app.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class DaemonApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string data = test::data_path("liwan2021").string();
    const std::string yaml = "database: " + (dir_->path() / "bw.db").string() +
                             "\n"
                             "server:\n"
                             "  listen: 127.0.0.1:0\n"
                             "  read_timeout: 2s\n"
                             "  idle_timeout: 2s\n"
                             "  max_body_bytes: 2MiB\n"
                             "  max_header_bytes: 8KiB\n"
                             "evaluation:\n"
                             "  as_of: 2021-12-31\n"
                             "sources:\n"
                             "  - name: liwan2021\n"
                             "    kind: files\n"
                             "    files: [" +
                             data + "/budget.csv, " + data +
                             "/adjustments.csv]\n"
                             "  - name: uploads\n"
                             "    kind: upload\n"
                             "tokens:\n"
                             "  - name: uploader\n"
                             "    token: upload-secret-0123456789\n"
                             "    scopes: [upload]\n"
                             "  - name: reader\n"
                             "    token: other-secret-0123456789\n"
                             "    scopes: [write]\n"
                             "logging:\n"
                             "  level: warn\n";
    // Spool files of another daemon on the same state directory (in flight) and of a crash (two
    // days old).
    std::filesystem::create_directories(dir_->path() / "uploads");
    std::ofstream(dir_->path() / "uploads/upload-1.part") << "another daemon's upload";
    std::ofstream(dir_->path() / "uploads/upload-7-0123456789abcdef.part") << "a crash's";
    std::filesystem::last_write_time(dir_->path() / "uploads/upload-7-0123456789abcdef.part",
                                     std::filesystem::file_time_type::clock::now() - 48h);
    auto c = config::load_config_text(yaml, "test.yaml", dir_->path());
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    daemon::AppOptions o;
    o.handle_signals = false;
    auto app = daemon::App::create(std::move(*c), o);
    ASSERT_TRUE(app.has_value()) << app.error().to_string();
    app_ = app->release();
    port_ = app_->port();
    thread_ = new std::thread([] { app_->run(); });
    // The register and adjustments come from the files source; payments are uploaded by the test
    // below.
    wait_until([] { return get("/readyz").status == 200; });
  }
  static void TearDownTestSuite() {
    if (app_ != nullptr) app_->stop();
    if (thread_ != nullptr) thread_->join();
    delete thread_;
    delete app_;
    delete dir_;
  }
  static test::FetchResult get(const std::string& target) {
    return test::fetch(port_, "GET", target);
  }
  static json::value get_json(const std::string& target) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body << r.error;
    return r.status == 200 ? json::parse(r.body) : json::value();
  }
  static test::FetchResult upload(const std::string& name, const std::string& body,
                                  const std::string& token) {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "text/csv"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return test::fetch(port_, "POST", "/api/v1/uploads?name=" + name, h, body);
  }
  template <class F>
  static void wait_until(F f, std::chrono::seconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!f()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "condition not met in time";
      std::this_thread::sleep_for(50ms);
    }
  }
  static void ensure_payments_uploaded() {
    static bool done = false;
    if (done) return;
    const auto r =
        upload("payments.csv", test::read_file(test::data_path("liwan2021/payments.csv")),
               "upload-secret-0123456789");
    ASSERT_EQ(r.status, 201) << r.body;
    wait_until([] {
      const auto s = get("/api/v1/summary");
      return s.status == 200 &&
             json::parse(s.body).at("department").at("paid_fen").as_int64() == 10888890000;
    });
    done = true;
  }

  static test::TempDir* dir_;
  static daemon::App* app_;
  static std::thread* thread_;
  static std::uint16_t port_;
};
test::TempDir* DaemonApiTest::dir_ = nullptr;
daemon::App* DaemonApiTest::app_ = nullptr;
std::thread* DaemonApiTest::thread_ = nullptr;
std::uint16_t DaemonApiTest::port_ = 0;

TEST_F(DaemonApiTest, uploads_need_a_token_with_the_upload_scope) {
  const std::string body =
      "支付凭证号,支付日期,预算单位编码,项目编码,金额\nX1,2021-01-01,101001,LW2021-P01,1.00\n";
  auto r = upload("x.csv", body, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(json::parse(r.body).at("error").as_string(),
            "a valid token with scope 'upload' is required");
  EXPECT_EQ(upload("x.csv", body, "upload-secret-012345678").status, 401);  // a prefix of the token
  r = upload("x.csv", body,
             "other-secret-0123456789");  // valid, wrong scope: forbidden, not unauthenticated
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("WWW-Authenticate"), "");
  EXPECT_EQ(json::parse(r.body).at("error").as_string(),
            "a token with scope 'upload' is required; this token ('reader') has scope 'write'");
  EXPECT_EQ(upload("../etc/passwd", body, "upload-secret-0123456789").status, 400);
}

TEST_F(DaemonApiTest, uploads_are_spooled_to_their_own_files_and_removed) {
  ensure_payments_uploaded();
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir_->path() / "uploads")) {
    left.push_back(e.path().filename().string());
  }
  // Another process's upload in flight is neither overwritten nor removed; a crash's old one is;
  // ours is gone.
  EXPECT_EQ(left, std::vector<std::string>{"upload-1.part"});
  EXPECT_EQ(test::read_file(dir_->path() / "uploads/upload-1.part"), "another daemon's upload");
}

TEST_F(DaemonApiTest, an_uploaded_export_is_ingested_and_evaluated) {
  ensure_payments_uploaded();
  const auto s = get_json("/api/v1/summary");
  EXPECT_EQ(s.at("as_of").as_string(), "2021-12-31");
  EXPECT_EQ(s.at("department").at("execution_rate_pct").as_string(), "91.38");
  EXPECT_EQ(s.at("project_total").at("execution_rate_pct").as_string(), "88.48");
  EXPECT_EQ(s.at("bands").at("zero").as_int64(), 4);
  EXPECT_EQ(s.at("scores").at("budget_completion").as_string(), "4.55");
  // The same bytes again: a duplicate, nothing counted twice.
  const auto again =
      upload("payments.csv", test::read_file(test::data_path("liwan2021/payments.csv")),
             "upload-secret-0123456789");
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(json::parse(again.body).at("duplicate_file").as_bool());
  EXPECT_EQ(get_json("/api/v1/summary").at("department").at("paid_fen").as_int64(), 10888890000);
}

TEST_F(DaemonApiTest, projects_filter_sort_and_paginate) {
  ensure_payments_uploaded();
  auto zero = get_json("/api/v1/projects?band=zero");
  EXPECT_EQ(zero.at("total").as_int64(), 4);
  auto basic = get_json("/api/v1/projects?kind=basic");
  EXPECT_EQ(basic.at("total").as_int64(), 2);
  auto page = get_json("/api/v1/projects?per_page=10&page=4");
  EXPECT_EQ(page.at("total").as_int64(), 32);
  EXPECT_EQ(page.at("items").as_array().size(), 2u);
  auto worst = get_json("/api/v1/projects?kind=project&sort=execution&per_page=1");
  EXPECT_EQ(worst.at("items").at(0).at("execution_rate_pct").as_string(), "0.00");
  auto unspent = get_json("/api/v1/projects?sort=unspent&per_page=1");
  EXPECT_EQ(unspent.at("items").at(0).at("code").as_string(), "LW2021-P02");  // 396.10万元 unspent
  EXPECT_EQ(get("/api/v1/projects?band=nonsense").status, 400);
  EXPECT_EQ(get("/api/v1/projects?per_page=100000").status, 400);
  EXPECT_EQ(get("/api/v1/projects?unit=999999").status, 200);
}

TEST_F(DaemonApiTest, one_project_with_its_months) {
  ensure_payments_uploaded();
  auto p = get_json("/api/v1/projects/LW2021-P27");
  EXPECT_EQ(p.at("project").at("execution_rate_pct").as_string(), "29.92");
  const auto& months = p.at("months").as_array();
  ASSERT_EQ(months.size(), 12u);
  EXPECT_EQ(months[5].at("cumulative_paid_fen").as_int64(),
            21544000);  // end of June (expected.json)
  EXPECT_EQ(months[11].at("cumulative_paid_fen").as_int64(), 53860000);
  EXPECT_EQ(months[11].at("execution_rate_pct").as_string(), "29.92");
  EXPECT_EQ(get("/api/v1/projects/NOPE").status, 404);
  EXPECT_EQ(json::parse(get("/api/v1/projects/NOPE").body).at("error").as_string(),
            "no project NOPE");
  EXPECT_EQ(test::fetch(port_, "DELETE", "/api/v1/projects/LW2021-P27").status, 405);
}

TEST_F(DaemonApiTest, ingest_history_with_rejects) {
  ensure_payments_uploaded();
  // One good row: a file of which every row is rejected is refused whole (issue 17).
  const std::string bad =
      "支付凭证号,支付日期,预算单位编码,项目编码,金额\nY0,2021-03-02,101001,LW2021-P01,1.00\n"
      "Y1,2021-02-30,101001,LW2021-P01,1.00\n"
      "Y2,2021-03-01,101001,LW2021-P01,12,3a4.00\n";
  const auto r = upload("bad_rows.csv", bad, "upload-secret-0123456789");
  ASSERT_EQ(r.status, 201) << r.body;
  auto h = get_json("/api/v1/ingests?limit=10");
  const auto& latest = h.at("items").at(0);
  EXPECT_EQ(latest.at("name").as_string(), "bad_rows.csv");
  EXPECT_EQ(latest.at("rejected").as_int64(), 2);
  EXPECT_EQ(latest.at("rejects").at(0).at("reason").as_string(),
            "'2021-02-30' is not a date (February 2021 has 28 days)");
  EXPECT_EQ(latest.at("rejects").at(1).at("reason").as_string(), "expected 5 fields, found 6");
  EXPECT_GE(h.at("total").as_int64(), 4);
}

// Issue 17: a rejected row has one JSON shape in the upload answer and in /api/v1/ingests (file,
// line, column, field, reason, reason_id, raw, conflict, text: the reason in English with its
// catalogue id, the text in zh-CN for the official who sent the file); a file of which every row is
// rejected is refused (422) and listed in failed_files, not in the history as ingested.
TEST_F(DaemonApiTest, rejects_have_one_shape_in_the_upload_answer_and_the_history) {
  ensure_payments_uploaded();
  const std::string body =
      "支付凭证号,支付日期,预算单位编码,项目编码,金额\nZ0,2021-03-02,101001,LW2021-P01,2.00\n"
      "Z1,2021-13-05,101001,LW2021-P01,1.00\n";
  const auto r = upload("one_bad_row.csv", body, "upload-secret-0123456789");
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value answer = json::parse(r.body);
  const json::value want = json::parse(
      R"j({"file":"one_bad_row.csv","line":3,"column":2,"field":"支付日期",)j"
      R"j("reason":"'2021-13-05' is not a date (month 13)","raw":"Z1,2021-13-05,101001,LW2021-P01,1.00",)j"
      R"j("reason_id":"reject.date_month","conflict":false,)j"
      R"j("text":"one_bad_row.csv:3:2: 支付日期: “2021-13-05”不是有效日期（没有 13 月）"})j");
  ASSERT_EQ(answer.at("rejects").as_array().size(), 1u);
  EXPECT_EQ(answer.at("rejects").at(0), want);
  const json::value history = get_json("/api/v1/ingests?limit=50");
  bool found = false;
  for (const auto& f : history.at("items").as_array()) {
    if (f.at("name") != "one_bad_row.csv") continue;
    found = true;
    EXPECT_EQ(f.at("rejects").at(0), want);
  }
  EXPECT_TRUE(found);
  // ?lang=en: the same reject with its text in English (the config's language otherwise); a bad
  // lang is a 400.
  bool found_en = false;
  const json::value history_en = get_json("/api/v1/ingests?limit=50&lang=en");
  for (const auto& f : history_en.at("items").as_array()) {
    if (f.at("name") != "one_bad_row.csv") continue;
    found_en = true;
    json::value en = want;
    en.as_object()["text"] = "one_bad_row.csv:3:2: 支付日期: '2021-13-05' is not a date (month 13)";
    EXPECT_EQ(f.at("rejects").at(0), en);
  }
  EXPECT_TRUE(found_en);
  EXPECT_EQ(get("/api/v1/ingests?lang=fr").status, 400);

  const auto refused = upload(
      "all_bad.csv",
      "支付凭证号,支付日期,预算单位编码,项目编码,金额\nZ2,2021-13-05,101001,LW2021-P01,1.00\n",
      "upload-secret-0123456789");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(json::parse(refused.body)
                .at("error")
                .as_string()
                .find("all 1 row rejected: nothing of the file was stored"),
            std::string::npos)
      << refused.body;
  const json::value after = get_json("/api/v1/ingests?limit=50");
  for (const auto& f : after.at("items").as_array()) EXPECT_NE(f.at("name"), "all_bad.csv");
  bool listed = false;
  for (const auto& f : after.at("failed_files").as_array())
    listed = listed || f.at("name") == "all_bad.csv";
  EXPECT_TRUE(listed);
}

// Issue 17: every number of the JSON API is an integer (fen, counts) and every rate a string with
// fixed decimals; nothing in exponent form (a pace of 9.138E-1).
void expect_no_double(const json::value& v, const std::string& where) {
  switch (v.kind()) {
    case json::kind::double_:
      ADD_FAILURE() << where << " is a floating-point number: " << json::serialize(v);
      break;
    case json::kind::array:
      for (std::size_t i = 0; i < v.as_array().size(); ++i)
        expect_no_double(v.as_array()[i], where + "[" + std::to_string(i) + "]");
      break;
    case json::kind::object:
      for (const auto& [k, x] : v.as_object()) expect_no_double(x, where + "." + std::string(k));
      break;
    default:
      break;
  }
}

TEST_F(DaemonApiTest, json_numbers_are_integers_and_rates_fixed_decimal_strings) {
  ensure_payments_uploaded();
  for (const std::string target : {"/api/v1/summary", "/api/v1/units", "/api/v1/units/101001",
                                   "/api/v1/projects?per_page=1000", "/api/v1/projects/LW2021-P27",
                                   "/api/v1/reports/execution", "/api/v1/reports/monthly",
                                   "/api/v1/reports/midyear", "/api/v1/reports/yearend"}) {
    const auto r = get(target);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body.find("E-"), std::string::npos) << target;
    expect_no_double(json::parse(r.body), target);
  }
  const json::value p = get_json("/api/v1/projects/LW2021-P27");
  EXPECT_EQ(p.at("project").at("pace").as_string(), "0.2992");  // 29.92% of 100% expected
}

// Issue 17: a CSV report starts with a UTF-8 BOM (Excel); ?bom=0 leaves it out.
TEST_F(DaemonApiTest, csv_reports_carry_a_bom_unless_bom_0) {
  ensure_payments_uploaded();
  const auto with = get("/api/v1/reports/yearend?format=csv");
  const auto without = get("/api/v1/reports/yearend?format=csv&bom=0");
  ASSERT_EQ(with.status, 200);
  ASSERT_EQ(without.status, 200);
  EXPECT_EQ(with.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(with.body, "\xEF\xBB\xBF" + without.body);
  EXPECT_EQ(without.body.substr(0, 6), "序号");
  EXPECT_EQ(get("/api/v1/reports/yearend?format=csv&bom=yes").status, 400);
  EXPECT_NE(get("/api/v1/reports/yearend?format=md").body.substr(0, 3),
            "\xEF\xBB\xBF");  // only CSV
}

TEST_F(DaemonApiTest, metrics_pass_promtool) {
  ensure_payments_uploaded();
  const auto m = get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("budgetwatch_department_execution_ratio{department=\"\"} 0.9138"),
            std::string::npos);
  EXPECT_NE(m.body.find("budgetwatch_build_info{version="), std::string::npos);
  test::TempDir t;
  test::write_file(t / "metrics.txt", m.body);
  const auto r = test::run_command(
      {"/bin/sh", "-c", "promtool check metrics < " + (t / "metrics.txt").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Compressed on request (as Prometheus asks): gzip members that decompress to the same snapshot
  // text.
  const auto z = test::fetch(port_, "GET", "/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(z.status, 200);
  EXPECT_EQ(z.header("Content-Encoding"), "gzip");
  EXPECT_LT(z.body.size(), m.body.size() / 4);
  test::write_file(t / "metrics.gz", z.body);
  const auto plain = test::run_command(
      {"/usr/bin/python3", "-c",
       "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1],'rb').read()))",
       (t / "metrics.gz").string()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string marker = "# HELP budgetwatch_snapshot_as_of_timestamp_seconds";
  ASSERT_NE(plain.out.find(marker), std::string::npos);
  EXPECT_EQ(plain.out.substr(plain.out.find(marker)), m.body.substr(m.body.find(marker)));
}

TEST_F(DaemonApiTest, limits_bodies_headers_and_slow_clients) {
  // A body over max_body_bytes (2 MiB) is refused before it is read.
  const auto big = upload("big.csv", std::string(3u << 20, 'x'), "upload-secret-0123456789");
  EXPECT_EQ(big.status, 413);
  // A GET with a body.
  EXPECT_EQ(test::fetch(port_, "GET", "/api/v1/summary", {}, "unexpected").status, 413);
  // Headers over 8 KiB.
  const auto huge =
      test::fetch(port_, "GET", "/api/v1/summary", {{"X-Filler", std::string(10000, 'a')}});
  EXPECT_EQ(huge.status, 431);
  // A slow client (slowloris) is cut off by the read timeout (2 s).
  const auto slow = test::raw_exchange(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\n", 10s);
  EXPECT_TRUE(slow.closed_by_server);
  EXPECT_LT(slow.elapsed, 5s);
  // Garbage is a 400, and the server goes on.
  const auto junk = test::raw_exchange(port_, "\x16\x03\x01 not http\r\n\r\n", 5s);
  EXPECT_NE(junk.received.find("400"), std::string::npos);
  EXPECT_EQ(get("/healthz").status, 200);
}

}  // namespace
}  // namespace bw
