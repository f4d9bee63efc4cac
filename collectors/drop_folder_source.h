// The drop-folder source: export files synced into a folder are taken once complete (size and mtime unchanged
// across two polls, or a `<name>.done` marker), then moved to archive/ (ingested) or failed/ (unreadable,
// with a `<name>.reason` file beside). Names are never trusted as paths; symlinks are not followed.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

/// Poll and done() on one thread at a time (the scheduler's).
class DropFolderSource final : public Source {
 public:
  explicit DropFolderSource(const config::SourceConfig& c);
  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "drop_folder"; }
  /// Errc::io when the folder is missing or unreadable ("drop folder /x: No such file or directory").
  boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() override;
  void done(const ExportFile& file, const Result<store::IngestReport>& outcome) override;

  /// The synchronous body of poll() (tests, and poll itself).
  Result<std::vector<ExportFile>> scan();

 private:
  struct Seen {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
  };
  std::string name_;
  std::filesystem::path folder_;
  std::string glob_;
  bool require_done_;
  std::optional<store::FileKind> kind_;
  EncodingChoice encoding_ = EncodingChoice::auto_detect;
  std::map<std::string, Seen> seen_;  // by file name, from the previous poll
};

/// True when `name` matches a glob of `*` (any run) and `?` (one byte); no path separators.
bool glob_match(std::string_view glob, std::string_view name);

/// A file name safe to use inside a folder: no separators, not "." or "..", no NUL, not empty.
bool safe_file_name(std::string_view name);

}  // namespace bw::collect
