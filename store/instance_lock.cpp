#include "store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bw::store {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  if (::lseek(fd, 0, SEEK_SET) < 0) return out;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > 4096) break;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool path_exists(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

std::filesystem::path lock_path(const std::filesystem::path& database) {
  return std::filesystem::path(database.string() + ".lock");
}

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& database,
                                           const std::string& owner) {
  const std::filesystem::path p = lock_path(database);
  const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return fail(Errc::io,
                "cannot create the lock file " + p.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    std::string holder = read_all(fd);
    ::close(fd);
    if (e == EWOULDBLOCK) {
      return fail(Errc::conflict,
                  "database " + database.string() + " is in use by another budgetwatch (" +
                      (holder.empty() ? std::string("see ") + p.string() : holder) +
                      "): one daemon per database file; give this one its own `database:`");
    }
    return fail(Errc::io, "cannot lock " + p.string() + ": " + std::strerror(e));
  }
  // Ours: say who holds it (another instance's refusal names us).
  const std::string text = owner + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    // The lock holds all the same; only the message of a refused instance is poorer.
  }
  return InstanceLock(fd);
}

InstanceLock& InstanceLock::operator=(InstanceLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Result<void> check_database_present(const std::filesystem::path& database, bool create) {
  if (create || path_exists(database)) return {};
  const std::filesystem::path p = lock_path(database);
  if (!path_exists(p)) return {};  // a first start: nothing was ever here
  return fail(
      Errc::not_found,
      "database file " + database.string() + " is missing, but " + p.string() +
          " shows that a budgetwatch database lived there: it was deleted or moved. Restore it "
          "from a "
          "backup (and its -wal file if there is one), or start with --create-database to begin an "
          "empty ledger (every ingested file would have to be ingested again)");
}

}  // namespace bw::store
