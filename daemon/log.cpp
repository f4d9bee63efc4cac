#include "daemon/log.h"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

#include "engine/utf8.h"

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

namespace {

// True for a character that a terminal or a log reader may take as a line break or control: C1 controls
// (U+0080–U+009F, NEL among them) and the line and paragraph separators U+2028, U+2029.
bool is_unicode_break(std::string_view seq) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(seq[k]); };
  if (seq.size() == 2) return b(0) == 0xC2 && b(1) <= 0x9F;
  return seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9);
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  static constexpr char hex[] = "0123456789abcdef";
  out += prefix;
  for (int d = digits - 1; d >= 0; --d) out += hex[(value >> (4 * d)) & 0xF];
}

}  // namespace

std::string kv(std::string_view value) {
  // Plain values (the common case: numbers, names, paths) go out as they are.
  bool plain = !value.empty();
  for (std::size_t i = 0; plain && i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      plain = c > 0x20 && c != '"' && c != '=' && c != '\\' && c != 0x7F;
      ++i;
    } else {
      const std::size_t n = engine::utf8_sequence_length(value, i);
      plain = n != 0 && !is_unicode_break(value.substr(i, n));
      i += n;
    }
  }
  if (plain) return std::string(value);
  // Quoted: every byte that could end the line, fake a key or confuse a terminal is escaped, so that one
  // record stays one line whatever a file name or an error message holds.
  std::string out = "\"";
  out.reserve(value.size() + 2);
  for (std::size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            append_hex(out, "\\x", c, 2);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const std::size_t n = engine::utf8_sequence_length(value, i);
    if (n == 0) {
      append_hex(out, "\\x", c, 2);  // not UTF-8: the byte, escaped (a Latin-1 reader would see NEL at 0x85)
      ++i;
      continue;
    }
    const std::string_view seq = value.substr(i, n);
    if (is_unicode_break(seq)) {
      unsigned cp = c & (n == 2 ? 0x1Fu : 0x0Fu);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(seq[k]) & 0x3Fu);
      append_hex(out, "\\u", cp, 4);
    } else {
      out.append(seq);
    }
    i += n;
  }
  return out + "\"";
}

}  // namespace bw::daemon
