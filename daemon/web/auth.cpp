#include "daemon/web/auth.h"

#include <algorithm>

namespace bw::web {

bool same_secret(std::string_view presented, std::string_view expected) {
  const std::size_t n = std::max(presented.size(), expected.size());
  // A volatile accumulator keeps the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < presented.size() ? presented[i] : 0);
    const auto y = static_cast<unsigned char>(i < expected.size() ? expected[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

TokenCheck check_token(std::optional<std::string_view> authorization,
                       const std::vector<config::TokenConfig>& tokens, std::string_view scope) {
  TokenCheck out;
  constexpr std::string_view bearer = "Bearer ";
  if (!authorization || authorization->substr(0, bearer.size()) != bearer) return out;
  const std::string_view presented = authorization->substr(bearer.size());
  const config::TokenConfig* match = nullptr;
  // Compare against every token (no early exit) so timing tells nothing about which one matched.
  for (const config::TokenConfig& t : tokens) {
    if (same_secret(presented, t.token.value) && !t.token.empty()) match = &t;
  }
  if (match == nullptr) return out;
  const auto& s = match->scopes;
  const bool scoped =
      std::find(s.begin(), s.end(), scope) != s.end() || std::find(s.begin(), s.end(), "admin") != s.end();
  out.status = scoped ? TokenCheck::Status::ok : TokenCheck::Status::wrong_scope;
  out.name = match->name;
  if (!scoped) out.scopes = s;
  return out;
}

Response refusal(const TokenCheck& check, std::string_view scope) {
  if (check.status == TokenCheck::Status::wrong_scope) {
    std::string has = check.scopes.empty() ? "no scope" : check.scopes.size() == 1 ? "scope " : "scopes ";
    for (std::size_t i = 0; i < check.scopes.size(); ++i) has += (i == 0 ? "'" : ", '") + check.scopes[i] + "'";
    return error_response(403, "a token with scope '" + std::string(scope) + "' is required; this token ('" +
                                   check.name + "') has " + has);
  }
  Response r = error_response(401, "a valid token with scope '" + std::string(scope) + "' is required");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace bw::web
