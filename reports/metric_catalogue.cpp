#include "reports/metric_catalogue.h"

#include <array>
#include <chrono>
#include <string>
#include <vector>

namespace bw::reports {
namespace {

using engine::LineEval;

double yuan(engine::Money m) { return static_cast<double>(m.fen) / 100.0; }

void ratio(SampleSink& out, const std::optional<engine::Ratio>& r) {
  if (r) out({}, r->to_double());
}

double midnight(const MetricSubject& s, engine::CivilDate d) {
  return static_cast<double>(s.midnight_utc(d));
}

std::string_view department_name(const MetricSubject& s) {
  return s.department != nullptr ? std::string_view(s.department->name) : std::string_view();
}

// The families a unit (labels {unit, department}) and a department ({department}) share: the same
// names after the prefix, the same help texts.
void add_rollup_families(std::vector<MetricFamilyDef>& catalogue, const std::string& prefix,
                         MetricLevel level) {
  const std::vector<std::string> base = level == MetricLevel::unit
                                            ? std::vector<std::string>{"unit", "department"}
                                            : std::vector<std::string>{"department"};
  auto with = [&](const char* label) {
    std::vector<std::string> l = base;
    l.emplace_back(label);
    return l;
  };
  auto add = [&](const char* suffix, const char* help, std::vector<std::string> labels,
                 void (*samples)(const MetricSubject&, SampleSink&)) {
    catalogue.push_back(
        {prefix + suffix, MetricType::gauge, help, level, std::move(labels), samples});
  };
  add("_initial_budget_yuan", "Initial budget (年初预算数), yuan", base,
      [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.rollup->all.initial)); });
  add("_adjusted_budget_yuan", "Budget in force at the as-of date (调整后预算数), yuan", base,
      [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.rollup->all.adjusted)); });
  add("_paid_yuan", "Paid through the as-of date, refunds netted (支出数), yuan", base,
      [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.rollup->all.paid)); });
  add("_execution_ratio", "Execution rate (执行率) = paid / adjusted budget", base,
      [](const MetricSubject& s, SampleSink& out) { ratio(out, s.rollup->all.execution()); });
  add("_expected_ratio", "Expected progress (序时进度): share of the budget due by the as-of date",
      base, [](const MetricSubject& s, SampleSink& out) { ratio(out, s.rollup->all.expected()); });
  add("_pace_ratio", "Pace = execution / expected progress", base,
      [](const MetricSubject& s, SampleSink& out) { ratio(out, s.rollup->all.pace()); });
  add("_forecast_ratio", "Forecast year-end execution rate", base,
      [](const MetricSubject& s, SampleSink& out) { ratio(out, s.rollup->all.forecast()); });
  add("_score", "Auditor's financial-management score (points) by component", with("component"),
      [](const MetricSubject& s, SampleSink& out) {
        const engine::Scores& sc = s.rollup->scores;
        if (sc.completion_score)
          out({{"component", "budget_completion"}}, sc.completion_score->to_double());
        if (sc.adjustment_score)
          out({{"component", "budget_adjustment"}}, sc.adjustment_score->to_double());
        if (sc.balance_score)
          out({{"component", "spending_balance"}}, sc.balance_score->to_double());
      });
  add("_score_input_ratio",
      "The rate behind each score: completion rate, adjustment rate, spending-balance mean",
      with("component"), [](const MetricSubject& s, SampleSink& out) {
        const engine::Scores& sc = s.rollup->scores;
        if (sc.completion_rate)
          out({{"component", "budget_completion"}}, sc.completion_rate->to_double());
        if (sc.adjustment_rate)
          out({{"component", "budget_adjustment"}}, sc.adjustment_rate->to_double());
        if (sc.balance_mean) out({{"component", "spending_balance"}}, sc.balance_mean->to_double());
      });
  add("_projects", "Project lines (项目支出) by execution band", with("band"),
      [](const MetricSubject& s, SampleSink& out) {
        for (engine::Band b :
             {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50,
              engine::Band::zero, engine::Band::no_budget}) {
          out({{"band", engine::to_string(b)}}, s.rollup->bands.at(b));
        }
      });
}

std::vector<MetricFamilyDef> build_catalogue() {
  std::vector<MetricFamilyDef> c;
  const MetricType gauge = MetricType::gauge;
  c.push_back({"budgetwatch_snapshot_as_of_timestamp_seconds",
               gauge,
               "The date the snapshot is evaluated for (local midnight ending it)",
               MetricLevel::snapshot,
               {},
               [](const MetricSubject& s, SampleSink& out) {
                 out({}, midnight(s, engine::add_days(s.snapshot.as_of, 1)));
               }});
  c.push_back(
      {"budgetwatch_fiscal_year",
       gauge,
       "The fiscal year of the snapshot",
       MetricLevel::snapshot,
       {},
       [](const MetricSubject& s, SampleSink& out) { out({}, s.snapshot.fiscal_year.year()); }});

  const std::vector<std::string> line_labels = {"project", "unit", "department"};
  auto project = [&](const char* name, const char* help,
                     void (*samples)(const MetricSubject&, SampleSink&)) {
    c.push_back({name, gauge, help, MetricLevel::project, line_labels, samples});
  };
  c.push_back({"budgetwatch_project_info",
               gauge,
               "Budget line (预算项目): name, unit, department, kind (project|basic), owner, the "
               "department's name, fiscal year, source (指标来源: "
               "initial|mid_year|carried_forward), carry_age "
               "(years carried forward, 0 for new money); value 1",
               MetricLevel::project,
               {"project", "unit", "department", "name", "kind", "owner", "department_name",
                "fiscal_year", "source", "carry_age"},
               [](const MetricSubject& s, SampleSink& out) {
                 const engine::BudgetLine& l = s.line->line;
                 const std::string year = std::to_string(l.fiscal_year);
                 const std::string age = std::to_string(s.line->carry_age);
                 out({{"name", l.name},
                      {"kind", engine::to_string(l.kind)},
                      {"owner", l.owner},
                      {"department_name", department_name(s)},
                      {"fiscal_year", year},
                      {"source", engine::source_key(s.line->source)},
                      {"carry_age", age}},
                     1);
               }});
  project("budgetwatch_project_initial_budget_yuan", "Initial budget (年初预算数), yuan",
          [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.line->amounts.initial)); });
  project("budgetwatch_project_adjusted_budget_yuan",
          "Budget in force at the as-of date (调整后预算数), yuan",
          [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.line->amounts.adjusted)); });
  project("budgetwatch_project_paid_yuan",
          "Paid through the as-of date, refunds netted (支出数), yuan",
          [](const MetricSubject& s, SampleSink& out) { out({}, yuan(s.line->amounts.paid)); });
  project("budgetwatch_project_execution_ratio", "Execution rate (执行率) = paid / adjusted budget",
          [](const MetricSubject& s, SampleSink& out) { ratio(out, s.line->execution); });
  project("budgetwatch_project_expected_ratio",
          "Expected progress (序时进度) at the as-of date, to the line's deadline",
          [](const MetricSubject& s, SampleSink& out) { ratio(out, s.line->expected); });
  project("budgetwatch_project_pace_ratio", "Pace = execution / expected progress",
          [](const MetricSubject& s, SampleSink& out) { ratio(out, s.line->pace); });
  project("budgetwatch_project_forecast_ratio", "Forecast year-end execution rate",
          [](const MetricSubject& s, SampleSink& out) { ratio(out, s.line->forecast); });
  project("budgetwatch_project_deadline_timestamp_seconds",
          "End of the line's deadline day (完成时限), Unix seconds",
          [](const MetricSubject& s, SampleSink& out) {
            out({}, midnight(s, engine::add_days(s.line->deadline, 1)));
          });
  project("budgetwatch_project_available_from_timestamp_seconds",
          "Start of the first day the line has budget in force (the fiscal-year start, or the "
          "adjustment date "
          "of a mid-year new project), Unix seconds",
          [](const MetricSubject& s, SampleSink& out) {
            out({}, midnight(s, s.line->available_from));
          });

  c.push_back(
      {"budgetwatch_unit_info",
       gauge,
       "Budget unit (预算单位): name, department, the department's name, fiscal year; value 1",
       MetricLevel::unit,
       {"unit", "department", "name", "department_name", "fiscal_year"},
       [](const MetricSubject& s, SampleSink& out) {
         const std::string year = std::to_string(s.snapshot.fiscal_year.year());
         out({{"name", s.unit->name},
              {"department_name", department_name(s)},
              {"fiscal_year", year}},
             1);
       }});
  add_rollup_families(c, "budgetwatch_unit", MetricLevel::unit);

  c.push_back({"budgetwatch_department_info",
               gauge,
               "Department (部门, 一级预算单位): name, fiscal year; value 1",
               MetricLevel::department,
               {"department", "name", "fiscal_year"},
               [](const MetricSubject& s, SampleSink& out) {
                 const std::string year = std::to_string(s.snapshot.fiscal_year.year());
                 out({{"name", s.department->name}, {"fiscal_year", year}}, 1);
               }});
  c.push_back({"budgetwatch_department_rank",
               gauge,
               "Rank among the departments by execution rate (1 = highest; equal rates share a "
               "rank, departments without budget in force last)",
               MetricLevel::department,
               {"department"},
               [](const MetricSubject& s, SampleSink& out) { out({}, s.department->rank); }});
  add_rollup_families(c, "budgetwatch_department", MetricLevel::department);
  // Carry-forward money (上年结转) apart from the year's new money (issue 14): one series per
  // department and source, two sources.
  const std::vector<std::string> by_source = {"department", "source"};
  c.push_back({"budgetwatch_department_source_adjusted_budget_yuan", gauge,
               "Budget in force by source: carried_forward (上年结转) or new_money (年初 and "
               "年中新增), yuan",
               MetricLevel::department, by_source, [](const MetricSubject& s, SampleSink& out) {
                 out({{"source", "carried_forward"}}, yuan(s.rollup->carried_forward.adjusted));
                 out({{"source", "new_money"}}, yuan(s.rollup->new_money.adjusted));
               }});
  c.push_back({"budgetwatch_department_source_paid_yuan", gauge,
               "Paid by source: carried_forward (上年结转) or new_money (年初 and 年中新增), yuan",
               MetricLevel::department, by_source, [](const MetricSubject& s, SampleSink& out) {
                 out({{"source", "carried_forward"}}, yuan(s.rollup->carried_forward.paid));
                 out({{"source", "new_money"}}, yuan(s.rollup->new_money.paid));
               }});
  c.push_back(
      {"budgetwatch_department_source_execution_ratio", gauge,
       "Execution rate by source: carried_forward (上年结转) or new_money; none without budget",
       MetricLevel::department, by_source, [](const MetricSubject& s, SampleSink& out) {
         if (auto r = s.rollup->carried_forward.execution())
           out({{"source", "carried_forward"}}, r->to_double());
         if (auto r = s.rollup->new_money.execution())
           out({{"source", "new_money"}}, r->to_double());
       }});

  c.push_back(
      {"budgetwatch_orphan_paid_yuan",
       gauge,
       "Payments counted in no line, by reason: unregistered (project code in neither register nor "
       "adjustments) or unattributed (blank code, no single basic line)",
       MetricLevel::snapshot,
       {"reason"},
       [](const MetricSubject& s, SampleSink& out) {
         out({{"reason", "unregistered"}}, yuan(s.snapshot.unregistered_paid));
         out({{"reason", "unattributed"}}, yuan(s.snapshot.unattributed_paid));
       }});
  return c;
}

// Puts the level's labels before the family's own and hands the sample to the writer. A series has
// at most 10 labels (project_info); the array leaves room.
class LevelSink final : public SampleSink {
 public:
  LevelSink(MetricWriter& w, std::initializer_list<MetricLabel> level) : w_(w) {
    for (const MetricLabel& l : level) labels_[n_++] = l;
  }
  void operator()(std::initializer_list<MetricLabel> own, double value) override {
    std::size_t n = n_;
    for (const MetricLabel& l : own) labels_[n++] = l;
    w_.sample(std::span<const MetricLabel>(labels_.data(), n), value);
  }

 private:
  MetricWriter& w_;
  std::array<MetricLabel, 12> labels_{};
  std::size_t n_ = 0;
};

}  // namespace

std::string_view to_string(MetricType) { return "gauge"; }

std::string_view to_string(MetricLevel l) {
  switch (l) {
    case MetricLevel::snapshot:
      return "snapshot";
    case MetricLevel::project:
      return "project";
    case MetricLevel::unit:
      return "unit";
    case MetricLevel::department:
      return "department";
  }
  return "snapshot";
}

const std::vector<MetricFamilyDef>& snapshot_metric_catalogue() {
  static const std::vector<MetricFamilyDef> catalogue = build_catalogue();
  return catalogue;
}

bool wants_project(const engine::LineEval& e, ProjectSeriesFilter f, const engine::Policy& p) {
  switch (f) {
    case ProjectSeriesFilter::all:
      return true;
    case ProjectSeriesFilter::none:
      return false;
    case ProjectSeriesFilter::below_threshold:
      // Projects that need attention: below the threshold, or behind pace.
      return (e.execution && e.execution->compare(p.threshold_bp, 10000) < 0) ||
             (e.pace && e.pace->compare(p.threshold_bp, 10000) < 0);
  }
  return true;
}

void write_snapshot_metrics(const engine::Snapshot& s, ProjectSeriesFilter project_series,
                            const std::function<std::int64_t(engine::CivilDate)>& midnight_utc,
                            MetricWriter& w) {
  // A line's department is its own (evaluate assigned one to every line); a unit's is its first
  // line's (a unit belongs to one department in a fiscal year; a register that splits one is
  // labelled by its first line).
  static const engine::DepartmentEval no_department{};
  auto department_of = [&](const LineEval& e) {
    const engine::DepartmentEval* d = s.find_department(e.line.department_code);
    return d != nullptr ? d : &no_department;
  };
  std::vector<const LineEval*> lines;
  std::vector<const engine::DepartmentEval*> line_departments;
  lines.reserve(s.lines.size());
  line_departments.reserve(s.lines.size());
  std::vector<const engine::DepartmentEval*> unit_departments(s.units.size(), &no_department);
  std::vector<bool> unit_seen(s.units.size(), false);
  for (const LineEval& e : s.lines) {
    const engine::DepartmentEval* d = department_of(e);
    if (const engine::UnitEval* u = s.find_unit(e.line.unit_code); u != nullptr) {
      const auto i = static_cast<std::size_t>(u - s.units.data());
      if (!unit_seen[i]) {
        unit_seen[i] = true;
        unit_departments[i] = d;
      }
    }
    if (wants_project(e, project_series, s.policy)) {
      lines.push_back(&e);
      line_departments.push_back(d);
    }
  }
  for (const MetricFamilyDef& f : snapshot_metric_catalogue()) {
    switch (f.level) {
      case MetricLevel::snapshot: {
        w.begin_family(f, 1);
        LevelSink sink(w, {});
        f.samples(MetricSubject{.snapshot = s, .midnight_utc = midnight_utc}, sink);
        break;
      }
      case MetricLevel::project:
        w.begin_family(f, lines.size());
        for (std::size_t i = 0; i < lines.size(); ++i) {
          const LineEval* e = lines[i];
          const engine::DepartmentEval* d = line_departments[i];
          LevelSink sink(
              w, {{"project", e->line.code}, {"unit", e->line.unit_code}, {"department", d->code}});
          f.samples(
              MetricSubject{
                  .snapshot = s, .line = e, .department = d, .midnight_utc = midnight_utc},
              sink);
        }
        break;
      case MetricLevel::unit:
        w.begin_family(f, s.units.size());
        for (std::size_t i = 0; i < s.units.size(); ++i) {
          const engine::UnitEval& u = s.units[i];
          const engine::DepartmentEval* d = unit_departments[i];
          LevelSink sink(w, {{"unit", u.code}, {"department", d->code}});
          f.samples(MetricSubject{.snapshot = s,
                                  .unit = &u,
                                  .rollup = &u.rollup,
                                  .department = d,
                                  .midnight_utc = midnight_utc},
                    sink);
        }
        break;
      case MetricLevel::department:
        w.begin_family(f, s.departments.size());
        for (const engine::DepartmentEval& d : s.departments) {
          LevelSink sink(w, {{"department", d.code}});
          f.samples(MetricSubject{.snapshot = s,
                                  .rollup = &d.rollup,
                                  .department = &d,
                                  .midnight_utc = midnight_utc},
                    sink);
        }
        break;
    }
    w.end_family(f);
  }
}

std::string metrics_reference_markdown() {
  // Markdown table cells: a `|` in a help text is escaped.
  auto cell = [](std::string_view text) {
    std::string out;
    for (char ch : text) {
      if (ch == '|') out += '\\';
      out += ch;
    }
    return out;
  };
  std::string out =
      "| Family | Type | Per | Labels | Help |\n"
      "|---|---|---|---|---|\n";
  for (const MetricFamilyDef& f : snapshot_metric_catalogue()) {
    std::string labels;
    for (const std::string& l : f.labels) labels += (labels.empty() ? "`" : ", `") + l + "`";
    out += "| `" + f.name + "` | " + std::string(to_string(f.type)) + " | " +
           std::string(to_string(f.level)) + " | " + labels + " | " + cell(f.help) + " |\n";
  }
  return out;
}

}  // namespace bw::reports
