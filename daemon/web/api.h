// The routes of the daemon: /metrics, /healthz, /readyz and the JSON API over the published
// snapshot, the ingest history and uploads. Handlers read the snapshot in memory; the few that need
// the database get a function from the App that runs on its reader or writer thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "collectors/source.h"
#include "daemon/health.h"
#include "daemon/lease_keeper.h"
#include "daemon/metrics/ops_metrics.h"
#include "daemon/metrics/snapshot_collector.h"
#include "daemon/web/router.h"
#include "reports/midyear_report.h"
#include "store/inputs.h"

namespace bw::web {

/// What the handlers need from the App. Every function is callable from the io thread.
struct ApiContext {
  daemon::SnapshotCollector* snapshots = nullptr;
  daemon::OpsMetrics* ops = nullptr;
  /// Empty when ready; otherwise why not ("database not open", "first evaluation not done").
  std::function<std::string()> not_ready;
  /// The parts the daemon depends on (database, evaluation, sources, receivers); null: none
  /// reported.
  const daemon::Health* health = nullptr;
  /// The alert lease (issue 15): /readyz says whether this instance is the leader (evaluates alert
  /// state, delivers) or a standby; null: not shown.
  std::function<daemon::LeaseView()> lease;
  /// A page of the ingest history (runs on the reader thread).
  std::function<boost::asio::awaitable<store::IngestPage>(std::int64_t offset, std::int64_t limit,
                                                          std::int64_t rejects)>
      ingests;
  /// Files that could not be read at all, newest first (runs on the reader thread).
  std::function<boost::asio::awaitable<std::vector<store::FailedFile>>(std::int64_t limit)>
      failed_files;
  /// Drop-folder entries the sources will not take (symlinks, FIFOs, directories, hard links), with
  /// their source's name; null: none. Called on the io thread.
  std::function<std::vector<std::pair<std::string, collect::SkippedEntry>>()> skipped_files;
  /// Ingests an uploaded file (runs on the writer thread); null when uploads are not configured.
  Handler upload;
  std::string language = "zh-CN";
  /// The mid-year review's indicator progress and owner notes for a snapshot (reader thread); null:
  /// none.
  std::function<boost::asio::awaitable<reports::MidyearInputs>(
      std::shared_ptr<const engine::Snapshot>)>
      midyear;
  /// The snapshot of another date than the published one: the fiscal year that contains it, as of
  /// that date (daemon::evaluate_at on the reader thread), for the report endpoints' `as_of` and
  /// `fiscal_year`; null: those parameters answer 400.
  std::function<boost::asio::awaitable<std::shared_ptr<const engine::Snapshot>>(engine::CivilDate)>
      snapshot_at;
  /// The daemon's today (its time zone, or `evaluation.as_of`): `fiscal_year` of the current year
  /// means today. Null: the published snapshot's date.
  std::function<engine::CivilDate()> today;
  unsigned fiscal_year_start_month = 1;
  /// More routes (the alerts API), added after the built-in ones.
  std::function<void(Router&)> extra_routes;
};

/// The route table over a context.
std::shared_ptr<const Router> make_router(ApiContext ctx);

}  // namespace bw::web
