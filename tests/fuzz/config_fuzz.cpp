// libFuzzer target: the YAML config loader (config::load_config_text) and print_config. Besides
// crashes, sanitizer reports and hangs it checks that a failure carries "file:line:col" and a
// message, that an accepted config prints, and that the printed config of a config without secrets
// or alerts loads again and prints the same (check-config's output is a valid config; its alerts
// section is a summary). Relative paths resolve against a scratch directory (no file in it); the
// loader only reads (secret files, at most 64 KiB each).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "config/load.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::filesystem::path& base_dir() {
  static const std::filesystem::path dir = [] {
    auto p =
        std::filesystem::temp_directory_path() / ("bw-config-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  const auto c = bw::config::load_config_text(yaml, "fuzz.yaml", base_dir());
  if (!c) {
    check(!c.error().message.empty());
    check(c.error().where.rfind("fuzz.yaml:", 0) == 0);
    return 0;
  }
  const std::string printed = bw::config::print_config(*c);
  check(!printed.empty());
  // An inline secret prints as a placeholder that does not load, by design (and a receiver's inline
  // URL without its query); everything else must load back to the same text.
  if (printed.find("<secret ") != std::string::npos ||
      printed.find("?<redacted>") != std::string::npos)
    return 0;
  const auto again = bw::config::load_config_text(printed, "printed.yaml", base_dir());
  if (!again) {
    std::fprintf(stderr, "printed config does not load: %s: %s\n--- printed:\n%s\n",
                 again.error().where.c_str(), again.error().message.c_str(), printed.c_str());
    std::abort();
  }
  const std::string reprinted = bw::config::print_config(*again);
  if (reprinted != printed) {
    std::fprintf(stderr, "--- printed:\n%s\n--- reprinted:\n%s\n", printed.c_str(),
                 reprinted.c_str());
    std::abort();
  }
  return 0;
}
