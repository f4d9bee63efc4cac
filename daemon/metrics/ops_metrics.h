// Operational metrics (prometheus-cpp registry): build info, config reloads, ingest files and rows
// by outcome, source polls and their freshness, evaluations, HTTP requests. Components return
// reports (IngestReport, poll outcomes); the daemon records them here (STYLE §2).
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "engine/result.h"
#include "store/ledger.h"

namespace bw::daemon {

/// Thread-safe (prometheus-cpp metrics are atomic).
class OpsMetrics {
 public:
  OpsMetrics();
  prometheus::Registry& registry() { return *registry_; }

  void config_reloaded(bool ok, std::chrono::system_clock::time_point at);
  void set_ready(bool ready);
  /// One file's outcome: ingested (with its row counts), a duplicate file, or failed. A failed file
  /// (not one put off for later: Errc::unavailable) also counts in
  /// budgetwatch_ingest_files_failed_total{source,reason} with reason rejected_rows (refused: every
  /// row, or more than ingest.max_reject_share, rejected) or unreadable (empty, not CSV,
  /// undecodable, a required column missing).
  void ingest(const std::string& source, const Result<store::IngestReport>& outcome);
  /// One poll of a source (ok: it answered, whatever it found).
  void poll(const std::string& source, bool ok, std::chrono::duration<double> took,
            std::chrono::system_clock::time_point at);
  void evaluation(bool ok, std::chrono::duration<double> took,
                  std::chrono::system_clock::time_point at);
  void http_request(const std::string& handler, int status, std::chrono::duration<double> took);
  /// The server shed load at its connection limit (web::Server::set_shed_observer): reason "idle"
  /// (an idle keep-alive connection closed to make room), "refused" (a new connection closed: every
  /// slot and the reserve busy) or "reserved" (a request other than a health check or scrape on a
  /// reserve slot, 503).
  void http_connection_shed(const std::string& reason);
  /// Alerts by (rule, severity, state) after a cycle; label sets no longer present drop to 0.
  void alerts(const std::map<std::array<std::string, 3>, int>& counts);
  /// Indicators by (unit, status) after an evaluation; label sets no longer present drop to 0.
  void indicators(const std::map<std::array<std::string, 2>, int>& counts);
  /// One delivery attempt: outcome delivered | retry | permanent.
  void delivery(const std::string& receiver, const std::string& kind, const std::string& outcome,
                std::chrono::duration<double> took);
  /// The outbox after a delivery pass or a cycle.
  void outbox(std::int64_t pending, std::int64_t failed, double oldest_pending_age_seconds);
  /// A health check (daemon/health.h) changed: budgetwatch_check_up{check} 1 or 0; removed drops
  /// it.
  void check(const std::string& name, bool ok, bool removed);
  /// The alert lease (issue 15): held by this instance (1) or not, and the holder's term as last
  /// seen (the same on every instance; it grows at every takeover).
  void lease(bool held, std::int64_t token);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Family<prometheus::Gauge>& start_time_;
  prometheus::Gauge& reload_ok_;
  prometheus::Gauge& reload_time_;
  prometheus::Gauge& ready_;
  prometheus::Family<prometheus::Counter>& files_;
  prometheus::Family<prometheus::Counter>& rows_;
  prometheus::Family<prometheus::Counter>& files_failed_;
  prometheus::Family<prometheus::Counter>& polls_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Gauge>& last_file_;
  prometheus::Family<prometheus::Histogram>& poll_duration_;
  prometheus::Family<prometheus::Counter>& evaluations_;
  prometheus::Histogram& evaluation_duration_;
  prometheus::Gauge& evaluation_time_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  prometheus::Family<prometheus::Counter>& http_shed_;
  prometheus::Family<prometheus::Gauge>& alerts_;
  std::map<std::array<std::string, 3>, prometheus::Gauge*> alert_gauges_;
  std::mutex alerts_mutex_;
  prometheus::Family<prometheus::Counter>& notifications_;
  prometheus::Family<prometheus::Histogram>& notification_duration_;
  prometheus::Family<prometheus::Gauge>& indicators_;
  std::map<std::array<std::string, 2>, prometheus::Gauge*> indicator_gauges_;
  prometheus::Gauge& outbox_depth_;
  prometheus::Gauge& outbox_failed_;
  prometheus::Gauge& outbox_oldest_;
  prometheus::Family<prometheus::Gauge>& checks_;
  prometheus::Gauge& lease_held_;
  prometheus::Gauge& lease_token_;
};

}  // namespace bw::daemon
