// budgetwatch's configuration as plain structs (YAML → config/load.h). Every default is in
// config/defaults.h; examples live in config/examples/. Secrets are held as values here but never
// printed (see print_config).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/alerts_config.h"
#include "config/defaults.h"
#include "config/enums.h"
#include "config/secret.h"
#include "engine/civil_date.h"
#include "engine/model.h"

namespace bw::config {

/// HTTP server (one port: metrics, API, uploads).
struct ServerConfig {
  std::string listen = defaults::listen_address;  ///< host:port; 127.0.0.1 unless configured
  std::size_t max_body_bytes = defaults::max_body_bytes;      ///< uploads larger are refused (413)
  std::size_t max_header_bytes = defaults::max_header_bytes;  ///< requests with larger headers: 431
  std::chrono::seconds read_timeout{defaults::read_timeout_s};  ///< whole request, headers and body
  std::chrono::seconds write_timeout{defaults::write_timeout_s};
  std::chrono::seconds idle_timeout{defaults::idle_timeout_s};  ///< keep-alive between requests
  std::size_t max_connections = defaults::max_connections;
  /// HTTPS instead of HTTP when both are set (PEM: the certificate chain and its private key).
  /// Re-read on SIGHUP, so that a renewed certificate is served without a restart.
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  bool tls() const { return !tls_cert_file.empty(); }
};

/// An API token and what it may do.
struct TokenConfig {
  std::string name;  ///< for logs ("uploader"); never the token
  Secret token;
  std::vector<std::string> scopes;  ///< "upload", "write" (silences, reasons, actuals), "admin"
};

/// Authentication of an HTTP export endpoint.
struct HttpAuth {
  enum class Kind { none, bearer, basic } kind = Kind::none;
  std::string username;  ///< basic
  Secret secret;         ///< bearer token or basic password
};

/// A source of export files, built by kind (collectors/registry.h).
struct SourceConfig {
  std::string name;  ///< unique; a metrics label
  SourceKind kind = SourceKind::drop_folder;
  std::chrono::seconds interval{defaults::poll_interval_s};
  SourceEncoding encoding = SourceEncoding::auto_detect;
  std::optional<std::string> file_kind;  ///< budget | adjustments | payments; none: from the header
  /// 预算年度 of the registers this source brings whose rows do not say
  /// (collectors::IngestOptions::fiscal_year); none: each register's 完成时限 dates decide, or it
  /// is refused.
  std::optional<int> fiscal_year;
  // drop_folder
  std::filesystem::path path;  ///< the folder (drop_folder)
  std::string glob = "*.csv";
  bool require_done_marker = false;  ///< take X.csv only once X.csv.done exists
  // drop_folder and files: a file whose last byte is not a line end (LF or CR) is held; once it has
  // stayed unchanged this long it is taken, but its unterminated last record is rejected, never
  // stored. Default 10 minutes. A `<file>.done` marker beside it releases it at once, last record
  // included.
  std::chrono::seconds incomplete_after{defaults::incomplete_after_s};
  // files: a fixed list ingested at start and whenever their content changes (never moved)
  std::vector<std::filesystem::path> files;
  // http
  std::string url;
  HttpAuth auth;
  std::chrono::seconds connect_timeout{defaults::connect_timeout_s};
  std::chrono::seconds read_timeout{defaults::http_read_timeout_s};
  std::uint64_t max_bytes = defaults::max_download_bytes;
  std::filesystem::path ca_file;    ///< extra CA bundle for HTTPS (system CAs otherwise)
  int retries = defaults::retries;  ///< per poll, with exponential backoff and jitter
  std::chrono::milliseconds backoff_initial{defaults::backoff_initial_ms};
  std::chrono::milliseconds backoff_max{defaults::backoff_max_ms};
};

struct MetricsConfig {
  ProjectSeries project_series = ProjectSeries::all;
};

/// When the snapshot is rebuilt besides after each ingest.
struct EvaluationConfig {
  std::chrono::seconds interval{defaults::evaluation_interval_s};  ///< periodic re-evaluation
  std::string time_zone = defaults::time_zone;                     ///< for "today"
  std::optional<engine::CivilDate> as_of;  ///< replay a past date instead of today
};

/// Bounds on what one file may add to the ledger's rejects (store::IngestLimits).
struct IngestConfig {
  std::int64_t max_stored_rejects =
      defaults::max_stored_rejects;  ///< rejected rows kept with their text per file
  int max_reject_share_bp =
      defaults::max_reject_share_bp;  ///< refuse a file above this share (basis points)
  std::uint64_t max_zip_member_bytes =
      defaults::max_zip_member_bytes;                    ///< a workbook member inflating past this
  std::int64_t max_zip_ratio = defaults::max_zip_ratio;  ///< ... or past this ratio is a zip bomb
  std::int64_t max_zip_members =
      defaults::max_zip_members;  ///< a workbook with more members is refused
  bool hidden_sheets = false;     ///< read a workbook's hidden sheets too
  std::uint64_t max_xls_bytes = defaults::max_xls_bytes;  ///< a larger .xls is refused (FreeXL)
  std::int64_t max_xls_rows = defaults::max_xls_rows;     ///< a .xls sheet declaring more rows ...
  std::int64_t max_xls_columns = defaults::max_xls_columns;  ///< ... or columns is refused
};

struct LoggingConfig {
  std::string level = "info";  ///< trace | debug | info | warn | error
};

/// The whole configuration.
struct Config {
  std::filesystem::path file;      ///< where it was loaded from
  std::filesystem::path database;  ///< SQLite file (relative paths are relative to the config file)
  ServerConfig server;
  EvaluationConfig evaluation;
  engine::Policy policy;  ///< fiscal year, curves, threshold, bands, balance checkpoints, scores
  MetricsConfig metrics;
  std::vector<SourceConfig> sources;
  std::vector<TokenConfig> tokens;
  std::map<std::string, std::vector<std::string>> columns;  ///< extra header names per field key
  IngestConfig ingest;
  LoggingConfig logging;
  AlertsConfig alerts;
  std::string language = "zh-CN";  ///< user-facing text
};

}  // namespace bw::config
