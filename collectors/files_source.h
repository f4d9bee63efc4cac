// The files source: a fixed list of files (the demo's bundled data, a register kept in place) ingested at
// start and whenever a file's size or mtime changes. Files are never moved; re-ingesting the same bytes is a
// no-op by content hash anyway.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

class FilesSource final : public Source {
 public:
  explicit FilesSource(const config::SourceConfig& c);
  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "files"; }
  /// Every listed file that is new or changed since it was last taken. A missing file is an Errc::io error
  /// naming it (the others are still returned next time).
  boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() override;
  void done(const ExportFile& file, const Result<store::IngestReport>& outcome) override;
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
  std::map<std::string, Seen> taken_;  // by path
  std::map<std::string, Seen> pending_;
};

}  // namespace bw::collect
