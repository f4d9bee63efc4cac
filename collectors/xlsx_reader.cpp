#include "collectors/xlsx_reader.h"

#include <expat.h>
#include <fcntl.h>
#include <minizip/unzip.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace bw::collect {
namespace {

constexpr std::size_t chunk_bytes = std::size_t{64} << 10;
constexpr std::uint64_t ratio_floor_bytes = std::uint64_t{1} << 20;
constexpr int max_columns = 16384;  // XFD

// ---- minizip over memory ----

// The workbook's bytes: in memory, or a file read by pread through its descriptor (owned).
struct MemStream {
  std::string_view bytes;
  std::uint64_t pos = 0;
  int fd = -1;
  std::uint64_t size = 0;
  MemStream(std::string_view b, int f, std::uint64_t n) : bytes(b), fd(f), size(n) {}
  MemStream(const MemStream&) = delete;
  MemStream& operator=(const MemStream&) = delete;
  MemStream(MemStream&&) = delete;
  MemStream& operator=(MemStream&&) = delete;
  ~MemStream() {
    if (fd >= 0) ::close(fd);
  }
};

voidpf mem_open(voidpf opaque, const void* /*name*/, int /*mode*/) { return opaque; }
uLong mem_read(voidpf /*opaque*/, voidpf stream, void* buf, uLong size) {
  auto* m = static_cast<MemStream*>(stream);
  const std::uint64_t left = m->size - std::min<std::uint64_t>(m->pos, m->size);
  const auto n = static_cast<uLong>(std::min<std::uint64_t>(size, left));
  if (m->fd >= 0) {
    const ssize_t got = ::pread(m->fd, buf, n, static_cast<off_t>(m->pos));
    if (got < 0) return 0;
    m->pos += static_cast<std::uint64_t>(got);
    return static_cast<uLong>(got);
  }
  std::memcpy(buf, m->bytes.data() + m->pos, n);
  m->pos += n;
  return n;
}
uLong mem_write(voidpf /*opaque*/, voidpf /*stream*/, const void* /*buf*/, uLong /*size*/) {
  return 0;
}
ZPOS64_T mem_tell(voidpf /*opaque*/, voidpf stream) { return static_cast<MemStream*>(stream)->pos; }
long mem_seek(voidpf /*opaque*/, voidpf stream, ZPOS64_T offset, int origin) {
  auto* m = static_cast<MemStream*>(stream);
  std::uint64_t base = 0;
  if (origin == ZLIB_FILEFUNC_SEEK_CUR) base = m->pos;
  if (origin == ZLIB_FILEFUNC_SEEK_END) base = m->size;
  if (base + offset > m->size) return -1;
  m->pos = base + offset;
  return 0;
}
int mem_close(voidpf /*opaque*/, voidpf /*stream*/) { return 0; }
int mem_error(voidpf /*opaque*/, voidpf /*stream*/) { return 0; }

// ---- XML helpers ----

std::string_view local_name(const XML_Char* name) {
  const std::string_view n(name);
  const auto colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

const XML_Char* attribute(const XML_Char** atts, std::string_view local) {
  for (int i = 0; atts[i] != nullptr; i += 2) {
    if (local_name(atts[i]) == local) return atts[i + 1];
  }
  return nullptr;
}

// An expat parser calling a handler object.
template <class Handler>
class Parser {
 public:
  explicit Parser(Handler& h) : p_(XML_ParserCreate(nullptr)) {
    XML_SetUserData(p_, &h);
    XML_SetElementHandler(
        p_,
        [](void* u, const XML_Char* n, const XML_Char** a) {
          static_cast<Handler*>(u)->start(local_name(n), a);
        },
        [](void* u, const XML_Char* n) { static_cast<Handler*>(u)->end(local_name(n)); });
    XML_SetCharacterDataHandler(p_, [](void* u, const XML_Char* s, int len) {
      static_cast<Handler*>(u)->text(std::string_view(s, static_cast<std::size_t>(len)));
    });
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  Parser(Parser&&) = delete;
  Parser& operator=(Parser&&) = delete;
  ~Parser() { XML_ParserFree(p_); }

  // Empty on success, else the XML error with its line.
  std::string feed(std::string_view chunk, bool final) {
    if (XML_Parse(p_, chunk.data(), static_cast<int>(chunk.size()), final ? 1 : 0) == XML_STATUS_OK)
      return {};
    return error();
  }

  // Expat's own buffer for the next `size` bytes (read straight into it: no copy), nullptr when
  // out of memory; then parse_buffer(n) with the bytes put there.
  char* buffer(std::size_t size) {
    return static_cast<char*>(XML_GetBuffer(p_, static_cast<int>(size)));
  }
  std::string parse_buffer(std::size_t n, bool final) {
    if (XML_ParseBuffer(p_, static_cast<int>(n), final ? 1 : 0) == XML_STATUS_OK) return {};
    return error();
  }

 private:
  std::string error() const {
    return std::string("XML error at line ") + std::to_string(XML_GetCurrentLineNumber(p_)) + ": " +
           XML_ErrorString(XML_GetErrorCode(p_));
  }

  XML_Parser p_;
};

// ---- cell values ----

bool is_date_format(int id, const std::string& code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58)) {
    return true;
  }
  if (id < 164) return false;
  bool quoted = false;
  bool bracket = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quoted) {
      quoted = c != '"';
    } else if (bracket) {
      bracket = c != ']';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      bracket = true;
    } else if (c == '\\' || c == '_') {
      ++i;
    } else if (std::strchr("yYmMdDhHsS", c) != nullptr) {
      return true;
    }
  }
  return false;
}

// A numeric cell's text ("1234.5", "1.2345E+7", "-0.30000000000000004") in plain decimal notation
// rounded half away from zero to 6 decimals, trailing zeros dropped; anything else unchanged.
// Decimal text only: no double.
std::string plain_decimal_slow(std::string_view v);

// The common case without arithmetic: [-]digits[.1-6 digits], no superfluous leading zero
// ("1234.50", "0.5", "44197"): its trailing zeros dropped, appended to `out`. False (nothing
// appended) for anything else.
bool plain_decimal_fast(std::string_view v, std::string& out) {
  std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
  const std::size_t whole_begin = i;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  const std::size_t whole_end = i;
  if (whole_end == whole_begin || (v[whole_begin] == '0' && whole_end - whole_begin > 1))
    return false;
  std::size_t end = whole_end;
  if (i < v.size()) {
    if (v[i] != '.') return false;
    ++i;
    const std::size_t frac_begin = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    if (i != v.size() || i == frac_begin || i - frac_begin > 6) return false;
    end = i;
    while (end > frac_begin && v[end - 1] == '0') --end;
    if (end == frac_begin) end = whole_end;  // the point goes with the zeros
  }
  // "-0" and "-0.000" are 0.
  const bool zero = whole_end - whole_begin == 1 && v[whole_begin] == '0' && end == whole_end;
  out.append(zero ? v.substr(whole_begin, end - whole_begin) : v.substr(0, end));
  return true;
}

std::string plain_decimal(std::string_view v) {
  std::string out;
  if (plain_decimal_fast(v, out)) return out;
  return plain_decimal_slow(v);
}

std::string plain_decimal_slow(std::string_view v) {
  std::size_t i = 0;
  const bool negative = !v.empty() && v[0] == '-';
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) ++i;
  std::string digits;
  int point = -1;  // digits before the decimal point
  for (; i < v.size() && ((v[i] >= '0' && v[i] <= '9') || v[i] == '.'); ++i) {
    if (v[i] == '.') {
      if (point >= 0) return std::string(v);
      point = static_cast<int>(digits.size());
    } else {
      digits += v[i];
    }
  }
  if (digits.empty()) return std::string(v);
  if (point < 0) point = static_cast<int>(digits.size());
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    int exp = 0;
    int sign = 1;
    ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) sign = v[i++] == '-' ? -1 : 1;
    if (i == v.size()) return std::string(v);
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9' && exp < 400; ++i)
      exp = exp * 10 + (v[i] - '0');
    point += sign * exp;
  }
  if (i != v.size() || point > 400 || point < -400) return std::string(v);
  // digits with the point at `point`: pad so that 0 <= point <= digits.size()
  if (point < 0) {
    digits.insert(0, static_cast<std::size_t>(-point), '0');
    point = 0;
  }
  if (static_cast<std::size_t>(point) > digits.size())
    digits.append(static_cast<std::size_t>(point) - digits.size(), '0');
  std::string whole = digits.substr(0, static_cast<std::size_t>(point));
  std::string frac = digits.substr(static_cast<std::size_t>(point));
  if (frac.size() > 6) {
    const bool up = frac[6] >= '5';
    frac.resize(6);
    if (up) {  // add one unit in the 6th decimal, carrying into the whole part
      std::string all = whole + frac;
      int k = static_cast<int>(all.size()) - 1;
      for (; k >= 0 && all[static_cast<std::size_t>(k)] == '9'; --k)
        all[static_cast<std::size_t>(k)] = '0';
      if (k < 0) {
        all.insert(0, "1");
      } else {
        ++all[static_cast<std::size_t>(k)];
      }
      whole = all.substr(0, all.size() - 6);
      frac = all.substr(all.size() - 6);
    }
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  const auto nz = whole.find_first_not_of('0');
  whole = nz == std::string::npos ? "0" : whole.substr(nz);
  std::string out = (negative && (whole != "0" || !frac.empty())) ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

// A date serial as YYYY-MM-DD; nullopt when it is not one (negative, too large, the phantom
// 1900-02-29).
std::optional<std::string> serial_to_date(std::string_view v, bool date1904) {
  const std::string plain = plain_decimal(v);
  if (plain.empty() || plain[0] == '-' ||
      plain.find_first_not_of("0123456789.") != std::string::npos) {
    return std::nullopt;
  }
  const auto dot = plain.find('.');
  const std::string whole = plain.substr(0, dot);
  if (whole.size() > 7) return std::nullopt;
  long serial = std::stol(whole);
  // A time of 23:59:59.5 or later rounds to the next day (a double's noise below a whole serial).
  if (dot != std::string::npos && plain.substr(dot + 1) >= "999994") ++serial;
  std::chrono::sys_days d;
  if (date1904) {
    d = std::chrono::sys_days(std::chrono::year{1904} / 1 / 1) + std::chrono::days{serial};
  } else {
    if (serial == 60) return std::nullopt;  // 1900-02-29, which Lotus 1-2-3 (and so Excel) counts
    if (serial < 1) return std::nullopt;
    // Serial 1 is 1900-01-01; from 61 on one less, for the phantom 1900-02-29.
    d = std::chrono::sys_days(std::chrono::year{1899} / 12 / 31) +
        std::chrono::days{serial < 60 ? serial : serial - 1};
  }
  const std::chrono::year_month_day ymd(d);
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return std::string(buf.data());
}

// "C5" → column 2 (0-based); -1 when not a cell reference.
int column_of(std::string_view ref) {
  int col = 0;
  std::size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && i < 3; ++i)
    col = col * 26 + (ref[i] - 'A' + 1);
  if (i == 0 || col > max_columns) return -1;
  return col - 1;
}

std::string column_letters(int col) {
  std::string s;
  for (int c = col + 1; c > 0; c = (c - 1) / 26)
    s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
  return s;
}

// ---- the workbook ----

struct SheetInfo {
  std::string name;
  std::string path;  // zip member
};

struct Styles {
  std::vector<bool> date_xf;  // cellXfs index → its number format is a date
};

class Zip {
 public:
  Zip(unzFile f, std::unique_ptr<MemStream> mem, XlsxLimits limits)
      : f_(f), mem_(std::move(mem)), limits_(limits) {}
  Zip(const Zip&) = delete;
  Zip& operator=(const Zip&) = delete;
  Zip(Zip&&) = delete;
  Zip& operator=(Zip&&) = delete;
  ~Zip() {
    if (open_) unzCloseCurrentFile(f_);
    unzClose(f_);
  }

  const XlsxLimits& limits() const { return limits_; }

  bool has(const std::string& member) { return unzLocateFile(f_, member.c_str(), 1) == UNZ_OK; }

  // Opens a member for reading; checks the zip-bomb limits and encryption first.
  Result<void> open(const std::string& member) {
    close();
    if (unzLocateFile(f_, member.c_str(), 1) != UNZ_OK) {
      return fail(Errc::invalid_input, "not an .xlsx workbook: no " + member);
    }
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(f_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
      return fail(Errc::invalid_input, "corrupt zip: cannot read the entry of " + member);
    }
    if ((info.flag & 1U) != 0) {
      return fail(Errc::invalid_input,
                  "encrypted workbook: " + member + " is encrypted; save it without a password");
    }
    const std::uint64_t size = info.uncompressed_size;
    const std::uint64_t packed = info.compressed_size;
    if (size > limits_.max_member_bytes ||
        (size > ratio_floor_bytes && (packed == 0 || size / packed > limits_.max_ratio))) {
      return fail(Errc::invalid_input,
                  "zip bomb: " + member + " inflates from " + std::to_string(packed) + " to " +
                      std::to_string(size) +
                      " bytes (limits: " + std::to_string(limits_.max_member_bytes) +
                      " bytes, ratio " + std::to_string(limits_.max_ratio) + ")");
    }
    if (unzOpenCurrentFile(f_) != UNZ_OK) {
      return fail(Errc::invalid_input, "corrupt zip: cannot open " + member);
    }
    open_ = true;
    member_ = member;
    declared_ = size;
    read_ = 0;
    return {};
  }

  // Reads the next chunk of the open member into `out`; 0 at its end.
  Result<std::size_t> read(std::string& out) {
    out.resize(chunk_bytes);
    auto n = read(out.data(), out.size());
    out.resize(n ? *n : 0);
    return n;
  }

  // Reads the next chunk of the open member into `buf` (up to `size` bytes); 0 at its end.
  Result<std::size_t> read(char* buf, std::size_t size) {
    const int n = unzReadCurrentFile(f_, buf, static_cast<unsigned>(size));
    if (n < 0)
      return fail(Errc::invalid_input,
                  "corrupt zip: " + member_ + " cannot be inflated (" + std::to_string(n) + ")");
    read_ += static_cast<std::uint64_t>(n);
    if (read_ > declared_) {
      return fail(Errc::invalid_input, "zip bomb: " + member_ + " inflates past its declared " +
                                           std::to_string(declared_) + " bytes");
    }
    if (n == 0) {
      open_ = false;
      if (unzCloseCurrentFile(f_) == UNZ_CRCERROR) {
        return fail(Errc::invalid_input, "corrupt zip: " + member_ + " fails its CRC check");
      }
    }
    return static_cast<std::size_t>(n);
  }

  void close() {
    if (open_) unzCloseCurrentFile(f_);
    open_ = false;
  }

  // Parses a whole (small) member with a handler.
  template <class Handler>
  Result<void> parse(const std::string& member, Handler& h) {
    if (auto o = open(member); !o) return o;
    Parser<Handler> p(h);
    std::string chunk;
    for (;;) {
      auto n = read(chunk);
      if (!n) return tl::unexpected(n.error());
      if (std::string e = p.feed(chunk, *n == 0); !e.empty()) {
        std::string message = member;
        message += ": ";
        message += e;
        return fail(Errc::invalid_input, std::move(message));
      }
      if (*n == 0) return {};
    }
  }

 private:
  unzFile f_;
  std::unique_ptr<MemStream> mem_;
  XlsxLimits limits_;
  bool open_ = false;
  std::string member_;
  std::uint64_t declared_ = 0;
  std::uint64_t read_ = 0;
};

struct WorkbookHandler {
  struct Sheet {
    std::string name, rid;
    bool hidden = false;
  };
  std::vector<Sheet> sheets;
  bool date1904 = false;
  void start(std::string_view n, const XML_Char** a) {
    if (n == "workbookPr") {
      const char* v = attribute(a, "date1904");
      date1904 = v != nullptr && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
    } else if (n == "sheet") {
      Sheet s;
      if (const char* v = attribute(a, "name")) s.name = v;
      if (const char* v = attribute(a, "id")) s.rid = v;
      if (const char* v = attribute(a, "state")) s.hidden = std::strcmp(v, "visible") != 0;
      sheets.push_back(std::move(s));
    }
  }
  void end(std::string_view /*n*/) {}
  void text(std::string_view /*s*/) {}
};

struct RelsHandler {
  std::map<std::string, std::string> target;  // id → path in the zip
  std::string shared_strings, styles;
  static std::string resolve(const std::string& t) {
    return t.starts_with('/') ? t.substr(1) : "xl/" + t;
  }
  void start(std::string_view n, const XML_Char** a) {
    if (n != "Relationship") return;
    const char* id = attribute(a, "Id");
    const char* t = attribute(a, "Target");
    const char* type = attribute(a, "Type");
    if (id == nullptr || t == nullptr) return;
    target[id] = resolve(t);
    const std::string_view ty = type == nullptr ? "" : type;
    if (ty.ends_with("/sharedStrings")) shared_strings = resolve(t);
    if (ty.ends_with("/styles")) styles = resolve(t);
  }
  void end(std::string_view /*n*/) {}
  void text(std::string_view /*s*/) {}
};

// The shared-strings table, held whole (cells refer to it by index in any order): every string's
// bytes back to back in one arena, with the end offset of each. Its memory is the table's text plus
// 4 bytes a string (a std::string each took 32 bytes, and a heap block for any longer than 15
// bytes: 62 MB for a 1M-row export with a unique voucher and payee a row, 26 MB now).
struct StringTable {
  std::string bytes;
  std::vector<std::uint32_t> ends;
  std::size_t size() const { return ends.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::size_t b = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(b, ends[i] - b);
  }
};

struct SharedStringsHandler {
  StringTable strings;
  std::string error;  // the table's text passes 4 GiB (offsets are 32-bit)
  bool in_t = false;
  int phonetic = 0;
  void start(std::string_view n, const XML_Char** /*a*/) {
    if (n == "rPh") ++phonetic;
    if (n == "t") in_t = phonetic == 0;
  }
  void end(std::string_view n) {
    if (n == "t") in_t = false;
    if (n == "rPh") --phonetic;
    if (n == "si") {
      if (strings.bytes.size() > UINT32_MAX) {
        if (error.empty()) error = "the shared-strings table holds more than 4 GiB of text";
        return;
      }
      strings.ends.push_back(static_cast<std::uint32_t>(strings.bytes.size()));
    }
  }
  void text(std::string_view s) {
    if (in_t) strings.bytes += s;
  }
};

struct StylesHandler {
  std::map<int, std::string> formats;
  std::vector<int> xf_formats;
  bool in_cell_xfs = false;
  void start(std::string_view n, const XML_Char** a) {
    if (n == "numFmt") {
      const char* id = attribute(a, "numFmtId");
      const char* code = attribute(a, "formatCode");
      if (id != nullptr && code != nullptr) formats[std::atoi(id)] = code;
    } else if (n == "cellXfs") {
      in_cell_xfs = true;
    } else if (n == "xf" && in_cell_xfs) {
      const char* id = attribute(a, "numFmtId");
      xf_formats.push_back(id == nullptr ? 0 : std::atoi(id));
    }
  }
  void end(std::string_view n) {
    if (n == "cellXfs") in_cell_xfs = false;
  }
  void text(std::string_view /*s*/) {}
};

// One sheet's rows, parsed as the XML arrives. The rows of a chunk wait in flat buffers (their
// cells' text back to back in `ready_text`), reused from chunk to chunk: no allocation per cell or
// row.
struct SheetHandler {
  const StringTable* strings = nullptr;
  const std::vector<bool>* date_xf = nullptr;
  bool date1904 = false;
  std::string sheet;

  struct Cell {
    int col = 0;
    std::uint32_t offset = 0;  // in `ready_text` (in `row_text` while its row is read)
    std::uint32_t length = 0;
  };
  struct Row {
    int number = 0;
    std::size_t first_cell = 0;  // in `cells`
    std::size_t cell_count = 0;
  };
  // Rows ready to be handed out, their cells, and the cells' text.
  std::vector<Row> ready;
  std::size_t next_ready = 0;
  std::vector<Cell> cells;
  std::string ready_text;
  std::string error;  // the first problem; stops the sheet

  // The row being read (it may span chunks): its cells in row_cells, their text in row_text.
  std::vector<Cell> row_cells;
  std::string row_text;
  int row_number = 0;
  int last_row = 0;
  bool in_row = false;
  int col = -1;
  enum class Type : std::uint8_t { number, shared, boolean, date, other };
  Type type = Type::number;
  int style = 0;
  bool has_formula = false;
  bool has_value = false;
  bool in_v = false;
  bool in_t = false;
  int phonetic = 0;
  std::string value;
  std::string formula;
  bool in_f = false;

  bool has_ready() const { return next_ready < ready.size(); }
  // Called once every ready row was handed out, before more XML is parsed.
  void clear_ready() {
    ready.clear();
    cells.clear();
    ready_text.clear();
    next_ready = 0;
  }

  static Type type_of(const char* t) {
    if (t == nullptr || std::strcmp(t, "n") == 0) return Type::number;
    if (std::strcmp(t, "s") == 0) return Type::shared;
    if (std::strcmp(t, "b") == 0) return Type::boolean;
    if (std::strcmp(t, "d") == 0) return Type::date;
    return Type::other;  // str, inlineStr, e
  }

  void start(std::string_view n, const XML_Char** a) {
    if (!error.empty()) return;
    if (n == "c" && in_row) {
      const char* r = attribute(a, "r");
      col = r != nullptr ? column_of(r) : col + 1;
      if (col < 0) {
        error = "sheet " + sheet + ", row " + std::to_string(row_number) +
                ": bad cell reference '" + (r != nullptr ? r : "") + "'";
        return;
      }
      type = type_of(attribute(a, "t"));
      const char* s = attribute(a, "s");
      style = s != nullptr ? std::atoi(s) : 0;
      has_formula = has_value = false;
      value.clear();
      formula.clear();
    } else if (n == "v") {
      in_v = true;
      has_value = true;
    } else if (n == "row") {
      in_row = true;
      row_cells.clear();
      row_text.clear();
      const char* r = attribute(a, "r");
      row_number = r != nullptr ? std::atoi(r) : last_row + 1;
      last_row = row_number;
      col = -1;
    } else if (n == "f") {
      has_formula = true;
      in_f = true;
    } else if (n == "rPh") {
      ++phonetic;
    } else if (n == "t") {
      in_t = phonetic == 0;
      has_value = true;
    }
  }

  void end(std::string_view n) {
    if (!error.empty()) return;
    if (n == "v") in_v = false;
    if (n == "f") in_f = false;
    if (n == "t") in_t = false;
    if (n == "rPh") --phonetic;
    if (n == "c" && in_row) finish_cell();
    if (n == "row") {
      in_row = false;
      if (ready_text.size() + row_text.size() > UINT32_MAX) {
        error = "sheet " + sheet + ", row " + std::to_string(row_number) +
                ": too much text in one chunk";
        return;
      }
      const auto base = static_cast<std::uint32_t>(ready_text.size());
      ready_text += row_text;
      ready.push_back(Row{row_number, cells.size(), row_cells.size()});
      for (Cell c : row_cells) {
        c.offset += base;
        cells.push_back(c);
      }
    }
  }

  void text(std::string_view s) {
    if (in_v || in_t) value += s;
    if (in_f && formula.size() < 200) formula += s;
  }

  void finish_cell() {
    auto cell = [&] {
      return column_letters(col) + std::to_string(row_number);
    };  // for errors only
    // openpyxl writes a formula's missing value as an empty <v/>: only a string result may be
    // empty.
    if (has_formula && (!has_value || (value.empty() && type != Type::other))) {
      error = "sheet " + sheet + ", cell " + cell() +
              ": a formula without a cached value (=" + formula +
              "); open the workbook in Excel or LibreOffice and save it again so that the values "
              "are stored";
      return;
    }
    const std::size_t begin = row_text.size();
    if (type == Type::shared) {
      const unsigned long i = value.empty() ? 0 : std::strtoul(value.c_str(), nullptr, 10);
      if (value.empty() || i >= strings->size()) {
        error =
            "sheet " + sheet + ", cell " + cell() + ": shared string " + value + " does not exist";
        return;
      }
      row_text += (*strings)[i];
    } else if (type == Type::boolean) {
      row_text += value == "1" ? "TRUE" : "FALSE";
    } else if (type == Type::number) {
      const bool is_date = style >= 0 && static_cast<std::size_t>(style) < date_xf->size() &&
                           (*date_xf)[static_cast<std::size_t>(style)];
      std::optional<std::string> date;
      if (is_date && !value.empty()) date = serial_to_date(value, date1904);
      if (date) {
        row_text += *date;
      } else if (!plain_decimal_fast(value, row_text)) {
        row_text += plain_decimal_slow(value);
      }
    } else if (type == Type::date) {
      row_text.append(value, 0, 10);
    } else {  // str, inlineStr, e
      row_text += value;
    }
    if (row_text.size() == begin) return;
    row_cells.push_back(Cell{col, static_cast<std::uint32_t>(begin),
                             static_cast<std::uint32_t>(row_text.size() - begin)});
  }
};

class XlsxSource final : public RecordSource {
 public:
  XlsxSource(std::unique_ptr<Zip> zip, std::vector<SheetInfo> sheets, StringTable strings,
             std::vector<bool> date_xf, bool date1904)
      : zip_(std::move(zip)),
        sheets_(std::move(sheets)),
        strings_(std::move(strings)),
        date_xf_(std::move(date_xf)),
        date1904_(date1904) {}

  Result<void> open_sheet(std::size_t i) {
    index_ = i;
    handler_ = std::make_unique<SheetHandler>();
    handler_->strings = &strings_;
    handler_->date_xf = &date_xf_;
    handler_->date1904 = date1904_;
    handler_->sheet = sheets_[i].name;
    parser_ = std::make_unique<Parser<SheetHandler>>(*handler_);
    done_ = false;
    return zip_->open(sheets_[i].path);
  }

  bool next(CsvRecord& rec) override {
    if (!status_) return false;
    SheetHandler& h = *handler_;
    if (!h.has_ready()) {
      h.clear_ready();  // the views of the last record handed out die here, as CsvRecord says
      while (!h.has_ready()) {
        if (done_) return false;
        // Inflated straight into expat's buffer.
        char* buf = parser_->buffer(chunk_bytes);
        if (buf == nullptr) return stop("sheet " + sheets_[index_].name + ": out of memory");
        auto n = zip_->read(buf, chunk_bytes);
        if (!n) return stop(n.error().message);
        if (auto e = parser_->parse_buffer(*n, *n == 0); !e.empty()) {
          return stop("sheet " + sheets_[index_].name + ": " + e);
        }
        if (!h.error.empty()) return stop(h.error);
        done_ = *n == 0;
      }
    }
    const SheetHandler::Row& row = h.ready[h.next_ready++];
    // Reused, not rebuilt: its vector keeps its capacity from row to row.
    rec.fields.clear();
    rec.line = row.number;
    rec.ok = true;
    rec.error_column = 0;
    rec.error.clear();
    rec.terminated = true;
    // Sparse cells by column (a later cell of the same column wins), the gaps empty.
    const std::string_view text = h.ready_text;
    for (std::size_t i = row.first_cell; i < row.first_cell + row.cell_count; ++i) {
      const SheetHandler::Cell& c = h.cells[i];
      if (rec.fields.size() <= static_cast<std::size_t>(c.col))
        rec.fields.resize(static_cast<std::size_t>(c.col) + 1);
      rec.fields[static_cast<std::size_t>(c.col)] = text.substr(c.offset, c.length);
    }
    raw_.clear();
    for (std::size_t i = 0; i < rec.fields.size() && raw_.size() <= max_raw_bytes; ++i) {
      if (i != 0) raw_ += ',';
      raw_ += rec.fields[i];
    }
    if (raw_.size() > max_raw_bytes) raw_.resize(max_raw_bytes);
    rec.raw = raw_;
    return true;
  }

  const Result<void>& status() const override { return status_; }
  std::string sheet() const override { return sheets_[index_].name; }
  bool sparse() const override { return true; }
  Result<bool> next_sheet() override {
    if (index_ + 1 >= sheets_.size()) return false;
    if (auto o = open_sheet(index_ + 1); !o) return tl::unexpected(o.error());
    return true;
  }

 private:
  bool stop(std::string message) {
    status_ = fail(Errc::invalid_input, std::move(message));
    return false;
  }

  std::unique_ptr<Zip> zip_;
  std::vector<SheetInfo> sheets_;
  StringTable strings_;
  std::vector<bool> date_xf_;
  bool date1904_;
  std::size_t index_ = 0;
  std::unique_ptr<SheetHandler> handler_;
  std::unique_ptr<Parser<SheetHandler>> parser_;
  bool done_ = false;
  std::string raw_;
  Result<void> status_;
};

Result<std::unique_ptr<RecordSource>> open_workbook(std::unique_ptr<Zip> zip) {
  WorkbookHandler wb;
  if (auto r = zip->parse("xl/workbook.xml", wb); !r) return tl::unexpected(r.error());
  RelsHandler rels;
  if (auto r = zip->parse("xl/_rels/workbook.xml.rels", rels); !r) return tl::unexpected(r.error());
  std::vector<SheetInfo> sheets;
  for (const auto& s : wb.sheets) {
    if (s.hidden && !zip->limits().hidden_sheets) continue;
    auto t = rels.target.find(s.rid);
    if (t == rels.target.end())
      return fail(Errc::invalid_input, "not an .xlsx workbook: sheet " + s.name + " has no part");
    sheets.push_back(SheetInfo{s.name, t->second});
  }
  if (sheets.empty()) return fail(Errc::invalid_input, "the workbook has no visible sheet");
  SharedStringsHandler ss;
  if (!rels.shared_strings.empty() && zip->has(rels.shared_strings)) {
    if (auto r = zip->parse(rels.shared_strings, ss); !r) return tl::unexpected(r.error());
    if (!ss.error.empty()) return fail(Errc::invalid_input, rels.shared_strings + ": " + ss.error);
  }
  std::vector<bool> date_xf;
  if (!rels.styles.empty() && zip->has(rels.styles)) {
    StylesHandler st;
    if (auto r = zip->parse(rels.styles, st); !r) return tl::unexpected(r.error());
    for (int id : st.xf_formats) {
      const auto f = st.formats.find(id);
      date_xf.push_back(is_date_format(id, f == st.formats.end() ? std::string() : f->second));
    }
  }
  auto src = std::make_unique<XlsxSource>(std::move(zip), std::move(sheets), std::move(ss.strings),
                                          std::move(date_xf), wb.date1904);
  if (auto r = src->open_sheet(0); !r) return tl::unexpected(r.error());
  return std::unique_ptr<RecordSource>(std::move(src));
}

std::string hex(const unsigned char* d, unsigned n) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += digits[d[i] >> 4U];
    s += digits[d[i] & 15U];
  }
  return s;
}

}  // namespace

FileFormat sniff_format(std::string_view head) {
  if (head.starts_with(std::string_view("PK\x03\x04", 4))) return FileFormat::zip;
  if (head.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)))
    return FileFormat::ole2;
  std::string_view rest = head;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n'))
    rest.remove_prefix(1);
  std::string start(rest.substr(0, 16));
  for (char& c : start) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (start.starts_with("<html") || start.starts_with("<table") ||
      start.starts_with("<!doctype html")) {
    return FileFormat::html;
  }
  if (start.starts_with("<?xml") &&
      rest.find("urn:schemas-microsoft-com:office:spreadsheet") != std::string_view::npos) {
    return FileFormat::spreadsheetml;
  }
  return FileFormat::text;
}

std::string xlsx_number_text(std::string_view v) { return plain_decimal(v); }

std::optional<std::string> xlsx_serial_date(std::string_view v, bool date1904) {
  return serial_to_date(v, date1904);
}

bool binary_export_complete(std::string_view head, std::string_view tail) {
  switch (sniff_format(head)) {
    case FileFormat::zip:
      return tail.find(std::string_view("PK\x05\x06", 4)) != std::string_view::npos;
    case FileFormat::ole2:
      return true;
    case FileFormat::html:
    case FileFormat::spreadsheetml: {
      // A page or document ends with its closing tag (a final line end is not needed).
      std::string t(tail.substr(tail.size() > 4096 ? tail.size() - 4096 : 0));
      for (char& c : t) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return t.find("</html") != std::string::npos || t.find("</table") != std::string::npos ||
             t.find("</workbook") != std::string::npos;
    }
    case FileFormat::text:
      return false;
  }
  return false;
}

std::optional<std::string> ole2_encrypted_message(std::string_view bytes) {
  static const std::string marker = [] {
    std::string m;
    for (char c : std::string_view("EncryptionInfo")) {
      m += c;
      m += '\0';
    }
    return m;
  }();
  if (bytes.find(marker) != std::string_view::npos) {
    return "encrypted workbook: the file is password-protected; save it without a password (or as "
           "CSV)";
  }
  return std::nullopt;
}

Result<int> open_regular(const std::filesystem::path& path, bool no_follow) {
  const int flags = O_RDONLY | O_CLOEXEC | (no_follow ? O_NOFOLLOW | O_NONBLOCK : 0);
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return fail(Errc::io, "cannot open file: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Errc::io, "cannot open file: not a regular file");
  }
  return fd;
}

namespace {

Result<std::unique_ptr<RecordSource>> open_zip(std::unique_ptr<MemStream> mem,
                                               const XlsxLimits& limits) {
  zlib_filefunc64_def io{};
  io.zopen64_file = mem_open;
  io.zread_file = mem_read;
  io.zwrite_file = mem_write;
  io.ztell64_file = mem_tell;
  io.zseek64_file = mem_seek;
  io.zclose_file = mem_close;
  io.zerror_file = mem_error;
  io.opaque = mem.get();
  unzFile f = unzOpen2_64("", &io);
  if (f == nullptr)
    return fail(Errc::invalid_input, "corrupt zip: the workbook's zip directory cannot be read");
  unz_global_info64 global{};
  if (unzGetGlobalInfo64(f, &global) == UNZ_OK && global.number_entry > limits.max_members) {
    unzClose(f);
    return fail(Errc::invalid_input, "zip bomb: the workbook has " +
                                         std::to_string(global.number_entry) + " members (limit " +
                                         std::to_string(limits.max_members) + ")");
  }
  return open_workbook(std::make_unique<Zip>(f, std::move(mem), limits));
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_xlsx_file(const std::filesystem::path& path,
                                                     const XlsxLimits& limits, bool no_follow) {
  auto fd = open_regular(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  struct stat st {};
  ::fstat(*fd, &st);
  return open_zip(
      std::make_unique<MemStream>(std::string_view(), *fd, static_cast<std::uint64_t>(st.st_size)),
      limits);
}

Result<std::unique_ptr<RecordSource>> open_xlsx_bytes(std::string_view bytes,
                                                      const XlsxLimits& limits) {
  return open_zip(std::make_unique<MemStream>(bytes, -1, bytes.size()), limits);
}

Result<std::string> file_head(const std::filesystem::path& path, std::size_t n, bool no_follow) {
  auto fd = open_regular(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  std::string head(n, '\0');
  const ssize_t got = ::pread(*fd, head.data(), n, 0);
  ::close(*fd);
  head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return head;
}

Result<std::pair<std::string, std::uint64_t>> hash_file(const std::filesystem::path& path,
                                                        bool no_follow) {
  auto fd = open_regular(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string buf(chunk_bytes, '\0');
  std::uint64_t size = 0;
  for (;;) {
    const ssize_t n = ::read(*fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(*fd);
      return fail(Errc::io, "cannot read file: " + std::string(std::strerror(errno)));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
    size += static_cast<std::uint64_t>(n);
  }
  ::close(*fd);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  return std::make_pair(hex(md.data(), len), size);
}

std::string hash_bytes(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
  return hex(md.data(), len);
}

}  // namespace bw::collect
