// Loading and printing the YAML configuration. Errors name the file, line and column and the key:
// "demo.yaml:12:15: sources[0].interval: '10 minutes' is not a duration (use 500ms, 30s, 5m, 1h,
// 1d)".
#pragma once

#include <filesystem>
#include <string>

#include "config/config.h"
#include "engine/result.h"

namespace bw::config {

/// Loads and validates a config file. Relative paths in it (database, source paths and files, token
/// and CA files) are resolved against the file's directory. Secrets are read from their files or
/// environment variables. Unknown keys are errors (a typo must not silently fall back to a
/// default). Errors: Errc::invalid_input with `where` = "file:line:col" and message "key: reason",
/// or with `where` = the file when it is larger than defaults::max_config_bytes (checked before
/// parsing); Errc::io when the file cannot be read.
Result<Config> load_config(const std::filesystem::path& file);

/// The same from text (tests); `name` stands for the file in messages and relative paths resolve
/// against `base_dir`.
Result<Config> load_config_text(const std::string& yaml, const std::string& name,
                                const std::filesystem::path& base_dir);

/// The effective configuration as YAML, every key of every section filled in (config/schema.h), for
/// `budgetwatch check-config`. It loads back to the same effective configuration, with two
/// exceptions: a secret written inline prints as the placeholder `<secret inline>` (which the
/// loader refuses), and URLs print masked (source URLs' secret query parameters as the logs mask
/// them, net::redact_url; an inline receiver URL without its query). Secrets from files and the
/// environment print as their source
/// (`token_file: PATH`, `token_env: VAR`), never as their value.
std::string print_config(const Config& c);

/// The reference of every configuration key (type, default, kinds, one line each) as Markdown,
/// generated from config/schema.h: `budgetwatch config-reference`, checked in as
/// docs/config-reference.md.
std::string config_reference();

}  // namespace bw::config
