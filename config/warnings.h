// Configuration that loads but is probably a mistake: secret files others can read, missing input
// files or database folder, a public listener without TLS or tokens. `budgetwatch check-config`
// prints these and the daemon logs them at start; neither refuses the config.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace bw::config {

/// Warnings about a loaded config, each "key: reason" with the path or address concerned, never a
/// secret value. Checks, in this order: the database's folder exists; a `files` source's files
/// exist; every secret read from a file (tokens, source auth, receivers) is not readable by group
/// or others (mode & 077); server.listen on an address other than loopback has TLS and at least one
/// token. Reads file metadata only. Thread-safe.
std::vector<std::string> warnings(const Config& c);

}  // namespace bw::config
