#include "daemon/log.h"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

namespace bw::daemon {
namespace {

std::mutex setup_mutex;
spdlog::sink_ptr shared_sink;

}  // namespace

void setup_logging(std::string_view level) {
  std::lock_guard lock(setup_mutex);
  if (!shared_sink) shared_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") lvl = spdlog::level::info;
  for (const char* name : {"daemon", "collect", "store", "alerts", "web"}) {
    auto l = spdlog::get(name);
    if (!l) {
      l = std::make_shared<spdlog::logger>(name, shared_sink);
      l->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %n: %v");
      spdlog::register_logger(l);
    }
    l->set_level(lvl);
    l->flush_on(spdlog::level::info);
  }
}

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  auto l = spdlog::get(name);
  if (l) return l;
  setup_logging("info");
  return spdlog::get(name);
}

std::string kv(std::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\t") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace bw::daemon
