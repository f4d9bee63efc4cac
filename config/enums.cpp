// config/enums.h: the parser of configured encodings (the name tables are in the header).
#include "config/enums.h"

#include <initializer_list>

namespace bw::config {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

bool any_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (iequal(s, w)) return true;
  }
  return false;
}

}  // namespace

std::optional<SourceEncoding> parse_encoding(std::string_view s) {
  if (any_of(s, {"auto"})) return SourceEncoding::auto_detect;
  if (any_of(s, {"utf-8", "utf8"})) return SourceEncoding::utf8;
  if (any_of(s, {"gb18030", "gbk", "gb2312"})) return SourceEncoding::gb18030;
  return std::nullopt;
}

}  // namespace bw::config
