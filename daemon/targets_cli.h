// `budgetwatch targets parse FILE.csv`: reads the target_raw column (年度指标值) of a
// performance-indicators CSV and prints, per row, the parsed target (engine/target.h) as JSON.
// Called by daemon/cli.cpp.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bw::daemon {

/// Runs `budgetwatch targets <argv...>` (argv without the word "targets") and returns the exit
/// code.
///
/// `targets parse FILE [--format json] [--encoding auto|utf-8|gb18030] [--fiscal-year YYYY]
/// [--fiscal-start-month N]`: the file is decoded as ingest decodes it (UTF-8 with or without BOM,
/// or GB18030); columns are found by header name as collectors/column_map.h finds them for
/// indicators (project_code/项目编码, seq/序号, target_raw/年度指标值, indicator_name/三级指标 are
/// required; indicator_class/一级指标 and indicator_subclass/二级指标 give bare values their
/// direction); parse columns already in the file (comparator, value, …) are ignored. Dates without
/// a year are read in --fiscal-year (else they are qualitative). Prints a JSON array, one object
/// per data row, in file order:
/// `{"project_code", "seq", "target_raw", "comparator", "value", "upper", "unit", "deadline"
/// (YYYY-MM-DD), "basis" ("explicit"/"implied"), "reason" (qualitative only)}`, absent values as
/// null. Exit codes (daemon/cli.h): 0; 1 when the file cannot be read, lacks a required column, or
/// has malformed CSV records (each named on `err` as "FILE:LINE: reason"; the other rows are still
/// printed); 2 usage.
int cmd_targets(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace bw::daemon
