#include "daemon/web/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <set>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "daemon/log.h"
#include "daemon/web/spool_file.h"

namespace bw::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

Result<tcp::endpoint> parse_listen(asio::io_context& io, const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) {
    return fail(Errc::invalid_input, "listen address '" + listen + "' is not host:port");
  }
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return fail(Errc::invalid_input, "listen address '" + listen + "': " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint();
}

constexpr std::chrono::seconds reserve_read_timeout{5};  // a health check sends its request at once
constexpr std::chrono::seconds shed_log_interval{10};

}  // namespace

std::size_t reserve_connections_for(std::size_t max_connections) {
  return std::clamp<std::size_t>(max_connections / 16, 2, 16);
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  asio::io_context& io;
  ServerOptions options;
  std::shared_ptr<const Router> router;
  Authorizer authorize;
  RequestObserver observe;
  ShedObserver on_shed;
  tcp::acceptor acceptor;
  bool stopping = false;
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP; replaced by set_tls (new connections)

  struct Connection {
    tcp::socket* socket = nullptr;
    bool busy = false;     // between reading a request's header and writing its response (stop() waits)
    bool idle = true;      // waiting for a request's first byte: may be shed to make room
    bool reserve = false;  // admitted beyond max_connections: one request, health checks and scrapes only
    bool shed = false;     // closed to make room: no longer counted
    Clock::time_point idle_since = Clock::now();
  };
  std::list<Connection> connections;

  // Load shed since the last log line: idle, refused, reserved.
  std::array<std::uint64_t, 3> shed_unlogged{};
  std::optional<Clock::time_point> last_shed_log;

  Impl(asio::io_context& i, ServerOptions o, std::shared_ptr<const Router> r, Authorizer a, RequestObserver ob)
      : io(i), options(std::move(o)), router(std::move(r)), authorize(std::move(a)), observe(std::move(ob)),
        acceptor(i) {}

  // A handler's exception (STYLE §4: caught once, at the HTTP handler boundary): logged and reported.
  void handler_failed(const std::string& handler, const std::exception& e) noexcept {
    try {
      daemon::logger("web")->error("handler failed handler={} error={}", daemon::kv(handler), daemon::kv(e.what()));
      if (options.on_handler_error) options.on_handler_error(handler, e);
    } catch (...) {  // logging and the observer never take the server down
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopping) {
      auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
      if (ec) {
        if (ec == asio::error::operation_aborted || stopping) break;
        continue;  // e.g. too many open files: try again
      }
      std::optional<bool> reserve = admit();
      if (!reserve) {
        boost::system::error_code ignored;
        socket.close(ignored);  // over the cap and the reserve: shed load rather than queue
        continue;
      }
      connections.push_back(Connection{nullptr, false, true, *reserve, false, Clock::now()});
      const auto me = std::prev(connections.end());
      // Responses are written as a header then the body: without TCP_NODELAY, Nagle's algorithm holds the
      // body until the client's delayed ACK of the header (40 ms a response on keep-alive connections).
      boost::system::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      if (tls) {
        asio::co_spawn(io, tls_session(std::move(socket), tls, me), asio::detached);
      } else {
        asio::co_spawn(io, session(std::move(socket), me), asio::detached);
      }
    }
  }

  // Makes room for a new connection: false when it fits under max_connections (after closing the
  // connection idle the longest if need be), true when it takes a reserve slot, nullopt when it must be
  // refused. Idle connections are only between requests, so no request is ever cut short.
  std::optional<bool> admit() {
    std::size_t regular = 0;
    std::size_t reserved = 0;
    Connection* oldest_idle = nullptr;
    for (auto& c : connections) {
      if (c.shed) continue;
      if (c.reserve) {
        ++reserved;
        continue;
      }
      ++regular;
      if (c.idle && c.socket != nullptr && (oldest_idle == nullptr || c.idle_since < oldest_idle->idle_since)) {
        oldest_idle = &c;
      }
    }
    if (regular < options.max_connections) return false;
    if (oldest_idle != nullptr) {
      oldest_idle->shed = true;
      boost::system::error_code ignored;
      oldest_idle->socket->cancel(ignored);  // its session ends at once: it was waiting for a request
      note_shed(0);
      return false;
    }
    if (reserved < reserve_connections_for(options.max_connections)) return true;
    note_shed(1);
    return std::nullopt;
  }

  // Counts load shedding (kind: 0 idle, 1 refused, 2 reserved) and logs it at most every shed_log_interval.
  void note_shed(std::size_t kind) {
    static constexpr std::array<const char*, 3> reasons = {"idle", "refused", "reserved"};
    if (on_shed) on_shed(reasons[kind]);
    ++shed_unlogged[kind];
    const auto now = Clock::now();
    if (last_shed_log && now - *last_shed_log < shed_log_interval) return;
    last_shed_log = now;
    daemon::logger("web")->warn(
        "connection limit reached, shedding load max_connections={} reserve={} idle_closed={} refused={} "
        "reserved_503={} since_s={}",
        options.max_connections, reserve_connections_for(options.max_connections), shed_unlogged[0],
        shed_unlogged[1], shed_unlogged[2], shed_log_interval.count());
    shed_unlogged = {};
  }

  template <class Body>
  static void set_headers(http::response<Body>& res, const Response& r) {
    res.result(static_cast<http::status>(r.status));
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.set(k, v);
  }

  template <class Stream>
  asio::awaitable<void> write(Stream& stream, unsigned version, bool keep_alive, bool head, Response r) {
    beast::get_lowest_layer(stream).expires_after(options.write_timeout);
    if (r.shared_body.empty()) {
      http::response<http::string_body> res{http::status::ok, version};
      set_headers(res, r);
      res.body() = std::move(r.body);
      res.prepare_payload();
      res.keep_alive(keep_alive);
      if (head) {
        http::response_serializer<http::string_body> sr{res};
        sr.split(true);
        co_await http::async_write_header(stream, sr, tuple_awaitable);
      } else {
        co_await http::async_write(stream, res, tuple_awaitable);
      }
      co_return;
    }
    // The header, then the body's own part and the shared parts as one gather write: no copy of the
    // shared texts, which stay alive (r holds them) until the write completes.
    std::vector<asio::const_buffer> buffers{asio::buffer(r.body)};
    std::size_t length = r.body.size();
    for (const auto& part : r.shared_body) {
      if (!part) continue;
      buffers.push_back(asio::buffer(*part));
      length += part->size();
    }
    http::response<http::empty_body> res{http::status::ok, version};
    set_headers(res, r);
    res.content_length(length);
    res.keep_alive(keep_alive);
    http::response_serializer<http::empty_body> sr{res};
    auto [ec, n] = co_await http::async_write_header(stream, sr, tuple_awaitable);
    if (ec || head) co_return;
    co_await asio::async_write(stream, buffers, tuple_awaitable);
  }

  // Plain HTTP: the requests, then a half close and, after an early answer, a lingering close.
  asio::awaitable<void> session(tcp::socket socket, std::list<Connection>::iterator me) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    me->socket = &stream.socket();
    const bool linger = co_await serve(stream, *me);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger && !stopping) co_await drain_input(stream);
    stream.socket().close(ignored);
    connections.erase(me);
  }

  // HTTPS: the TLS handshake within the read timeout, the requests, then close_notify (bounded in time).
  asio::awaitable<void> tls_session(tcp::socket socket, std::shared_ptr<asio::ssl::context> context,
                                    std::list<Connection>::iterator me) {
    auto self = shared_from_this();
    TlsStream stream(std::move(socket), *context);
    auto& tcp_layer = beast::get_lowest_layer(stream);
    me->socket = &tcp_layer.socket();
    me->idle = false;  // the handshake is under way
    tcp_layer.expires_after(me->reserve ? std::min<Clock::duration>(options.read_timeout, reserve_read_timeout)
                                        : Clock::duration(options.read_timeout));
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (!hec) {
      const bool linger = co_await serve(stream, *me);
      if (linger && !stopping) co_await drain_input(stream);
      tcp_layer.expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(tuple_awaitable);
    }
    boost::system::error_code ignored;
    tcp_layer.socket().close(ignored);
    connections.erase(me);
  }

  // Lingering close (nginx's lingering_close): read and drop what the client is still sending, for a
  // while, so that it gets to read our early response instead of a connection reset.
  template <class Stream>
  static asio::awaitable<void> drain_input(Stream& stream) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink{};
    std::size_t drained = 0;
    while (drained < (64u << 20)) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), tuple_awaitable);
      if (ec) break;
      drained += n;
    }
  }

  // Reads and answers requests until the connection ends; true when a response went out before the request
  // body was read (the caller then drains the input before closing).
  template <class Stream>
  asio::awaitable<bool> serve(Stream& stream, Connection& me_ref) {
    auto* me = &me_ref;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = tcp_layer.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    bool first = true;
    bool linger = false;  // a response was sent before the request body was read
    while (!stopping && !me->shed) {
      me->busy = false;
      if (me->reserve) {
        tcp_layer.expires_after(std::min<Clock::duration>(options.read_timeout, reserve_read_timeout));
      } else {
        tcp_layer.expires_after(first ? options.read_timeout : options.idle_timeout);
      }
      first = false;
      if (buffer.size() == 0) {
        // Until the request's first byte the connection is idle: admit() may shed it to make room.
        me->idle = true;
        me->idle_since = Clock::now();
        constexpr std::size_t first_read_bytes = 8192;
        auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(first_read_bytes), tuple_awaitable);
        buffer.commit(rn);
        me->idle = false;
        if (rec || me->shed) break;  // closed, timed out, cancelled: there is no request to answer
      }
      http::request_parser<http::empty_body> header_parser;
      header_parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      header_parser.body_limit(boost::none);  // the route decides below (Beast's default 1 MB would fire here)
      auto [ec, n] = co_await http::async_read_header(stream, buffer, header_parser, tuple_awaitable);
      if (ec) {
        if (ec == http::error::header_limit) {
          co_await write(stream, 11, false, false, error_response(431, "request headers too large"));
        } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                   ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                   ec != asio::error::eof) {
          co_await write(stream, 11, false, false, error_response(400, "malformed request"));
        }
        break;
      }
      me->busy = true;
      const auto started = Clock::now();
      tcp_layer.expires_after(options.read_timeout);
      auto& hreq = header_parser.get();
      const unsigned version = hreq.version();
      const bool head = hreq.method() == http::verb::head;
      bool keep_alive = hreq.keep_alive() && !stopping && !me->reserve && !me->shed;

      Request req;
      req.method = std::string(hreq.method_string());
      req.target = std::string(hreq.target());
      req.remote = remote;
      for (const auto& f : hreq) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));

      Response res;
      std::string handler_name = "unmatched";
      const Route* route = nullptr;
      auto target = split_target(req.target);
      std::shared_ptr<const Router> table = router;
      if (!target) {
        res = error_response(400, "malformed request target");
        keep_alive = false;
      } else {
        req.path = std::move(target->first);
        req.query = std::move(target->second);
        const Router::Match m = table->match(req.method, req.path);
        if (m.route == nullptr) {
          res = m.wrong_method ? error_response(405, "method not allowed") : error_response(404, "not found");
        } else {
          route = m.route;
          handler_name = route->name;
          req.path_params = m.params;
        }
      }

      // Authorization and size checks come before reading any body.
      const auto length = header_parser.content_length();
      const bool chunked = header_parser.chunked();
      const bool has_body = (length && *length > 0) || chunked;
      if (me->reserve && (route == nullptr || std::find(options.reserve_routes.begin(), options.reserve_routes.end(),
                                                        route->name) == options.reserve_routes.end())) {
        // A reserve slot is kept for health checks and scrapes while every regular one is busy.
        if (route != nullptr) {
          res = error_response(503, "the server is at its connection limit; try again shortly");
          res.headers.emplace_back("Retry-After", "1");
          note_shed(2);
        }
        route = nullptr;  // the answer goes out before any body is read (see below)
      }
      TokenCheck auth;
      if (route != nullptr && !route->scope.empty()) auth = authorize(req, route->scope);
      if (route != nullptr && !route->scope.empty() && auth.status != TokenCheck::Status::ok) {
        res = refusal(auth, route->scope);
        route = nullptr;
        keep_alive = keep_alive && !has_body;
        linger = has_body;
      } else if (route != nullptr) {
        const std::size_t limit = route->body == BodyKind::file    ? options.max_body_bytes
                                  : route->body == BodyKind::small ? options.max_small_body_bytes
                                                                   : 0;
        if (has_body && (limit == 0 || (length && *length > limit))) {
          res = error_response(413, limit == 0 ? "this endpoint takes no request body"
                                               : "request body larger than " + std::to_string(limit) + " bytes");
          route = nullptr;
          keep_alive = false;
          linger = true;
        }
      } else {
        keep_alive = keep_alive && !has_body;
        linger = has_body;
      }

      bool body_ok = true;
      if (route != nullptr && has_body) {
        if (auto expect = req.header("Expect"); expect && (*expect == "100-continue" || *expect == "100-Continue")) {
          http::response<http::empty_body> cont{http::status::continue_, version};
          co_await http::async_write(stream, cont, tuple_awaitable);
        }
        if (route->body == BodyKind::file) {
          // Uploads may take longer than the read timeout: allow 1 MiB/s on top of it.
          if (length) tcp_layer.expires_after(options.read_timeout + std::chrono::seconds(*length >> 20));
          http::request_parser<http::file_body> parser{std::move(header_parser)};
          parser.body_limit(options.max_body_bytes);
          // A unique name, created exclusively: another daemon on the same state directory never shares it.
          beast::error_code fec;
          if (auto spool = create_spool_file(options.upload_dir)) {
            req.body_file = spool->path;
            beast::file file;
            file.native_handle(spool->fd);
            parser.get().body().reset(std::move(file), fec);
          } else {
            daemon::logger("web")->error("upload not stored error={}", daemon::kv(spool.error().message));
            fec = beast::errc::make_error_code(beast::errc::io_error);
          }
          if (fec) {
            res = error_response(503, "cannot store the upload");
            body_ok = false;
            keep_alive = false;
          } else {
            auto [rec, rn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
            parser.get().body().close();
            if (rec) {
              body_ok = false;
              keep_alive = false;
              res = rec == http::error::body_limit ? error_response(413, "request body too large")
                                                   : error_response(400, "request body could not be read");
            }
          }
        } else {
          http::request_parser<http::string_body> parser{std::move(header_parser)};
          parser.body_limit(options.max_small_body_bytes);
          auto [rec, rn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
          if (rec) {
            body_ok = false;
            keep_alive = false;
            res = rec == http::error::body_limit ? error_response(413, "request body too large")
                                                 : error_response(400, "request body could not be read");
          } else {
            req.body = std::move(parser.get().body());
          }
        }
      }

      if (route != nullptr && body_ok) {
        try {
          res = co_await route->handler(req);
        } catch (const std::exception& e) {
          res = error_response(500, "internal error");  // details go to the log, never to the client
          handler_failed(handler_name, e);
        }
      }
      if (!req.body_file.empty()) {
        std::error_code rm;
        std::filesystem::remove(req.body_file, rm);
      }
      if (observe) observe(handler_name, res.status, Clock::now() - started);
      co_await write(stream, version, keep_alive && !stopping, head, std::move(res));
      if (!keep_alive || stopping) break;
    }
    co_return linger;
  }
};

Server::Server(asio::io_context& io, ServerOptions options, std::shared_ptr<const Router> router,
               Authorizer authorize, RequestObserver observe)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(router), std::move(authorize),
                                   std::move(observe))) {}

Server::~Server() {
  if (impl_) {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  }
}

Result<void> Server::listen() {
  auto ep = parse_listen(impl_->io, impl_->options.listen);
  if (!ep) return tl::unexpected(ep.error());
  boost::system::error_code ec;
  auto& a = impl_->acceptor;
  a.open(ep->protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(*ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    a.close(ignored);
    return fail(Errc::unavailable, "cannot listen on " + impl_->options.listen + ": " + ec.message());
  }
  return {};
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec);
}

void Server::start() {
  // Spool files left by a crash; never another daemon's upload in flight (a day is far beyond any timeout).
  if (!impl_->options.upload_dir.empty()) {
    const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
    if (const std::size_t n = remove_stale_spool_files(impl_->options.upload_dir, cutoff); n > 0) {
      daemon::logger("web")->info("removed stale upload spool files count={} dir={}", n,
                                  daemon::kv(impl_->options.upload_dir.string()));
    }
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
}

void Server::stop() {
  impl_->stopping = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& c : impl_->connections) {
    if (!c.busy && c.socket != nullptr) c.socket->cancel(ignored);
  }
}

std::size_t Server::connections() const { return impl_->connections.size(); }

void Server::set_router(std::shared_ptr<const Router> router) { impl_->router = std::move(router); }

void Server::set_shed_observer(ShedObserver observer) { impl_->on_shed = std::move(observer); }

Result<void> Server::set_tls(const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
  if (cert_file.empty()) {
    impl_->tls.reset();
    return {};
  }
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                       ec);
  if (!ec) context->use_certificate_chain_file(cert_file.string(), ec);
  if (ec) return fail(Errc::invalid_input, "TLS certificate " + cert_file.string() + ": " + ec.message());
  context->use_private_key_file(key_file.string(), asio::ssl::context::pem, ec);
  const bool mismatch = ec && ec.message().find("mismatch") != std::string::npos;
  if (ec && !mismatch) {
    return fail(Errc::invalid_input, "TLS private key " + key_file.string() + ": " + ec.message());
  }
  if (mismatch || SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return fail(Errc::invalid_input,
                "TLS private key " + key_file.string() + " does not match the certificate " + cert_file.string());
  }
  impl_->tls = std::move(context);
  return {};
}

bool Server::tls() const { return impl_->tls != nullptr; }

}  // namespace bw::web
