// The server's connection slots (issue 12): with every slot (server.max_connections) held by idle
// keep-alive clients, a health check and a scrape still get in at once, because the connection idle
// the longest is closed to make room; a request in progress is never cut; with every slot busy
// mid-request a few reserve slots still serve /healthz and /metrics; the shedding is counted in
// /metrics.
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/load.h"
#include "daemon/app.h"
#include "daemon/web/server.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr int max_connections = 4;

// A raw client connection with bounded waits (its own io_context).
class Client {
 public:
  explicit Client(std::uint16_t port) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  /// The status of the next response, 0 when the connection closed or nothing came within `limit`.
  int read_status(std::chrono::milliseconds limit = 2s) {
    http::response<http::string_body> res;
    beast::error_code ec = asio::error::would_block;
    http::async_read(socket_, buffer_, res, [&](beast::error_code e, std::size_t) { ec = e; });
    run(limit);
    return ec ? 0 : res.result_int();
  }
  /// True when the server closes the connection within `limit` (nothing else arriving).
  bool closed_by_server(std::chrono::milliseconds limit = 2s) {
    std::array<char, 256> sink{};
    beast::error_code ec = asio::error::would_block;
    socket_.async_read_some(asio::buffer(sink), [&](beast::error_code e, std::size_t) { ec = e; });
    run(limit);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  void run(std::chrono::milliseconds limit) {
    io_.restart();
    io_.run_for(limit);
    if (!io_.stopped()) {
      beast::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
    }
  }
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
const std::string half_sent = "GET /healthz HTTP/1.1\r\nHost: t\r\n";  // the blank line never comes

class ConnectionSlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string yaml = "database: " + (dir_.path() / "bw.db").string() +
                             "\n"
                             "server:\n"
                             "  listen: 127.0.0.1:0\n"
                             "  read_timeout: 20s\n"
                             "  idle_timeout: 60s\n"
                             "  max_connections: " +
                             std::to_string(max_connections) +
                             "\n"
                             "evaluation:\n"
                             "  as_of: 2021-12-31\n"
                             "logging:\n"
                             "  level: error\n";
    auto c = config::load_config_text(yaml, "test.yaml", dir_.path());
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    daemon::AppOptions o;
    o.handle_signals = false;
    auto app = daemon::App::create(std::move(*c), o);
    ASSERT_TRUE(app.has_value()) << app.error().to_string();
    app_ = std::move(*app);
    port_ = app_->port();
    thread_ = std::thread([this] { app_->run(); });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (test::fetch(port_, "GET", "/readyz").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "daemon not ready";
      std::this_thread::sleep_for(50ms);
    }
  }
  void TearDown() override {
    if (app_) app_->stop();
    if (thread_.joinable()) thread_.join();
  }
  // A GET that must succeed within one second.
  test::FetchResult quick_get(const std::string& target) {
    const auto started = std::chrono::steady_clock::now();
    auto r = test::fetch(port_, "GET", target, {}, {}, 1s);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << target;
    return r;
  }
  // The value of budgetwatch_http_connections_shed_total{reason}, retrying while the reserve frees
  // up.
  double shed_total(const std::string& reason) {
    test::FetchResult r;
    for (int i = 0; i < 40 && r.status != 200; ++i) {
      if (i > 0) std::this_thread::sleep_for(50ms);
      r = test::fetch(port_, "GET", "/metrics", {}, {}, 2s);
    }
    EXPECT_EQ(r.status, 200) << r.error;
    std::smatch m;
    const std::regex re("budgetwatch_http_connections_shed_total\\{reason=\"" + reason +
                        "\"\\} ([0-9.e+]+)");
    if (!std::regex_search(r.body, m, re)) {
      ADD_FAILURE() << "no shed counter for " << reason;
      return -1;
    }
    return std::stod(m[1]);
  }

  test::TempDir dir_;
  std::unique_ptr<daemon::App> app_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(ConnectionSlotsTest, idle_keep_alive_connections_make_room_for_health_checks_and_scrapes) {
  EXPECT_EQ(shed_total("idle"), 0);
  // Every slot taken: one client in the middle of its request, three idle between requests.
  Client busy(port_);
  busy.send(half_sent);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i + 1 < max_connections; ++i) {
    idle.push_back(std::make_unique<Client>(port_));
    idle.back()->send(healthz);
    ASSERT_EQ(idle.back()->read_status(), 200);
  }

  const auto h = quick_get("/healthz");
  EXPECT_EQ(h.status, 200) << h.error;
  EXPECT_TRUE(idle[0]->closed_by_server());  // the one idle the longest made room
  // Every slot taken again, then a scrape.
  idle.push_back(std::make_unique<Client>(port_));
  idle.back()->send(healthz);
  ASSERT_EQ(idle.back()->read_status(), 200);
  const auto m = quick_get("/metrics");
  EXPECT_EQ(m.status, 200) << m.error;
  EXPECT_TRUE(idle[1]->closed_by_server());

  // The request in progress was not cut.
  busy.send("\r\n");
  EXPECT_EQ(busy.read_status(), 200);
  EXPECT_GE(shed_total("idle"), 2);
  EXPECT_EQ(shed_total("refused"), 0);
}

TEST_F(ConnectionSlotsTest, reserve_slots_serve_health_checks_when_every_slot_is_busy) {
  ASSERT_EQ(web::reserve_connections_for(max_connections), 2u);
  std::vector<std::unique_ptr<Client>> busy;
  for (int i = 0; i < max_connections; ++i) {
    busy.push_back(std::make_unique<Client>(port_));
    busy.back()->send(half_sent);
  }
  std::this_thread::sleep_for(200ms);  // the server reads the partial requests: no slot is idle

  const auto h = quick_get("/healthz");
  EXPECT_EQ(h.status, 200) << h.error;
  const auto m = quick_get("/metrics");
  EXPECT_EQ(m.status, 200) << m.error;
  const auto other = quick_get("/api/v1/summary");  // not what the reserve is for
  EXPECT_EQ(other.status, 503) << other.body;
  EXPECT_EQ(other.header("Retry-After"), "1");

  // The reserve held too: a new connection is refused at once.
  Client r1(port_);
  Client r2(port_);
  std::this_thread::sleep_for(200ms);
  Client refused(port_);
  EXPECT_TRUE(refused.closed_by_server(1s));

  // The partial requests complete normally.
  for (auto& b : busy) {
    b->send("\r\n");
    EXPECT_EQ(b->read_status(), 200);
  }
  busy.clear();
  EXPECT_GE(shed_total("refused"), 1);
  EXPECT_GE(shed_total("reserved"), 1);
}

}  // namespace
}  // namespace bw
