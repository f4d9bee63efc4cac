#include "collectors/files_source.h"

#include "collectors/xlsx_reader.h"

#include <fstream>

namespace bw::collect {
namespace fs = std::filesystem;

namespace {

// True when the file's last byte is LF or CR (false when it cannot be read: looked at again next poll).
bool ends_with_line_end(const fs::path& p, std::uintmax_t size) {
  if (size == 0) return true;  // nothing cut: read as it is ("empty file")
  std::ifstream in(p, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(size - 1));
  char last = 0;
  if (in.get(last) && (last == '\n' || last == '\r')) return true;
  // A workbook (chosen by its bytes) is complete when its zip directory has been written.
  std::string head(8, '\0');
  in.clear();
  in.seekg(0);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.gcount() != static_cast<std::streamsize>(head.size()) || sniff_format(head) == FileFormat::text) return false;
  const auto n = static_cast<std::size_t>(std::min<std::uintmax_t>(size, binary_tail_bytes));
  std::string tail(n, '\0');
  in.seekg(static_cast<std::streamoff>(size - n));
  in.read(tail.data(), static_cast<std::streamsize>(n));
  tail.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  return binary_export_complete(head, tail);
}

std::string duration_text(std::chrono::seconds s) {
  const auto n = s.count();
  if (n > 0 && n % 3600 == 0) return std::to_string(n / 3600) + "h";
  if (n > 0 && n % 60 == 0) return std::to_string(n / 60) + "m";
  return std::to_string(n) + "s";
}

}  // namespace

FilesSource::FilesSource(const config::SourceConfig& c, WallClock now)
    : name_(c.name), files_(c.files), incomplete_after_(c.incomplete_after), now_(std::move(now)) {
  if (c.file_kind) kind_ = store::parse_file_kind(*c.file_kind);
  encoding_ = c.encoding;
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
    ExportFile f{name_, p.filename().string(), p, kind_, encoding_};
    std::error_code marker_ec;
    const bool marked = fs::exists(p.string() + ".done", marker_ec);
    if (!marked && !ends_with_line_end(p, size)) {
      const auto now = now_();
      auto [h, fresh] = held_.try_emplace(p.string(), Held{seen, now, false});
      if (!fresh && (h->second.seen.size != seen.size || h->second.seen.mtime != seen.mtime)) {
        h->second.seen = seen;  // still being written: the wait starts again
        h->second.since = now;
      }
      if (now - h->second.since < incomplete_after_) {
        if (!h->second.noticed) {
          notices_.push_back({SourceNotice::Level::info, "file held: waiting for a line end", f.name, "",
                              "the last line has no line end yet; taken when it has one, when " + f.name +
                                  ".done appears, or after " + duration_text(incomplete_after_) +
                                  " unchanged without its last line"});
          h->second.noticed = true;
        }
        continue;
      }
      notices_.push_back({SourceNotice::Level::warn, "file taken without its last line", f.name, "",
                          "unchanged for " + duration_text(incomplete_after_) +
                              " without a line end at its end: its last line is rejected, the other rows "
                              "are taken"});
      f.reject_unterminated_last_record = true;
    }
    held_.erase(p.string());
    pending_[p.string()] = seen;
    out.push_back(std::move(f));
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

std::vector<SourceNotice> FilesSource::take_notices() { return std::exchange(notices_, {}); }

}  // namespace bw::collect
