// The drop-folder source: export files synced into a folder are taken once complete — size and
// mtime unchanged across two polls and the last byte a line end, or a `<name>.done` marker — then
// moved to archive/ (ingested) or failed/ (unreadable, with a `<name>.reason` file beside). Names
// are never trusted as paths; symlinks, FIFOs, directories, hard-linked files and files of other
// names than the glob's (payments.xlsx) are skipped, reported once and listed (skipped()).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

/// When a regular file is complete (docs/reliability.md, "Drop folder"):
/// - empty (0 bytes): never; held until bytes arrive and settle (a writer that creates first,
/// writes later);
/// - with its `<name>.done` marker: at once, its last record taken as written (the writer says it
/// is whole);
/// - otherwise (unless require_done_marker) when size and mtime are unchanged since the previous
/// poll and
///   its last byte is LF or CR. A file that ends without a line end is held ("…,12" may become
///   "…,12345.67"); once it has stayed unchanged for `incomplete_after` it is taken with
///   reject_unterminated_last_record set: the good rows are kept, the cut last line is rejected.
/// Each hold and each skipped entry gives one SourceNotice, not one per poll.
///
/// Poll and done() on one thread at a time (the scheduler's); skipped() from any thread.
class DropFolderSource final : public Source {
 public:
  /// `now` gives the time for incomplete_after and first_seen.
  DropFolderSource(const config::SourceConfig& c, WallClock now);
  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "drop_folder"; }
  /// Errc::io when the folder is missing or unreadable ("drop folder /x: No such file or
  /// directory").
  boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() override;
  void done(const ExportFile& file, const Result<store::IngestReport>& outcome) override;
  /// Symlinks, FIFOs, directories (but archive/ and failed/), hard-linked files and other
  /// non-regular entries matching the glob, as the last poll found them, by name. Thread-safe.
  std::vector<SkippedEntry> skipped() const override;
  std::vector<SourceNotice> take_notices() override;

  /// The synchronous body of poll() (tests, and poll itself).
  Result<std::vector<ExportFile>> scan();

 private:
  struct Seen {
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    std::chrono::system_clock::time_point since;  // first poll that saw this size and mtime
    bool held_noticed = false;                    // the hold was reported
  };
  std::string name_;
  std::filesystem::path folder_;
  std::string glob_;
  bool require_done_;
  std::chrono::seconds incomplete_after_;
  std::optional<store::FileKind> kind_;
  EncodingChoice encoding_ = EncodingChoice::auto_detect;
  WallClock now_;
  std::map<std::string, Seen> seen_;  // by file name, from the previous poll
  std::vector<SourceNotice> notices_;
  mutable std::mutex skipped_mutex_;
  std::map<std::string, SkippedEntry> skipped_;  // by name; guarded by skipped_mutex_
};

/// True when `name` matches a glob of `*` (any run) and `?` (one byte); no path separators.
bool glob_match(std::string_view glob, std::string_view name);

/// A file name safe to use inside a folder: no separators, not "." or "..", no NUL, not empty.
bool safe_file_name(std::string_view name);

}  // namespace bw::collect
