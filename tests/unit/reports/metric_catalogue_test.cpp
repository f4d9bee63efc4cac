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
        f.level == MetricLevel::project ? std::vector<std::string>{"project", "unit"}
        : f.level == MetricLevel::unit  ? std::vector<std::string>{"unit"}
                                        : std::vector<std::string>{};
    ASSERT_GE(f.labels.size(), lead.size()) << f.name;
    EXPECT_EQ(std::vector<std::string>(f.labels.begin(),
                                       f.labels.begin() + static_cast<long>(lead.size())),
              lead)
        << f.name;
  }
  EXPECT_TRUE(names.contains("budgetwatch_project_available_from_timestamp_seconds"));
  EXPECT_EQ(names.size(), 34u);
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

TEST(MetricCatalogueTest, reference_has_one_row_per_family_with_pipes_escaped) {
  const std::string md = metrics_reference_markdown();
  std::size_t rows = 0;
  for (std::size_t i = 0; (i = md.find('\n', i)) != std::string::npos; ++i) ++rows;
  EXPECT_EQ(rows, snapshot_metric_catalogue().size() + 2);  // header and separator
  EXPECT_NE(
      md.find("| `budgetwatch_project_info` | gauge | project | `project`, `unit`, `name`, `kind`, "
              "`owner` | "
              "Budget line (预算项目): name, unit, kind (project\\|basic), owner; value 1 |\n"),
      std::string::npos)
      << md;
}

}  // namespace
}  // namespace bw::reports
