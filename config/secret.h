// A secret read from a file or an environment variable.
#pragma once

#include <string>

namespace bw::config {

/// A secret read from a file or an environment variable (never written in the config itself in
/// production; an inline `value` is accepted for tests and demos and is masked when printed).
struct Secret {
  std::string value;   ///< resolved at load time
  std::string origin;  ///< "file /etc/budgetwatch/token", "env BW_TOKEN", "inline"
  bool empty() const { return value.empty(); }
};

}  // namespace bw::config
