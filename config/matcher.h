// Label matchers (`name=value`, `name!=value`, `name=~regex`, `name!~regex`): the one parser,
// compiler and evaluator used by the config's routes (load.cpp), the silences API and silences read
// back (alerts/). Regular expressions are RE2 (linear time, no backreferences or lookarounds),
// anchored.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/alerts_config.h"
#include "engine/result.h"

namespace bw::config {

/// Compiles a user-supplied regular expression with RE2: at most defaults::max_pattern_bytes long
/// and within defaults::max_pattern_mem_bytes of RE2 memory. Matching it is linear in the text (no
/// backtracking), so no pattern can stall the caller. Thread-safe.
/// Errors: Errc::invalid_input, message "'<pattern>' is not a regular expression: <reason>" (RE2's
/// reason, with a hint when it is a backreference or lookaround) or "'<first 40 bytes>...' is
/// longer than 1024 bytes".
Result<std::shared_ptr<const re2::RE2>> compile_pattern(std::string_view pattern);

/// "=", "!=", "=~", "!~" → the operator; nullopt for anything else.
std::optional<MatcherConfig::Op> parse_op(std::string_view op);

/// A matcher from its parts; =~ and !~ compile `value` (compile_pattern's errors).
Result<MatcherConfig> make_matcher(std::string name, MatcherConfig::Op op, std::string value);

/// Parses "label=value", "label!=value", "label=~regex", "label!~regex" (the first operator in the
/// text wins; a value in matching single or double quotes loses them) and compiles it as
/// make_matcher does. Errors: Errc::invalid_input, "'<text>' is not a matcher (label=value,
/// label!=value, label=~regex, label!~regex)" or compile_pattern's.
Result<MatcherConfig> parse_matcher(std::string_view text);

/// Whether `value` satisfies `m`. Regular expressions match the whole value (Alertmanager: `=~` is
/// fully anchored). A matcher without `compiled` compiles through a bounded cache keyed by the
/// pattern; a pattern that does not compile matches nothing, under =~ and !~ alike (a silence read
/// back from an older version must not silence everything). Thread-safe.
bool matches_value(const MatcherConfig& m, std::string_view value);

}  // namespace bw::config
