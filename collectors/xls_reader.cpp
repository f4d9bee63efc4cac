#include "collectors/xls_reader.h"

#include <expat.h>
#include <freexl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "collectors/xls_probe.h"
#include "collectors/xlsx_reader.h"

namespace bw::collect {
namespace {

constexpr std::size_t text_chunk_bytes = std::size_t{64} << 10;
constexpr int max_span =
    1000;  // colspan, rowspan, ss:MergeAcross and ss:Index steps beyond are taken as 1
constexpr int max_columns = 16384;
constexpr std::size_t max_tag_bytes = std::size_t{1} << 20;   // a longer "tag" is not one
constexpr std::size_t max_cell_bytes = std::size_t{1} << 20;  // a cell's text beyond is dropped

struct Row {
  int number = 0;
  std::size_t sheet = 0;
  std::vector<std::string> cells;
};

// Turns a row into a CsvRecord whose views stay valid until the next call.
class RowHolder {
 public:
  void fill(Row row, CsvRecord& rec) {
    current_ = std::move(row);
    rec = CsvRecord{};
    rec.line = current_.number;
    raw_.clear();
    for (const auto& c : current_.cells) {
      if (!rec.fields.empty()) raw_ += ',';
      raw_ += c;
      rec.fields.emplace_back(c);
    }
    if (raw_.size() > max_raw_bytes) raw_.resize(max_raw_bytes);
    rec.raw = raw_;
  }

 private:
  Row current_;
  std::string raw_;
};

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---- .xls through FreeXL ----

std::string freexl_number(double v) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.17g", v);
  return xlsx_number_text(buf.data());
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Descriptor(Descriptor&&) = delete;
  Descriptor& operator=(Descriptor&&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class XlsSource final : public RecordSource {
 public:
  XlsSource(const void* handle, std::vector<std::string> sheets, std::vector<bool> skipped)
      : handle_(handle), sheets_(std::move(sheets)), skipped_(std::move(skipped)) {}
  XlsSource(const XlsSource&) = delete;
  XlsSource& operator=(const XlsSource&) = delete;
  XlsSource(XlsSource&&) = delete;
  XlsSource& operator=(XlsSource&&) = delete;
  ~XlsSource() override { freexl_close(handle_); }

  Result<void> open_sheet(std::size_t i) {
    index_ = i;
    row_ = 0;
    rows_ = 0;
    columns_ = 0;
    if (freexl_select_active_worksheet(handle_, static_cast<unsigned short>(i)) != FREEXL_OK ||
        freexl_worksheet_dimensions(handle_, &rows_, &columns_) != FREEXL_OK) {
      return fail(Errc::invalid_input, "corrupt .xls: sheet " + sheets_[i] + " cannot be read");
    }
    return {};
  }

  bool next(CsvRecord& rec) override {
    if (!status_) return false;
    if (row_ >= rows_) return false;
    Row row;
    row.number = static_cast<int>(row_) + 1;
    for (unsigned short c = 0; c < columns_; ++c) {
      FreeXL_CellValue v{};
      const int rc = freexl_get_cell_value(handle_, row_, c, &v);
      if (rc != FREEXL_OK) {
        status_ =
            fail(Errc::invalid_input,
                 "corrupt .xls: sheet " + sheets_[index_] + ", row " + std::to_string(row.number) +
                     ": a cell cannot be read (FreeXL error " + std::to_string(rc) + ")");
        return false;
      }
      std::string out;
      switch (v.type) {
        case FREEXL_CELL_INT:
          out = std::to_string(v.value.int_value);
          break;
        case FREEXL_CELL_DOUBLE:
          out = freexl_number(v.value.double_value);
          break;
        case FREEXL_CELL_DATE:
        case FREEXL_CELL_DATETIME:
          out = v.value.text_value != nullptr ? std::string(v.value.text_value).substr(0, 10) : "";
          break;
        case FREEXL_CELL_TEXT:
        case FREEXL_CELL_SST_TEXT:
        case FREEXL_CELL_TIME:
          out = v.value.text_value != nullptr ? v.value.text_value : "";
          break;
        default:
          break;
      }
      if (out.empty()) continue;
      row.cells.resize(static_cast<std::size_t>(c) + 1);
      row.cells.back() = std::move(out);
    }
    ++row_;
    holder_.fill(std::move(row), rec);
    return true;
  }

  const Result<void>& status() const override { return status_; }
  std::string sheet() const override { return sheets_[index_]; }
  bool sparse() const override { return true; }
  Result<bool> next_sheet() override {
    std::size_t i = index_ + 1;
    while (i < sheets_.size() && skipped_[i]) ++i;
    if (i >= sheets_.size()) return false;
    if (auto o = open_sheet(i); !o) return tl::unexpected(o.error());
    return true;
  }
  // The first sheet not skipped; false when every sheet is.
  Result<bool> open_first() {
    index_ = 0;
    while (index_ < sheets_.size() && skipped_[index_]) ++index_;
    if (index_ >= sheets_.size()) return false;
    if (auto o = open_sheet(index_); !o) return tl::unexpected(o.error());
    return true;
  }

 private:
  const void* handle_;
  std::vector<std::string> sheets_;
  std::vector<bool> skipped_;  // hidden sheets, unless read by configuration
  std::size_t index_ = 0;
  unsigned int row_ = 0;
  unsigned int rows_ = 0;
  unsigned short columns_ = 0;
  RowHolder holder_;
  Result<void> status_;
};

std::string freexl_problem(int rc) {
  switch (rc) {
    case FREEXL_INSUFFICIENT_MEMORY:
      return "it needs more memory than is available";
    case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
      return "it holds no workbook stream";
    case FREEXL_CRAFTED_FILE:
      return "its structure is damaged (or crafted)";
    default:
      return "the file is damaged or cut short";
  }
}

std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// What FreeXL will hold in memory, checked before it opens the file: the file's size, each sheet's
// declared rows and columns, the cells of all sheets. Also says which sheets are hidden.
Result<XlsFacts> checked_facts(int fd, const XlsxLimits& limits) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(Errc::io, std::string("cannot stat file: ") + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  constexpr std::string_view advice =
      ": FreeXL holds a whole .xls in memory; save it as .xlsx or CSV";
  if (size > limits.max_xls_bytes) {
    return fail(Errc::invalid_input,
                "too large for .xls: " + grouped(size) + " bytes, over ingest.max_xls_size (" +
                    grouped(limits.max_xls_bytes) + " bytes)" + std::string(advice));
  }
  if (size == 0) return fail(Errc::invalid_input, "corrupt .xls: the file is empty");
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED)
    return fail(Errc::io, std::string("cannot map file: ") + std::strerror(errno));
  auto facts = probe_xls(std::string_view(static_cast<const char*>(map), size));
  ::munmap(map, size);
  if (!facts) return facts;
  for (const auto& sheet : facts->sheets) {
    const bool rows = sheet.rows > limits.max_xls_rows;
    if (rows || sheet.columns > limits.max_xls_columns) {
      return fail(Errc::invalid_input,
                  "sheet " + sheet.name + " declares " + grouped(sheet.rows) + " rows and " +
                      grouped(sheet.columns) + " columns, over ingest." +
                      (rows ? "max_xls_rows (" + grouped(limits.max_xls_rows)
                            : "max_xls_columns (" + grouped(limits.max_xls_columns)) +
                      ")" + std::string(advice));
    }
  }
  const std::uint64_t cells = limits.max_xls_rows * limits.max_xls_columns;
  if (facts->declared_cells > cells) {
    return fail(Errc::invalid_input,
                "the sheets declare " + grouped(facts->declared_cells) +
                    " cells in all, over ingest.max_xls_rows × max_xls_columns (" + grouped(cells) +
                    ")" + std::string(advice));
  }
  return facts;
}

// Opens the file FreeXL reads by name: /proc/self/fd/N of a descriptor already checked.
Result<std::unique_ptr<RecordSource>> open_xls_fd(int fd_raw, const XlsxLimits& limits) {
  const Descriptor fd(fd_raw);
  auto facts = checked_facts(fd.get(), limits);
  if (!facts) return tl::unexpected(facts.error());
  const std::string name = "/proc/self/fd/" + std::to_string(fd.get());
  const void* handle = nullptr;
  const int rc = freexl_open(name.c_str(), &handle);
  if (rc != FREEXL_OK) {
    if (handle != nullptr) freexl_close(handle);
    return fail(Errc::invalid_input, "corrupt .xls: " + freexl_problem(rc) + " (FreeXL error " +
                                         std::to_string(rc) + ")");
  }
  unsigned int password = 0;
  unsigned int count = 0;
  freexl_get_info(handle, FREEXL_BIFF_PASSWORD, &password);
  if (password == FREEXL_BIFF_OBFUSCATED) {
    freexl_close(handle);
    return fail(Errc::invalid_input,
                "encrypted workbook: the file is password-protected; save it without a password "
                "(or as CSV)");
  }
  freexl_get_info(handle, FREEXL_BIFF_SHEET_COUNT, &count);
  std::vector<std::string> sheets;
  std::vector<bool> skipped;
  for (unsigned int i = 0; i < count; ++i) {
    const char* n = nullptr;
    freexl_get_worksheet_name(handle, static_cast<unsigned short>(i), &n);
    sheets.emplace_back(n != nullptr ? n : "Sheet" + std::to_string(i + 1));
    // FreeXL's sheets are the BOUNDSHEET records in order; a hidden one is left out unless
    // configured.
    const bool hidden = i < facts->sheets.size() && facts->sheets[i].name == sheets.back() &&
                        facts->sheets[i].hidden;
    skipped.push_back(hidden && !limits.hidden_sheets);
  }
  if (sheets.empty()) {
    freexl_close(handle);
    return fail(Errc::invalid_input, "the workbook has no sheet");
  }
  auto src = std::make_unique<XlsSource>(handle, std::move(sheets), std::move(skipped));
  auto first = src->open_first();
  if (!first) return tl::unexpected(first.error());
  if (!*first)
    return fail(Errc::invalid_input,
                "the workbook has no visible sheet (ingest.hidden_sheets reads hidden ones)");
  return std::unique_ptr<RecordSource>(std::move(src));
}

// ---- character entities ----

void append_utf8(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Appends HTML text with its entities decoded (&nbsp; as a space: Excel reads it so).
void append_decoded(std::string& out, std::string_view s) {
  struct Named {
    std::string_view name;
    unsigned long cp;
  };
  static constexpr std::array<Named, 12> named{{{"amp", '&'},
                                                {"lt", '<'},
                                                {"gt", '>'},
                                                {"quot", '"'},
                                                {"apos", '\''},
                                                {"nbsp", ' '},
                                                {"yen", 0xA5},
                                                {"copy", 0xA9},
                                                {"middot", 0xB7},
                                                {"times", 0xD7},
                                                {"ldquo", 0x201C},
                                                {"rdquo", 0x201D}}};
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += '&';
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    bool done = false;
    if (ent.size() > 1 && ent[0] == '#') {
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      const std::string digits(ent.substr(hex ? 2 : 1));
      char* end = nullptr;
      const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (!digits.empty() && end != nullptr && *end == '\0') {
        append_utf8(out, cp);
        done = true;
      }
    } else {
      const std::string lower = lower_ascii(ent);
      for (const Named& n : named) {
        if (n.name == lower) {
          append_utf8(out, n.cp);
          done = true;
          break;
        }
      }
    }
    if (done) {
      i = semi;
    } else {
      out += '&';
    }
  }
}

// Collapses runs of white space to one space and trims; the line-break marker (from <br>) becomes
// '\n' with the spaces around it dropped.
constexpr char br_marker = '\x01';
std::string tidy_cell(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
      space = true;
      continue;
    }
    if (c == br_marker) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += '\n';
      space = false;
      continue;
    }
    if (space && !out.empty() && out.back() != '\n') out += ' ';
    space = false;
    out += c;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  const auto first = out.find_first_not_of('\n');
  return first == std::string::npos ? std::string() : out.substr(first);
}

// The value of a numeric attribute (colspan=3, colspan="3") in a lowercased tag; 1 when absent or
// out of bounds.
int span_attribute(std::string_view tag, std::string_view name) {
  std::size_t at = 0;
  while ((at = tag.find(name, at)) != std::string_view::npos) {
    std::size_t i = at + name.size();
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i < tag.size() && tag[i] == '=') {
      ++i;
      while (i < tag.size() && (tag[i] == ' ' || tag[i] == '"' || tag[i] == '\'')) ++i;
      int v = 0;
      for (; i < tag.size() && tag[i] >= '0' && tag[i] <= '9' && v <= max_span; ++i)
        v = v * 10 + (tag[i] - '0');
      return v >= 1 && v <= max_span ? v : 1;
    }
    at = i;
  }
  return 1;
}

// ---- HTML tables ----

class HtmlTableSource final : public RecordSource {
 public:
  explicit HtmlTableSource(std::unique_ptr<TextSource> text) : text_(std::move(text)) {}

  bool next(CsvRecord& rec) override {
    if (!status_) return false;
    while (ready_.empty()) {
      if (finished_) {
        if (rows_seen_ == 0) {
          status_ = fail(Errc::invalid_input,
                         "an HTML page without a table: the file has no <tr> row to read (was the "
                         "export a login or error page?)");
        }
        return false;
      }
      if (!pump()) return false;
    }
    holder_.fill(std::move(ready_.front()), rec);
    ready_.pop_front();
    return true;
  }
  const Result<void>& status() const override { return status_; }
  bool sparse() const override { return true; }

 private:
  // Reads a chunk and tokenizes what is complete; false on a read error.
  bool pump() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    std::size_t n = 0;
    if (!eof_) {
      auto r = text_->read(buf_, text_chunk_bytes);
      if (!r) {
        status_ = tl::unexpected(r.error());
        return false;
      }
      n = *r;
      eof_ = n == 0;
    }
    tokenize();
    if (eof_) {
      end_row();
      finished_ = true;
    }
    return true;
  }

  static bool starts_with_ci(std::string_view s, std::size_t at, std::string_view p) {
    if (s.size() - at < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      char c = s[at + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != p[i]) return false;
    }
    return true;
  }

  void tokenize() {
    const std::string_view b = buf_;
    while (pos_ < b.size()) {
      if (!skip_until_.empty()) {
        std::size_t at = pos_;
        while (at < b.size() && !starts_with_ci(b, at, skip_until_)) ++at;
        if (at == b.size() || (b.size() - at < skip_until_.size() && !eof_)) {
          // keep a possible start of the end tag for the next chunk
          pos_ =
              b.size() > skip_until_.size() ? std::max(pos_, b.size() - skip_until_.size()) : pos_;
          if (eof_) pos_ = b.size();
          return;
        }
        pos_ =
            skip_until_ == "-->" ? at + 3 : at;  // a comment's end goes, a script's end tag is read
        skip_until_.clear();
        continue;
      }
      if (b[pos_] != '<') {
        auto lt = b.find('<', pos_);
        if (lt == std::string_view::npos) {
          if (!eof_ && b.size() - pos_ < text_chunk_bytes) return;  // an entity may be cut
          lt = b.size();
        }
        if (in_cell_ && cell_.size() < max_cell_bytes)
          append_decoded(cell_, b.substr(pos_, lt - pos_));
        pos_ = lt;
        continue;
      }
      if (starts_with_ci(b, pos_, "<!--")) {
        skip_until_ = "-->";
        pos_ += 4;
        continue;
      }
      const auto gt = b.find('>', pos_);
      if (gt == std::string_view::npos) {
        if (eof_) {
          pos_ = b.size();
        } else if (b.size() - pos_ > max_tag_bytes) {
          ++pos_;  // a '<' that opens no tag: text
          continue;
        }
        return;
      }
      tag(lower_ascii(b.substr(pos_ + 1, gt - pos_ - 1)));
      pos_ = gt + 1;
    }
  }

  void tag(const std::string& t) {
    const bool closing = !t.empty() && t[0] == '/';
    std::size_t i = closing ? 1 : 0;
    std::size_t e = i;
    while (e < t.size() && ((t[e] >= 'a' && t[e] <= 'z') || (t[e] >= '0' && t[e] <= '9'))) ++e;
    const std::string_view name = std::string_view(t).substr(i, e - i);
    if (name == "tr") {
      end_row();
      if (!closing) begin_row();
    } else if (name == "td" || name == "th") {
      if (closing) {
        end_cell();
        return;
      }
      end_cell();
      if (!in_row_) begin_row();
      place_cell(span_attribute(t, "colspan"), span_attribute(t, "rowspan"));
    } else if (name == "br" && !closing) {
      if (in_cell_) cell_ += br_marker;
    } else if ((name == "script" || name == "style") && !closing) {
      skip_until_ = "</" + std::string(name);
    } else if (name == "table") {
      end_row();
      carry_.clear();  // a rowspan ends with its table
    }
  }

  void begin_row() {
    in_row_ = true;
    ++rows_seen_;
    row_ = Row{};
    row_.number = rows_seen_;
    occupied_ = carry_;
    for (int& c : carry_) c = c > 0 ? c - 1 : 0;
  }

  void place_cell(int colspan, int rowspan) {
    auto busy = [&](std::size_t c) { return c < occupied_.size() && occupied_[c] > 0; };
    while (busy(row_.cells.size()) && row_.cells.size() < max_columns) row_.cells.emplace_back();
    column_ = row_.cells.size();
    span_ = colspan;
    if (rowspan > 1) {
      if (carry_.size() < column_ + static_cast<std::size_t>(colspan))
        carry_.resize(column_ + static_cast<std::size_t>(colspan));
      for (int k = 0; k < colspan; ++k)
        carry_[column_ + static_cast<std::size_t>(k)] =
            std::max(carry_[column_ + static_cast<std::size_t>(k)], rowspan - 1);
    }
    in_cell_ = true;
    cell_.clear();
  }

  void end_cell() {
    if (!in_cell_) return;
    in_cell_ = false;
    if (row_.cells.size() >= max_columns) return;
    row_.cells.push_back(tidy_cell(cell_));
    for (int k = 1; k < span_ && row_.cells.size() < max_columns; ++k) row_.cells.emplace_back();
  }

  void end_row() {
    end_cell();
    if (!in_row_) return;
    in_row_ = false;
    while (!row_.cells.empty() && row_.cells.back().empty()) row_.cells.pop_back();
    ready_.push_back(std::move(row_));
    row_ = Row{};
  }

  std::unique_ptr<TextSource> text_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  std::string skip_until_;
  bool in_row_ = false;
  bool in_cell_ = false;
  std::string cell_;
  std::size_t column_ = 0;
  int span_ = 1;
  Row row_;
  int rows_seen_ = 0;
  std::vector<int> carry_;     // rows still covered by a rowspan above, per column (after this row)
  std::vector<int> occupied_;  // covered in the current row
  std::deque<Row> ready_;
  RowHolder holder_;
  Result<void> status_;
};

// ---- SpreadsheetML ----

std::string_view local(const XML_Char* name) {
  const std::string_view n(name);
  const auto sep = n.find_last_of(": ");
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

const XML_Char* attr(const XML_Char** atts, std::string_view name) {
  for (int i = 0; atts[i] != nullptr; i += 2) {
    if (local(atts[i]) == name) return atts[i + 1];
  }
  return nullptr;
}

int bounded(const XML_Char* v, int lo, int hi, int fallback) {
  if (v == nullptr) return fallback;
  const long n = std::strtol(v, nullptr, 10);
  return n < lo || n > hi ? fallback : static_cast<int>(n);
}

struct SpreadsheetHandler {
  std::vector<std::string> sheets;
  std::deque<Row> ready;
  bool in_sheet = false;
  bool in_row = false;
  bool in_data = false;
  int last_row = 0;
  std::size_t col = 0;
  int merge = 0;
  std::string type;
  std::string value;
  Row row;

  void start(std::string_view n, const XML_Char** a) {
    if (n == "Worksheet") {
      const XML_Char* name = attr(a, "Name");
      sheets.emplace_back(name != nullptr ? name : "Sheet" + std::to_string(sheets.size() + 1));
      in_sheet = true;
      last_row = 0;
    } else if (n == "Row" && in_sheet) {
      in_row = true;
      row = Row{};
      row.sheet = sheets.size() - 1;
      const int step = bounded(attr(a, "Index"), last_row + 1, last_row + 1 + 1'048'576, 0);
      row.number = step > 0 ? step : last_row + 1;
      last_row = row.number;
      col = 0;
    } else if (n == "Cell" && in_row) {
      const int index = bounded(attr(a, "Index"), static_cast<int>(col) + 1, max_columns, 0);
      if (index > 0) col = static_cast<std::size_t>(index - 1);
      merge = bounded(attr(a, "MergeAcross"), 0, max_span, 0);
      type.clear();
      value.clear();
    } else if (n == "Data" && in_row) {
      in_data = true;
      const XML_Char* t = attr(a, "Type");
      type = t != nullptr ? t : "String";
    }
  }

  void end(std::string_view n) {
    if (n == "Data") {
      in_data = false;
    } else if (n == "Cell" && in_row) {
      std::string out;
      if (type == "Number") {
        out = xlsx_number_text(value);
      } else if (type == "DateTime") {
        out = value.substr(0, 10);
      } else if (type == "Boolean") {
        out = value == "1" ? "TRUE" : "FALSE";
      } else {
        out = value;
      }
      if (!out.empty() && col < max_columns) {
        if (row.cells.size() <= col) row.cells.resize(col + 1);
        row.cells[col] = std::move(out);
      }
      col += 1 + static_cast<std::size_t>(merge);
    } else if (n == "Row" && in_row) {
      in_row = false;
      ready.push_back(std::move(row));
      row = Row{};
    } else if (n == "Worksheet") {
      in_sheet = false;
    }
  }

  void text(std::string_view s) {
    if (in_data && value.size() < (std::size_t{1} << 20)) value += s;
  }
};

class SpreadsheetMlSource final : public RecordSource {
 public:
  explicit SpreadsheetMlSource(std::unique_ptr<TextSource> text)
      : text_(std::move(text)), parser_(XML_ParserCreate("UTF-8")) {
    XML_SetUserData(parser_, &h_);
    XML_SetElementHandler(
        parser_,
        [](void* u, const XML_Char* n, const XML_Char** a) {
          static_cast<SpreadsheetHandler*>(u)->start(local(n), a);
        },
        [](void* u, const XML_Char* n) { static_cast<SpreadsheetHandler*>(u)->end(local(n)); });
    XML_SetCharacterDataHandler(parser_, [](void* u, const XML_Char* s, int len) {
      static_cast<SpreadsheetHandler*>(u)->text(std::string_view(s, static_cast<std::size_t>(len)));
    });
  }
  SpreadsheetMlSource(const SpreadsheetMlSource&) = delete;
  SpreadsheetMlSource& operator=(const SpreadsheetMlSource&) = delete;
  SpreadsheetMlSource(SpreadsheetMlSource&&) = delete;
  SpreadsheetMlSource& operator=(SpreadsheetMlSource&&) = delete;
  ~SpreadsheetMlSource() override { XML_ParserFree(parser_); }

  // Parses until the first sheet starts; an error when the document has none.
  Result<void> start() {
    while (h_.sheets.empty() && !done_) {
      if (!pump()) return tl::unexpected(status_.error());
    }
    if (h_.sheets.empty()) status_ = fail(Errc::invalid_input, "the workbook has no sheet");
    return status_;
  }

  bool next(CsvRecord& rec) override {
    if (!status_) return false;
    for (;;) {
      while (!h_.ready.empty() && h_.ready.front().sheet < index_) h_.ready.pop_front();
      if (!h_.ready.empty()) {
        if (h_.ready.front().sheet > index_) return false;
        holder_.fill(std::move(h_.ready.front()), rec);
        h_.ready.pop_front();
        return true;
      }
      if (done_ || h_.sheets.size() > index_ + 1) return false;
      if (!pump()) return false;
    }
  }
  const Result<void>& status() const override { return status_; }
  std::string sheet() const override {
    return index_ < h_.sheets.size() ? h_.sheets[index_] : std::string();
  }
  bool sparse() const override { return true; }
  Result<bool> next_sheet() override {
    while (h_.sheets.size() <= index_ + 1 && !done_) {
      if (!pump()) return tl::unexpected(status_.error());
    }
    if (h_.sheets.size() <= index_ + 1) return false;
    ++index_;
    return true;
  }

 private:
  bool pump() {
    chunk_.clear();
    auto n = text_->read(chunk_, text_chunk_bytes);
    if (!n) {
      status_ = tl::unexpected(n.error());
      return false;
    }
    done_ = *n == 0;
    if (XML_Parse(parser_, chunk_.data(), static_cast<int>(chunk_.size()), done_ ? 1 : 0) !=
        XML_STATUS_OK) {
      status_ = fail(Errc::invalid_input, "SpreadsheetML: XML error at line " +
                                              std::to_string(XML_GetCurrentLineNumber(parser_)) +
                                              ": " + XML_ErrorString(XML_GetErrorCode(parser_)));
      return false;
    }
    return true;
  }

  std::unique_ptr<TextSource> text_;
  XML_Parser parser_;
  SpreadsheetHandler h_;
  std::string chunk_;
  bool done_ = false;
  std::size_t index_ = 0;
  RowHolder holder_;
  Result<void> status_;
};

}  // namespace

Result<std::unique_ptr<RecordSource>> open_xls_file(const std::filesystem::path& path,
                                                    const XlsxLimits& limits, bool no_follow) {
  auto fd = open_regular(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  return open_xls_fd(*fd, limits);
}

Result<std::unique_ptr<RecordSource>> open_xls_bytes(std::string_view bytes,
                                                     const XlsxLimits& limits) {
  if (bytes.size() > limits.max_xls_bytes) {  // refused before it is copied
    return fail(Errc::invalid_input,
                "too large for .xls: " + grouped(bytes.size()) +
                    " bytes, over ingest.max_xls_size (" + grouped(limits.max_xls_bytes) +
                    " bytes): FreeXL holds a whole .xls in memory; save it as .xlsx or CSV");
  }
  const int fd = ::memfd_create("budgetwatch-xls", MFD_CLOEXEC);
  if (fd < 0)
    return fail(Errc::io, std::string("cannot create a memory file: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      return fail(Errc::io, std::string("cannot write a memory file: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return open_xls_fd(fd, limits);
}

std::unique_ptr<RecordSource> open_html_table(std::unique_ptr<TextSource> text) {
  return std::make_unique<HtmlTableSource>(std::move(text));
}

std::unique_ptr<RecordSource> open_spreadsheetml(std::unique_ptr<TextSource> text) {
  auto src = std::make_unique<SpreadsheetMlSource>(std::move(text));
  (void)src->start();  // an error stays in the source's status: next() returns false at once
  return src;
}

Encoding markup_encoding(std::string_view head) {
  const std::string h = lower_ascii(head);
  for (std::string_view key : {"charset=", "encoding="}) {
    std::size_t at = h.find(key);
    if (at == std::string::npos) continue;
    at += key.size();
    while (at < h.size() && (h[at] == '"' || h[at] == '\'' || h[at] == ' ')) ++at;
    const std::string_view v = std::string_view(h).substr(at, 8);
    if (v.starts_with("gb") || v.starts_with("x-gbk") || v.starts_with("cp936")) {
      return Encoding::gb18030;
    }
    return Encoding::utf8;
  }
  return Encoding::utf8;
}

}  // namespace bw::collect
