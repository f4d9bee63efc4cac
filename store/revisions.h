// The versions of budget lines (budget_line_versions): what each register set, when and from where,
// and the revisions between them — for the API, the ingest history and the revision alert.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/ledger.h"

namespace bw::store {

/// One recorded version of a budget line.
struct LineVersion {
  int version = 0;
  std::string name, unit_code, unit_name, kind, deadline, owner, owner_email, tags;
  engine::Money initial;
  std::string file_name;  ///< the register that set it
  std::int64_t file_id = 0;
  int line_no = 0;
  std::string recorded_at;  ///< UTC ISO 8601
  std::string source;
  bool reapplied = false;
  int fiscal_year = 0;  ///< of the line-year (a line is identified by fiscal year and code)
  std::string department_code, department_name;
  std::string line_source;  ///< 指标来源 as stored ("" when the register gave none)
};

/// Every version of the line `code` of `fiscal_year` (default: the newest fiscal year that has the
/// code), oldest first (empty: no such line).
std::vector<LineVersion> line_versions(Database& db, const std::string& code,
                                       std::optional<int> fiscal_year = std::nullopt);

/// The revisions (versions after the first) that a file's ingest or re-applications made, with what
/// changed.
std::vector<Revision> revisions_of_file(Database& db, std::int64_t file_id);

/// The fields that differ between two versions (FieldChange::field names as in Revision).
std::vector<FieldChange> changes_between(const LineVersion& before, const LineVersion& after);

/// The newest revision of each line recorded at or after `since` (UTC ISO 8601), with its previous
/// version's initial budget: for the budget_revised alert rule.
struct RecentRevision {
  std::string code;
  int version = 0;
  engine::Money initial_before;
  engine::Money initial_after;
  std::string recorded_at;
  std::string file_name;
  std::string source;
  int fiscal_year = 0;  ///< the line's fiscal year (a line is (fiscal year, code))
};
std::vector<RecentRevision> recent_revisions(Database& db, const std::string& since);

}  // namespace bw::store
