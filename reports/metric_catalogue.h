// The one catalogue of the snapshot's metric families (DESIGN §7): name, type, help, label names
// and how each value is read from an engine::Snapshot. It drives GET /metrics
// (daemon/metrics/snapshot_collector.cpp), `budgetwatch export-openmetrics`
// (openmetrics_export.cpp) and the README's table (`metrics-reference`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/snapshot.h"

namespace bw::reports {

/// Which per-project series are written; the same choice as the config's `metrics.project_series`
/// (unit and department series are always written).
enum class ProjectSeriesFilter {
  all,              ///< every budget line (the default)
  below_threshold,  ///< lines below the threshold or behind pace in the snapshot
  none,             ///< no per-project series
};

/// The type of a family. prometheus-cpp 1.0 has no Info type: `_info` families are gauges set to 1.
enum class MetricType { gauge };

/// "gauge": the type's name in both text formats.
std::string_view to_string(MetricType t);

/// What one series of a family stands for: the whole snapshot, a budget line, a unit or a
/// department (one series per entry of Snapshot::departments, labelled `department`).
enum class MetricLevel { snapshot, project, unit, department };

/// "snapshot", "project", "unit", "department".
std::string_view to_string(MetricLevel l);

/// A label of a sample; both views live at least until the MetricWriter::sample call returns.
struct MetricLabel {
  std::string_view name;
  std::string_view value;
};

/// What a family's samples are read from. `line` is set for the project level, `unit` for the unit
/// level, `rollup` for the unit (the unit's) and department levels, `department` for the project
/// (the line's), unit (the department of the unit's first line) and department levels.
struct MetricSubject {
  const engine::Snapshot& snapshot;
  const engine::LineEval* line = nullptr;
  const engine::UnitEval* unit = nullptr;
  const engine::Rollup* rollup = nullptr;
  const engine::DepartmentEval* department = nullptr;
  /// Unix seconds of the local midnight that starts a civil date (for `*_timestamp_seconds`).
  const std::function<std::int64_t(engine::CivilDate)>& midnight_utc;
};

/// Receives the samples of one subject: the labels after the level's own (`project, unit,
/// department` for a line, `unit, department` for a unit, `department` for a department) and the
/// value. Implemented by write_snapshot_metrics.
class SampleSink {
 public:
  virtual void operator()(std::initializer_list<MetricLabel> own_labels, double value) = 0;

 protected:
  ~SampleSink() = default;
};

/// One family of the catalogue.
struct MetricFamilyDef {
  std::string name;
  MetricType type = MetricType::gauge;
  std::string help;
  MetricLevel level = MetricLevel::snapshot;
  /// The label names of every series, in the order written (the level's first).
  std::vector<std::string> labels;
  /// Adds the family's samples for one subject of its level (none when the value is undefined, e.g.
  /// a rate of a zero budget).
  void (*samples)(const MetricSubject& subject, SampleSink& sink) = nullptr;
};

/// The snapshot's families in the order both writers write them: snapshot, per project, per unit,
/// per department, orphan payments. Every project, unit and department series carries the
/// `department` label (the department's code; "" in a database whose registers name no department
/// and whose config derives none, which Prometheus stores as no label); there is no series for the
/// total across departments (a PromQL sum). Built once; thread-safe.
const std::vector<MetricFamilyDef>& snapshot_metric_catalogue();

/// Writes the families of one snapshot, one family at a time. Implemented by the /metrics collector
/// and the OpenMetrics export.
class MetricWriter {
 public:
  /// `subjects`: how many lines, units or rollups the family's samples come from (a reservation
  /// hint).
  virtual void begin_family(const MetricFamilyDef& f, std::size_t subjects) = 0;
  /// `labels` are only valid during the call.
  virtual void sample(std::span<const MetricLabel> labels, double value) = 0;
  virtual void end_family(const MetricFamilyDef& f) = 0;

 protected:
  ~MetricWriter() = default;
};

/// Whether a line's per-project series are written under `f`: all, none, or (below_threshold) the
/// lines below the policy's threshold or behind pace.
bool wants_project(const engine::LineEval& e, ProjectSeriesFilter f, const engine::Policy& p);

/// Walks the catalogue over `s`: every family in catalogue order (begin_family, its samples,
/// end_family), also a family without samples. Per-project families only for the lines
/// wants_project keeps. `midnight_utc` must be set. Throws only what the writer throws.
void write_snapshot_metrics(const engine::Snapshot& s, ProjectSeriesFilter project_series,
                            const std::function<std::int64_t(engine::CivilDate)>& midnight_utc,
                            MetricWriter& w);

/// The README's table of the snapshot families (Markdown, one row per family, ending with a
/// newline): what `budgetwatch metrics-reference` prints between the README's `<!-- metrics:begin
/// -->` and
/// `<!-- metrics:end -->` markers.
std::string metrics_reference_markdown();

}  // namespace bw::reports
