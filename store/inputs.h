// Loads the engine's inputs from the store as of a date: the register, adjustments, and payments as
// monthly sums per (unit, project code) — never raw rows, except the partial month of the as-of
// date. Also the read-side queries of the ledger used by reports and the API.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model.h"
#include "store/database.h"
#include "store/ledger.h"

namespace bw::store {

/// Builds engine::Inputs for the fiscal year `fy`: the lines registered for it
/// (budget_lines.fiscal_year = fy.year()), the adjustments dated in it, and its payments up to and
/// including `as_of`; nothing of another fiscal year. History (payments before the fiscal year)
/// feeds Inputs::history_cumulative when the engine can read it: as_of before the year's last day,
/// or a line registered with a deadline after as_of (the year-end forecast); a report as of the
/// year's end leaves it empty and does not read the earlier years. Throws DatabaseError.
engine::Inputs load_inputs(Database& db, engine::CivilDate as_of, const engine::FiscalYear& fy);

/// A page of the ingest history, newest first.
struct IngestPage {
  std::vector<IngestReport> files;  ///< with up to `rejects_per_file` rejects each
  std::int64_t total = 0;
};
IngestPage list_ingests(Database& db, std::int64_t offset, std::int64_t limit,
                        std::int64_t rejects_per_file);

/// A file that could not be read at all.
struct FailedFile {
  std::string name;
  std::string source;
  std::string sha256;
  std::string error;
  std::string failed_at;
};
std::vector<FailedFile> list_failed_files(Database& db, std::int64_t limit);

/// Row counts of the main tables, for logs and /readyz.
struct StoreCounts {
  std::int64_t files = 0;
  std::int64_t budget_lines = 0;
  std::int64_t adjustments = 0;
  std::int64_t payments = 0;
  std::int64_t rejects = 0;
};
StoreCounts count_rows(Database& db);

/// The latest payment date recorded (`report` without --as-of), nullopt when there is no payment.
std::optional<engine::CivilDate> latest_payment_date(Database& db);

/// What the ledger holds, as one comparable value: it changes whenever a file is ingested or
/// applied again (the only writes to budget lines, adjustments and payments), so a figure computed
/// from the ledger stays valid while it is unchanged (the API's cache of past dates).
struct LedgerVersion {
  std::int64_t files = 0;           ///< the newest files.id
  std::int64_t reapplications = 0;  ///< the newest file_reapplications.id
  friend bool operator==(const LedgerVersion&, const LedgerVersion&) = default;
};
LedgerVersion ledger_version(Database& db);

/// The fiscal years that have budget lines, ascending (for "that year has no lines; these have").
std::vector<int> fiscal_years_with_lines(Database& db);

}  // namespace bw::store
