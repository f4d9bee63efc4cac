#include "daemon/midyear_inputs.h"

#include "store/indicators_repo.h"

namespace bw::daemon {

std::string midyear_review(const engine::Snapshot& snap) {
  return std::to_string(snap.fiscal_year.year()) + "-midyear";
}

reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap) {
  reports::MidyearInputs in;
  in.records = reports::IndicatorRecords{store::load_indicators(db, snap.fiscal_year),
                                         store::load_actuals(db, snap.fiscal_year)};
  for (const auto& n : store::list_owner_notes(db, midyear_review(snap))) {
    in.notes.push_back(reports::OwnerNote{n.project_code, n.reason, n.measures, n.written_by, n.written_at});
  }
  return in;
}

}  // namespace bw::daemon
