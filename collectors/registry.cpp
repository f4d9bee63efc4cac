#include "collectors/registry.h"

#include "collectors/drop_folder_source.h"
#include "collectors/files_source.h"
#include "collectors/http_export_source.h"

namespace bw::collect {

Result<std::vector<std::unique_ptr<Source>>> build_sources(const config::Config& c,
                                                           const std::filesystem::path& state_dir,
                                                           boost::asio::any_io_executor ex, WallClock now) {
  std::vector<std::unique_ptr<Source>> out;
  for (const config::SourceConfig& s : c.sources) {
    switch (s.kind) {
      case config::SourceKind::drop_folder:
        out.push_back(std::make_unique<DropFolderSource>(s, now));
        break;
      case config::SourceKind::files:
        out.push_back(std::make_unique<FilesSource>(s, now));
        break;
      case config::SourceKind::http:
        out.push_back(std::make_unique<HttpExportSource>(s, state_dir, ex));
        break;
      case config::SourceKind::upload:
        break;  // the web API's upload handler
    }
  }
  return out;
}

ColumnMap build_column_map(const config::Config& c) {
  ColumnMap map;
  for (const auto& [key, names] : c.columns) {
    if (auto f = ColumnMap::field_by_key(key)) {
      for (const auto& n : names) map.add_alias(*f, n);
    }
  }
  return map;
}

}  // namespace bw::collect
