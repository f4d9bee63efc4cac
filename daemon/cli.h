// The budgetwatch command line: ingest, report, migrate, version (and, with the service, run and
// check-config). Each command prints what other tools rely on to stdout and diagnostics to stderr.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace bw::daemon {

/// Exit codes: 0 ok; 1 a command failed (e.g. a file could not be read at all); 2 usage error;
/// 78 configuration error (EX_CONFIG).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_config = 78;

/// Runs `budgetwatch <command> [options]` and returns the exit code.
int run_cli(int argc, char** argv);

/// The same over an argument vector (args[0] is the command), writing to the given streams (tests).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bw::daemon
