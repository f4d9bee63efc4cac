#include "daemon/metrics/snapshot_collector.h"

#include <sstream>
#include <tuple>

#include <zlib.h>

#include <prometheus/text_serializer.h>

namespace bw::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily gauge_family(std::string name, std::string help) {
  return MetricFamily{std::move(name), std::move(help), MetricType::Gauge, {}};
}

void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

double yuan(engine::Money m) { return static_cast<double>(m.fen) / 100.0; }

// The rolled-up series of a unit or the department (labels empty for the department).
struct RollupFamilies {
  MetricFamily info, initial, adjusted, paid, execution, expected, pace, forecast, score, score_input, projects;

  explicit RollupFamilies(const std::string& prefix)
      : info(gauge_family(prefix + "_info", "Budget unit (预算单位): name; value 1")),
        initial(gauge_family(prefix + "_initial_budget_yuan", "Initial budget (年初预算数), yuan")),
        adjusted(gauge_family(prefix + "_adjusted_budget_yuan",
                              "Budget in force at the as-of date (调整后预算数), yuan")),
        paid(gauge_family(prefix + "_paid_yuan", "Paid through the as-of date, refunds netted (支出数), yuan")),
        execution(gauge_family(prefix + "_execution_ratio", "Execution rate (执行率) = paid / adjusted budget")),
        expected(gauge_family(prefix + "_expected_ratio",
                              "Expected progress (序时进度): share of the budget due by the as-of date")),
        pace(gauge_family(prefix + "_pace_ratio", "Pace = execution / expected progress")),
        forecast(gauge_family(prefix + "_forecast_ratio", "Forecast year-end execution rate")),
        score(gauge_family(prefix + "_score",
                           "Auditor's financial-management score (points) by component")),
        score_input(gauge_family(prefix + "_score_input_ratio",
                                 "The rate behind each score: completion rate, adjustment rate, "
                                 "spending-balance mean")),
        projects(gauge_family(prefix + "_projects", "Project lines (项目支出) by execution band")) {}

  void add_rollup(const std::vector<ClientMetric::Label>& labels, const engine::Rollup& r) {
    add(initial, labels, yuan(r.all.initial));
    add(adjusted, labels, yuan(r.all.adjusted));
    add(paid, labels, yuan(r.all.paid));
    if (auto x = r.all.execution()) add(execution, labels, x->to_double());
    if (auto x = r.all.expected()) add(expected, labels, x->to_double());
    if (auto x = r.all.pace()) add(pace, labels, x->to_double());
    if (auto x = r.all.forecast()) add(forecast, labels, x->to_double());
    auto with = [&](const char* name, const char* value) {
      auto l = labels;
      l.push_back({name, value});
      return l;
    };
    const engine::Scores& s = r.scores;
    auto score_pair = [&](const char* component, const std::optional<engine::Ratio>& points,
                          const std::optional<engine::Ratio>& input) {
      if (points) add(score, with("component", component), points->to_double());
      if (input) add(score_input, with("component", component), input->to_double());
    };
    score_pair("budget_completion", s.completion_score, s.completion_rate);
    score_pair("budget_adjustment", s.adjustment_score, s.adjustment_rate);
    score_pair("spending_balance", s.balance_score, s.balance_mean);
    for (engine::Band b : {engine::Band::on_track, engine::Band::below_80, engine::Band::below_50,
                           engine::Band::zero, engine::Band::no_budget}) {
      add(projects, with("band", engine::to_string(b)), r.bands.at(b));
    }
  }

  void move_into(std::vector<MetricFamily>& out, bool with_info) {
    if (with_info) out.push_back(std::move(info));
    for (MetricFamily* f : {&initial, &adjusted, &paid, &execution, &expected, &pace, &forecast, &score,
                            &score_input, &projects}) {
      out.push_back(std::move(*f));
    }
  }
};

bool wants_project(const engine::LineEval& e, const SnapshotMetricsOptions& o, const engine::Policy& p) {
  switch (o.project_series) {
    case config::ProjectSeries::all: return true;
    case config::ProjectSeries::none: return false;
    case config::ProjectSeries::below_threshold:
      // Projects that need attention: below the threshold, or behind pace.
      return (e.execution && e.execution->compare(p.threshold_bp, 10000) < 0) ||
             (e.pace && e.pace->compare(p.threshold_bp, 10000) < 0);
  }
  return true;
}

}  // namespace

std::shared_ptr<const std::string> gzip(std::string_view text) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; level 1: the text compresses ~10x even at the fastest level.
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return nullptr;
  std::string out;
  out.resize(deflateBound(&z, text.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return nullptr;
  return std::make_shared<const std::string>(std::move(out));
}

SnapshotCollector::SnapshotCollector(SnapshotMetricsOptions options) : options_(std::move(options)) {}

void SnapshotCollector::for_each_family(const engine::Snapshot& s, const SnapshotMetricsOptions& o,
                                        const std::function<void(MetricFamily&&)>& emit) {
  auto midnight = [&](engine::CivilDate d) -> double {
    return o.midnight_utc ? static_cast<double>(o.midnight_utc(d))
                          : static_cast<double>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400.0;
  };

  MetricFamily as_of = gauge_family("budgetwatch_snapshot_as_of_timestamp_seconds",
                                    "The date the snapshot is evaluated for (local midnight ending it)");
  add(as_of, {}, midnight(engine::add_days(s.as_of, 1)));
  emit(std::move(as_of));
  MetricFamily fy = gauge_family("budgetwatch_fiscal_year", "The fiscal year of the snapshot");
  add(fy, {}, s.fiscal_year.year());
  emit(std::move(fy));

  // Projects: one family at a time, so that only one family's series are held while rendering (a city's
  // 50k projects make 450k series).
  std::vector<const engine::LineEval*> lines;
  lines.reserve(s.lines.size());
  for (const engine::LineEval& e : s.lines) {
    if (wants_project(e, o, s.policy)) lines.push_back(&e);
  }
  {
    MetricFamily info = gauge_family("budgetwatch_project_info",
                                     "Budget line (预算项目): name, unit, kind (project|basic), owner; value 1");
    info.metric.reserve(lines.size());
    for (const engine::LineEval* e : lines) {
      add(info, {{"project", e->line.code}, {"unit", e->line.unit_code}, {"name", e->line.name},
                 {"kind", engine::to_string(e->line.kind)}, {"owner", e->line.owner}},
          1);
    }
    emit(std::move(info));
  }
  using Value = std::function<std::optional<double>(const engine::LineEval&)>;
  auto ratio = [](const std::optional<engine::Ratio>& r) -> std::optional<double> {
    return r ? std::optional<double>(r->to_double()) : std::nullopt;
  };
  const std::vector<std::tuple<const char*, const char*, Value>> project_families = {
      {"budgetwatch_project_initial_budget_yuan", "Initial budget (年初预算数), yuan",
       [](const engine::LineEval& e) { return std::optional<double>(yuan(e.amounts.initial)); }},
      {"budgetwatch_project_adjusted_budget_yuan", "Budget in force at the as-of date (调整后预算数), yuan",
       [](const engine::LineEval& e) { return std::optional<double>(yuan(e.amounts.adjusted)); }},
      {"budgetwatch_project_paid_yuan", "Paid through the as-of date, refunds netted (支出数), yuan",
       [](const engine::LineEval& e) { return std::optional<double>(yuan(e.amounts.paid)); }},
      {"budgetwatch_project_execution_ratio", "Execution rate (执行率) = paid / adjusted budget",
       [ratio](const engine::LineEval& e) { return ratio(e.execution); }},
      {"budgetwatch_project_expected_ratio",
       "Expected progress (序时进度) at the as-of date, to the line's deadline",
       [ratio](const engine::LineEval& e) { return ratio(e.expected); }},
      {"budgetwatch_project_pace_ratio", "Pace = execution / expected progress",
       [ratio](const engine::LineEval& e) { return ratio(e.pace); }},
      {"budgetwatch_project_forecast_ratio", "Forecast year-end execution rate",
       [ratio](const engine::LineEval& e) { return ratio(e.forecast); }},
      {"budgetwatch_project_deadline_timestamp_seconds", "End of the line's deadline day (完成时限), Unix seconds",
       [midnight](const engine::LineEval& e) {
         return std::optional<double>(midnight(engine::add_days(e.deadline, 1)));
       }},
      {"budgetwatch_project_available_from_timestamp_seconds",
       "Start of the first day the line has budget in force (the fiscal-year start, or the adjustment date of a "
       "mid-year new project), Unix seconds",
       [midnight](const engine::LineEval& e) { return std::optional<double>(midnight(e.available_from)); }},
  };
  for (const auto& [name, help, value] : project_families) {
    MetricFamily f = gauge_family(name, help);
    f.metric.reserve(lines.size());
    for (const engine::LineEval* e : lines) {
      if (auto v = value(*e)) add(f, {{"project", e->line.code}, {"unit", e->line.unit_code}}, *v);
    }
    emit(std::move(f));
  }

  // Units and the department.
  std::vector<MetricFamily> rollups;
  RollupFamilies units("budgetwatch_unit");
  for (const engine::UnitEval& u : s.units) {
    add(units.info, {{"unit", u.code}, {"name", u.name}}, 1);
    units.add_rollup({{"unit", u.code}}, u.rollup);
  }
  units.move_into(rollups, true);
  RollupFamilies dept("budgetwatch_department");
  dept.add_rollup({}, s.department);
  dept.move_into(rollups, false);
  for (MetricFamily& f : rollups) emit(std::move(f));

  MetricFamily orphans = gauge_family("budgetwatch_orphan_paid_yuan",
                                      "Payments counted in no line, by reason: unregistered (project code in "
                                      "neither register nor adjustments) or unattributed (blank code, no "
                                      "single basic line)");
  add(orphans, {{"reason", "unregistered"}}, yuan(s.unregistered_paid));
  add(orphans, {{"reason", "unattributed"}}, yuan(s.unattributed_paid));
  emit(std::move(orphans));
}

std::vector<MetricFamily> SnapshotCollector::families(const engine::Snapshot& s, const SnapshotMetricsOptions& o) {
  std::vector<MetricFamily> out;
  for_each_family(s, o, [&](MetricFamily&& f) { out.push_back(std::move(f)); });
  return out;
}

void SnapshotCollector::publish(std::shared_ptr<const engine::Snapshot> s) {
  SnapshotMetricsOptions o;
  {
    std::lock_guard lock(mutex_);
    o = options_;
  }
  std::shared_ptr<const std::string> text;
  std::shared_ptr<const std::string> gzipped;
  if (s) {
    std::ostringstream out;
    const prometheus::TextSerializer serializer;
    std::vector<MetricFamily> one(1);
    for_each_family(*s, o, [&](MetricFamily&& f) {
      one[0] = std::move(f);
      serializer.Serialize(out, one);
    });
    text = std::make_shared<const std::string>(std::move(out).str());
    gzipped = gzip(*text);
  }
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(s);
  text_ = std::move(text);
  gzip_ = std::move(gzipped);
}

void SnapshotCollector::set_options(SnapshotMetricsOptions options) {
  std::lock_guard lock(mutex_);
  options_ = std::move(options);
}

std::shared_ptr<const engine::Snapshot> SnapshotCollector::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::shared_ptr<const std::string> SnapshotCollector::text() const {
  std::lock_guard lock(mutex_);
  return text_;
}

std::shared_ptr<const std::string> SnapshotCollector::gzip_text() const {
  std::lock_guard lock(mutex_);
  return gzip_;
}

std::vector<MetricFamily> SnapshotCollector::Collect() const {
  std::shared_ptr<const engine::Snapshot> s;
  SnapshotMetricsOptions o;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
    o = options_;
  }
  if (!s) return {};
  try {
    return families(*s, o);
  } catch (...) {
    return {};
  }
}

}  // namespace bw::daemon
