// Loading and printing the YAML configuration. Errors name the file, line and column and the key:
// "demo.yaml:12:15: sources[0].interval: '10 minutes' is not a duration (use 500ms, 30s, 5m, 1h, 1d)".
#pragma once

#include <filesystem>
#include <string>

#include "config/config.h"
#include "engine/result.h"

namespace bw::config {

/// Loads and validates a config file. Relative paths in it (database, source paths and files, token and
/// CA files) are resolved against the file's directory. Secrets are read from their files or environment
/// variables. Unknown keys are errors (a typo must not silently fall back to a default).
/// Errors: Errc::invalid_input with `where` = "file:line:col" and message "key: reason", or with `where` =
/// the file when it is larger than defaults::max_config_bytes (checked before parsing); Errc::io when the
/// file cannot be read.
Result<Config> load_config(const std::filesystem::path& file);

/// The same from text (tests); `name` stands for the file in messages and relative paths resolve against
/// `base_dir`.
Result<Config> load_config_text(const std::string& yaml, const std::string& name,
                                const std::filesystem::path& base_dir);

/// The effective configuration as YAML, every default filled in, secrets masked ("<secret from env
/// BW_TOKEN>") and source URLs' secret query parameters masked as the logs mask them (net::redact_url),
/// for `budgetwatch check-config`.
std::string print_config(const Config& c);

}  // namespace bw::config
