#include "tests/support/http_fetch.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace bw::test {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
}  // namespace

std::string FetchResult::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

FetchResult fetch(std::uint16_t port, const std::string& method, const std::string& target,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body, std::chrono::milliseconds timeout) {
  FetchResult out;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(false);
  // Synchronous Beast operations ignore tcp_stream timeouts; run them asynchronously with the
  // deadline.
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  io.run();
  io.restart();
  if (ec) {
    out.error = ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  io.run();
  if (ec) {
    out.error = ec.message();
    return out;
  }
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res)
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

RawResult raw_exchange(std::uint16_t port, const std::string& bytes,
                       std::chrono::milliseconds timeout) {
  RawResult out;
  asio::io_context io;
  tcp::socket socket(io);
  const auto started = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out;
  asio::write(socket, asio::buffer(bytes), ec);
  asio::steady_timer timer(io, timeout);
  std::array<char, 4096> buf{};
  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(buf), [&](boost::system::error_code e, std::size_t n) {
      out.received.append(buf.data(), n);
      if (e) {
        out.closed_by_server = e == asio::error::eof || e == asio::error::connection_reset;
        timer.cancel();
        return;
      }
      read_more();
    });
  };
  read_more();
  timer.async_wait([&](boost::system::error_code e) {
    if (!e) socket.close();
  });
  io.run();
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return out;
}

}  // namespace bw::test
