// Monthly sums of one file's payments per (unit, project code as written), accumulated row by row
// during an ingest and written to paid_by_year at commit (one row per calendar year, the twelve
// months side by side: migration 0009). Internal to store/ (used by ledger.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bw::store {

/// An accumulator built for the hot path: one row costs one hash of the (unit, code) key, one probe
/// into an open-addressing table whose 64-byte slots hold the key inline, and one add into a flat
/// array of month sums — about two cache misses, where std::unordered_map with std::string keys
/// took five (measured on 1M rows: 0.6 s → see bench/run.sh). Not thread-safe.
class MonthlySums {
 public:
  /// One (unit, project) series with its sums per month.
  struct Month {
    int yyyymm = 0;
    std::int64_t fen = 0;
    std::int64_t count = 0;
  };
  /// One calendar year of a series: index 0 is January.
  struct Year {
    int year = 0;
    std::array<std::int64_t, 12> fen{};
    std::array<std::int64_t, 12> count{};
  };
  struct Series {
    std::string unit_code;
    std::string project_code;
    std::string unit_name;     ///< as first seen
    std::string project_name;  ///< as first seen
  };

  MonthlySums();

  /// Adds `fen` (and one payment) to the series of (unit, code) in month yyyymm; names are kept
  /// from the first row of a series.
  void add(std::string_view unit_code, std::string_view project_code, std::string_view unit_name,
           std::string_view project_name, int yyyymm, std::int64_t fen);

  const std::vector<Series>& series() const { return series_; }
  /// The non-empty months of series i, ascending.
  std::vector<Month> months(std::size_t i) const;
  /// The calendar years of series i in which it has a payment, ascending, with their twelve months.
  std::vector<Year> years(std::size_t i) const;

 private:
  struct alignas(64) Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = 0;  // series index + 1; 0 = empty
    std::uint8_t length =
        0;  // key bytes inline (keys longer than `inline_key` are compared via series_)
    char key[46] = {};
  };
  static constexpr std::size_t inline_key = sizeof(Slot::key);
  static constexpr int window = 24;  // months held flat per series, from the first month seen

  std::uint32_t find_or_insert(std::string_view unit, std::string_view code,
                               std::string_view unit_name, std::string_view project_name);
  void grow();

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::vector<Series> series_;
  std::string key_;                                     // scratch: unit \x1f code
  int base_month_ = -1;                                 // y*12+m-1 of the first month seen
  std::vector<std::int64_t> flat_;                      // [id * window + offset] * 2: fen, count
  std::vector<std::pair<std::uint32_t, Month>> spill_;  // months outside the window (rare)
};

}  // namespace bw::store
