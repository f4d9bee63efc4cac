// Temporary files for request bodies (uploads): created under a unique random name, exclusively, so
// that two daemons sharing a state directory (or a restart while a request is in flight) never
// write into the same file. Used by daemon/web/server.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "engine/result.h"

namespace bw::web {

/// An open, newly created spool file. The caller owns `fd` (closes it) and removes `path` when
/// done.
struct SpoolFile {
  std::filesystem::path path;
  int fd = -1;
};

/// A fresh name: "upload-<pid>-<16 random hex digits>.part" (getrandom). Thread-safe.
std::string random_spool_name();

/// Creates a file in `dir` named by `next_name` with O_CREAT|O_EXCL|O_CLOEXEC and mode 0600: a name
/// that exists already (EEXIST) is never opened, another one is tried, up to 16 names. Errc::io
/// "cannot create a spool file in DIR: REASON" on any other error or when every name was taken.
/// Thread-safe if next_name is.
Result<SpoolFile> create_spool_file(
    const std::filesystem::path& dir,
    const std::function<std::string()>& next_name = random_spool_name);

/// Removes the spool files ("upload-*.part") in `dir` last written before `cutoff`: left behind by
/// a daemon that crashed. A file of a request in flight, whichever process serves it, is written to
/// at least every read timeout, so a cutoff far older than that (a day) never removes one. Returns
/// how many were removed; errors are ignored (nothing to clean up). Thread-safe.
std::size_t remove_stale_spool_files(const std::filesystem::path& dir,
                                     std::filesystem::file_time_type cutoff);

}  // namespace bw::web
