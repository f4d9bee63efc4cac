// The mid-year review's inputs from the store: the indicators with every actual value recorded for
// them (the review evaluates them as of its own date, engine/indicators.h) and the owners' notes of
// the review
// "<fiscal year>-midyear" (POST /api/v1/projects/{code}/notes).
#pragma once

#include <string>
#include <vector>

#include "engine/indicators.h"
#include "reports/midyear_report.h"
#include "store/database.h"

namespace bw::daemon {

/// The review key of a snapshot's fiscal year: "2021-midyear".
std::string midyear_review(const engine::Snapshot& snap);

/// Reads the indicators, their actual values and the notes (on `db`). The review evaluates the
/// indicators as of the end of its window (reports::midyear_indicator_progress), not as of the
/// snapshot: a 1-6 review run in December shows the indicators as they stood on 30 June, next to
/// the money of 30 June.
reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap);

}  // namespace bw::daemon
