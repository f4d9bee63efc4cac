// The mid-year review's inputs from the store: indicator completion (engine/indicators.h) and the owners'
// notes of the review "<fiscal year>-midyear" (POST /api/v1/projects/{code}/notes).
#pragma once

#include <string>
#include <vector>

#include "engine/indicators.h"
#include "reports/midyear_report.h"
#include "store/database.h"

namespace bw::daemon {

/// The review key of a snapshot's fiscal year: "2021-midyear".
std::string midyear_review(const engine::Snapshot& snap);

/// Converts evaluated indicators and reads the notes (on `db`).
reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap,
                                      const std::vector<engine::IndicatorEval>& indicators);

/// Evaluates the indicators of `db` as of the snapshot, then as above (the CLI).
reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap);

}  // namespace bw::daemon
