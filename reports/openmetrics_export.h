// History as OpenMetrics text (DESIGN §7): the snapshot series of GET /metrics, evaluated at past
// month ends and written with timestamps, for `promtool tsdb create-blocks-from openmetrics` (so
// Grafana shows the months before the daemon ran). Used by `budgetwatch export-openmetrics`;
// docs/deploy.md shows the whole backfill.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/snapshot.h"
#include "reports/metric_catalogue.h"

namespace bw::reports {

/// Options of the export.
struct OpenMetricsOptions {
  ProjectSeriesFilter project_series = ProjectSeriesFilter::all;
  /// Unix seconds of the local midnight that starts a civil date, in the configured time zone.
  /// Empty: a fixed UTC+8 (Asia/Shanghai, which has had no daylight saving since 1991).
  std::function<std::int64_t(engine::CivilDate)> midnight_utc;
  /// Labels written on every series, after the series' own (`--label job=budgetwatch --label
  /// instance=host:9464`): the target labels Prometheus adds when it scrapes, so that the
  /// backfilled series are the very series scraped live. Checked by extra_labels_error.
  std::vector<std::pair<std::string, std::string>> extra_labels;
};

/// Why `labels` cannot be extra labels of the export, or "" when they can: a name must be a
/// Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*) not reserved (__*), not a label of a catalogue
/// family (project, unit, name, kind, owner, band, component, reason) and not given twice; a value
/// must not be empty (Prometheus drops empty labels).
std::string extra_labels_error(const std::vector<std::pair<std::string, std::string>>& labels);

/// The month ends in [from, to], ascending. A month whose last day is after `to` is left out; empty
/// when from > to.
std::vector<engine::CivilDate> month_ends_between(engine::CivilDate from, engine::CivilDate to);

/// The timestamp of a snapshot's samples: 23:59:59 local time on its as-of date, Unix seconds.
std::int64_t sample_timestamp(engine::CivilDate as_of, const OpenMetricsOptions& o);

/// Writes the snapshot families of /metrics (the families of snapshot_metric_catalogue(): names,
/// types, HELP texts and labels exactly as GET /metrics renders them) for every snapshot, each
/// sample stamped with sample_timestamp(snapshot.as_of). OpenMetrics 1.0 text: `# TYPE` and `#
/// HELP` once per family, a family's samples together, each series' samples in ascending time,
/// ending with `# EOF`. `snapshots` must be in strictly ascending as_of order
/// (std::invalid_argument otherwise). A series absent from a month (a line not yet registered, an
/// undefined rate) simply has no sample at that timestamp. Invalid `o.extra_labels`
/// (extra_labels_error) throw std::invalid_argument too.
void write_openmetrics(std::ostream& out, std::span<const engine::Snapshot> snapshots,
                       const OpenMetricsOptions& o);

}  // namespace bw::reports
