// The HTTP server (Boost.Beast, C++20 coroutines on one io_context): one port for /metrics, the API
// and uploads. Limits and timeouts as Beast's advanced server example: header and body limits, a
// deadline per request, a connection cap, keep-alive, and a drain on stop. Errors are JSON without
// internals.
#pragma once

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/web/auth.h"
#include "daemon/web/router.h"
#include "engine/result.h"

namespace bw::web {

struct ServerOptions {
  std::string listen = "127.0.0.1:9464";  ///< host:port; port 0 takes a free port
  std::size_t max_header_bytes = 16 << 10;
  std::size_t max_small_body_bytes = 1 << 20;  ///< BodyKind::small
  std::size_t max_body_bytes = 256u << 20;     ///< BodyKind::file (uploads)
  std::chrono::seconds read_timeout{
      30};  ///< headers and a small body; an upload gets more by its size
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{60};  ///< keep-alive wait for the next request
  /// At the cap a new connection closes the connection idle the longest between requests (a
  /// keep-alive connection or one that sent nothing yet); with none idle it takes one of a few
  /// reserve slots (reserve_connections_for), which serve one request of a reserve_routes route,
  /// and else is closed.
  std::size_t max_connections = 256;
  std::vector<std::string> reserve_routes = {"healthz", "readyz", "metrics"};  ///< route names
  std::filesystem::path upload_dir;  ///< where file bodies are written (then removed)
  /// Called on the io thread when a route's handler throws, after the server logged it (logger
  /// "web", error "handler failed handler=… error=…") and before the 500 reply is counted and
  /// written: the route name and the exception (e.g. a store::DatabaseError, for the database
  /// health check). Must not throw (what it throws is dropped). Null: logged only.
  std::function<void(const std::string& handler, const std::exception& e)> on_handler_error;
};

/// Decides whether a request may use a route of a given scope (check_token in daemon/web/auth.h):
/// ok lets it in, unknown_token is answered 401 and wrong_scope 403, before any body is read.
using Authorizer = std::function<TokenCheck(const Request&, const std::string& scope)>;
/// Called when the server sheds load at its connection limit: "idle", "refused" or "reserved"
/// (OpsMetrics::http_connection_shed).
using ShedObserver = std::function<void(const std::string& reason)>;
/// Connections admitted beyond max_connections for health checks and scrapes: 1/16 of it, 2 to 16.
std::size_t reserve_connections_for(std::size_t max_connections);
/// Called after each response: route name, status, handling time.
using RequestObserver =
    std::function<void(const std::string& handler, int status, std::chrono::duration<double>)>;

/// Call every member on the io_context's thread.
class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, std::shared_ptr<const Router> router,
         Authorizer authorize, RequestObserver observe);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens. Errc::unavailable "cannot listen on 127.0.0.1:9464: Address already in
  /// use"; Errc::invalid_input for a malformed address.
  Result<void> listen();
  /// The bound address (after listen), e.g. for port 0.
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Starts accepting, after removing upload spool files older than a day from upload_dir (a
  /// crash's).
  void start();
  /// Stops accepting; idle keep-alive connections are closed, busy ones finish their response and
  /// close.
  void stop();
  /// Connections open now (including shed ones not yet closed).
  std::size_t connections() const;
  /// Counts load shedding (see ServerOptions::max_connections); the server also logs it, at most
  /// once every 10 s. Call before start().
  void set_shed_observer(ShedObserver observer);
  /// Replaces the route table (SIGHUP); requests in flight keep the old one.
  void set_router(std::shared_ptr<const Router> router);
  /// Serves HTTPS with this certificate chain and key (PEM), from the next connection on; empty
  /// paths: plain HTTP. Errc::invalid_input naming the file when it cannot be read or the key does
  /// not match.
  Result<void> set_tls(const std::filesystem::path& cert_file,
                       const std::filesystem::path& key_file);
  bool tls() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bw::web
