// Sources built from config by kind (node_exporter's collector registry): drop_folder, files, http.
// The `upload` kind has no poller: it names the options of POST /api/v1/uploads.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "collectors/column_map.h"
#include "collectors/source.h"
#include "config/config.h"

namespace bw::collect {

/// The polling sources of a config, in config order. `state_dir` holds downloads and source state;
/// `now` is the wall clock of the drop-folder and files sources (incomplete_after, first_seen).
/// Errc::invalid_input for a kind this build does not know (config validation normally prevents
/// it).
Result<std::vector<std::unique_ptr<Source>>> build_sources(const config::Config& c,
                                                           const std::filesystem::path& state_dir,
                                                           boost::asio::any_io_executor ex,
                                                           WallClock now);

/// The column map of a config: the defaults plus `columns:` aliases.
ColumnMap build_column_map(const config::Config& c);

}  // namespace bw::collect
