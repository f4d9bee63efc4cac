#include "daemon/web/router.h"

namespace bw::web {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  const auto p = segments(pattern);
  const auto s = segments(path);
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      found[std::string(p[i].substr(1, p[i].size() - 2))] = std::string(s[i]);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::add(Route r) { routes_.push_back(std::move(r)); }

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(r.pattern, path, params)) continue;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) {
      m.wrong_method = true;
      continue;
    }
    m.route = &r;
    m.params = std::move(params);
    m.wrong_method = false;
    return m;
  }
  return m;
}

}  // namespace bw::web
