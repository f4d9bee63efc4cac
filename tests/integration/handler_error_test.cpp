// A route handler that throws (issue 13 item 6): the client gets a generic 500, the server logs the
// handler and the exception on "web", counts the 500 in its request observer, and reports the
// exception through ServerOptions::on_handler_error, which the daemon wires to the database health
// check.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <boost/asio.hpp>

#include "daemon/health.h"
#include "daemon/log.h"
#include "daemon/web/server.h"
#include "store/database.h"
#include "tests/support/http_fetch.h"

namespace bw {
namespace {

namespace asio = boost::asio;

struct Recorded {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> errors;  // handler, what()
  std::vector<std::pair<std::string, int>> requests;        // handler, status
};

TEST(HandlerErrorTest, a_throwing_handler_is_logged_reported_and_answered_500) {
  daemon::setup_logging("info");
  std::ostringstream log_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  auto web_log = daemon::logger("web");
  web_log->sinks().push_back(sink);

  auto router = std::make_shared<web::Router>();
  router->add({"GET", "/db", "api_db", web::BodyKind::none, "",
               [](web::Request&) -> asio::awaitable<web::Response> {
                 throw store::DatabaseError(10, "disk I/O error");
                 co_return web::error_response(200, "unreachable");
               }});
  router->add({"GET", "/bug", "api_bug", web::BodyKind::none, "",
               [](web::Request&) -> asio::awaitable<web::Response> {
                 throw std::runtime_error("bad\nstate");
                 co_return web::error_response(200, "unreachable");
               }});

  Recorded rec;
  daemon::Health health;
  health.report("database", true);
  web::ServerOptions so;
  so.listen = "127.0.0.1:0";
  // As daemon/app.cpp wires it (App::Impl::report_database_error).
  so.on_handler_error = [&](const std::string& handler, const std::exception& e) {
    std::lock_guard lock(rec.mutex);
    rec.errors.emplace_back(handler, e.what());
    if (dynamic_cast<const store::DatabaseError*>(&e) != nullptr)
      health.report("database", false, e.what());
  };
  asio::io_context io;
  web::Server server(
      io, so, router,
      [](const web::Request&, const std::string&) {
        web::TokenCheck ok;
        ok.status = web::TokenCheck::Status::ok;
        return ok;
      },
      [&](const std::string& handler, int status, std::chrono::duration<double>) {
        std::lock_guard lock(rec.mutex);
        rec.requests.emplace_back(handler, status);
      });
  ASSERT_TRUE(server.listen().has_value());
  const std::uint16_t port = server.local_endpoint().port();
  server.start();
  std::thread runner([&] { io.run(); });

  const auto bug = test::fetch(port, "GET", "/bug");
  EXPECT_EQ(bug.status, 500);
  EXPECT_EQ(bug.body.find("bad"), std::string::npos) << "no internals to the client: " << bug.body;
  ASSERT_EQ(health.failing().size(), 0u) << "a runtime_error is not a database failure";
  const auto db = test::fetch(port, "GET", "/db");
  EXPECT_EQ(db.status, 500);

  asio::post(io, [&] { server.stop(); });
  runner.join();
  web_log->flush();
  web_log->sinks().pop_back();

  std::lock_guard lock(rec.mutex);
  const std::vector<std::pair<std::string, std::string>> errors = {{"api_bug", "bad\nstate"},
                                                                   {"api_db", "disk I/O error"}};
  EXPECT_EQ(rec.errors, errors);
  const std::vector<std::pair<std::string, int>> requests = {{"api_bug", 500}, {"api_db", 500}};
  EXPECT_EQ(rec.requests, requests);
  const auto failing = health.failing();
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0].name, "database");
  EXPECT_EQ(failing[0].message, "disk I/O error");
  const std::string text = log_text.str();
  EXPECT_NE(text.find("handler failed handler=api_bug error=\"bad\\nstate\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("handler failed handler=api_db error=\"disk I/O error\""), std::string::npos)
      << text;
}

}  // namespace
}  // namespace bw
