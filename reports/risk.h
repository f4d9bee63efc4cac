// Budget lines in the order a finance official reads them (issue 17): most at risk first, and the
// name a line is shown with. Shared by the execution report and the daemon's project and unit
// pages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/snapshot.h"
#include "reports/format.h"

namespace bw::reports {

/// The lines of the snapshot (of one unit when `unit_code` is not empty) by risk: the largest gap
/// behind 序时进度 first (execution − expected, most negative first), lines whose gap is undefined
/// (no budget in force) after those with one; then the larger unspent amount (adjusted − paid);
/// then by code. Stable and total: the same snapshot always gives the same order.
std::vector<const engine::LineEval*> lines_by_risk(const engine::Snapshot& s,
                                                   std::string_view unit_code = {});

/// True when paid is more than the budget in force (超预算支出), with budget or without.
bool overspent(const engine::LineEval& e);

/// The name a line is shown with: its own, except a basic-expenditure line (基本支出) whose name
/// another basic line of the snapshot shares (every unit has its 人员经费), or that has no name,
/// which is named with its unit: "人员经费（荔湾区教育局）", "基本支出（荔湾区教育局）" (English:
/// "Staff costs (Education Bureau)").
std::string line_display_name(const engine::Snapshot& s, const engine::LineEval& e, Lang l);

}  // namespace bw::reports
