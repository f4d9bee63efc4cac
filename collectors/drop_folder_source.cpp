#include "collectors/drop_folder_source.h"

#include "collectors/xlsx_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

namespace bw::collect {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view done_suffix = ".done";

// Moves `from` into `dir`, keeping its name or adding .1, .2, … when taken. Never overwrites.
fs::path move_into(const fs::path& from, const fs::path& dir, std::error_code& ec) {
  fs::create_directories(dir, ec);
  if (ec) return {};
  const std::string name = from.filename().string();
  fs::path to = dir / name;
  for (int i = 1; fs::exists(fs::symlink_status(to)); ++i) to = dir / (name + "." + std::to_string(i));
  fs::rename(from, to, ec);
  return to;
}

// "10m", "1h", "90s": as durations are written in the config.
std::string duration_text(std::chrono::seconds s) {
  const auto n = s.count();
  if (n > 0 && n % 3600 == 0) return std::to_string(n / 3600) + "h";
  if (n > 0 && n % 60 == 0) return std::to_string(n / 60) + "m";
  return std::to_string(n) + "s";
}

// What a regular file looks like now, read through a descriptor opened without following a symlink (a
// name swapped for a link after the listing fails with ELOOP) and without blocking (a swapped-in FIFO).
struct Probe {
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  bool ends_with_line_end = false;
};

std::optional<Probe> probe(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<Probe> out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
    Probe r;
    r.size = static_cast<std::uintmax_t>(st.st_size);
    r.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    char last = 0;
    if (st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1) r.ends_with_line_end = last == '\n' || last == '\r';
    // A workbook (chosen by its bytes) is complete when its zip directory has been written.
    std::string head(8, '\0');
    if (!r.ends_with_line_end && ::pread(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()) &&
        sniff_format(head) != FileFormat::text) {
      const auto n = static_cast<std::size_t>(std::min<std::uintmax_t>(r.size, binary_tail_bytes));
      std::string tail(n, '\0');
      const ssize_t got = ::pread(fd, tail.data(), n, st.st_size - static_cast<off_t>(n));
      tail.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
      r.ends_with_line_end = binary_export_complete(head, tail);
    }
    out = r;
  }
  ::close(fd);
  return out;
}

// Why an entry that is not a single-link regular file is skipped; nullopt for one that is taken.
std::optional<std::pair<std::string, std::string>> skip_reason(const struct stat& st) {
  if (S_ISLNK(st.st_mode))
    return std::pair{"symlink", "a symbolic link is never followed (it could point anywhere on the machine); "
                                "drop the file itself"};
  if (S_ISDIR(st.st_mode)) return std::pair{"directory", "a directory is not an export file"};
  if (S_ISFIFO(st.st_mode))
    return std::pair{"fifo", "a named pipe is not an export file (reading it could block)"};
  if (!S_ISREG(st.st_mode))
    return std::pair{"other", "a socket or device is not an export file"};
  if (st.st_nlink > 1)
    return std::pair{"hard_link", "the file has " + std::to_string(st.st_nlink) +
                                      " hard links: its content is shared with a path outside the drop "
                                      "folder and could change during the ingest; it is taken once the other "
                                      "links are removed"};
  return std::nullopt;
}

}  // namespace

bool glob_match(std::string_view glob, std::string_view name) {
  // Iterative matcher with backtracking on the last '*'.
  std::size_t g = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (n < name.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == name[n])) {
      ++g;
      ++n;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = n;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool safe_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\\') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

DropFolderSource::DropFolderSource(const config::SourceConfig& c, WallClock now)
    : name_(c.name),
      folder_(c.path),
      glob_(c.glob),
      require_done_(c.require_done_marker),
      incomplete_after_(c.incomplete_after),
      now_(std::move(now)) {
  if (c.file_kind) kind_ = store::parse_file_kind(*c.file_kind);
  encoding_ = c.encoding;
}

boost::asio::awaitable<Result<std::vector<ExportFile>>> DropFolderSource::poll() { co_return scan(); }

Result<std::vector<ExportFile>> DropFolderSource::scan() {
  std::error_code ec;
  fs::directory_iterator it(folder_, fs::directory_options::skip_permission_denied, ec);
  if (ec) return fail(Errc::io, "drop folder " + folder_.string() + ": " + ec.message());
  const auto now = now_();
  std::map<std::string, Seen> seen_now;
  std::map<std::string, SkippedEntry> skipped_prev;
  {
    std::lock_guard lock(skipped_mutex_);
    skipped_prev = skipped_;  // first_seen carries over; entries gone are dropped below
  }
  std::map<std::string, SkippedEntry> skipped_next;
  std::vector<ExportFile> ready;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return fail(Errc::io, "drop folder " + folder_.string() + ": " + ec.message());
    const std::string file = it->path().filename().string();
    if (!safe_file_name(file) || file.front() == '.') continue;
    if (file.size() > done_suffix.size() && file.ends_with(done_suffix)) continue;
    const fs::path path = folder_ / file;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;  // gone since the listing
    if (S_ISDIR(st.st_mode) && (file == "archive" || file == "failed")) continue;  // our own
    const bool matches = glob_match(glob_, file);
    // A file of another name (payments.xlsx, a .txt) is not read: said once and listed (issue 17), not
    // passed over in silence. Other entries of other names are not ours to mention.
    if (!matches && !S_ISREG(st.st_mode)) continue;
    if (auto why = matches ? skip_reason(st)
                           : std::optional<std::pair<std::string, std::string>>{std::pair{
                                 std::string("name_not_matched"),
                                 "the name does not match the source's glob '" + glob_ +
                                     "': the file is not read (an Excel workbook must be saved as CSV first)"}}) {
      auto prev = skipped_prev.find(file);
      if (prev != skipped_prev.end() && prev->second.kind == why->first) {
        skipped_next.emplace(file, prev->second);
      } else {
        skipped_next.emplace(file, SkippedEntry{file, why->first, why->second, now});
        notices_.push_back({SourceNotice::Level::warn, "entry skipped", file, why->first, why->second});
      }
      continue;
    }
    const auto probed = probe(path);
    if (!probed) continue;  // replaced or gone since lstat: looked at again next poll
    auto prev = seen_.find(file);
    const bool unchanged =
        prev != seen_.end() && prev->second.size == probed->size && prev->second.mtime_ns == probed->mtime_ns;
    Seen& seen = seen_now[file];
    seen = unchanged ? prev->second : Seen{probed->size, probed->mtime_ns, now, false};
    if (prev != seen_.end()) seen.held_noticed = prev->second.held_noticed;
    if (probed->size == 0) {  // created, not yet written: never complete, even with a marker
      if (!seen.held_noticed) {
        notices_.push_back({SourceNotice::Level::info, "file held: empty", file, "",
                            "an empty file is taken once bytes arrive and stop changing"});
        seen.held_noticed = true;
      }
      continue;
    }
    ExportFile f{name_, file, path, kind_, encoding_};
    f.no_follow = true;
    if (fs::exists(folder_ / (file + std::string(done_suffix)), ec)) {
      ready.push_back(std::move(f));  // the writer says it is complete, last record included
      continue;
    }
    if (require_done_ || !unchanged) continue;
    if (probed->ends_with_line_end) {
      ready.push_back(std::move(f));
      continue;
    }
    if (now - seen.since >= incomplete_after_) {
      notices_.push_back({SourceNotice::Level::warn, "file taken without its last line", file, "",
                          "unchanged for " + duration_text(incomplete_after_) +
                              " without a line end at its end: its last line is rejected, the other rows "
                              "are taken"});
      f.reject_unterminated_last_record = true;
      ready.push_back(std::move(f));
      continue;
    }
    if (!seen.held_noticed) {
      notices_.push_back({SourceNotice::Level::info, "file held: waiting for a line end", file, "",
                          "the last line has no line end yet; taken when it has one, when " + file +
                              std::string(done_suffix) + " appears, or after " + duration_text(incomplete_after_) +
                              " unchanged without its last line"});
      seen.held_noticed = true;
    }
  }
  seen_ = std::move(seen_now);
  for (const ExportFile& f : ready) seen_.erase(f.name);
  std::lock_guard lock(skipped_mutex_);
  skipped_ = std::move(skipped_next);
  return ready;
}

std::vector<SkippedEntry> DropFolderSource::skipped() const {
  std::lock_guard lock(skipped_mutex_);
  std::vector<SkippedEntry> out;
  out.reserve(skipped_.size());
  for (const auto& [name, e] : skipped_) out.push_back(e);
  return out;
}

std::vector<SourceNotice> DropFolderSource::take_notices() { return std::exchange(notices_, {}); }

void DropFolderSource::done(const ExportFile& file, const Result<store::IngestReport>& outcome) {
  if (!safe_file_name(file.name)) return;
  std::error_code ec;
  const fs::path from = folder_ / file.name;
  const fs::path marker = folder_ / (file.name + std::string(done_suffix));
  if (outcome) {
    move_into(from, folder_ / "archive", ec);
  } else if (outcome.error().code == Errc::unavailable) {
    return;  // not the file's fault (shutdown, database busy): try again next poll
  } else {
    const fs::path moved = move_into(from, folder_ / "failed", ec);
    if (!ec) {
      std::ofstream reason(moved.string() + ".reason", std::ios::trunc);
      reason << outcome.error().to_string() << "\n";
    }
  }
  fs::remove(marker, ec);
}

}  // namespace bw::collect
