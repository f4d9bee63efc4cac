#include "daemon/midyear_inputs.h"

#include "store/indicators_repo.h"

namespace bw::daemon {

std::string midyear_review(const engine::Snapshot& snap) {
  return std::to_string(snap.fiscal_year.year()) + "-midyear";
}

reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap,
                                      const std::vector<engine::IndicatorEval>& indicators) {
  reports::MidyearInputs in;
  for (const auto& e : indicators) {
    reports::IndicatorProgress p;
    p.project_code = e.indicator.project_code;
    p.seq = e.indicator.seq;
    p.name = e.indicator.name;
    p.target_raw = e.indicator.target_raw;
    p.status = engine::to_string(e.status);
    if (e.latest) p.actual = e.latest->value;
    p.deadline = e.target.deadline;
    in.indicators.push_back(std::move(p));
  }
  for (const auto& n : store::list_owner_notes(db, midyear_review(snap))) {
    in.notes.push_back(reports::OwnerNote{n.project_code, n.reason, n.measures, n.written_by, n.written_at});
  }
  return in;
}

reports::MidyearInputs midyear_inputs(store::Database& db, const engine::Snapshot& snap) {
  return midyear_inputs(db, snap,
                        engine::evaluate_indicators(store::load_indicators(db), store::load_actuals(db), snap));
}

}  // namespace bw::daemon
