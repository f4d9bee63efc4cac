// The route table of the HTTP server (Boost.MySQL example style): {method, path pattern} → handler,
// with the body each route reads and the token scope it needs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "daemon/web/http.h"

namespace bw::web {

/// What a route reads after the headers.
enum class BodyKind {
  none,   ///< no body accepted (GET; a body is refused with 413)
  small,  ///< JSON and form bodies into memory, up to ServerOptions::max_small_body_bytes
  file,   ///< streamed to a temporary file, up to ServerOptions::max_body_bytes (uploads)
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct Route {
  std::string method;  ///< "GET", "POST", …
  std::string
      pattern;       ///< "/api/v1/projects/{code}": a {name} segment matches one non-empty segment
  std::string name;  ///< the `handler` label of the HTTP metrics
  BodyKind body = BodyKind::none;
  std::string scope;  ///< token scope required ("upload", "write"); empty: public
  Handler handler;
};

/// A route table. Not thread-safe to modify; matching is read-only and thread-safe.
class Router {
 public:
  void add(Route r);

  struct Match {
    const Route* route = nullptr;  ///< nullptr: no route
    bool wrong_method = false;     ///< the path exists with another method (405)
    std::map<std::string, std::string> params;
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace bw::web
