// The HTTP export source: polls one URL with conditional GETs (ETag / Last-Modified), streams a
// changed export to a download file, retries transient failures with capped exponential backoff and
// full jitter, and keeps its validators across restarts. Built by collectors/registry.cpp for
// `kind: http`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

/// What an HttpExportSource did since it was built. Plain counters (never reset), read on the
/// source's executor; daemon/ turns them into metrics.
struct HttpSourceStats {
  std::uint64_t attempts = 0;      ///< GET requests sent, retries included
  std::uint64_t retries = 0;       ///< attempts after the first of a poll
  std::uint64_t not_modified = 0;  ///< polls answered 304
  std::uint64_t downloads = 0;     ///< polls that returned a file
  std::uint64_t failures = 0;      ///< polls that ended in an error (after their retries)
  std::uint64_t state_write_errors =
      0;  ///< validators that could not be saved (kept in memory only)
};

/// The validators of the last export that was ingested successfully.
struct HttpValidators {
  std::string etag;           ///< sent as If-None-Match; empty: none
  std::string last_modified;  ///< sent as If-Modified-Since; empty: none
};

/// A Source over one HTTP(S) URL (SourceConfig::url, auth, timeouts, max_bytes, ca_file, retries,
/// backoff_*).
///
/// poll() sends a GET with Authorization (Bearer token, or Basic user:password) and the validators
/// of the last successfully ingested export. 304: no files. 200: the body is streamed to
/// state_dir/downloads/<source>-<process token>-<n>.csv and returned as one ExportFile (display
/// name: the URL's last path segment, reduced to [A-Za-z0-9._-]). Redirects are not followed.
/// Retryable failures (transport errors, timeouts, truncated bodies, HTTP 5xx, 429, 408) are
/// retried up to `retries` times, waiting a random time in [0, b] before retry k, where b =
/// min(backoff_max, backoff_initial × 2^(k−1)); other failures (HTTP 401, 403, 404, other 4xx, 3xx,
/// TLS verification, oversized bodies) end the poll at once.
///
/// Not thread-safe: call poll(), done() and stats() from one strand (the scheduler's), never two
/// polls at once. The configuration is copied at construction and never re-read.
class HttpExportSource final : public Source {
 public:
  /// `state_dir`: downloads go to state_dir/downloads/ (leftovers of this source from an earlier
  /// process are deleted here; those of another instance in this process — the one a config
  /// reload replaces — are left to its done()); validators are kept in
  /// state_dir/sources/<source>.json (written to a temporary file, then renamed). A missing or
  /// unreadable state file means no validators. `ex` runs the requests and backoff timers. Throws
  /// std::invalid_argument when the configuration is unusable (URL not http(s), unknown encoding or
  /// file kind, negative retries) — config validation normally prevents it — and
  /// std::filesystem::filesystem_error when the directories cannot be created.
  HttpExportSource(const config::SourceConfig& c, std::filesystem::path state_dir,
                   boost::asio::any_io_executor ex);

  std::string_view name() const override { return config_.name; }
  std::string_view kind() const override { return "http"; }

  /// One poll, retries included; never throws. Errors (the URL in messages is redacted):
  /// - Errc::unavailable after the last retryable failure:
  ///   "GET https://127.0.0.1:8443/export.csv failed after 4 attempts: HTTP 500"
  /// - Errc::invalid_input for a permanent one: "GET … failed after 1 attempt: HTTP 401"
  /// - Errc::io when the downloads folder cannot be written.
  /// A partial download is never left behind.
  boost::asio::awaitable<Result<std::vector<ExportFile>>> poll() override;

  /// Deletes the download `file` (a file this source returned). When `outcome` holds a report (a
  /// duplicate file included) its validators become the ones sent next, and are saved; after a
  /// failed ingest they are dropped, so the export is downloaded again next poll. Never throws.
  void done(const ExportFile& file, const Result<store::IngestReport>& outcome) override;

  const HttpSourceStats& stats() const { return stats_; }
  /// The validators sent with the next poll.
  const HttpValidators& validators() const { return validators_; }

  /// The state file of this source (state_dir/sources/<safe name>.json).
  const std::filesystem::path& state_file() const { return state_file_; }
  /// The downloads folder (state_dir/downloads).
  const std::filesystem::path& downloads_dir() const { return downloads_dir_; }

 private:
  std::filesystem::path next_download_path();
  void save_validators();

  config::SourceConfig config_;
  boost::asio::any_io_executor ex_;
  std::optional<store::FileKind> file_kind_;
  EncodingChoice encoding_ = EncodingChoice::auto_detect;
  std::string safe_name_;     // the source name as a file name component
  std::string display_name_;  // ExportFile::name
  std::filesystem::path downloads_dir_;
  std::filesystem::path state_file_;
  HttpValidators validators_;
  std::map<std::filesystem::path, HttpValidators>
      pending_;  // downloads handed out, awaiting done()
  std::uint64_t download_counter_ = 0;
  std::mt19937_64 rng_;
  HttpSourceStats stats_;
};

/// The part of a URL's last path segment (percent-decoded) made of [A-Za-z0-9._-], other bytes
/// replaced by
/// '_'; "export.csv" when the URL has no usable segment. Never "." or "..".
std::string export_display_name(std::string_view url);

}  // namespace bw::collect
