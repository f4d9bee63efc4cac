// libFuzzer target: HTTP request handling of the daemon's server. Each input is the raw byte stream
// of one client connection (pipelined requests, bodies, garbage) sent to a real web::Server
// (daemon/web/server.cpp) on 127.0.0.1 over a route table shaped like the daemon's (same patterns,
// body kinds and token scopes; the handlers check what the server hands them instead of reading a
// snapshot). It exercises Beast's parser under the server's limits, our session logic
// (431/413/401/405/404/400, 100-continue, lingering close, uploads to a file), split_target and the
// router. Besides crashes, sanitizer reports and hangs it checks that every response the server
// writes parses as HTTP/1.x with a status the server may send, that no handler ever sees a request
// beyond the limits, and that every connection ends once the client is done.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "daemon/web/server.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace bw::web;

constexpr std::size_t max_small_body = 512;
constexpr std::size_t max_file_body = 4096;
constexpr std::size_t max_header = 2048;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_fuzz: check failed: %s\n", what);
    std::abort();
  }
}

// A handler that checks the request it is given against the route and the server's limits.
Handler checking(std::string name, BodyKind body) {
  return [name, body](Request& r) -> asio::awaitable<Response> {
    check(!r.path.empty() && r.path.front() == '/', "path starts with /");
    for (const auto& [k, v] : r.path_params) {
      check(!v.empty() && v.find('/') == std::string::npos,
            "a path parameter is one non-empty segment");
    }
    if (body == BodyKind::small)
      check(r.body.size() <= max_small_body, "small body within its limit");
    if (body != BodyKind::small) check(r.body.empty(), "no in-memory body on other routes");
    if (body == BodyKind::file && !r.body_file.empty()) {
      std::error_code ec;
      const auto n = std::filesystem::file_size(r.body_file, ec);
      check(!ec && n <= max_file_body, "upload within its limit");
    }
    if (r.query.count("boom"))
      throw std::runtime_error("handler failure");  // → 500, connection goes on
    Response res = text_response(200, name + "\n");
    if (r.query.count("created")) res.status = 201;
    co_return res;
  };
}

struct Harness {
  asio::io_context io;
  std::filesystem::path upload_dir;
  std::unique_ptr<Server> server;
  tcp::endpoint endpoint;

  Harness() {
    upload_dir =
        std::filesystem::temp_directory_path() / ("bw-http-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(upload_dir);
    auto router = std::make_shared<Router>();
    auto add = [&](const char* method, const char* pattern, const char* name, BodyKind body,
                   const char* scope) {
      router->add({method, pattern, name, body, scope, checking(name, body)});
    };
    add("GET", "/", "index", BodyKind::none, "");
    add("GET", "/metrics", "metrics", BodyKind::none, "");
    add("GET", "/healthz", "healthz", BodyKind::none, "");
    add("GET", "/readyz", "readyz", BodyKind::none, "");
    add("GET", "/api/v1/summary", "api_summary", BodyKind::none, "");
    add("GET", "/api/v1/units", "api_units", BodyKind::none, "");
    add("GET", "/api/v1/units/{code}", "api_unit", BodyKind::none, "");
    add("GET", "/api/v1/projects", "api_projects", BodyKind::none, "");
    add("GET", "/api/v1/projects/{code}", "api_project", BodyKind::none, "");
    add("GET", "/api/v1/ingests", "api_ingests", BodyKind::none, "");
    add("GET", "/api/v1/reports/{kind}", "api_report", BodyKind::none, "");
    add("GET", "/api/v1/alerts", "api_alerts", BodyKind::none, "");
    add("GET", "/api/v1/silences", "api_silences", BodyKind::none, "");
    add("POST", "/api/v1/silences", "api_silences_create", BodyKind::small, "write");
    add("DELETE", "/api/v1/silences/{id}", "api_silences_expire", BodyKind::none, "write");
    add("GET", "/api/v1/notifications", "api_notifications", BodyKind::none, "");
    add("POST", "/api/v1/uploads", "api_uploads", BodyKind::file, "upload");

    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.max_header_bytes = max_header;
    o.max_small_body_bytes = max_small_body;
    o.max_body_bytes = max_file_body;
    o.read_timeout = std::chrono::seconds(5);
    o.write_timeout = std::chrono::seconds(5);
    o.idle_timeout = std::chrono::seconds(5);
    o.upload_dir = upload_dir;
    auto authorize = [](const Request& r, const std::string& scope) {
      const auto h = r.header("Authorization");
      TokenCheck c;
      if (h && *h == "Bearer fuzz-token-" + scope) {
        c.status = TokenCheck::Status::ok;
        c.name = "fuzzer";
      }
      return c;
    };
    server = std::make_unique<Server>(io, o, router, authorize, nullptr);
    check(server->listen().has_value(), "listen on 127.0.0.1:0");
    endpoint = server->local_endpoint();
    server->start();
  }

  ~Harness() {
    std::error_code ec;
    std::filesystem::remove_all(upload_dir, ec);
  }

  // Runs the io_context until `done` or a deadline (a hang is a finding: abort with a message).
  void run_until(const bool& done, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    io.restart();
    while (!done) {
      io.run_one_for(std::chrono::milliseconds(100));
      if (std::chrono::steady_clock::now() > deadline) check(false, what);
    }
  }
};

Harness& harness() {
  static Harness* h = new Harness();  // never destroyed: libFuzzer exits without running it down
  return *h;
}

// Every response in `bytes` parses; statuses are ones the server sends. A response to HEAD carries
// a Content-Length but no body: when the bytes after a header are empty or the next status line,
// the header is taken as body-less.
void check_responses(std::string_view bytes) {
  static const std::set<unsigned> allowed = {100, 200, 201, 400, 401, 404, 405, 413, 431, 500, 503};
  while (!bytes.empty()) {
    const auto header_end = bytes.find("\r\n\r\n");
    if (header_end == std::string_view::npos) {
      std::fprintf(stderr, "truncated response: %.*s\n", static_cast<int>(bytes.size()),
                   bytes.data());
      check(false, "the server's responses are complete");
    }
    const std::string_view after = bytes.substr(header_end + 4);
    http::response_parser<http::string_body> p;
    p.eager(true);
    p.body_limit(1 << 20);
    if (after.empty() || after.rfind("HTTP/1.", 0) == 0) p.skip(true);
    beast::error_code ec;
    std::size_t used = 0;
    while (!ec && !p.is_done() && used < bytes.size()) {
      used += p.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    }
    if (ec || !p.is_done()) {
      std::fprintf(stderr, "bad response (%s): %.*s\n", ec ? ec.message().c_str() : "incomplete",
                   static_cast<int>(bytes.size()), bytes.data());
      check(false, "the server's responses parse");
    }
    check(allowed.count(p.get().result_int()) == 1, "a status the server sends");
    bytes.remove_prefix(used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Harness& h = harness();
  tcp::socket client(h.io);
  boost::system::error_code ec;
  client.connect(h.endpoint, ec);
  check(!ec, "connect to the server");
  client.set_option(asio::socket_base::linger(true, 0), ec);  // RST on close: no TIME_WAIT pile-up

  bool wrote = false;
  bool read_done = false;
  std::string response;
  asio::async_write(client, asio::buffer(data, size), [&](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    client.shutdown(tcp::socket::shutdown_send, ignored);
    wrote = true;
  });
  asio::async_read(client, asio::dynamic_buffer(response, 1 << 22),
                   [&](boost::system::error_code, std::size_t) { read_done = true; });
  h.run_until(read_done, "the server ends the connection once the client has sent everything");
  h.run_until(wrote, "the write completes");
  client.close(ec);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  h.io.restart();
  while (h.server->connections() != 0) {
    h.io.run_one_for(std::chrono::milliseconds(50));
    check(std::chrono::steady_clock::now() < deadline, "the session ends after the client closed");
  }
  check_responses(response);
  return 0;
}
