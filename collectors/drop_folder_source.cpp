#include "collectors/drop_folder_source.h"

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

DropFolderSource::DropFolderSource(const config::SourceConfig& c)
    : name_(c.name), folder_(c.path), glob_(c.glob), require_done_(c.require_done_marker) {
  if (c.file_kind) kind_ = store::parse_file_kind(*c.file_kind);
  if (auto e = parse_encoding_choice(c.encoding)) encoding_ = *e;
}

boost::asio::awaitable<Result<std::vector<ExportFile>>> DropFolderSource::poll() { co_return scan(); }

Result<std::vector<ExportFile>> DropFolderSource::scan() {
  std::error_code ec;
  fs::directory_iterator it(folder_, fs::directory_options::skip_permission_denied, ec);
  if (ec) return fail(Errc::io, "drop folder " + folder_.string() + ": " + ec.message());
  std::map<std::string, Seen> now;
  std::vector<ExportFile> ready;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return fail(Errc::io, "drop folder " + folder_.string() + ": " + ec.message());
    const fs::path& p = it->path();
    const std::string file = p.filename().string();
    if (!safe_file_name(file) || file.front() == '.' || !glob_match(glob_, file)) continue;
    if (file.size() > done_suffix.size() && file.ends_with(done_suffix)) continue;
    // Symlinks are not followed: a link could point anywhere on the machine.
    const fs::file_status st = it->symlink_status(ec);
    if (ec || !fs::is_regular_file(st)) continue;
    const Seen seen{it->file_size(ec), it->last_write_time(ec)};
    if (ec) continue;
    now[file] = seen;
    const bool marked = fs::exists(folder_ / (file + std::string(done_suffix)), ec);
    bool complete = marked;
    if (!require_done_) {
      auto prev = seen_.find(file);
      complete = complete || (prev != seen_.end() && prev->second.size == seen.size &&
                              prev->second.mtime == seen.mtime);
    }
    if (complete) ready.push_back(ExportFile{name_, file, folder_ / file, kind_, encoding_});
  }
  seen_ = std::move(now);
  for (const ExportFile& f : ready) seen_.erase(f.name);
  return ready;
}

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
