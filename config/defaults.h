// Every default of budgetwatch's configuration, in one place (STYLE §4). config/load.cpp starts
// from these; `budgetwatch check-config` prints the effective values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bw::config::defaults {

// server
inline constexpr const char* listen_address = "127.0.0.1:9464";  // loopback unless configured
inline constexpr std::size_t max_body_bytes = 256u << 20;        // uploads: 256 MiB
inline constexpr std::size_t max_header_bytes = 16u << 10;       // 16 KiB of request headers
inline constexpr int read_timeout_s = 30;
inline constexpr int write_timeout_s = 30;
inline constexpr int idle_timeout_s = 60;
inline constexpr std::size_t max_connections = 256;

// ingest: a file's rejected rows stored with their text (the rest are counted), and the share of
// rejected rows above which a file is refused whole.
inline constexpr std::int64_t max_stored_rejects = 1000;
inline constexpr int max_reject_share_bp = 5000;  // 50%
// ingest: a workbook's zip limits (collect::XlsxLimits): a member's inflated size, its inflation
// ratio (above 1 MiB), the number of members.
inline constexpr std::uint64_t max_zip_member_bytes = std::uint64_t{2} << 30;  // 2 GiB
inline constexpr std::int64_t max_zip_ratio = 500;
inline constexpr std::int64_t max_zip_members = 10'000;
// ingest: an old .xls (FreeXL holds it whole in memory, each sheet's cell table sized by its
// declared dimensions): the file's size, a sheet's declared rows and columns (BIFF8's own limits).
inline constexpr std::uint64_t max_xls_bytes = std::uint64_t{64} << 20;  // 64 MiB
inline constexpr std::int64_t max_xls_rows = 65'536;
inline constexpr std::int64_t max_xls_columns = 256;

// evaluation
inline constexpr const char* time_zone = "Asia/Shanghai";
inline constexpr int evaluation_interval_s = 3600;
inline constexpr unsigned fiscal_year_start_month = 1;
inline constexpr int threshold_bp = 8000;  // 80%: the report's line, and the pace alert threshold
inline constexpr int low_bp = 5000;        // 50%: the lower band edge

// sources
inline constexpr int poll_interval_s = 60;
inline constexpr int incomplete_after_s = 600;  // a last line without its line end: wait 10 minutes
inline constexpr int connect_timeout_s = 10;
inline constexpr int http_read_timeout_s = 60;
inline constexpr std::uint64_t max_download_bytes = 1ull << 30;  // 1 GiB
inline constexpr int retries = 3;
inline constexpr int backoff_initial_ms = 500;
inline constexpr int backoff_max_ms = 30000;

// limits on what the loader and the silences API accept
inline constexpr std::uint64_t max_config_bytes =
    1u << 20;  // the config file: 1 MiB, checked before parsing
inline constexpr std::size_t max_pattern_bytes = 1024;  // a matcher's regular expression (=~, !~)
inline constexpr std::int64_t max_pattern_mem_bytes = 1 << 20;  // RE2 max_mem per compiled pattern

}  // namespace bw::config::defaults
