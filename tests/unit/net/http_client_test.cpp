// net/http_client against tests/support/export_server.py on 127.0.0.1: statuses passed through,
// bodies to memory and to file, every failure class with its exact reason, HTTPS with a throwaway
// CA.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "tests/support/export_server.h"
#include "tests/support/receiver.h"
#include "tests/support/test_support.h"

namespace bw::net {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Outcome = tl::expected<HttpResponse, HttpError>;

Outcome get(const HttpRequest& r) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, http_get(ioc.get_executor(), r), asio::use_future);
  ioc.run();
  return f.get();
}

std::chrono::milliseconds timed_get(const HttpRequest& r, Outcome& out) {
  const auto start = std::chrono::steady_clock::now();
  out = get(r);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

test::ExportServerOptions serving(const fs::path& file, const fs::path& cert = {},
                                  const fs::path& key = {}) {
  test::ExportServerOptions o;
  o.file = file;
  o.tls_cert = cert;
  o.tls_key = key;
  return o;
}

std::string describe(const Outcome& o) {
  return o ? "HTTP " + std::to_string(o->status)
           : (o.error().retryable ? "retryable: " : "permanent: ") + o.error().reason;
}

class HttpClientTest : public ::testing::Test {
 protected:
  fs::path fixture_ = test::data_path("liwan2021/payments.csv");
  std::string content_ = test::read_file(fixture_);
  test::TempDir dir_;
  test::ExportServer server_{serving(fixture_)};

  HttpRequest request(std::string url = {}) {
    HttpRequest r;
    r.url = url.empty() ? server_.url() : std::move(url);
    r.connect_timeout = 5000ms;
    r.read_timeout = 5000ms;
    return r;
  }
};

TEST_F(HttpClientTest, ok_body_to_memory_with_headers) {
  const Outcome o = get(request());
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 200);
  EXPECT_EQ(o->body, content_);
  EXPECT_EQ(o->body_bytes, content_.size());
  EXPECT_TRUE(o->header("etag").has_value());
  EXPECT_EQ(o->header("LAST-MODIFIED"), "Mon, 04 Jan 2021 08:00:00 GMT");
  EXPECT_EQ(o->header("x-missing"), std::nullopt);

  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/export.csv");
  EXPECT_EQ(seen[0].header("Host"), "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(seen[0].header("User-Agent"), std::string(user_agent));
}

TEST_F(HttpClientTest, ok_body_streamed_to_file) {
  HttpRequest r = request();
  r.body_to_file = dir_ / "download.csv";
  const Outcome o = get(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 200);
  EXPECT_TRUE(o->body.empty());
  EXPECT_EQ(o->body_bytes, content_.size());
  EXPECT_EQ(test::read_file(r.body_to_file), content_);
}

TEST_F(HttpClientTest, chunked_and_close_delimited_bodies_are_read_whole) {
  for (const char* mode : {"chunked", "close"}) {
    SCOPED_TRACE(mode);
    server_.control({{"mode", mode}});
    HttpRequest r = request();
    r.body_to_file = dir_ / (std::string(mode) + ".csv");
    const Outcome o = get(r);
    ASSERT_TRUE(o) << describe(o);
    EXPECT_EQ(o->body_bytes, content_.size());
    EXPECT_EQ(test::read_file(r.body_to_file), content_);
  }
}

TEST_F(HttpClientTest, body_ends_at_its_content_length) {
  server_.control({{"mode", "longer"}});
  const Outcome o = get(request());
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->body, content_.substr(0, content_.size() / 2));
}

TEST_F(HttpClientTest, request_headers_are_sent) {
  HttpRequest r = request();
  r.headers = {{"Authorization", "Bearer t0ken-abc"},
               {"If-Modified-Since", "Sun, 03 Jan 2021 08:00:00 GMT"}};
  ASSERT_TRUE(get(r));
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("authorization"), "Bearer t0ken-abc");
  EXPECT_EQ(seen[0].header("if-modified-since"), "Sun, 03 Jan 2021 08:00:00 GMT");
}

TEST_F(HttpClientTest, not_modified_is_passed_through_and_writes_no_file) {
  const Outcome first = get(request());
  ASSERT_TRUE(first) << describe(first);
  HttpRequest r = request();
  r.headers = {{"If-None-Match", *first->header("ETag")}};
  r.body_to_file = dir_ / "download.csv";
  const Outcome o = get(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 304);
  EXPECT_EQ(o->body_bytes, 0u);
  EXPECT_FALSE(fs::exists(r.body_to_file));
}

TEST_F(HttpClientTest, error_statuses_are_responses_with_their_body_in_memory) {
  HttpRequest r = request(server_.base_url() + "/missing.csv");
  r.body_to_file = dir_ / "download.csv";
  const Outcome o = get(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 404);
  EXPECT_EQ(o->body, "not found\n");
  EXPECT_FALSE(fs::exists(r.body_to_file));

  server_.control({{"fail", "1"}, {"fail_status", "503"}});
  const Outcome failing = get(request());
  ASSERT_TRUE(failing) << describe(failing);
  EXPECT_EQ(failing->status, 503);
}

TEST_F(HttpClientTest, connection_refused_is_retryable) {
  const test::ClosedPort closed;
  const Outcome o =
      get(request("http://127.0.0.1:" + std::to_string(closed.port()) + "/export.csv"));
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "connection refused");
}

TEST_F(HttpClientTest, slow_server_times_out_within_the_read_timeout) {
  server_.control({{"delay", "5"}});
  HttpRequest r = request();
  r.read_timeout = 300ms;
  Outcome o;
  const auto took = timed_get(r, o);
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "read timed out after 300 ms");
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2000ms);
}

TEST_F(HttpClientTest, stalled_body_times_out_and_leaves_no_file) {
  server_.control({{"mode", "stall"}, {"delay", "5"}});
  HttpRequest r = request();
  r.read_timeout = 500ms;
  r.body_to_file = dir_ / "download.csv";
  Outcome o;
  const auto took = timed_get(r, o);
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "read timed out after 500 ms");
  EXPECT_LT(took, 2500ms);
  EXPECT_FALSE(fs::exists(r.body_to_file));
}

TEST_F(HttpClientTest, oversized_body_is_permanent_and_leaves_no_file) {
  for (const char* mode :
       {"normal", "chunked"}) {  // announced by Content-Length; counted while reading
    SCOPED_TRACE(mode);
    server_.control({{"mode", mode}});
    HttpRequest r = request();
    r.max_body_bytes = 100000;
    r.body_to_file = dir_ / "download.csv";
    const Outcome o = get(r);
    ASSERT_FALSE(o);
    EXPECT_FALSE(o.error().retryable);
    EXPECT_EQ(o.error().reason, "response larger than 100000 bytes");
    EXPECT_FALSE(fs::exists(r.body_to_file));
  }
}

TEST_F(HttpClientTest, body_shorter_than_content_length_is_truncated_and_retryable) {
  server_.control({{"mode", "truncate"}});
  HttpRequest r = request();
  r.body_to_file = dir_ / "download.csv";
  const Outcome o = get(r);
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "response truncated");
  EXPECT_FALSE(fs::exists(r.body_to_file));
}

TEST_F(HttpClientTest, header_with_line_break_is_refused_before_connecting) {
  HttpRequest r = request();
  r.headers = {{"Authorization", "Bearer x\r\nX-Injected: 1"}};
  const Outcome o = get(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason.find("X-Injected"), std::string::npos);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(HttpClientTest, reasons_never_contain_secrets_from_the_url) {
  const test::ClosedPort closed;
  const std::string secret = "S3CRET-T0KEN-VALUE";
  server_.control({{"delay", "5"}});
  const std::vector<std::string> urls = {
      "ftp://127.0.0.1/export.csv?access_token=" + secret,
      "http://user:" + secret + "@127.0.0.1:" + std::to_string(closed.port()) +
          "/x?token=" + secret,
      "http://127.0.0.1:99999/x?sign=" + secret,
      "http://[bad/x?key=" + secret,
      server_.url() + "?access_token=" + secret,  // times out
  };
  for (const auto& url : urls) {
    HttpRequest r = request(url);
    r.read_timeout = 200ms;
    r.headers = {{"Authorization", "Bearer " + secret}};
    const Outcome o = get(r);
    ASSERT_FALSE(o) << url;
    EXPECT_EQ(o.error().reason.find(secret), std::string::npos) << o.error().reason;
  }
  EXPECT_EQ(get(request("http://127.0.0.1:99999/x?sign=" + secret)).error().reason,
            "invalid port in URL http://127.0.0.1:99999/x?sign=***");
  EXPECT_EQ(get(request("ftp://127.0.0.1/export.csv?access_token=" + secret)).error().reason,
            "unsupported URL scheme in ftp://127.0.0.1/export.csv?access_token=*** (expected http "
            "or https)");
}

TEST(HttpClientStatusTest, retryable_statuses) {
  for (int s : {500, 502, 503, 504, 599, 429, 408}) EXPECT_TRUE(retryable_status(s)) << s;
  for (int s : {200, 304, 400, 401, 403, 404, 410, 499, 600})
    EXPECT_FALSE(retryable_status(s)) << s;
}

Outcome request_once(const HttpRequest& r) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, http_request(ioc.get_executor(), r), asio::use_future);
  ioc.run();
  return f.get();
}

class HttpRequestTest : public ::testing::Test {
 protected:
  test::Receiver receiver_;

  HttpRequest post(const std::string& path, std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.url = receiver_.base_url() + path;
    r.body = std::move(body);
    r.headers = {{"Content-Type", "application/json"}};
    r.connect_timeout = 5000ms;
    r.read_timeout = 5000ms;
    return r;
  }
};

TEST_F(HttpRequestTest, post_sends_method_body_length_and_content_type) {
  const std::string body = R"({"msg":"预算执行率 91.38%","n":1})";
  const Outcome o = request_once(post("/hook?x=1", body));
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 200);
  EXPECT_EQ(o->body, R"({"status": "ok"})");
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/hook");
  EXPECT_EQ(seen[0].query, "x=1");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].header("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_EQ(seen[0].header("User-Agent"), std::string(user_agent));
}

TEST_F(HttpRequestTest, empty_post_sends_a_zero_length_and_other_methods_pass_through) {
  ASSERT_TRUE(request_once(post("/hook", "")));
  HttpRequest put = post("/hook", "x");
  put.method = "PUT";
  ASSERT_TRUE(request_once(put));
  HttpRequest del = post("/hook", "");
  del.method = "DELETE";
  ASSERT_TRUE(request_once(del));
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].header("Content-Length"), "0");
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].body, "x");
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[2].header("Content-Length"), std::nullopt);
}

TEST_F(HttpRequestTest, the_framing_is_the_clients_whatever_the_headers_say) {
  HttpRequest r = post("/hook", "abc");
  r.headers.emplace_back("Content-Length", "999");
  r.headers.emplace_back("Transfer-Encoding", "chunked");
  const Outcome o = request_once(r);
  ASSERT_TRUE(o) << describe(o);
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("Content-Length"), "3");
  EXPECT_EQ(seen[0].header("Transfer-Encoding"), std::nullopt);
  EXPECT_EQ(seen[0].body, "abc");
}

TEST_F(HttpRequestTest, head_reads_no_body) {
  HttpRequest r = post("/hook", "");
  r.method = "HEAD";
  const Outcome o = request_once(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 200);
  EXPECT_TRUE(o->body.empty());
}

TEST_F(HttpRequestTest, http_get_ignores_method_and_body) {
  HttpRequest r = post("/hook", "ignored");
  const Outcome o = get(r);
  ASSERT_TRUE(o) << describe(o);
  const auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].body, "");
}

TEST_F(HttpRequestTest, error_statuses_come_back_with_their_headers) {
  const Outcome o = request_once(post("/status/429?retry_after=7", "{}"));
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 429);
  EXPECT_EQ(o->header("retry-after"), "7");
}

TEST_F(HttpRequestTest, malformed_method_is_refused_before_connecting) {
  for (const char* method : {"", "PO ST", "GET\r\nX: 1"}) {
    HttpRequest r = post("/hook", "");
    r.method = method;
    const Outcome o = request_once(r);
    ASSERT_FALSE(o) << method;
    EXPECT_FALSE(o.error().retryable);
    EXPECT_EQ(o.error().reason, "invalid request method");
  }
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(HttpRequestTest, slow_receiver_times_out_while_posting) {
  HttpRequest r = post("/delay/3000", "{}");
  r.read_timeout = 300ms;
  const Outcome o = request_once(r);
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "read timed out after 300 ms");
}

TEST(RetryAfterTest, delay_seconds_and_the_three_http_date_formats) {
  using std::chrono::seconds;
  // 1994-11-06T08:49:37Z
  const auto date = std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + 8h + 49min + 37s;
  EXPECT_EQ(parse_retry_after("120", date), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", date), seconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", date), seconds(60));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", date), seconds(10));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:38 1994", date), seconds(1));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", date), seconds(0));  // past
  // Sub-second remainders round up, so a caller never comes back early.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:38 GMT", date + 500ms), seconds(1));
  EXPECT_EQ(parse_retry_after("99999999999999999999999", date), std::chrono::hours(24 * 3653));
  for (const char* bad : {"", "-5", "1.5", "soon", "Sun, 31 Feb 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Funday, 06-Nov-94 08:49:37 GMT"}) {
    EXPECT_EQ(parse_retry_after(bad, date), std::nullopt) << bad;
  }
}

class HttpsClientTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  test::TestCertificates certs_ = test::make_test_certificates(dir_.path());
  fs::path fixture_ = test::data_path("liwan2021/payments.csv");
  test::ExportServer server_{serving(fixture_, certs_.server_cert, certs_.server_key)};

  HttpRequest request(std::string url = {}) {
    HttpRequest r;
    r.url = url.empty() ? server_.url() : std::move(url);
    r.connect_timeout = 5000ms;
    r.read_timeout = 5000ms;
    r.ca_file = certs_.ca_cert;
    return r;
  }
};

TEST_F(HttpsClientTest, verified_download_with_the_test_ca) {
  HttpRequest r = request();
  r.body_to_file = dir_ / "download.csv";
  const Outcome o = get(r);
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->status, 200);
  EXPECT_EQ(test::read_file(r.body_to_file), test::read_file(fixture_));
}

TEST_F(HttpsClientTest, unknown_ca_is_a_permanent_tls_error) {
  HttpRequest r = request();
  r.ca_file.clear();  // system CAs only
  const Outcome o = get(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason,
            "TLS: certificate verify failed (unable to get local issuer certificate)");
}

TEST_F(HttpsClientTest, host_name_is_verified) {
  // The certificate names 127.0.0.1 only; "localhost" reaches the same loopback server.
  const Outcome o =
      get(request("https://localhost:" + std::to_string(server_.port()) + "/export.csv"));
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "TLS: certificate verify failed (hostname mismatch)");
}

TEST_F(HttpsClientTest, self_signed_certificate_is_refused) {
  test::ExportServer self_signed(serving(fixture_, certs_.ca_cert, certs_.ca_key));
  HttpRequest r = request(self_signed.url());
  r.ca_file.clear();
  const Outcome o = get(r);
  ASSERT_FALSE(o);
  EXPECT_FALSE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "TLS: certificate verify failed (self-signed certificate)");
}

TEST_F(HttpsClientTest, truncated_tls_body_is_retryable) {
  server_.control({{"mode", "truncate"}});
  const Outcome o = get(request());
  ASSERT_FALSE(o);
  EXPECT_TRUE(o.error().retryable);
  EXPECT_EQ(o.error().reason, "response truncated");
}

TEST_F(HttpsClientTest, works_on_a_multithreaded_executor) {
  asio::thread_pool pool(2);
  const HttpRequest r = request();
  auto f = asio::co_spawn(pool, http_get(pool.get_executor(), r), asio::use_future);
  const Outcome o = f.get();
  pool.join();
  ASSERT_TRUE(o) << describe(o);
  EXPECT_EQ(o->body_bytes, test::read_file(fixture_).size());
}

}  // namespace
}  // namespace bw::net
