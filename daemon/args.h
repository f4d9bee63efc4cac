// A small argument parser for the subcommands: `--name value`, `--name=value`, flags, and
// positionals.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/result.h"

namespace bw::daemon {

/// Parsed arguments of one subcommand.
class Args {
 public:
  /// Parses `args` (without the command word). `options` take a value; `flags` do not. Unknown
  /// options and missing values are Errc::invalid_input ("unknown option --x", "option --db needs a
  /// value").
  static Result<Args> parse(const std::vector<std::string>& args,
                            const std::set<std::string>& options,
                            const std::set<std::string>& flags);

  /// The option's value; given more than once, the last one.
  std::optional<std::string> get(const std::string& name) const;
  /// Every value of a repeatable option (`--label a=1 --label b=2`), in order; empty when not
  /// given.
  std::vector<std::string> all(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  bool flag(const std::string& name) const { return flags_.contains(name); }
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positionals_;
};

}  // namespace bw::daemon
