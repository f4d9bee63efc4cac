#include "collectors/files_source.h"

namespace bw::collect {
namespace fs = std::filesystem;

FilesSource::FilesSource(const config::SourceConfig& c) : name_(c.name), files_(c.files) {
  if (c.file_kind) kind_ = store::parse_file_kind(*c.file_kind);
  if (auto e = parse_encoding_choice(c.encoding)) encoding_ = *e;
}

boost::asio::awaitable<Result<std::vector<ExportFile>>> FilesSource::poll() { co_return scan(); }

Result<std::vector<ExportFile>> FilesSource::scan() {
  std::vector<ExportFile> out;
  std::string missing;
  for (const fs::path& p : files_) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    const auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(p, ec);
    if (ec) {
      missing += (missing.empty() ? "" : "; ") + p.string() + ": " + ec.message();
      continue;
    }
    const Seen seen{size, mtime};
    auto it = taken_.find(p.string());
    if (it != taken_.end() && it->second.size == seen.size && it->second.mtime == seen.mtime) continue;
    pending_[p.string()] = seen;
    out.push_back(ExportFile{name_, p.filename().string(), p, kind_, encoding_});
  }
  if (!missing.empty() && out.empty()) return fail(Errc::io, "files source " + name_ + ": " + missing);
  return out;
}

void FilesSource::done(const ExportFile& file, const Result<store::IngestReport>& outcome) {
  auto it = pending_.find(file.path.string());
  if (it == pending_.end()) return;
  // A file that failed stays failed until it changes; one interrupted (unavailable) is tried again.
  if (outcome || outcome.error().code != Errc::unavailable) taken_[it->first] = it->second;
  pending_.erase(it);
}

}  // namespace bw::collect
