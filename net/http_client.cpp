#include "net/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <exception>
#include <fstream>
#include <memory>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "net/connect.h"
#include "net/redact.h"
#include "net/tls_context.h"

namespace bw::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Outcome = tl::expected<HttpResponse, HttpError>;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::uint32_t header_limit_bytes = 64 * 1024;
// Waiting for the peer's close_notify is a courtesy; never let it hold a finished download.
constexpr std::chrono::milliseconds tls_shutdown_timeout{1000};

tl::unexpected<HttpError> retryable(std::string reason) {
  return tl::unexpected<HttpError>(HttpError{true, std::move(reason)});
}
tl::unexpected<HttpError> permanent(std::string reason) {
  return tl::unexpected<HttpError>(HttpError{false, std::move(reason)});
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 token characters, for header names.
bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), token_char)) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// What the URL says about where to connect and what to ask for.
struct Target {
  bool tls = false;
  Peer peer;                // host: a decoded name, or an address without brackets
  std::string host_header;  // as written in the URL, port only when given
  std::string target;       // "/path?query"
};

tl::expected<Target, HttpError> parse_target(std::string_view url) {
  const auto u = urls::parse_uri(url);
  if (!u) return permanent("invalid URL " + redact_url(url));
  Target t;
  if (u->scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u->scheme_id() != urls::scheme::http) {
    return permanent("unsupported URL scheme in " + redact_url(url) + " (expected http or https)");
  }
  switch (u->host_type()) {
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      t.peer.ip_literal = true;
      t.peer.host = u->host_address();
      break;
    case urls::host_type::name:
      t.peer.host = u->host_address();
      break;
    default:
      break;
  }
  if (t.peer.host.empty()) return permanent("URL has no usable host: " + redact_url(url));
  if (u->has_port() && !u->port().empty()) {
    // port_number() wraps values above 65535; check the digits ourselves.
    const std::string_view digits = u->port();
    unsigned port = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (err != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      return permanent("invalid port in URL " + redact_url(url));
    }
    t.peer.port = std::to_string(port);
  } else {
    t.peer.port = t.tls ? "443" : "80";
  }
  t.peer.authority = std::string(u->encoded_host()) + ":" + t.peer.port;
  t.host_header = std::string(u->encoded_host());
  if (u->has_port() && !u->port().empty()) t.host_header += ":" + t.peer.port;
  t.target = std::string(u->encoded_target());
  if (t.target.empty() || t.target.front() != '/') t.target.insert(0, "/");
  return t;
}

// Maps an error while sending the request or reading the response.
HttpError exchange_error(const error_code& ec, const HttpRequest& r, bool sending) {
  if (ec == beast::error::timeout) {
    return {true,
            std::string(sending ? "send" : "read") + " timed out after " + ms_text(r.read_timeout)};
  }
  if (ec == http::error::body_limit) {
    return {false, "response larger than " + std::to_string(r.max_body_bytes) + " bytes"};
  }
  if (ec == http::error::header_limit) {
    return {false, "response headers larger than " + std::to_string(header_limit_bytes) + " bytes"};
  }
  if (ec == http::error::end_of_stream) return {true, "connection closed before a response"};
  if (ec == http::error::partial_message || ec == ssl::error::stream_truncated ||
      ec == asio::error::eof) {
    return {true, "response truncated"};
  }
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return {true, "connection reset"};
  // Any other parse error (bad status line, bad chunk, ...): the peer is broken; do not retry.
  if (ec.category() == error_code(http::error::bad_target).category()) {
    return {false, "invalid HTTP response (" + ec.message() + ")"};
  }
  if (ec.category() == asio::error::get_ssl_category())
    return {false, "TLS: " + lower_first(ec.message())};
  return {true, std::string(sending ? "send" : "read") + " failed: " + lower_first(ec.message())};
}

// The method actually sent: http_get forces GET without a body.
struct Method {
  std::string name;
  http::verb verb = http::verb::unknown;  // unknown: an extension method sent by name
  bool with_body = false;
};

Method method_of(const HttpRequest& r, bool as_get) {
  if (as_get) return {"GET", http::verb::get, false};
  Method m{r.method, http::string_to_verb(r.method), true};
  return m;
}

// Where a body goes: memory, or a file for 2xx responses when asked.
class BodySink {
 public:
  BodySink(const HttpRequest& r, HttpResponse& resp, bool& file_created) : r_(r), resp_(resp) {
    if (r.body_to_file.empty() || resp.status < 200 || resp.status > 299) return;
    to_file_ = true;
    file_.open(r.body_to_file, std::ios::binary | std::ios::trunc);
    file_created = file_.is_open();
  }
  bool ok() const { return !to_file_ || file_.good(); }
  void write(const char* data, std::size_t n) {
    resp_.body_bytes += n;
    if (to_file_) {
      file_.write(data, static_cast<std::streamsize>(n));
    } else {
      resp_.body.append(data, n);
    }
  }
  bool close() {
    if (!to_file_) return true;
    file_.close();
    return !file_.fail();
  }
  std::string write_error() const { return "cannot write " + r_.body_to_file.string(); }

 private:
  const HttpRequest& r_;
  HttpResponse& resp_;
  std::ofstream file_;
  bool to_file_ = false;
};

// Sends the request and reads the response on a connected stream (plain or TLS).
template <class Stream>
asio::awaitable<Outcome> exchange(Stream& stream, const Target& t, const HttpRequest& r,
                                  const Method& m, bool& file_created) {
  auto& lowest = beast::get_lowest_layer(stream);
  http::request<http::string_body> req;
  req.version(11);
  if (m.verb == http::verb::unknown) {
    req.method_string(m.name);
  } else {
    req.method(m.verb);
  }
  req.target(t.target);
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, user_agent);
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : r.headers) req.set(name, value);
  if (m.with_body) req.body() = r.body;
  // After the caller's headers, so that the framing is always ours (Content-Length, never a stale
  // Transfer-Encoding).
  req.erase(http::field::transfer_encoding);
  req.erase(http::field::content_length);
  req.prepare_payload();

  lowest.expires_after(r.read_timeout);  // one budget for the request and the whole response
  if (auto [ec, n] = co_await http::async_write(stream, req, nothrow); ec) {
    co_return tl::unexpected(exchange_error(ec, r, true));
  }

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  if (m.verb == http::verb::head) parser.skip(true);  // a HEAD response has headers only
  parser.header_limit(header_limit_bytes);
  parser.body_limit(r.max_body_bytes);
  if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, nothrow); ec) {
    co_return tl::unexpected(exchange_error(ec, r, false));
  }

  HttpResponse resp;
  resp.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    resp.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  BodySink sink(r, resp, file_created);
  if (!sink.ok()) co_return permanent(sink.write_error());

  const auto chunk = std::make_unique<char[]>(chunk_bytes);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.get();
    parser.get().body().size = chunk_bytes;
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (ec == http::error::need_buffer) ec = {};
    sink.write(chunk.get(), chunk_bytes - parser.get().body().size);
    if (!sink.ok()) co_return permanent(sink.write_error());
    if (ec) co_return tl::unexpected(exchange_error(ec, r, false));
  }
  if (!sink.close()) co_return permanent(sink.write_error());
  co_return resp;
}

asio::awaitable<Outcome> request_once(asio::any_io_executor ex, const HttpRequest& r,
                                      const Method& m, bool& file_created) {
  if (m.name.empty() || !std::all_of(m.name.begin(), m.name.end(), token_char)) {
    co_return permanent("invalid request method");
  }
  for (const auto& [name, value] : r.headers) {
    if (!valid_header(name, value))
      co_return permanent("invalid request header (CR, LF or NUL, or a bad name)");
  }
  auto target = parse_target(r.url);
  if (!target) co_return tl::unexpected(target.error());
  const Target& t = *target;

  const auto deadline = Clock::now() + r.connect_timeout;
  beast::tcp_stream tcp_stream(ex);
  if (auto connected = co_await connect_within(tcp_stream, t.peer, deadline, r.connect_timeout);
      !connected) {
    co_return retryable(std::move(connected.error()));
  }

  if (!t.tls) {
    Outcome out = co_await exchange(tcp_stream, t, r, m, file_created);
    error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return out;
  }

  auto ctx = make_tls_client_context(r.ca_file);
  if (!ctx) co_return permanent(std::move(ctx.error()));
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *ctx);
  SSL* ssl_handle = stream.native_handle();
  if (auto named = expect_peer_name(ssl_handle, t.peer.host, t.peer.ip_literal); !named) {
    co_return permanent(std::move(named.error()));
  }

  beast::get_lowest_layer(stream).expires_at(deadline);
  if (auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow); hec) {
    if (hec == asio::error::connection_reset && SSL_get_verify_result(ssl_handle) == X509_V_OK) {
      co_return retryable("connection reset");
    }
    TlsFailure f = tls_handshake_failure(ssl_handle, hec, t.peer.authority, r.connect_timeout);
    co_return tl::unexpected(HttpError{f.retryable, std::move(f.reason)});
  }

  Outcome out = co_await exchange(stream, t, r, m, file_created);
  if (out) {
    // Courtesy close_notify. Peers commonly close without answering (stream_truncated): the body is
    // complete.
    beast::get_lowest_layer(stream).expires_after(tls_shutdown_timeout);
    auto [sec] = co_await stream.async_shutdown(nothrow);
    (void)sec;
  }
  co_return out;
}

// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, or the obsolete RFC 850 and asctime forms.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view v) {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr std::array<std::string_view, 7> days = {"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> long_days = {
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  // Reads exactly `n` digits (a leading space stands for a zero when `space_pad`).
  auto digits = [](std::string_view s, std::size_t pos, std::size_t n,
                   bool space_pad = false) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int out = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s[pos + i];
      if (space_pad && i == 0 && c == ' ') continue;
      if (c < '0' || c > '9') return std::nullopt;
      out = out * 10 + (c - '0');
    }
    return out;
  };
  auto month_of = [&](std::string_view s) -> std::optional<unsigned> {
    for (std::size_t i = 0; i < months.size(); ++i) {
      if (s == months[i]) return static_cast<unsigned>(i + 1);
    }
    return std::nullopt;
  };
  // "HH:MM:SS" at pos.
  auto time_of = [&](std::string_view s, std::size_t pos) -> std::optional<std::chrono::seconds> {
    const auto h = digits(s, pos, 2), m = digits(s, pos + 3, 2), sec = digits(s, pos + 6, 2);
    if (!h || !m || !sec || s[pos + 2] != ':' || s[pos + 5] != ':' || *h > 23 || *m > 59 ||
        *sec > 60) {
      return std::nullopt;
    }
    return std::chrono::hours(*h) + std::chrono::minutes(*m) + std::chrono::seconds(*sec);
  };
  auto make = [](int y, unsigned mo, int d,
                 std::chrono::seconds tod) -> std::optional<std::chrono::sys_seconds> {
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd) + tod;
  };
  const auto comma = v.find(',');
  if (comma == 3 && std::find(days.begin(), days.end(), v.substr(0, 3)) != days.end()) {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    if (v.size() != 29 || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
        v.substr(25) != " GMT") {
      return std::nullopt;
    }
    const auto d = digits(v, 5, 2), y = digits(v, 12, 4);
    const auto mo = month_of(v.substr(8, 3));
    const auto tod = time_of(v, 17);
    if (!d || !y || !mo || !tod) return std::nullopt;
    return make(*y, *mo, *d, *tod);
  }
  if (comma != std::string_view::npos &&
      std::find(long_days.begin(), long_days.end(), v.substr(0, comma)) != long_days.end()) {
    // "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year more than 50 years ahead is in the past
    // century (RFC 9110 §5.6.7) — taken here as 1970–2069.
    const std::string_view r = v.substr(comma + 1);
    if (r.size() != 23 || r[0] != ' ' || r[3] != '-' || r[7] != '-' || r[10] != ' ' ||
        r.substr(19) != " GMT") {
      return std::nullopt;
    }
    const auto d = digits(r, 1, 2), yy = digits(r, 8, 2);
    const auto mo = month_of(r.substr(4, 3));
    const auto tod = time_of(r, 11);
    if (!d || !yy || !mo || !tod) return std::nullopt;
    return make(*yy < 70 ? 2000 + *yy : 1900 + *yy, *mo, *d, *tod);
  }
  if (v.size() == 24 && std::find(days.begin(), days.end(), v.substr(0, 3)) != days.end() &&
      v[3] == ' ' && v[7] == ' ' && v[10] == ' ' && v[19] == ' ') {
    // "Sun Nov  6 08:49:37 1994"
    const auto mo = month_of(v.substr(4, 3));
    const auto d = digits(v, 8, 2, true), y = digits(v, 20, 4);
    const auto tod = time_of(v, 11);
    if (!d || !y || !mo || !tod) return std::nullopt;
    return make(*y, *mo, *d, *tod);
  }
  return std::nullopt;
}

asio::awaitable<Outcome> perform(asio::any_io_executor ex, const HttpRequest& r, bool as_get) {
  bool file_created = false;
  Outcome out = permanent("internal error");
  try {
    const Method m = method_of(r, as_get);
    out = co_await request_once(ex, r, m, file_created);
  } catch (const std::exception& e) {
    // Not expected (Asio reports through error codes here); keep the promise of never throwing.
    out = permanent(std::string("internal error: ") + e.what());
  }
  if (!out && file_created) {
    std::error_code ignored;
    fs::remove(r.body_to_file, ignored);
  }
  co_return out;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

bool retryable_status(int status) {
  return (status >= 500 && status <= 599) || status == 429 || status == 408;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  constexpr std::chrono::seconds cap = std::chrono::hours(24 * 3653);  // ten years
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint64_t n = 0;
    const auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (err == std::errc::result_out_of_range || n > static_cast<std::uint64_t>(cap.count())) {
      return cap;
    }
    return std::chrono::seconds(static_cast<std::int64_t>(n));
  }
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::seconds(0);
  const auto wait = std::chrono::ceil<std::chrono::seconds>(*date - now);
  return std::min(wait, cap);
}

asio::awaitable<tl::expected<HttpResponse, HttpError>> http_request(asio::any_io_executor ex,
                                                                    const HttpRequest& r) {
  co_return co_await perform(ex, r, false);
}

asio::awaitable<tl::expected<HttpResponse, HttpError>> http_get(asio::any_io_executor ex,
                                                                const HttpRequest& r) {
  co_return co_await perform(ex, r, true);
}

}  // namespace bw::net
