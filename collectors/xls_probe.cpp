#include "collectors/xls_probe.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace bw::collect {
namespace {

constexpr std::uint32_t end_of_chain = 0xFFFFFFFE;
constexpr std::uint32_t max_regular_sector = 0xFFFFFFFA;
constexpr std::size_t header_bytes = 512;
constexpr std::size_t dir_entry_bytes = 128;

std::uint16_t u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint32_t u32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(u16(b, at)) |
         (static_cast<std::uint32_t>(u16(b, at + 2)) << 16);
}

Result<XlsFacts> damaged(const std::string& why) {
  return fail(Errc::invalid_input, "corrupt .xls: the file is damaged or cut short (" + why + ")");
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The compound file: its FAT, and streams as their bytes gathered along a sector chain.
class Compound {
 public:
  explicit Compound(std::string_view file) : file_(file) {}

  std::optional<std::string> open() {
    if (file_.size() < header_bytes) return "shorter than its header";
    const std::uint16_t shift = u16(file_, 0x1E);
    if (shift != 9 && shift != 12) return "an unknown sector size";
    sector_ = std::size_t{1} << shift;
    const std::size_t sectors = file_.size() / sector_;  // an upper bound on every count below
    const std::uint32_t fat_sectors = u32(file_, 0x2C);
    if (fat_sectors > sectors) return "more FAT sectors than the file holds";
    std::vector<std::uint32_t> fat_ids;
    for (std::size_t i = 0; i < 109 && fat_ids.size() < fat_sectors; ++i) {
      fat_ids.push_back(u32(file_, 0x4C + 4 * i));
    }
    std::uint32_t difat = u32(file_, 0x44);
    for (std::size_t hops = 0; fat_ids.size() < fat_sectors; ++hops) {
      if (hops > sectors || difat > max_regular_sector) return "its DIFAT chain is broken";
      auto s = sector(difat);
      if (!s) return "a sector lies past the end of the file";
      const std::size_t per = sector_ / 4 - 1;
      for (std::size_t i = 0; i < per && fat_ids.size() < fat_sectors; ++i) {
        fat_ids.push_back(u32(*s, 4 * i));
      }
      difat = u32(*s, 4 * per);
    }
    fat_.reserve(fat_ids.size() * (sector_ / 4));
    for (std::uint32_t id : fat_ids) {
      auto s = sector(id);
      if (!s) return "a sector lies past the end of the file";
      for (std::size_t i = 0; i < sector_ / 4; ++i) fat_.push_back(u32(*s, 4 * i));
    }
    mini_cutoff_ = u32(file_, 0x38);
    mini_fat_start_ = u32(file_, 0x3C);
    return std::nullopt;
  }

  // The bytes of the chain starting at `start`, `size` of them (all of the chain when size is
  // npos).
  std::optional<std::string> chain(std::uint32_t start, std::size_t size, std::string& why) const {
    std::string out;
    std::uint32_t id = start;
    for (std::size_t hops = 0; id != end_of_chain && out.size() < size; ++hops) {
      if (hops > fat_.size() || id >= fat_.size()) {
        why = "its sector chain leaves the file";
        return std::nullopt;
      }
      auto s = sector(id);
      if (!s) {
        why = "a sector lies past the end of the file";
        return std::nullopt;
      }
      out.append(*s);
      id = fat_[id];
    }
    if (size != std::string::npos) {
      if (out.size() < size) {
        why = "a stream is shorter than its directory entry says";
        return std::nullopt;
      }
      out.resize(size);
    }
    return out;
  }

  // A stream of `size` bytes: from the mini stream (held in the root entry's chain) below the
  // cutoff.
  std::optional<std::string> stream(std::uint32_t start, std::size_t size, std::uint32_t root_start,
                                    std::string& why) const {
    if (size >= mini_cutoff_) return chain(start, size, why);
    auto mini_fat_bytes = chain(mini_fat_start_, std::string::npos, why);
    auto mini = chain(root_start, std::string::npos, why);
    if (!mini_fat_bytes || !mini) return std::nullopt;
    std::string out;
    std::uint32_t id = start;
    const std::size_t entries = mini_fat_bytes->size() / 4;
    for (std::size_t hops = 0; id != end_of_chain && out.size() < size; ++hops) {
      if (hops > entries || id >= entries || (std::size_t{id} + 1) * 64 > mini->size()) {
        why = "its mini stream chain is broken";
        return std::nullopt;
      }
      out.append(mini->substr(std::size_t{id} * 64, 64));
      id = u32(*mini_fat_bytes, 4 * std::size_t{id});
    }
    if (out.size() < size) {
      why = "a stream is shorter than its directory entry says";
      return std::nullopt;
    }
    out.resize(size);
    return out;
  }

  std::uint32_t directory_start() const { return u32(file_, 0x30); }

 private:
  std::optional<std::string_view> sector(std::uint32_t id) const {
    const std::size_t at = (std::size_t{id} + 1) * sector_;
    if (id > max_regular_sector || at + sector_ > file_.size()) return std::nullopt;
    return file_.substr(at, sector_);
  }

  std::string_view file_;
  std::size_t sector_ = 512;
  std::vector<std::uint32_t> fat_;
  std::uint32_t mini_cutoff_ = 4096;
  std::uint32_t mini_fat_start_ = end_of_chain;
};

// A BIFF8 sheet name (XLUnicodeStringNoCch after its length byte) or a BIFF5 one (8-bit) as UTF-8.
std::string sheet_name(std::string_view body, bool biff8) {
  if (body.size() < 7) return {};
  const std::size_t len = static_cast<unsigned char>(body[6]);
  std::string out;
  if (!biff8) {
    for (std::size_t i = 0; i < len && 7 + i < body.size(); ++i) {
      append_utf8(out, static_cast<unsigned char>(body[7 + i]));
    }
    return out;
  }
  if (body.size() < 8) return {};
  const bool wide = (static_cast<unsigned char>(body[7]) & 1) != 0;
  for (std::size_t i = 0; i < len; ++i) {
    if (wide) {
      if (8 + 2 * i + 2 > body.size()) break;
      append_utf8(out, u16(body, 8 + 2 * i));  // sheet names are in the BMP
    } else {
      if (8 + i >= body.size()) break;
      append_utf8(out, static_cast<unsigned char>(body[8 + i]));
    }
  }
  return out;
}

}  // namespace

Result<XlsFacts> probe_xls(std::string_view bytes) {
  Compound cf(bytes);
  if (auto why = cf.open()) return damaged(*why);
  std::string why;
  auto dir = cf.chain(cf.directory_start(), std::string::npos, why);
  if (!dir) return damaged(why);
  std::optional<std::pair<std::uint32_t, std::size_t>> book;
  std::uint32_t root_start = end_of_chain;
  bool biff8 = true;
  for (std::size_t at = 0; at + dir_entry_bytes <= dir->size(); at += dir_entry_bytes) {
    const std::string_view e = std::string_view(*dir).substr(at, dir_entry_bytes);
    const std::size_t name_bytes = std::min<std::size_t>(u16(e, 0x40), 64);
    std::string name;
    for (std::size_t i = 0; i + 2 <= name_bytes; i += 2) {
      const std::uint16_t c = u16(e, i);
      if (c == 0) break;
      name += c < 0x80 ? static_cast<char>(c) : '?';
    }
    const auto type = static_cast<unsigned char>(e[0x42]);
    if (type == 5) root_start = u32(e, 0x74);
    if (type == 2 && (name == "Workbook" || (name == "Book" && !book))) {
      book = {u32(e, 0x74), u32(e, 0x78)};
      biff8 = name == "Workbook";
    }
  }
  if (!book) return damaged("it holds no workbook stream");
  if (book->second > bytes.size()) return damaged("its workbook stream is larger than the file");
  auto s = cf.stream(book->first, book->second, root_start, why);
  if (!s) return damaged(why);
  const std::string_view w = *s;

  XlsFacts facts;
  std::vector<std::uint32_t> offsets;  // each sheet's BOF in the stream (BOUNDSHEET lbPlyPos)
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t current = none;  // the sheet whose substream is being read
  bool globals = true;
  for (std::size_t at = 0; at + 4 <= w.size();) {
    const std::uint16_t type = u16(w, at);
    const std::size_t len = u16(w, at + 2);
    if (at + 4 + len > w.size()) break;  // a record cut at the stream's end: FreeXL stops there too
    const std::string_view body = w.substr(at + 4, len);
    if (type == 0x0809 && !globals) {  // BOF of a substream
      const auto it = std::find(offsets.begin(), offsets.end(), static_cast<std::uint32_t>(at));
      current = it != offsets.end() ? static_cast<std::size_t>(it - offsets.begin()) : none;
    } else if (type == 0x000A) {  // EOF
      globals = false;
    } else if (type == 0x0085 && globals && body.size() >= 6) {  // BOUNDSHEET
      offsets.push_back(u32(body, 0));
      facts.sheets.push_back(
          {sheet_name(body, biff8), (static_cast<unsigned char>(body[4]) & 3) != 0, 0, 0});
    } else if (type == 0x0200) {  // DIMENSIONS
      std::uint64_t rows = 0;
      std::uint64_t columns = 0;
      if (biff8 && body.size() >= 12) {
        rows = u32(body, 4);
        columns = u16(body, 10);
      } else if (!biff8 && body.size() >= 8) {
        rows = u16(body, 2);
        columns = u16(body, 6);
      }
      facts.declared_cells += rows * columns;
      if (current != none) {
        auto& sheet = facts.sheets[current];
        sheet.rows = std::max(sheet.rows, rows);
        sheet.columns = std::max(sheet.columns, columns);
      }
    }
    at += 4 + len;
  }
  return facts;
}

}  // namespace bw::collect
