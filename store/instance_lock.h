// One daemon per database file: an exclusive advisory lock (flock) on `<database>.lock`, held for
// the process's lifetime, and the record that a database was created at that path (so that a
// database deleted behind the daemon's back is never silently replaced by an empty one at the next
// start).
#pragma once

#include <filesystem>
#include <string>

#include "engine/result.h"

namespace bw::store {

/// The lock file of a database file: `<database>.lock` beside it.
std::filesystem::path lock_path(const std::filesystem::path& database);

/// The exclusive lock of a database's owner. Move-only; released when destroyed (or by the kernel
/// when the process dies, SIGKILL included: a stale lock file never blocks a restart).
class InstanceLock {
 public:
  /// Takes the lock without waiting. `owner` is written into the lock file for the message another
  /// instance gets ("pid 1234, listen 127.0.0.1:9464, since …"). Errc::conflict when another
  /// process holds it (the message names it), Errc::io when the lock file cannot be created.
  static Result<InstanceLock> acquire(const std::filesystem::path& database,
                                      const std::string& owner);

  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&& o) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// Whether a database may be opened at `database` by a daemon start: Errc::not_found with a loud
/// message when the file is missing but its lock file shows that a database lived there (deleted or
/// moved away: restore it, or start with --create-database for an empty ledger). Ok when the file
/// exists, or when neither exists (a first start), or when `create` is set.
Result<void> check_database_present(const std::filesystem::path& database, bool create);

}  // namespace bw::store
