// Logging setup (spdlog): named loggers daemon, collect, store, alerts, web; one line per event, the message
// first and then key=value pairs (STYLE §4). Secrets never reach a logger: callers pass URLs through
// net::redact_url and never log tokens.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace bw::daemon {

/// Creates the named loggers writing to stderr with the given level (trace … error); idempotent.
/// Unknown levels fall back to info. Thread-safe after setup.
void setup_logging(std::string_view level);

/// The logger of a part: "daemon", "collect", "store", "alerts", "web".
std::shared_ptr<spdlog::logger> logger(const std::string& name);

/// A value for a key=value pair: quoted when it holds spaces, quotes or '=' (`file="a b.csv"`).
std::string kv(std::string_view value);

}  // namespace bw::daemon
