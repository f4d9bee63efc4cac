#include "net/connect.h"

#include <atomic>
#include <cctype>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace bw::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// The resolver has no per-operation cancellation, so a timer cancels it; the timer's handler holds
// only a weak reference, as it may run after this frame is gone.
asio::awaitable<tl::expected<tcp::resolver::results_type, std::string>> resolve(
    asio::any_io_executor ex, const Peer& p, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds budget) {
  auto resolver = std::make_shared<tcp::resolver>(ex);
  auto expired = std::make_shared<std::atomic<bool>>(false);
  asio::steady_timer timer(ex, deadline);
  timer.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver), expired](error_code ec) {
    if (ec) return;
    expired->store(true);
    if (auto r = weak.lock()) r->cancel();
  });
  const auto flags = p.ip_literal ? tcp::resolver::numeric_host | tcp::resolver::numeric_service
                                  : tcp::resolver::numeric_service;
  auto [ec, results] = co_await resolver->async_resolve(p.host, p.port, flags, nothrow);
  timer.cancel();
  if (!ec) co_return results;
  if (expired->load())
    co_return tl::unexpected("resolve " + p.host + " timed out after " + ms_text(budget));
  co_return tl::unexpected("cannot resolve " + p.host + ": " + lower_first(ec.message()));
}

}  // namespace

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

asio::awaitable<tl::expected<void, std::string>> connect_within(
    beast::tcp_stream& stream, const Peer& p, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds budget) {
  auto endpoints = co_await resolve(stream.get_executor(), p, deadline, budget);
  if (!endpoints) co_return tl::unexpected(std::move(endpoints.error()));
  stream.expires_at(deadline);
  auto [ec, ep] = co_await stream.async_connect(*endpoints, nothrow);
  if (!ec) co_return tl::expected<void, std::string>{};
  if (ec == beast::error::timeout)
    co_return tl::unexpected("connect to " + p.authority + " timed out after " + ms_text(budget));
  if (ec == asio::error::connection_refused)
    co_return tl::unexpected(std::string("connection refused"));
  co_return tl::unexpected("connect to " + p.authority + " failed: " + lower_first(ec.message()));
}

}  // namespace bw::net
