// Every default of budgetwatch's configuration, in one place (STYLE §4). config/load.cpp starts from these;
// the docs and `budgetwatch check-config` print them.
#pragma once

namespace bw::config::defaults {

inline constexpr const char* listen_address = "127.0.0.1:9464";
inline constexpr const char* time_zone = "Asia/Shanghai";
inline constexpr unsigned fiscal_year_start_month = 1;
inline constexpr int threshold_bp = 8000;  // 80%: the report's line, and the pace alert threshold
inline constexpr int low_bp = 5000;        // 50%: the lower band edge

}  // namespace bw::config::defaults
