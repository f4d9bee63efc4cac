#include "reports/report.h"

#include <algorithm>
#include <set>

#include "reports/circular.h"
#include "reports/execution_report.h"
#include "reports/monthly_report.h"
#include "reports/yearend_report.h"

namespace bw::reports {

const char* to_string(ReportKind k) {
  switch (k) {
    case ReportKind::execution:
      return "execution";
    case ReportKind::monthly:
      return "monthly";
    case ReportKind::midyear:
      return "midyear";
    case ReportKind::yearend:
      return "yearend";
    case ReportKind::circular:
      return "circular";
  }
  return "execution";
}

Result<ReportKind> parse_report_kind(std::string_view s) {
  if (s == "execution") return ReportKind::execution;
  if (s == "monthly") return ReportKind::monthly;
  if (s == "midyear" || s == "mid-year") return ReportKind::midyear;
  if (s == "yearend" || s == "year-end") return ReportKind::yearend;
  if (s == "circular") return ReportKind::circular;
  return fail(Errc::invalid_input, "unknown report kind '" + std::string(s) +
                                       "' (execution, monthly, midyear, yearend or circular)");
}

std::string render_report(const engine::Snapshot& s, const ReportRequest& r,
                          const MidyearInputs& midyear) {
  switch (r.kind) {
    case ReportKind::execution:
      return render_execution_report(s, r.format, r.lang);
    case ReportKind::monthly:
      return render_monthly_report(s, r.format, r.lang);
    case ReportKind::midyear:
      return render_midyear_report(s, r.window_months, midyear, r.format, r.lang);
    case ReportKind::yearend:
      return render_yearend_report(s, r.format, r.lang);
    case ReportKind::circular:
      return render_circular_report(s, r.format, r.lang, r.issuer);
  }
  return {};
}

void write_report(const engine::Snapshot& s, const ReportRequest& r, const MidyearInputs& midyear,
                  TextSink& sink) {
  if (r.kind == ReportKind::execution && r.format != Format::xlsx) {
    write_execution_report(s, r.format, r.lang, sink);
    return;
  }
  sink.text() += render_report(s, r, midyear);
  sink.row_done();
}

std::string report_file_name(ReportKind k, Format f, Lang l, engine::CivilDate as_of, std::string_view scope,
                             bool ascii) {
  std::string name;
  if (l == Lang::zh && !ascii) {
    switch (k) {
      case ReportKind::execution:
        name = "预算执行情况报告";
        break;
      case ReportKind::monthly:
        name = "预算执行月报";
        break;
      case ReportKind::midyear:
        name = "预算执行与绩效运行监控报告";
        break;
      case ReportKind::yearend:
        name = "年度预算执行情况与财务管理评价";
        break;
      case ReportKind::circular:
        name = "预算执行进度通报";
        break;
    }
    if (!scope.empty()) name += "_" + std::string(scope);
    return name + "_" + engine::to_iso(as_of) + "." + extension(f);
  }
  name = std::string("budgetwatch-") + to_string(k);
  if (!scope.empty()) {
    name += '-';
    for (char c : scope) {
      const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
      name += safe ? c : '_';
    }
  }
  return name + "-" + engine::to_iso(as_of) + "." + extension(f);
}

Result<engine::Snapshot> restrict_to_unit(const engine::Snapshot& s, std::string_view unit_code) {
  const engine::UnitEval* u = s.find_unit(unit_code);
  if (u == nullptr) return fail(Errc::not_found, "no budget unit '" + std::string(unit_code) + "'");
  engine::Snapshot out;
  out.as_of = s.as_of;
  out.fiscal_year = s.fiscal_year;
  out.policy = s.policy;
  for (const auto& e : s.lines) {
    if (e.line.unit_code == unit_code) out.lines.push_back(e);
  }
  out.units = {*u};
  out.department = u->rollup;
  // The unit's department (its lines' first), with the unit's figures: the rank is among one.
  engine::DepartmentEval d;
  if (!out.lines.empty()) {
    d.code = out.lines.front().line.department_code;
    d.name = out.lines.front().line.department_name;
  }
  d.rollup = u->rollup;
  d.rank = 1;
  out.departments = {std::move(d)};
  for (const auto& o : s.unregistered) {
    if (o.unit_code != unit_code) continue;
    out.unregistered.push_back(o);
    out.unregistered_paid += o.paid;
  }
  for (const auto& o : s.unattributed) {
    if (o.unit_code != unit_code) continue;
    out.unattributed.push_back(o);
    out.unattributed_paid += o.paid;
  }
  out.by_code.resize(out.lines.size());
  for (std::size_t i = 0; i < out.lines.size(); ++i) out.by_code[i] = i;
  std::sort(out.by_code.begin(), out.by_code.end(), [&](std::size_t a, std::size_t b) {
    return out.lines[a].line.code < out.lines[b].line.code;
  });
  return out;
}

Result<engine::Snapshot> restrict_to_department(const engine::Snapshot& s, std::string_view code) {
  const engine::DepartmentEval* d = s.find_department(code);
  if (d == nullptr) {
    std::string known;
    for (const auto& x : s.departments) known += (known.empty() ? "" : ", ") + x.code;
    // A database without department codes (no 部门编码 column, no unit-code rule) is one department.
    if (s.departments.empty() || (s.departments.size() == 1 && s.departments[0].code.empty())) {
      known = "none: this database is one department without a code (a register's 部门编码 column or "
              "--department-unit-code-digits N / departments.from_unit_code_digits gives departments)";
    }
    return fail(Errc::not_found, "no department '" + std::string(code) + "' in fiscal year " +
                                     std::to_string(s.fiscal_year.year()) + " (departments: " + known + ")");
  }
  engine::Snapshot out;
  out.as_of = s.as_of;
  out.fiscal_year = s.fiscal_year;
  out.policy = s.policy;
  std::set<std::string, std::less<>> units;
  for (const auto& e : s.lines) {
    if (e.line.department_code != code) continue;
    out.lines.push_back(e);
    units.insert(e.line.unit_code);
  }
  // A unit's roll-up counts its lines of every department; a unit in two departments of one year is rare
  // (a register error) and shows its whole figures in each.
  for (const auto& u : s.units) {
    if (units.contains(u.code)) out.units.push_back(u);
  }
  out.department = d->rollup;
  out.departments = {*d};
  for (const auto* list : {&s.unregistered, &s.unattributed}) {
    for (const auto& o : *list) {
      if (!units.contains(o.unit_code)) continue;
      (list == &s.unregistered ? out.unregistered : out.unattributed).push_back(o);
      (list == &s.unregistered ? out.unregistered_paid : out.unattributed_paid) += o.paid;
    }
  }
  out.by_code.resize(out.lines.size());
  for (std::size_t i = 0; i < out.lines.size(); ++i) out.by_code[i] = i;
  std::sort(out.by_code.begin(), out.by_code.end(), [&](std::size_t a, std::size_t b) {
    return out.lines[a].line.code < out.lines[b].line.code;
  });
  return out;
}

}  // namespace bw::reports
