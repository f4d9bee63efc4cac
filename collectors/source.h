// A Source finds export files and hands them to the ingest path; it never parses (STYLE §2). Built
// from config by kind (collectors/registry.h): drop_folder, files, http, upload.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
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
  std::string source;          ///< the source's name
  std::string name;            ///< display name (a base name); never used as a path
  std::filesystem::path path;  ///< the local file to read (in the drop folder, or a download)
  std::optional<store::FileKind> kind;  ///< configured kind; none: detected from the header
  EncodingChoice encoding = EncodingChoice::auto_detect;
  /// The source stopped waiting for the file's final line end (`incomplete_after`): its
  /// unterminated last record is rejected, not stored
  /// (IngestOptions::reject_unterminated_last_record).
  bool reject_unterminated_last_record = false;
  /// Open `path` without following a symlink (IngestOptions::no_follow); set by the drop folder.
  bool no_follow = false;
};

/// The wall clock as sources see it (STYLE §2: time enters as a parameter); tests pass a manual
/// one.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

/// An entry of a drop folder that is not taken, and why (GET /api/v1/ingests "skipped_files").
struct SkippedEntry {
  std::string name;  ///< the entry's name in the folder
  std::string
      kind;  ///< "symlink", "fifo", "directory", "hard_link", "other" (socket, device) or
             ///< "name_not_matched" (a regular file whose name the source's glob does not match)
  std::string reason;  ///< why it is not taken and what to do, in words
  std::chrono::system_clock::time_point first_seen;  ///< the poll that first saw it like this
};

/// Something a source noticed that an operator should read once, not at every poll: a file held for
/// its line end, an entry skipped. Sources do not log (STYLE §2); the daemon logs these.
struct SourceNotice {
  enum class Level { info, warn };
  Level level = Level::info;
  std::string message;  ///< what happened: "file held: waiting for a line end"
  std::string file;     ///< the entry's name
  std::string kind;     ///< a skipped entry's kind (SkippedEntry::kind); empty otherwise
  std::string reason;   ///< why, and what happens next
};

/// A place export files come from. Sources are driven by the daemon's scheduler on its io_context:
/// poll() on the network thread, then each file is ingested on the writer thread and reported back
/// with done().
class Source {
 public:
  virtual ~Source() = default;
  /// The configured name (a metrics label).
  virtual std::string_view name() const = 0;
  /// "drop_folder", "files", "http", "upload".
  virtual std::string_view kind() const = 0;
  /// Files that became ready since the last poll. A failure to look (folder missing, endpoint down
  /// after its retries) is an Error, never a throw; the scheduler counts it and tries again next
  /// interval.
  virtual boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() = 0;
  /// After a file was ingested (`outcome` holds the report) or could not be read (the error): the
  /// source moves it to archive/ or failed/, deletes a download, or remembers it.
  virtual void done(const ExportFile& file, const Result<store::IngestReport>& outcome) = 0;
  /// The entries the last poll found and will not take (drop folders); none by default.
  /// Thread-safe.
  virtual std::vector<SkippedEntry> skipped() const { return {}; }
  /// The notices of the polls since the last call, oldest first, each given once; none by default.
  /// Call on the thread that polls.
  virtual std::vector<SourceNotice> take_notices() { return {}; }
};

}  // namespace bw::collect
