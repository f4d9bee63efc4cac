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

/// Every indicator, by project code and seq.
std::vector<engine::Indicator> load_indicators(Database& db);
std::optional<engine::Indicator> find_indicator(Database& db, std::int64_t id);

/// Actual values by indicator id; a value named by the indicator's name (no seq) is matched by name
/// within its project; values naming no known indicator are left out (and counted in `unmatched`
/// when given).
std::map<std::int64_t, std::vector<engine::ActualValue>> load_actuals(
    Database& db, std::int64_t* unmatched = nullptr);

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
