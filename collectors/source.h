// A Source finds export files and hands them to the ingest path; it never parses (STYLE §2). Built from
// config by kind (collectors/registry.h): drop_folder, files, http, upload.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "collectors/encoding.h"
#include "engine/result.h"
#include "store/ledger.h"

namespace bw::collect {

/// A file ready to ingest.
struct ExportFile {
  std::string source;            ///< the source's name
  std::string name;              ///< display name (a base name); never used as a path
  std::filesystem::path path;    ///< the local file to read (in the drop folder, or a download)
  std::optional<store::FileKind> kind;  ///< configured kind; none: detected from the header
  EncodingChoice encoding = EncodingChoice::auto_detect;
};

/// A place export files come from. Sources are driven by the daemon's scheduler on its io_context: poll()
/// on the network thread, then each file is ingested on the writer thread and reported back with done().
class Source {
 public:
  virtual ~Source() = default;
  /// The configured name (a metrics label).
  virtual std::string_view name() const = 0;
  /// "drop_folder", "files", "http", "upload".
  virtual std::string_view kind() const = 0;
  /// Files that became ready since the last poll. A failure to look (folder missing, endpoint down after
  /// its retries) is an Error, never a throw; the scheduler counts it and tries again next interval.
  virtual boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() = 0;
  /// After a file was ingested (`outcome` holds the report) or could not be read (the error): the source
  /// moves it to archive/ or failed/, deletes a download, or remembers it.
  virtual void done(const ExportFile& file, const Result<store::IngestReport>& outcome) = 0;
};

}  // namespace bw::collect
