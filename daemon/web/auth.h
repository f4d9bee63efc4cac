// Token checks of the HTTP server's write endpoints. Tokens come from the config
// (token_file/token_env), are compared in constant time and never logged nor echoed. Used by
// daemon/app.cpp (the server's Authorizer) and daemon/web/server.cpp (the 401 and 403 answers).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/web/http.h"

namespace bw::web {

/// True when the strings are equal. The time taken depends only on their lengths, not on where they
/// differ (no early exit), so that a client cannot find a token byte by byte by timing the answers.
bool same_secret(std::string_view presented, std::string_view expected);

/// The outcome of checking a request's token for a route's scope.
struct TokenCheck {
  enum class Status {
    ok,             ///< a configured token holding the scope (or "admin")
    unknown_token,  ///< no Authorization: Bearer header, or a token that is not configured → 401
    wrong_scope,    ///< a configured token without the scope → 403
  };
  Status status = Status::unknown_token;
  std::string name;  ///< the token's name from the config (ok, wrong_scope); never the token
  std::vector<std::string> scopes;  ///< the token's scopes (wrong_scope), for the 403 message
};

/// Checks `authorization`, the value of the Authorization header (nullopt when absent), which must
/// be "Bearer <token>", against every configured token for `scope`. The presented token is compared
/// with every non-empty token by same_secret, without stopping at a match, so that the time taken
/// tells nothing about which token matched or how much of it. Thread-safe (pure).
TokenCheck check_token(std::optional<std::string_view> authorization,
                       const std::vector<config::TokenConfig>& tokens, std::string_view scope);

/// The answer to a request whose check failed: 401 with `WWW-Authenticate: Bearer` for
/// unknown_token, 403 naming the scope required and the token's name and scopes for wrong_scope.
/// Neither holds the token. Precondition: check.status != ok.
Response refusal(const TokenCheck& check, std::string_view scope);

}  // namespace bw::web
