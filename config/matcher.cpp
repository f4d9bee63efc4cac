#include "config/matcher.h"

#include <array>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <re2/re2.h>

#include "config/defaults.h"

namespace bw::config {
namespace {

bool is_regex(MatcherConfig::Op op) {
  return op == MatcherConfig::Op::re || op == MatcherConfig::Op::nre;
}

// std::regex users wrote ECMAScript; say why RE2 refuses the two features it leaves out on purpose.
std::string hint(const re2::RE2& re, std::string_view pattern) {
  const std::string& arg = re.error_arg();  // the offending text, "\\1"
  if (re.error_code() == re2::RE2::ErrorBadEscape && arg.size() == 2 && arg[1] >= '1' &&
      arg[1] <= '9')
    return " (backreferences such as \\1 are not supported)";
  for (std::string_view look : {"(?=", "(?!", "(?<=", "(?<!"}) {
    if (pattern.find(look) != std::string_view::npos)
      return " (lookarounds such as (?=, (?!, (?<= are not supported)";
  }
  return "";
}

// Matchers built without make_matcher (tests, future callers) still compile once per pattern text.
// The cache is bounded: when full it starts again (patterns are few; this only caps memory).
constexpr std::size_t cache_capacity = 1024;

std::shared_ptr<const re2::RE2> cached(const std::string& pattern) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  {
    const std::lock_guard lock(mu);
    if (const auto it = cache.find(pattern); it != cache.end()) return it->second;
  }
  auto re = compile_pattern(pattern);  // outside the lock: compiling may take a while
  std::shared_ptr<const re2::RE2> out = re ? *re : nullptr;
  const std::lock_guard lock(mu);
  if (cache.size() >= cache_capacity) cache.clear();
  cache.emplace(pattern, out);
  return out;
}

}  // namespace

Result<std::shared_ptr<const re2::RE2>> compile_pattern(std::string_view pattern) {
  if (pattern.size() > defaults::max_pattern_bytes) {
    return fail(Errc::invalid_input, "'" + std::string(pattern.substr(0, 40)) +
                                         "...' is longer than " +
                                         std::to_string(defaults::max_pattern_bytes) + " bytes");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_max_mem(defaults::max_pattern_mem_bytes);
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return fail(Errc::invalid_input, "'" + std::string(pattern) +
                                         "' is not a regular expression: " + re->error() +
                                         hint(*re, pattern));
  }
  return re;
}

std::optional<MatcherConfig::Op> parse_op(std::string_view op) {
  using Op = MatcherConfig::Op;
  if (op == "=") return Op::eq;
  if (op == "!=") return Op::ne;
  if (op == "=~") return Op::re;
  if (op == "!~") return Op::nre;
  return std::nullopt;
}

Result<MatcherConfig> make_matcher(std::string name, MatcherConfig::Op op, std::string value) {
  MatcherConfig m;
  m.name = std::move(name);
  m.op = op;
  m.value = std::move(value);
  if (is_regex(op)) {
    auto re = compile_pattern(m.value);
    if (!re) return tl::unexpected(re.error());
    m.compiled = std::move(*re);
  }
  return m;
}

Result<MatcherConfig> parse_matcher(std::string_view s) {
  using Op = MatcherConfig::Op;
  std::size_t pos = std::string_view::npos;
  std::size_t len = 0;
  Op op = Op::eq;
  for (auto [o, text] : std::array{std::pair{Op::nre, "!~"}, std::pair{Op::re, "=~"},
                                   std::pair{Op::ne, "!="}, std::pair{Op::eq, "="}}) {
    const auto at = s.find(text);
    if (at != std::string_view::npos && (pos == std::string_view::npos || at < pos)) {
      pos = at;
      len = std::strlen(text);
      op = o;
    }
  }
  if (pos == std::string_view::npos || pos == 0) {
    return fail(Errc::invalid_input,
                "'" + std::string(s) +
                    "' is not a matcher (label=value, label!=value, label=~regex, label!~regex)");
  }
  std::string value(s.substr(pos + len));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return make_matcher(std::string(s.substr(0, pos)), op, std::move(value));
}

bool matches_value(const MatcherConfig& m, std::string_view value) {
  using Op = MatcherConfig::Op;
  switch (m.op) {
    case Op::eq:
      return value == m.value;
    case Op::ne:
      return value != m.value;
    case Op::re:
    case Op::nre: {
      const std::shared_ptr<const re2::RE2> re = m.compiled ? m.compiled : cached(m.value);
      if (!re) return false;
      const bool hit = re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re);
      return m.op == Op::re ? hit : !hit;
    }
  }
  return false;
}

}  // namespace bw::config
