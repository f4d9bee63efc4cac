#include "reports/openmetrics_export.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace bw::reports {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Label values and HELP texts: backslash, double quote and line feed escaped (OpenMetrics 1.0
// escaped-string).
void write_escaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += ch;
    }
  }
}

void write_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  // Shortest representation that reads back to the same double.
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// One metric family: its series in first-seen order, each with its samples in the order added
// (ascending time, because snapshots are added in ascending as_of order).
class Family {
 public:
  /// `extra`: the rendered extra labels (`k="v",...`), written after each series' own labels.
  Family(std::string name, std::string help, std::string extra)
      : name_(std::move(name)), help_(std::move(help)), extra_(std::move(extra)) {}

  void add(const Labels& labels, std::int64_t ts, double value) {
    std::string key;
    for (const auto& [k, v] : labels) {
      if (!key.empty()) key += ',';
      key += k;
      key += "=\"";
      write_escaped(key, v);
      key += '"';
    }
    if (!extra_.empty()) {
      if (!key.empty()) key += ',';
      key += extra_;
    }
    auto [it, inserted] = index_.try_emplace(key, series_.size());
    if (inserted) series_.push_back({std::move(key), {}});
    series_[it->second].samples.emplace_back(ts, value);
  }

  void write(std::ostream& out) const {
    std::string text = "# TYPE " + name_ + " gauge\n# HELP " + name_ + " ";
    write_escaped(text, help_);
    text += '\n';
    for (const Series& s : series_) {
      for (const auto& [ts, value] : s.samples) {
        text += name_;
        if (!s.labels.empty()) {
          text += '{';
          text += s.labels;
          text += '}';
        }
        text += ' ';
        write_number(text, value);
        text += ' ';
        text += std::to_string(ts);
        text += '\n';
      }
      if (text.size() > (1u << 16)) {
        out << text;
        text.clear();
      }
    }
    out << text;
  }

 private:
  struct Series {
    std::string labels;
    std::vector<std::pair<std::int64_t, double>> samples;
  };
  std::string name_;
  std::string help_;
  std::string extra_;
  std::vector<Series> series_;
  std::unordered_map<std::string, std::size_t> index_;
};

// The families in first-seen order, so the output lists them as /metrics does.
class Families {
 public:
  explicit Families(const Labels& extra) {
    for (const auto& [k, v] : extra) {
      if (!extra_.empty()) extra_ += ',';
      extra_ += k;
      extra_ += "=\"";
      write_escaped(extra_, v);
      extra_ += '"';
    }
  }

  Family& operator()(const std::string& name, const char* help) {
    auto [it, inserted] = index_.try_emplace(name, families_.size());
    if (inserted) families_.emplace_back(name, help, extra_);
    return families_[it->second];
  }
  void write(std::ostream& out) const {
    for (const Family& f : families_) f.write(out);
  }

 private:
  std::string extra_;
  std::vector<Family> families_;
  std::unordered_map<std::string, std::size_t> index_;
};

double yuan(engine::Money m) { return static_cast<double>(m.fen) / 100.0; }

std::int64_t default_midnight_utc(engine::CivilDate d) {
  // Asia/Shanghai: UTC+8 all year.
  return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400 -
         8 * 3600;
}

bool wants_project(const engine::LineEval& e, ProjectSeriesFilter f, const engine::Policy& p) {
  switch (f) {
    case ProjectSeriesFilter::all:
      return true;
    case ProjectSeriesFilter::none:
      return false;
    case ProjectSeriesFilter::below_threshold:
      // As daemon/metrics/snapshot_collector.cpp: below the threshold, or behind pace.
      return (e.execution && e.execution->compare(p.threshold_bp, 10000) < 0) ||
             (e.pace && e.pace->compare(p.threshold_bp, 10000) < 0);
  }
  return true;
}

// The rolled-up series of a unit (labels {unit}) or of the department (no labels): the same
// families, help texts and order as RollupFamilies in daemon/metrics/snapshot_collector.cpp.
void add_rollup(Families& fam, const std::string& prefix, const Labels& labels,
                const engine::Rollup& r, std::int64_t ts) {
  fam(prefix + "_initial_budget_yuan", "Initial budget (年初预算数), yuan")
      .add(labels, ts, yuan(r.all.initial));
  fam(prefix + "_adjusted_budget_yuan", "Budget in force at the as-of date (调整后预算数), yuan")
      .add(labels, ts, yuan(r.all.adjusted));
  fam(prefix + "_paid_yuan", "Paid through the as-of date, refunds netted (支出数), yuan")
      .add(labels, ts, yuan(r.all.paid));
  auto ratio = [&](const char* suffix, const char* help, const std::optional<engine::Ratio>& x) {
    Family& f = fam(prefix + suffix, help);
    if (x) f.add(labels, ts, x->to_double());
  };
  ratio("_execution_ratio", "Execution rate (执行率) = paid / adjusted budget", r.all.execution());
  ratio("_expected_ratio",
        "Expected progress (序时进度): share of the budget due by the as-of date",
        r.all.expected());
  ratio("_pace_ratio", "Pace = execution / expected progress", r.all.pace());
  ratio("_forecast_ratio", "Forecast year-end execution rate", r.all.forecast());
  auto with = [&](const char* name, const char* value) {
    Labels l = labels;
    l.emplace_back(name, value);
    return l;
  };
  Family& score =
      fam(prefix + "_score", "Auditor's financial-management score (points) by component");
  Family& score_input =
      fam(prefix + "_score_input_ratio",
          "The rate behind each score: completion rate, adjustment rate, spending-balance mean");
  auto score_pair = [&](const char* component, const std::optional<engine::Ratio>& points,
                        const std::optional<engine::Ratio>& input) {
    if (points) score.add(with("component", component), ts, points->to_double());
    if (input) score_input.add(with("component", component), ts, input->to_double());
  };
  const engine::Scores& s = r.scores;
  score_pair("budget_completion", s.completion_score, s.completion_rate);
  score_pair("budget_adjustment", s.adjustment_score, s.adjustment_rate);
  score_pair("spending_balance", s.balance_score, s.balance_mean);
  Family& projects = fam(prefix + "_projects", "Project lines (项目支出) by execution band");
  for (engine::Band b : {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50,
                         engine::Band::zero, engine::Band::no_budget}) {
    projects.add(with("band", engine::to_string(b)), ts, r.bands.at(b));
  }
}

void add_snapshot(Families& fam, const engine::Snapshot& s, const OpenMetricsOptions& o) {
  auto midnight = [&](engine::CivilDate d) -> double {
    return static_cast<double>(o.midnight_utc ? o.midnight_utc(d) : default_midnight_utc(d));
  };
  const std::int64_t ts = sample_timestamp(s.as_of, o);

  fam("budgetwatch_snapshot_as_of_timestamp_seconds",
      "The date the snapshot is evaluated for (local midnight ending it)")
      .add({}, ts, midnight(engine::add_days(s.as_of, 1)));
  fam("budgetwatch_fiscal_year", "The fiscal year of the snapshot")
      .add({}, ts, s.fiscal_year.year());

  std::vector<const engine::LineEval*> lines;
  for (const engine::LineEval& e : s.lines) {
    if (wants_project(e, o.project_series, s.policy)) lines.push_back(&e);
  }
  Family& info = fam("budgetwatch_project_info",
                     "Budget line (预算项目): name, unit, kind (project|basic), owner; value 1");
  for (const engine::LineEval* e : lines) {
    info.add({{"project", e->line.code},
              {"unit", e->line.unit_code},
              {"name", e->line.name},
              {"kind", engine::to_string(e->line.kind)},
              {"owner", e->line.owner}},
             ts, 1);
  }
  auto project = [&](const char* name, const char* help, auto value) {
    Family& f = fam(name, help);
    for (const engine::LineEval* e : lines) {
      const std::optional<double> v = value(*e);
      if (v) f.add({{"project", e->line.code}, {"unit", e->line.unit_code}}, ts, *v);
    }
  };
  auto ratio = [](const std::optional<engine::Ratio>& r) {
    return r ? std::optional<double>(r->to_double()) : std::nullopt;
  };
  project("budgetwatch_project_initial_budget_yuan", "Initial budget (年初预算数), yuan",
          [](const engine::LineEval& e) { return std::optional<double>(yuan(e.amounts.initial)); });
  project("budgetwatch_project_adjusted_budget_yuan",
          "Budget in force at the as-of date (调整后预算数), yuan", [](const engine::LineEval& e) {
            return std::optional<double>(yuan(e.amounts.adjusted));
          });
  project("budgetwatch_project_paid_yuan",
          "Paid through the as-of date, refunds netted (支出数), yuan",
          [](const engine::LineEval& e) { return std::optional<double>(yuan(e.amounts.paid)); });
  project("budgetwatch_project_execution_ratio", "Execution rate (执行率) = paid / adjusted budget",
          [&](const engine::LineEval& e) { return ratio(e.execution); });
  project("budgetwatch_project_expected_ratio",
          "Expected progress (序时进度) at the as-of date, to the line's deadline",
          [&](const engine::LineEval& e) { return ratio(e.expected); });
  project("budgetwatch_project_pace_ratio", "Pace = execution / expected progress",
          [&](const engine::LineEval& e) { return ratio(e.pace); });
  project("budgetwatch_project_forecast_ratio", "Forecast year-end execution rate",
          [&](const engine::LineEval& e) { return ratio(e.forecast); });
  project("budgetwatch_project_deadline_timestamp_seconds",
          "End of the line's deadline day (完成时限), Unix seconds",
          [&](const engine::LineEval& e) {
            return std::optional<double>(midnight(engine::add_days(e.deadline, 1)));
          });
  project("budgetwatch_project_available_from_timestamp_seconds",
          "Start of the first day the line has budget in force (the fiscal-year start, or the "
          "adjustment date of a mid-year new project), Unix seconds",
          [&](const engine::LineEval& e) { return std::optional<double>(midnight(e.available_from)); });

  Family& unit_info = fam("budgetwatch_unit_info", "Budget unit (预算单位): name; value 1");
  for (const engine::UnitEval& u : s.units)
    unit_info.add({{"unit", u.code}, {"name", u.name}}, ts, 1);
  for (const engine::UnitEval& u : s.units)
    add_rollup(fam, "budgetwatch_unit", {{"unit", u.code}}, u.rollup, ts);
  add_rollup(fam, "budgetwatch_department", {}, s.department, ts);

  Family& orphans =
      fam("budgetwatch_orphan_paid_yuan",
          "Payments counted in no line, by reason: unregistered (project code in neither register "
          "nor adjustments) or unattributed (blank code, no single basic line)");
  orphans.add({{"reason", "unregistered"}}, ts, yuan(s.unregistered_paid));
  orphans.add({{"reason", "unattributed"}}, ts, yuan(s.unattributed_paid));
}

}  // namespace

std::string extra_labels_error(const std::vector<std::pair<std::string, std::string>>& labels) {
  static constexpr std::string_view own[] = {"project", "unit", "name",      "kind",
                                             "owner",   "band", "component", "reason"};
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : labels) {
    const bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_';
                       });
    if (!valid)
      return "label name '" + name + "' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)";
    if (name.rfind("__", 0) == 0)
      return "label name '" + name + "' is reserved (names starting with __)";
    if (std::find(std::begin(own), std::end(own), name) != std::end(own))
      return "label '" + name + "' is already a label of the exported series";
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return "label '" + name + "' is given twice";
    if (value.empty())
      return "label '" + name + "' has an empty value (Prometheus drops empty labels)";
    seen.push_back(name);
  }
  return {};
}

std::vector<engine::CivilDate> month_ends_between(engine::CivilDate from, engine::CivilDate to) {
  std::vector<engine::CivilDate> out;
  for (engine::CivilDate d = engine::month_end(from); d <= to;
       d = engine::month_end(engine::add_days(d, 1))) {
    out.push_back(d);
  }
  return out;
}

std::int64_t sample_timestamp(engine::CivilDate as_of, const OpenMetricsOptions& o) {
  const engine::CivilDate next = engine::add_days(as_of, 1);
  return (o.midnight_utc ? o.midnight_utc(next) : default_midnight_utc(next)) - 1;
}

void write_openmetrics(std::ostream& out, std::span<const engine::Snapshot> snapshots,
                       const OpenMetricsOptions& o) {
  for (std::size_t i = 1; i < snapshots.size(); ++i) {
    if (!(snapshots[i - 1].as_of < snapshots[i].as_of)) {
      throw std::invalid_argument(
          "write_openmetrics: snapshots must be in strictly ascending as_of order");
    }
  }
  if (const std::string e = extra_labels_error(o.extra_labels); !e.empty())
    throw std::invalid_argument("write_openmetrics: " + e);
  // OpenMetrics wants each family's samples together, so the months are gathered before anything is
  // written.
  Families fam(o.extra_labels);
  for (const engine::Snapshot& s : snapshots) add_snapshot(fam, s, o);
  fam.write(out);
  out << "# EOF\n";
}

}  // namespace bw::reports
