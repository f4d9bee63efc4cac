// Performance indicators, their actual values and the owners' review notes in SQLite
// (migrations/0003_indicators.sql).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/indicators.h"
#include "store/database.h"

namespace bw::store {

/// The indicators of one fiscal year (those of its budget lines), by project code and seq. A code
/// reused in another year has that year's indicators there, never these.
std::vector<engine::Indicator> load_indicators(Database& db, const engine::FiscalYear& year);
std::optional<engine::Indicator> find_indicator(Database& db, std::int64_t id);

/// The actual values dated in `year`, by the id of that year's indicator: a value belongs to the
/// fiscal year of its date; one named by the indicator's name (no seq) is matched by name within
/// its project; values naming no indicator of the year are left out (and counted in `unmatched`
/// when given).
std::map<std::int64_t, std::vector<engine::ActualValue>> load_actuals(
    Database& db, const engine::FiscalYear& year, std::int64_t* unmatched = nullptr);

/// Records an actual value from the API; false when the same value (date, value, note) was already
/// recorded.
bool add_api_actual(Database& db, const engine::Indicator& ind, const std::string& date,
                    const std::string& value, const std::string& note, const std::string& who);

struct OwnerNoteRow {
  std::string project_code;
  std::string review;  ///< e.g. "2021-midyear"
  std::string reason;
  std::string measures;
  std::string written_by;
  std::string written_at;
};
/// Inserts or replaces the note of a project for a review.
void put_owner_note(Database& db, const OwnerNoteRow& n);
std::vector<OwnerNoteRow> list_owner_notes(Database& db, const std::string& review);

}  // namespace bw::store
