#include "reports/xlsx.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <system_error>

namespace bw::reports::xlsx {
namespace {

constexpr double default_width = 12;
constexpr lxw_color_t lagging_fill = 0xFFC7CE;  // Excel's "Bad" cell style
constexpr lxw_color_t lagging_font = 0x9C0006;
constexpr lxw_color_t header_fill = 0xDDEBF7;

// The divisor that turns a kind's scaled integer into the cell's value. The only floating point of
// a workbook is this one division, at the cell.
double divisor(CellKind k) {
  switch (k) {
    case CellKind::yuan:
    case CellKind::wan:
    case CellKind::decimal:
      return 100.0;
    case CellKind::pct:
      return 10000.0;
    default:
      return 1.0;
  }
}

const char* number_format(CellKind k) {
  switch (k) {
    case CellKind::integer:
      return "0";
    case CellKind::yuan:
    case CellKind::wan:
      return "#,##0.00";
    case CellKind::pct:
      return "0.00%";
    case CellKind::decimal:
      return "0.00";
    default:
      return nullptr;
  }
}

// Excel's rules for a tab name: at most 31 characters (UTF-16 units; our names are BMP text, so
// code points), none of []:*?/\, unique in the workbook.
std::string sheet_name(std::string name, std::map<std::string, int>& used) {
  for (char& c : name) {
    if (std::strchr("[]:*?/\\", c) != nullptr) c = '_';
  }
  auto cut = [](const std::string& s, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < s.size() && chars < max_chars) {
      const auto b = static_cast<unsigned char>(s[i]);
      i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      ++chars;
    }
    return s.substr(0, std::min(i, s.size()));
  };
  if (name.empty()) name = "Sheet";
  std::string out = cut(name, 31);
  for (int n = ++used[out]; n > 1; n = ++used[out])
    out = cut(name, 27) + " (" + std::to_string(n) + ")";
  return out;
}

// The formats of one workbook, made on first use: (cell kind, row style) → format.
class Formats {
 public:
  explicit Formats(lxw_workbook* wb) : wb_(wb) {
    title_ = workbook_add_format(wb_);
    format_set_bold(title_);
    format_set_font_size(title_, 14);
    format_set_align(title_, LXW_ALIGN_CENTER);
    format_set_align(title_, LXW_ALIGN_VERTICAL_CENTER);
    subtitle_ = workbook_add_format(wb_);
    format_set_align(subtitle_, LXW_ALIGN_LEFT);
    header_ = workbook_add_format(wb_);
    format_set_bold(header_);
    format_set_align(header_, LXW_ALIGN_CENTER);
    format_set_align(header_, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(header_);
    format_set_border(header_, LXW_BORDER_THIN);
    format_set_bg_color(header_, header_fill);
    note_ = workbook_add_format(wb_);
    format_set_italic(note_);
  }
  lxw_format* title() const { return title_; }
  lxw_format* subtitle() const { return subtitle_; }
  lxw_format* header() const { return header_; }
  lxw_format* note() const { return note_; }

  lxw_format* cell(CellKind k, RowStyle s) {
    const auto key = std::make_pair(static_cast<int>(k), static_cast<int>(s));
    if (auto it = cells_.find(key); it != cells_.end()) return it->second;
    lxw_format* f = workbook_add_format(wb_);
    format_set_border(f, LXW_BORDER_THIN);
    if (const char* nf = number_format(k)) format_set_num_format(f, nf);
    if (k == CellKind::text) format_set_text_wrap(f);
    if (s == RowStyle::total) format_set_bold(f);
    if (s == RowStyle::lagging) {
      format_set_bg_color(f, lagging_fill);
      format_set_font_color(f, lagging_font);
    }
    cells_.emplace(key, f);
    return f;
  }

 private:
  lxw_workbook* wb_;
  lxw_format* title_;
  lxw_format* subtitle_;
  lxw_format* header_;
  lxw_format* note_;
  std::map<std::pair<int, int>, lxw_format*> cells_;
};

void write_header(lxw_worksheet* ws, const Sheet& sh, lxw_row_t top, lxw_col_t width,
                  Formats& fmt) {
  auto label = [&](std::size_t r, lxw_col_t c) -> const std::string& {
    static const std::string none;
    return c < sh.header[r].size() ? sh.header[r][c] : none;
  };
  if (sh.header.size() == 1) {
    for (lxw_col_t c = 0; c < width; ++c)
      worksheet_write_string(ws, top, c, label(0, c).c_str(), fmt.header());
    return;
  }
  // Two rows: the upper row's runs of one label are groups over the lower labels; an empty lower
  // label merges its column's two rows.
  for (lxw_col_t c = 0; c < width;) {
    const std::string& up = label(0, c);
    lxw_col_t end = c;
    while (!up.empty() && end + 1 < width && label(0, end + 1) == up && !label(1, end + 1).empty())
      ++end;
    if (label(1, c).empty()) {
      worksheet_merge_range(ws, top, c, top + 1, c, up.c_str(), fmt.header());
    } else if (end > c) {
      worksheet_merge_range(ws, top, c, top, end, up.c_str(), fmt.header());
    } else {
      worksheet_write_string(ws, top, c, up.c_str(), fmt.header());
    }
    for (lxw_col_t i = c; i <= end; ++i) {
      if (!label(1, i).empty())
        worksheet_write_string(ws, top + 1, i, label(1, i).c_str(), fmt.header());
    }
    c = end + 1;
  }
}

void write_sheet(lxw_worksheet* ws, const Sheet& sh, Formats& fmt) {
  lxw_col_t width = 1;
  for (const auto& h : sh.header)
    width = std::max<lxw_col_t>(width, static_cast<lxw_col_t>(h.size()));
  for (const auto& r : sh.rows)
    width = std::max<lxw_col_t>(width, static_cast<lxw_col_t>(r.cells.size()));
  for (lxw_col_t c = 0; c < width; ++c) {
    worksheet_set_column(ws, c, c, c < sh.widths.size() ? sh.widths[c] : default_width, nullptr);
  }
  lxw_row_t row = 0;
  worksheet_set_row(ws, row, 24, nullptr);
  if (width > 1) {
    worksheet_merge_range(ws, row, 0, row, width - 1, sh.title.c_str(), fmt.title());
  } else {
    worksheet_write_string(ws, row, 0, sh.title.c_str(), fmt.title());
  }
  ++row;
  if (!sh.subtitle.empty()) {
    if (width > 1) {
      worksheet_merge_range(ws, row, 0, row, width - 1, sh.subtitle.c_str(), fmt.subtitle());
    } else {
      worksheet_write_string(ws, row, 0, sh.subtitle.c_str(), fmt.subtitle());
    }
    ++row;
  }
  if (!sh.header.empty()) {
    write_header(ws, sh, row, width, fmt);
    row += static_cast<lxw_row_t>(std::min<std::size_t>(sh.header.size(), 2));
  }
  worksheet_freeze_panes(ws, row, static_cast<lxw_col_t>(sh.freeze_columns));
  for (const Row& r : sh.rows) {
    for (lxw_col_t c = 0; c < width; ++c) {
      const Cell blank;
      const Cell& cell = c < r.cells.size() ? r.cells[c] : blank;
      lxw_format* f = fmt.cell(cell.kind == CellKind::empty ? CellKind::text : cell.kind, r.style);
      switch (cell.kind) {
        case CellKind::empty:
          worksheet_write_blank(ws, row, c, f);
          break;
        case CellKind::text:
          worksheet_write_string(ws, row, c, cell.text.c_str(), f);
          break;
        default:
          worksheet_write_number(ws, row, c, static_cast<double>(cell.scaled) / divisor(cell.kind),
                                 f);
          break;
      }
    }
    ++row;
  }
  if (!sh.notes.empty()) ++row;
  for (const std::string& n : sh.notes) worksheet_write_string(ws, row++, 0, n.c_str(), fmt.note());
}

// The hundredths of a printed decimal ("-1,234.5", "91.38"); nullopt unless it is one, with at most
// two decimals.
std::optional<std::int64_t> hundredths_of(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  int decimals = -1;
  bool digits = false;
  for (char c : s) {
    if (c == ',' && decimals < 0) continue;
    if (c == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9' || decimals >= 2 || whole > 1'000'000'000'000'000) return std::nullopt;
    digits = true;
    if (decimals < 0) {
      whole = whole * 10 + (c - '0');
    } else {
      frac = frac * 10 + (c - '0');
      ++decimals;
    }
  }
  if (!digits) return std::nullopt;
  if (decimals == 1) frac *= 10;
  const std::int64_t h = whole * 100 + frac;
  return negative ? -h : h;
}

// A document cell read back: the reports print numbers from integers, so the text is exact.
Cell cell_of(const std::string& text, bool numeric) {
  if (text.empty()) return Cell::blank();
  if (!numeric) return Cell::str(text);
  if (text.size() > 1 && text.back() == '%') {
    if (auto h = hundredths_of(std::string_view(text).substr(0, text.size() - 1))) {
      return {CellKind::pct, {}, *h};
    }
    return Cell::str(text);
  }
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() < 16) {
    return Cell::integer(std::stoll(text));
  }
  if (auto h = hundredths_of(text)) {
    const bool money =
        text.find(',') != std::string::npos || (text.front() != '+' && text.front() != '-');
    return {money ? CellKind::wan : CellKind::decimal, {}, *h};
  }
  return Cell::str(text);
}

// A table's one header row as the workbook shows it: every column labelled (a column of row names
// without a label in the document is 项目), and a money column's label names its unit
// (年初预算数（万元）) unless it does already, so a copied-out column still says what it counts.
std::vector<std::string> header_labels(const Table& table, const std::vector<Row>& rows, Lang l) {
  std::vector<std::string> labels;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    std::string label = table.columns[c].label;
    if (label.empty()) label = c == 0 ? tr(l, "项目", "Item") : tr(l, "（无标题）", "(untitled)");
    const bool money = std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
      return c < r.cells.size() && r.cells[c].kind == CellKind::wan;
    });
    if (money && label.find("元") == std::string::npos && label.find("yuan") == std::string::npos) {
      label += tr(l, "（万元）", " (10k yuan)");
    }
    labels.push_back(std::move(label));
  }
  return labels;
}

// Removes a folder and what is in it when it goes out of scope.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

Cell Cell::wan(engine::Money m) {
  // 0.01 万元 = 10,000 fen; half away from zero, as engine::format_wan.
  return {CellKind::wan,
          {},
          static_cast<std::int64_t>(engine::round_scaled(engine::Ratio{m.fen, 1'000'000}, 2))};
}

Cell Cell::pct(const std::optional<engine::Ratio>& r) {
  if (!r) return str("—");
  return {CellKind::pct, {}, static_cast<std::int64_t>(engine::round_scaled(*r, 4))};
}

Cell Cell::decimal(const std::optional<engine::Ratio>& r) {
  if (!r) return str("—");
  return {CellKind::decimal, {}, static_cast<std::int64_t>(engine::round_scaled(*r, 2))};
}

Workbook workbook_of(const Document& doc, Lang l) {
  Workbook w;
  w.title = doc.title();
  int n = 0;
  for (const auto& [heading, table] : doc.tables()) {
    Sheet sh;
    ++n;
    sh.name = heading.empty() ? std::string(tr(l, "表", "Table ")) + std::to_string(n) : heading;
    // Headings are numbered ("一、…", "1. …"): the tab shows the words.
    for (const std::string sep : {"、", ". "}) {
      if (auto at = sh.name.find(sep); at != std::string::npos && at <= 3 * 3) {
        sh.name = sh.name.substr(at + sep.size());
        break;
      }
    }
    sh.title = doc.title() + (heading.empty() ? "" : " — " + heading);
    sh.subtitle = std::string(tr(l, "截至日期：", "As of: ")) + engine::to_iso(doc.as_of()) +
                  tr(l, "　金额单位：万元", "   Amounts in 10,000 yuan (万元)");
    for (const auto& c : table->columns) {
      sh.widths.push_back(c.numeric ? 14
                                    : std::max<double>(12, std::min<double>(40, c.label.size())));
    }
    for (const auto& r : table->rows) {
      Row row;
      row.style = r.row_class == "total"                                ? RowStyle::total
                  : r.row_class == "behind" || r.row_class == "laggard" ? RowStyle::lagging
                                                                        : RowStyle::normal;
      for (std::size_t c = 0; c < r.cells.size(); ++c) {
        row.cells.push_back(
            cell_of(r.cells[c], c < table->columns.size() && table->columns[c].numeric));
      }
      sh.rows.push_back(std::move(row));
    }
    sh.header.push_back(header_labels(*table, sh.rows, l));
    // The row labels (a name, a code and its name, after a rank or sequence number) stay in view
    // beside the numbers of a wide table.
    if (const auto& cols = table->columns; cols.size() > 6) {
      std::size_t end = cols[0].numeric ? 1 : 0;
      const std::size_t first_text = end;
      while (end < cols.size() && end - first_text < 2 && !cols[end].numeric) ++end;
      sh.freeze_columns = end > first_text ? static_cast<int>(end) : 0;
    }
    w.sheets.push_back(std::move(sh));
  }
  return w;
}

Result<void> write_workbook(const Workbook& w, const std::filesystem::path& file) {
  std::string tmpdir = file.parent_path().empty() ? std::string(".") : file.parent_path().string();
  lxw_workbook_options options{};
  options.tmpdir = tmpdir.data();
  lxw_workbook* wb = workbook_new_opt(file.c_str(), &options);
  if (wb == nullptr) return fail(Errc::io, "cannot write " + file.string() + ": out of memory");
  Formats fmt(wb);
  lxw_doc_properties props{};
  props.title = const_cast<char*>(w.title.c_str());
  props.author = const_cast<char*>("budgetwatch");
  workbook_set_properties(wb, &props);
  std::map<std::string, int> used;
  if (w.sheets.empty()) workbook_add_worksheet(wb, nullptr);
  for (const Sheet& sh : w.sheets) {
    const std::string name = sheet_name(sh.name, used);
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    if (ws == nullptr) ws = workbook_add_worksheet(wb, nullptr);
    write_sheet(ws, sh, fmt);
  }
  errno = 0;
  const lxw_error e = workbook_close(wb);
  if (e != LXW_NO_ERROR) {
    const int saved = errno;
    return fail(Errc::io,
                "cannot write " + file.string() + ": " + lxw_strerror(e) +
                    (saved != 0 ? std::string(" (") + std::strerror(saved) + ")" : std::string()));
  }
  return {};
}

std::string workbook_bytes(const Workbook& w) {
  const char* env = std::getenv("TMPDIR");
  std::string pattern = (env != nullptr && *env != '\0' ? std::string(env) : std::string("/tmp")) +
                        "/budgetwatch-xlsx-XXXXXX";
  TempDir dir;
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder for a workbook: " +
                             std::string(std::strerror(errno)));
  }
  dir.path = pattern;
  const std::filesystem::path file = dir.path / "report.xlsx";
  if (auto r = write_workbook(w, file); !r) throw std::runtime_error(r.error().message);
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw std::runtime_error("cannot read back " + file.string());
  return bytes;
}

}  // namespace bw::reports::xlsx
