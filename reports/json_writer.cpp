#include "reports/json_writer.h"

#include <boost/json.hpp>
#include <cstdint>
#include <cstring>

#include "reports/execution_report.h"

namespace bw::reports {
namespace json = boost::json;

namespace {

// Whether any of the 8 bytes of w needs escaping in a JSON string: a control byte (< 0x20), '"' or
// '\\'. Bytes of 0x80 and above (UTF-8 continuation and lead bytes) never do. The usual SWAR test
// for a zero byte, on w (less than 0x20) and on w XOR '"' and w XOR '\\' (equal to them), with the
// high bit of bytes ≥ 0x80 masked off so that they cannot match.
bool needs_escape(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const std::uint64_t less_than_space = (w - ones * 0x20) & ~w & highs;
  const std::uint64_t x = w ^ (ones * '"');
  const std::uint64_t y = w ^ (ones * '\\');
  const std::uint64_t quote = (x - ones) & ~x & highs;
  const std::uint64_t backslash = (y - ones) & ~y & highs;
  return (less_than_space | quote | backslash) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of plain bytes
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs escaping (names are mostly 3-byte UTF-8 characters).
    while (i + 8 <= s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      if (needs_escape(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xf]);
    }
  }
  out.append(s.substr(run));
  out.push_back('"');
}

namespace {

void append_indent(std::string& out, int indent) {
  out.append(static_cast<std::size_t>(indent) * 2, ' ');
}

// Two-space indented JSON appended to one string (a report of 10,000 lines is ~10 MB: no stream, no
// temporary string per key or value).
void pretty(std::string& out, const json::value& v, int indent) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ",\n";
        first = false;
        append_indent(out, indent + 1);
        append_json_string(out, kv.key());
        out += ": ";
        pretty(out, kv.value(), indent + 1);
      }
      out += '\n';
      append_indent(out, indent);
      out += '}';
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& x : a) {
        if (!first) out += ",\n";
        first = false;
        append_indent(out, indent + 1);
        pretty(out, x, indent + 1);
      }
      out += '\n';
      append_indent(out, indent);
      out += ']';
      return;
    }
    case json::kind::string:
      append_json_string(out, v.get_string());
      return;
    case json::kind::int64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64());
      out.append(buf, r.ptr);
      return;
    }
    case json::kind::uint64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.append(buf, r.ptr);
      return;
    }
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
    case json::kind::double_:
      out += json::serialize(v);
      return;
  }
}

}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out;
  out.reserve(1 << 16);
  pretty(out, v, 0);
  out += '\n';
  return out;
}

}  // namespace bw::reports
