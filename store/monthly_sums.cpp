#include "store/monthly_sums.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

namespace bw::store {

MonthlySums::MonthlySums() : slots_(1024) {}

std::uint32_t MonthlySums::find_or_insert(std::string_view unit, std::string_view code,
                                          std::string_view unit_name, std::string_view project_name) {
  key_.assign(unit).push_back('\x1f');
  key_.append(code);
  const std::uint64_t h = std::hash<std::string_view>{}(key_);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.id == 0) {
      if ((used_ + 1) * 2 > slots_.size()) {
        grow();
        return find_or_insert(unit, code, unit_name, project_name);
      }
      series_.push_back(Series{std::string(unit), std::string(code), std::string(unit_name),
                               std::string(project_name)});
      s.hash = h;
      s.id = static_cast<std::uint32_t>(series_.size());
      s.length = static_cast<std::uint8_t>(std::min(key_.size(), inline_key));
      std::memcpy(s.key, key_.data(), s.length);
      ++used_;
      flat_.resize(series_.size() * window * 2, 0);
      return s.id - 1;
    }
    if (s.hash != h) continue;
    if (key_.size() <= inline_key) {
      if (s.length == key_.size() && std::memcmp(s.key, key_.data(), key_.size()) == 0) return s.id - 1;
    } else {
      const Series& x = series_[s.id - 1];
      if (x.unit_code == unit && x.project_code == code) return s.id - 1;
    }
  }
}

void MonthlySums::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.id == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].id != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void MonthlySums::add(std::string_view unit_code, std::string_view project_code, std::string_view unit_name,
                      std::string_view project_name, int yyyymm, std::int64_t fen) {
  const std::uint32_t id = find_or_insert(unit_code, project_code, unit_name, project_name);
  const int month = (yyyymm / 100) * 12 + (yyyymm % 100) - 1;
  if (base_month_ < 0) base_month_ = month;
  const int offset = month - base_month_;
  if (offset >= 0 && offset < window) {
    const std::size_t at = (static_cast<std::size_t>(id) * window + static_cast<std::size_t>(offset)) * 2;
    flat_[at] += fen;
    flat_[at + 1] += 1;
    return;
  }
  for (auto& [sid, m] : spill_) {
    if (sid == id && m.yyyymm == yyyymm) {
      m.fen += fen;
      ++m.count;
      return;
    }
  }
  spill_.push_back({id, Month{yyyymm, fen, 1}});
}

std::vector<MonthlySums::Month> MonthlySums::months(std::size_t i) const {
  std::vector<Month> out;
  for (int offset = 0; offset < window; ++offset) {
    const std::size_t at = (i * window + static_cast<std::size_t>(offset)) * 2;
    if (flat_[at + 1] == 0 && flat_[at] == 0) continue;
    const int month = base_month_ + offset;
    out.push_back(Month{(month / 12) * 100 + month % 12 + 1, flat_[at], flat_[at + 1]});
  }
  for (const auto& [sid, m] : spill_) {
    if (sid == i) out.push_back(m);
  }
  std::sort(out.begin(), out.end(),
            [](const Month& a, const Month& b) { return a.yyyymm < b.yyyymm; });
  return out;
}

std::vector<MonthlySums::Year> MonthlySums::years(std::size_t i) const {
  std::vector<Year> out;
  for (const Month& m : months(i)) {  // ascending
    if (out.empty() || out.back().year != m.yyyymm / 100)
      out.push_back(Year{m.yyyymm / 100, {}, {}});
    const auto k = static_cast<std::size_t>(m.yyyymm % 100 - 1);
    out.back().fen[k] += m.fen;
    out.back().count[k] += m.count;
  }
  return out;
}

}  // namespace bw::store
