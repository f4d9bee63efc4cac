// Carry-forward money (上年结转, issue 14) in the workbooks: the sheets that the execution and
// year-end workbooks add when the fiscal year has carry-forward lines, the same figures as the
// reports' 上年结转资金执行情况 part (reports/execution_report.cpp) as numbers.
#pragma once

#include <string>
#include <vector>

#include "engine/snapshot.h"
#include "reports/format.h"
#include "reports/xlsx.h"

namespace bw::reports {

/// Two sheets, none when the year has no 上年结转 line: 上年结转资金 (per department with such
/// money: the carry-forward adjusted budget, paid, unspent and execution rate, the new money's
/// execution and the total's, in 万元; a total row) and 上年结转项目 (each carry-forward line:
/// code, name, unit, 结转年限, last year's line, adjusted, paid, unspent in yuan exact to the fen,
/// execution; money carried two years or more, which the rules recover, in red). `subtitle` is the
/// sheets' date line.
std::vector<xlsx::Sheet> carry_forward_sheets(const engine::Snapshot& s, Lang l,
                                              const std::string& subtitle);

}  // namespace bw::reports
