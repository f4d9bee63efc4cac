// The files source: a fixed list of files (the demo's bundled data, a register kept in place)
// ingested at start and whenever a file's size or mtime changes. Files are never moved;
// re-ingesting the same bytes is a no-op by content hash anyway. A file whose last byte is not a
// line end is held as in a drop folder.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

/// A file being rewritten in place may end in a cut last record ("…,12" of "…,12345.67"): a new or
/// changed file whose last byte is not LF or CR is held until it has one, until `<file>.done`
/// exists beside it (then taken as written), or until it has stayed unchanged for
/// `incomplete_after` (then taken with its last record rejected). Each hold gives one SourceNotice.
class FilesSource final : public Source {
 public:
  /// `now` gives the time for incomplete_after.
  FilesSource(const config::SourceConfig& c, WallClock now);
  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "files"; }
  /// Every listed file that is new or changed since it was last taken. A missing file is an
  /// Errc::io error naming it (the others are still returned next time).
  boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() override;
  void done(const ExportFile& file, const Result<store::IngestReport>& outcome) override;
  std::vector<SourceNotice> take_notices() override;
  Result<std::vector<ExportFile>> scan();

 private:
  struct Seen {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
  };
  std::string name_;
  std::vector<std::filesystem::path> files_;
  std::optional<store::FileKind> kind_;
  EncodingChoice encoding_ = EncodingChoice::auto_detect;
  struct Held {
    Seen seen;
    std::chrono::system_clock::time_point since;  // first poll that saw it so
    bool noticed = false;
  };
  std::chrono::seconds incomplete_after_;
  WallClock now_;
  std::map<std::string, Seen> taken_;  // by path
  std::map<std::string, Seen> pending_;
  std::map<std::string, Held> held_;  // by path: changed, but without a final line end
  std::vector<SourceNotice> notices_;
};

}  // namespace bw::collect
