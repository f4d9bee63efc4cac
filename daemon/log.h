// Logging setup (spdlog): named loggers daemon, collect, store, alerts, web; one line per event,
// the message first and then key=value pairs (STYLE §4). Secrets never reach a logger: callers pass
// URLs through net::redact_url and never log tokens.
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

/// A value for a key=value pair, safe for any bytes (file names, error texts, anything a client
/// sent). Returned as is when it is non-empty and holds only printable ASCII other than space, '"',
/// '=' and '\', and UTF-8 characters other than the breaks below (`file=支付明细.csv`); otherwise
/// quoted (`file="a b.csv"`) with '"' and '\' backslash-escaped, \n \r \t, other C0 controls and
/// DEL as \xHH, bytes that are not UTF-8 as \xHH, and C1 controls, U+2028 and U+2029 as \uHHHH. So
/// a value never ends the log line nor fakes another key. Thread-safe; never throws but bad_alloc.
std::string kv(std::string_view value);

}  // namespace bw::daemon
