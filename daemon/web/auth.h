// Token checks of the HTTP server's write endpoints. Tokens come from the config (token_file/token_env),
// are compared in constant time and never logged.
#pragma once

#include <string_view>

namespace bw::web {

/// True when the strings are equal. The time taken depends only on their lengths, not on where they differ
/// (no early exit), so that a client cannot find a token byte by byte by timing the answers.
bool same_secret(std::string_view presented, std::string_view expected);

}  // namespace bw::web
