#include "reports/metric_catalogue.h"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bw::reports {
namespace {

using engine::make_date;

// Two project lines of unit U1: P1 fully paid (1000 of 1000), P2 lagging (50 of 500), at the year
// end.
engine::Snapshot year_end_snapshot() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  for (const auto& [code, initial] :
       {std::pair<const char*, std::int64_t>{"P1", 1000}, {"P2", 500}}) {
    engine::BudgetLine l;
    l.code = code;
    l.name = std::string("line ") + code;
    l.unit_code = "U1";
    l.unit_name = "unit U1";
    l.kind = engine::LineKind::project;
    l.initial = engine::Money::from_yuan(initial);
    in.lines.push_back(l);
  }
  for (const auto& [code, yuan] : {std::pair<const char*, std::int64_t>{"P1", 1000}, {"P2", 50}}) {
    engine::PaymentSeries p;
    p.unit_code = "U1";
    p.project_code = code;
    p.month_paid[5] = engine::Money::from_yuan(yuan);
    p.month_count[5] = 1;
    in.payments.push_back(p);
  }
  return engine::evaluate(in, make_date(2021, 12, 31), engine::Policy{});
}

// Records the walk: per family, the label names and the `project` label of every sample.
class Recorder final : public MetricWriter {
 public:
  struct Family {
    const MetricFamilyDef* def = nullptr;
    std::vector<std::vector<std::string>> label_names;
    std::set<std::string> projects;
    bool ended = false;
  };
  std::vector<Family> families;

  void begin_family(const MetricFamilyDef& f, std::size_t) override {
    families.push_back({&f, {}, {}, false});
  }
  void sample(std::span<const MetricLabel> labels, double) override {
    std::vector<std::string> names;
    for (const MetricLabel& l : labels) {
      names.emplace_back(l.name);
      if (l.name == "project") families.back().projects.emplace(l.value);
    }
    families.back().label_names.push_back(std::move(names));
  }
  void end_family(const MetricFamilyDef& f) override {
    ASSERT_EQ(families.back().def, &f);
    families.back().ended = true;
  }
};

std::int64_t utc_midnight(engine::CivilDate d) {
  return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400;
}

TEST(MetricCatalogueTest, names_are_unique_and_levels_lead_the_labels) {
  std::set<std::string> names;
  for (const MetricFamilyDef& f : snapshot_metric_catalogue()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(f.name.starts_with("budgetwatch_")) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    ASSERT_NE(f.samples, nullptr) << f.name;
    const std::vector<std::string> lead =
        f.level == MetricLevel::project ? std::vector<std::string>{"project", "unit", "department"}
        : f.level == MetricLevel::unit  ? std::vector<std::string>{"unit", "department"}
        : f.level == MetricLevel::department ? std::vector<std::string>{"department"}
                                             : std::vector<std::string>{};
    ASSERT_GE(f.labels.size(), lead.size()) << f.name;
    EXPECT_EQ(std::vector<std::string>(f.labels.begin(),
                                       f.labels.begin() + static_cast<long>(lead.size())),
              lead)
        << f.name;
  }
  EXPECT_TRUE(names.contains("budgetwatch_project_available_from_timestamp_seconds"));
  EXPECT_EQ(names.size(), 39u);  // 36 + the department by-source families of carry-forward money
}

TEST(MetricCatalogueTest, every_sample_has_exactly_the_declared_labels) {
  const engine::Snapshot s = year_end_snapshot();
  Recorder r;
  write_snapshot_metrics(s, ProjectSeriesFilter::all, utc_midnight, r);
  ASSERT_EQ(r.families.size(), snapshot_metric_catalogue().size());
  for (std::size_t i = 0; i < r.families.size(); ++i) {
    const Recorder::Family& f = r.families[i];
    EXPECT_EQ(f.def, &snapshot_metric_catalogue()[i]);
    EXPECT_TRUE(f.ended) << f.def->name;
    EXPECT_FALSE(f.label_names.empty()) << f.def->name << " has no sample";
    for (const auto& names : f.label_names) EXPECT_EQ(names, f.def->labels) << f.def->name;
  }
}

TEST(MetricCatalogueTest, below_threshold_keeps_only_lagging_projects) {
  const engine::Snapshot s = year_end_snapshot();
  for (const auto& [filter, expected] :
       std::vector<std::pair<ProjectSeriesFilter, std::set<std::string>>>{
           {ProjectSeriesFilter::all, {"P1", "P2"}},
           {ProjectSeriesFilter::below_threshold, {"P2"}},
           {ProjectSeriesFilter::none, {}}}) {
    Recorder r;
    write_snapshot_metrics(s, filter, utc_midnight, r);
    for (const Recorder::Family& f : r.families) {
      if (f.def->level == MetricLevel::project) {
        EXPECT_EQ(f.projects, expected) << f.def->name;
      } else {
        // Unit, department and snapshot series always stay.
        EXPECT_FALSE(f.label_names.empty()) << f.def->name;
      }
    }
  }
}

// Every sample of the walk, by family, as "name=value,…" (the labels in order) → value.
class Capture final : public MetricWriter {
 public:
  std::map<std::string, std::map<std::string, double>> families;

  void begin_family(const MetricFamilyDef& f, std::size_t) override {
    current_ = f.name;
    families[current_];
  }
  void sample(std::span<const MetricLabel> labels, double value) override {
    std::string key;
    for (const MetricLabel& l : labels) {
      if (!key.empty()) key += ',';
      key += std::string(l.name) + "=" + std::string(l.value);
    }
    EXPECT_TRUE(families[current_].emplace(key, value).second) << current_ << " " << key;
  }
  void end_family(const MetricFamilyDef&) override { current_.clear(); }

 private:
  std::string current_;
};

engine::BudgetLine department_line(std::string code, std::string unit, std::string department,
                                   std::string department_name, std::int64_t initial_fen) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目 " + l.code;
  l.unit_code = std::move(unit);
  l.unit_name = "单位 " + l.unit_code;
  l.department_code = std::move(department);
  l.department_name = std::move(department_name);
  l.kind = engine::LineKind::project;
  l.initial = engine::Money{initial_fen};
  return l;
}

engine::PaymentSeries paid_fen(std::string unit, std::string code, std::size_t month,
                               std::int64_t fen) {
  engine::PaymentSeries p;
  p.unit_code = std::move(unit);
  p.project_code = std::move(code);
  p.month_paid[month] = engine::Money{fen};
  p.month_count[month] = 1;
  return p;
}

// Department 101 (教育局: units 101001, 101002) and 102 (卫健局: unit 102001); amounts in fen.
constexpr std::int64_t p1_initial = 123456789, p2_initial = 5000001, p3_initial = 98765432;
constexpr std::int64_t p1_paid = 61728395, p2_paid = 4999999, p3_paid = 1234567;

std::map<std::string, std::map<std::string, double>> two_departments() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  in.lines = {department_line("P1", "101001", "101", "教育局", p1_initial),
              department_line("P2", "101002", "101", "教育局", p2_initial),
              department_line("P3", "102001", "102", "卫健局", p3_initial)};
  in.payments = {paid_fen("101001", "P1", 2, p1_paid), paid_fen("101002", "P2", 4, p2_paid),
                 paid_fen("102001", "P3", 5, p3_paid)};
  Capture c;
  write_snapshot_metrics(engine::evaluate(in, make_date(2022, 6, 30), engine::Policy{}),
                         ProjectSeriesFilter::all, utc_midnight, c);
  return c.families;
}

double yuan(std::int64_t fen) { return static_cast<double>(fen) / 100.0; }
double rate(std::int64_t paid, std::int64_t budget) {
  return static_cast<double>(paid) / static_cast<double>(budget);
}

TEST(MetricCatalogueTest, one_labelled_series_per_department_with_its_values) {
  const auto f = two_departments();
  using Series = std::map<std::string, double>;
  EXPECT_EQ(f.at("budgetwatch_department_initial_budget_yuan"),
            (Series{{"department=101", yuan(p1_initial + p2_initial)},
                    {"department=102", yuan(p3_initial)}}));
  EXPECT_EQ(f.at("budgetwatch_department_adjusted_budget_yuan"),
            (Series{{"department=101", yuan(p1_initial + p2_initial)},
                    {"department=102", yuan(p3_initial)}}));
  EXPECT_EQ(
      f.at("budgetwatch_department_paid_yuan"),
      (Series{{"department=101", yuan(p1_paid + p2_paid)}, {"department=102", yuan(p3_paid)}}));
  const Series& execution = f.at("budgetwatch_department_execution_ratio");
  ASSERT_EQ(execution.size(), 2u);
  EXPECT_DOUBLE_EQ(execution.at("department=101"),
                   rate(p1_paid + p2_paid, p1_initial + p2_initial));
  EXPECT_DOUBLE_EQ(execution.at("department=102"), rate(p3_paid, p3_initial));
  // 101 has executed 50.9%, 102 1.25%.
  EXPECT_EQ(f.at("budgetwatch_department_rank"),
            (Series{{"department=101", 1}, {"department=102", 2}}));
  EXPECT_EQ(f.at("budgetwatch_department_info"),
            (Series{{"department=101,name=教育局,fiscal_year=2022", 1},
                    {"department=102,name=卫健局,fiscal_year=2022", 1}}));
  // P1 at 50.0000004% is below 80%, P2 at 99.99996% on track, P3 at 1.25% below 50%.
  const Series& bands = f.at("budgetwatch_department_projects");
  EXPECT_EQ(bands.at("department=101,band=on_track"), 1);
  EXPECT_EQ(bands.at("department=101,band=below_80"), 1);
  EXPECT_EQ(bands.at("department=101,band=below_50"), 0);
  EXPECT_EQ(bands.at("department=102,band=below_50"), 1);
  EXPECT_EQ(bands.at("department=102,band=on_track"), 0);
  // Units and projects carry their department; the _info series its name and the fiscal year.
  EXPECT_EQ(f.at("budgetwatch_unit_paid_yuan"),
            (Series{{"unit=101001,department=101", yuan(p1_paid)},
                    {"unit=101002,department=101", yuan(p2_paid)},
                    {"unit=102001,department=102", yuan(p3_paid)}}));
  EXPECT_EQ(f.at("budgetwatch_unit_info")
                .count("unit=102001,department=102,name=单位 "
                       "102001,department_name=卫健局,fiscal_year=2022"),
            1u);
  EXPECT_DOUBLE_EQ(
      f.at("budgetwatch_project_execution_ratio").at("project=P3,unit=102001,department=102"),
      rate(p3_paid, p3_initial));
  EXPECT_EQ(f.at("budgetwatch_project_info")
                .count("project=P2,unit=101002,department=101,name=项目 P2,kind=project,owner=,"
                       "department_name=教育局,fiscal_year=2022,source=initial,carry_age=0"),
            1u);
}

TEST(MetricCatalogueTest, no_unlabelled_department_total) {
  for (const auto& [name, series] : two_departments()) {
    if (!name.starts_with("budgetwatch_department_")) continue;
    for (const auto& [labels, value] : series) {
      EXPECT_TRUE(labels.starts_with("department=10")) << name << "{" << labels << "}";
    }
  }
}

TEST(MetricCatalogueTest, a_database_without_departments_is_department_empty) {
  Capture c;
  write_snapshot_metrics(year_end_snapshot(), ProjectSeriesFilter::all, utc_midnight, c);
  EXPECT_EQ(c.families.at("budgetwatch_department_paid_yuan"),
            (std::map<std::string, double>{{"department=", 1050}}));
  EXPECT_EQ(c.families.at("budgetwatch_department_info"),
            (std::map<std::string, double>{{"department=,name=,fiscal_year=2021", 1}}));
  EXPECT_EQ(c.families.at("budgetwatch_unit_paid_yuan"),
            (std::map<std::string, double>{{"unit=U1,department=", 1050}}));
}

TEST(MetricCatalogueTest, reference_has_one_row_per_family_with_pipes_escaped) {
  const std::string md = metrics_reference_markdown();
  std::size_t rows = 0;
  for (std::size_t i = 0; (i = md.find('\n', i)) != std::string::npos; ++i) ++rows;
  EXPECT_EQ(rows, snapshot_metric_catalogue().size() + 2);  // header and separator
  EXPECT_NE(
      md.find("| `budgetwatch_project_info` | gauge | project | `project`, `unit`, `department`, "
              "`name`, `kind`, `owner`, `department_name`, `fiscal_year`, `source`, `carry_age` | "
              "Budget line (预算项目): name, unit, department, kind (project\\|basic), owner, the "
              "department's name, fiscal year, source (指标来源: "
              "initial\\|mid_year\\|carried_forward), "
              "carry_age (years carried forward, 0 for new money); value 1 |\n"),
      std::string::npos)
      << md;
}

}  // namespace
}  // namespace bw::reports
