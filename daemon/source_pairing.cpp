#include "daemon/source_pairing.h"

#include <algorithm>
#include <map>
#include <string>

namespace bw::daemon {

Result<std::vector<PairedSource>> pair_sources(std::vector<std::unique_ptr<collect::Source>> built,
                                               const std::vector<config::SourceConfig>& entries) {
  std::map<std::string, const config::SourceConfig*, std::less<>> by_name;
  for (const auto& e : entries) {
    if (e.kind != config::SourceKind::upload) by_name.emplace(e.name, &e);
  }
  std::vector<PairedSource> out;
  out.reserve(built.size());
  for (auto& s : built) {
    const std::string name(s->name());
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      const bool twice = std::any_of(
          out.begin(), out.end(), [&](const PairedSource& p) { return p.source->name() == name; });
      return fail(Errc::internal,
                  "source '" + name + (twice ? "' is built twice" : "' has no config entry"));
    }
    out.push_back(PairedSource{std::shared_ptr<collect::Source>(std::move(s)), it->second});
    by_name.erase(it);  // a second source of this name is a mismatch
  }
  if (!by_name.empty()) {
    return fail(Errc::internal, "config source '" + by_name.begin()->first + "' was not built");
  }
  return out;
}

}  // namespace bw::daemon
