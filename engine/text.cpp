#include "engine/text.h"

namespace bw::engine {
namespace {

// Length of a trimmable character at the front of s (0 when none).
std::size_t space_prefix(std::string_view s) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s[0]);
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  if (s.size() >= 2 && c == 0xC2 && static_cast<unsigned char>(s[1]) == 0xA0) return 2;  // U+00A0
  if (s.size() >= 3 && c == 0xE3 && s[1] == '\x80' && s[2] == '\x80') return 3;          // U+3000
  if (s.size() >= 3 && c == 0xEF && s[1] == '\xBB' && s[2] == '\xBF') return 3;          // BOM
  return 0;
}

std::size_t space_suffix(std::string_view s) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s.back());
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") return 2;
  if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") return 3;
  return 0;
}

}  // namespace

std::string_view trim(std::string_view s) {
  for (std::size_t n; (n = space_prefix(s)) != 0;) s.remove_prefix(n);
  for (std::size_t n; (n = space_suffix(s)) != 0;) s.remove_suffix(n);
  return s;
}

std::string fold_full_width(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xEF && i + 2 < s.size()) {
      // U+FF01..U+FF5E are EF BC 81..EF BC BF and EF BD 80..EF BD 9E; ASCII = code point - 0xFEE0.
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      unsigned cp = ((c & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && cp >= 0xFF01 && cp <= 0xFF5E) {
        out.push_back(static_cast<char>(cp - 0xFEE0));
        i += 2;
        continue;
      }
    }
    if (c == 0xE3 && i + 2 < s.size() && s[i + 1] == '\x80' && s[i + 2] == '\x80') {
      out.push_back(' ');
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

bool normalize_key(std::string_view s, std::string& out) {
  // Fast path (every voucher of a clean export): printable ASCII, no lower case, no surrounding
  // space.
  bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ';
  for (std::size_t i = 0; plain && i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    plain = c > 0x20 && c < 0x7F && !(c >= 'a' && c <= 'z');
  }
  if (plain) {
    out.assign(s);
    return false;
  }
  std::string folded;
  folded.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto at = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    if (c == 0xC2 && at(1) == 0xA0) {  // U+00A0
      folded.push_back(' ');
      i += 1;
      continue;
    }
    if (c == 0xE2 &&
        ((at(1) == 0x80 && (at(2) <= 0x8A || at(2) == 0xAF)) ||  // U+2000..U+200A, U+202F
         (at(1) == 0x81 && at(2) == 0x9F))) {                    // U+205F
      if (at(2) >= 0x80) {
        folded.push_back(' ');
        i += 2;
        continue;
      }
    }
    folded.push_back(static_cast<char>(c));
  }
  std::string wide = fold_full_width(folded);
  const std::string_view t = trim(wide);
  out.assign(t);
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out != s;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace bw::engine
