#include "daemon/web/spool_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

namespace bw::web {

std::string random_spool_name() {
  std::array<unsigned char, 8> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    thread_local std::mt19937_64 fallback{
        std::random_device{}()};  // getrandom(2) missing (old kernel)
    const std::uint64_t r = fallback();
    std::memcpy(bytes.data(), &r, bytes.size());
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string name = "upload-" + std::to_string(::getpid()) + "-";
  for (unsigned char b : bytes) {
    name += hex[b >> 4];
    name += hex[b & 0xF];
  }
  return name + ".part";
}

Result<SpoolFile> create_spool_file(const std::filesystem::path& dir,
                                    const std::function<std::string()>& next_name) {
  constexpr int attempts = 16;
  int error = EEXIST;
  for (int i = 0; i < attempts && error == EEXIST; ++i) {
    std::filesystem::path path = dir / next_name();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) return SpoolFile{std::move(path), fd};
    error = errno;
  }
  return fail(Errc::io,
              "cannot create a spool file in " + dir.string() + ": " + std::strerror(error));
}

std::size_t remove_stale_spool_files(const std::filesystem::path& dir,
                                     std::filesystem::file_time_type cutoff) {
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool spool = name.rfind("upload-", 0) == 0 && name.size() > 5 &&
                       name.compare(name.size() - 5, 5, ".part") == 0;
    if (!spool) continue;
    std::error_code fec;
    if (!it->is_regular_file(fec) || fec) continue;
    const auto written = it->last_write_time(fec);
    if (fec || written >= cutoff) continue;
    if (std::filesystem::remove(it->path(), fec)) ++removed;
  }
  return removed;
}

}  // namespace bw::web
