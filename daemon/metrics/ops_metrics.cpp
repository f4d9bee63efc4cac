#include "daemon/metrics/ops_metrics.h"

namespace bw::daemon {
namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

const prometheus::Histogram::BucketBoundaries& seconds_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10,  30, 60};
  return b;
}

}  // namespace

OpsMetrics::OpsMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      build_info_(prometheus::BuildGauge()
                      .Name("budgetwatch_build_info")
                      .Help("Build information; value 1")
                      .Register(*registry_)),
      start_time_(prometheus::BuildGauge()
                      .Name("budgetwatch_start_time_seconds")
                      .Help("When the daemon started, Unix seconds")
                      .Register(*registry_)),
      reload_ok_(prometheus::BuildGauge()
                     .Name("budgetwatch_config_last_reload_successful")
                     .Help("1 if the last configuration load (start or SIGHUP) succeeded")
                     .Register(*registry_)
                     .Add({})),
      reload_time_(prometheus::BuildGauge()
                       .Name("budgetwatch_config_last_reload_success_timestamp_seconds")
                       .Help("When the configuration was last loaded successfully, Unix seconds")
                       .Register(*registry_)
                       .Add({})),
      ready_(prometheus::BuildGauge()
                 .Name("budgetwatch_ready")
                 .Help("1 when the database is open and the first evaluation is published (/readyz)")
                 .Register(*registry_)
                 .Add({})),
      files_(prometheus::BuildCounter()
                 .Name("budgetwatch_ingest_files_total")
                 .Help("Files seen by source, kind and outcome (ingested, duplicate, failed)")
                 .Register(*registry_)),
      rows_(prometheus::BuildCounter()
                .Name("budgetwatch_ingest_rows_total")
                .Help("Rows of ingested files by source, kind and outcome (accepted, duplicate, rejected)")
                .Register(*registry_)),
      files_failed_(prometheus::BuildCounter()
                        .Name("budgetwatch_ingest_files_failed_total")
                        .Help("Files refused or unreadable (moved to failed/, listed in /api/v1/ingests failed_files) by "
                              "source and reason (rejected_rows, unreadable)")
                        .Register(*registry_)),
      polls_(prometheus::BuildCounter()
                 .Name("budgetwatch_source_polls_total")
                 .Help("Polls of each source by outcome (ok, error)")
                 .Register(*registry_)),
      last_success_(prometheus::BuildGauge()
                        .Name("budgetwatch_source_last_success_timestamp_seconds")
                        .Help("When each source last answered a poll, Unix seconds")
                        .Register(*registry_)),
      last_file_(prometheus::BuildGauge()
                     .Name("budgetwatch_source_last_file_timestamp_seconds")
                     .Help("When each source last delivered a new file that was ingested, Unix seconds")
                     .Register(*registry_)),
      poll_duration_(prometheus::BuildHistogram()
                         .Name("budgetwatch_source_poll_duration_seconds")
                         .Help("Time to poll a source (listing or download), seconds")
                         .Register(*registry_)),
      evaluations_(prometheus::BuildCounter()
                       .Name("budgetwatch_evaluations_total")
                       .Help("Snapshot evaluations by outcome (ok, error)")
                       .Register(*registry_)),
      evaluation_duration_(prometheus::BuildHistogram()
                               .Name("budgetwatch_evaluation_duration_seconds")
                               .Help("Time to load inputs and evaluate a snapshot, seconds")
                               .Register(*registry_)
                               .Add({}, seconds_buckets())),
      evaluation_time_(prometheus::BuildGauge()
                           .Name("budgetwatch_evaluation_last_success_timestamp_seconds")
                           .Help("When the last snapshot was published, Unix seconds")
                           .Register(*registry_)
                           .Add({})),
      http_requests_(prometheus::BuildCounter()
                         .Name("budgetwatch_http_requests_total")
                         .Help("HTTP requests by handler and status code")
                         .Register(*registry_)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("budgetwatch_http_request_duration_seconds")
                         .Help("HTTP request handling time by handler, seconds")
                         .Register(*registry_)),
      http_shed_(prometheus::BuildCounter()
                     .Name("budgetwatch_http_connections_shed_total")
                     .Help("Load shed at the connection limit (server.max_connections) by reason: idle (an idle "
                           "keep-alive connection closed to make room), refused (a new connection closed), "
                           "reserved (503 on a slot kept for health checks and scrapes)")
                     .Register(*registry_)),
      alerts_(prometheus::BuildGauge()
                  .Name("budgetwatch_alerts")
                  .Help("Alerts by rule, severity and state (pending, firing, resolved)")
                  .Register(*registry_)),
      notifications_(prometheus::BuildCounter()
                         .Name("budgetwatch_notifications_total")
                         .Help("Delivery attempts by receiver, kind and outcome (delivered, retry, permanent)")
                         .Register(*registry_)),
      notification_duration_(prometheus::BuildHistogram()
                                 .Name("budgetwatch_notification_duration_seconds")
                                 .Help("Time of one delivery attempt (connect, TLS, request, answer) by receiver "
                                       "and kind, seconds; failed attempts included")
                                 .Register(*registry_)),
      indicators_(prometheus::BuildGauge()
                      .Name("budgetwatch_unit_indicators")
                      .Help("Performance indicators by unit and status (met, on_track, behind, overdue, "
                            "awaiting_judgement)")
                      .Register(*registry_)),
      outbox_depth_(prometheus::BuildGauge()
                        .Name("budgetwatch_outbox_depth")
                        .Help("Notifications waiting for delivery")
                        .Register(*registry_)
                        .Add({})),
      outbox_failed_(prometheus::BuildGauge()
                         .Name("budgetwatch_outbox_failed")
                         .Help("Notifications that failed for good (permanent error or gave up)")
                         .Register(*registry_)
                         .Add({})),
      outbox_oldest_(prometheus::BuildGauge()
                         .Name("budgetwatch_outbox_oldest_age_seconds")
                         .Help("Age of the oldest notification waiting for delivery, seconds (0 when none)")
                         .Register(*registry_)
                         .Add({})),
      checks_(prometheus::BuildGauge()
                  .Name("budgetwatch_check_up")
                  .Help("1 when a part the daemon depends on works, 0 while it fails (database writes, "
                        "evaluation, source:NAME polls, receiver:NAME deliveries; details in /readyz)")
                  .Register(*registry_)),
      lease_held_(prometheus::BuildGauge()
                      .Name("budgetwatch_alert_lease_held")
                      .Help("1 while this instance holds the alert lease (it evaluates alert state and "
                            "delivers the outbox), 0 on a standby instance; always 1 on SQLite")
                      .Register(*registry_)
                      .Add({})),
      lease_token_(prometheus::BuildGauge()
                       .Name("budgetwatch_alert_lease_token")
                       .Help("The alert lease holder's term as this instance last saw it: the same on "
                             "every instance, one more at every takeover (0 on SQLite)")
                       .Register(*registry_)
                       .Add({})) {
#ifdef BW_VERSION
  build_info_.Add({{"version", BW_VERSION}}).Set(1);
#endif
  start_time_.Add({}).Set(unix_seconds(std::chrono::system_clock::now()));
  for (const char* reason : {"idle", "refused", "reserved"}) http_shed_.Add({{"reason", reason}});
}

void OpsMetrics::config_reloaded(bool ok, std::chrono::system_clock::time_point at) {
  reload_ok_.Set(ok ? 1 : 0);
  if (ok) reload_time_.Set(unix_seconds(at));
}

void OpsMetrics::set_ready(bool ready) { ready_.Set(ready ? 1 : 0); }

void OpsMetrics::ingest(const std::string& source, const Result<store::IngestReport>& outcome) {
  if (!outcome) {
    files_.Add({{"source", source}, {"kind", "unknown"}, {"outcome", "failed"}}).Increment();
    if (outcome.error().code != Errc::unavailable) {  // not the file's fault: taken again later
      const bool refused = outcome.error().message.find(store::refused_for_rejects) != std::string::npos;
      files_failed_.Add({{"source", source}, {"reason", refused ? "rejected_rows" : "unreadable"}}).Increment();
    }
    return;
  }
  const std::string kind = store::to_string(outcome->kind);
  if (outcome->duplicate_file) {
    files_.Add({{"source", source}, {"kind", kind}, {"outcome", "duplicate"}}).Increment();
    return;
  }
  files_.Add({{"source", source}, {"kind", kind}, {"outcome", "ingested"}}).Increment();
  rows_.Add({{"source", source}, {"kind", kind}, {"outcome", "accepted"}})
      .Increment(static_cast<double>(outcome->accepted));
  rows_.Add({{"source", source}, {"kind", kind}, {"outcome", "duplicate"}})
      .Increment(static_cast<double>(outcome->duplicate));
  rows_.Add({{"source", source}, {"kind", kind}, {"outcome", "rejected"}})
      .Increment(static_cast<double>(outcome->rejected));
  last_file_.Add({{"source", source}}).Set(unix_seconds(std::chrono::system_clock::now()));
}

void OpsMetrics::poll(const std::string& source, bool ok, std::chrono::duration<double> took,
                      std::chrono::system_clock::time_point at) {
  polls_.Add({{"source", source}, {"outcome", ok ? "ok" : "error"}}).Increment();
  // Present at 0 from the first poll, so that increase() in an alert rule sees the first failed file.
  for (const char* reason : {"rejected_rows", "unreadable"}) files_failed_.Add({{"source", source}, {"reason", reason}});
  poll_duration_.Add({{"source", source}}, seconds_buckets()).Observe(took.count());
  if (ok) last_success_.Add({{"source", source}}).Set(unix_seconds(at));
}

void OpsMetrics::evaluation(bool ok, std::chrono::duration<double> took,
                            std::chrono::system_clock::time_point at) {
  evaluations_.Add({{"outcome", ok ? "ok" : "error"}}).Increment();
  if (!ok) return;
  evaluation_duration_.Observe(took.count());
  evaluation_time_.Set(unix_seconds(at));
}

void OpsMetrics::http_request(const std::string& handler, int status, std::chrono::duration<double> took) {
  http_requests_.Add({{"handler", handler}, {"code", std::to_string(status)}}).Increment();
  http_duration_.Add({{"handler", handler}}, seconds_buckets()).Observe(took.count());
}

void OpsMetrics::http_connection_shed(const std::string& reason) {
  http_shed_.Add({{"reason", reason}}).Increment();
}

void OpsMetrics::alerts(const std::map<std::array<std::string, 3>, int>& counts) {
  std::lock_guard lock(alerts_mutex_);
  for (auto& [key, g] : alert_gauges_) {
    if (!counts.count(key)) g->Set(0);
  }
  for (const auto& [key, n] : counts) {
    auto it = alert_gauges_.find(key);
    if (it == alert_gauges_.end()) {
      auto& g = alerts_.Add({{"rule", key[0]}, {"severity", key[1]}, {"state", key[2]}});
      it = alert_gauges_.emplace(key, &g).first;
    }
    it->second->Set(n);
  }
}

void OpsMetrics::indicators(const std::map<std::array<std::string, 2>, int>& counts) {
  std::lock_guard lock(alerts_mutex_);
  for (auto& [key, g] : indicator_gauges_) {
    if (!counts.count(key)) g->Set(0);
  }
  for (const auto& [key, n] : counts) {
    auto it = indicator_gauges_.find(key);
    if (it == indicator_gauges_.end()) {
      auto& g = indicators_.Add({{"unit", key[0]}, {"status", key[1]}});
      it = indicator_gauges_.emplace(key, &g).first;
    }
    it->second->Set(n);
  }
}

void OpsMetrics::delivery(const std::string& receiver, const std::string& kind, const std::string& outcome,
                          std::chrono::duration<double> took) {
  notifications_.Add({{"receiver", receiver}, {"kind", kind}, {"outcome", outcome}}).Increment();
  notification_duration_.Add({{"receiver", receiver}, {"kind", kind}}, seconds_buckets()).Observe(took.count());
}

void OpsMetrics::outbox(std::int64_t pending, std::int64_t failed, double oldest_pending_age_seconds) {
  outbox_depth_.Set(static_cast<double>(pending));
  outbox_failed_.Set(static_cast<double>(failed));
  outbox_oldest_.Set(oldest_pending_age_seconds);
}

void OpsMetrics::check(const std::string& name, bool ok, bool removed) {
  auto& g = checks_.Add({{"check", name}});
  if (removed) {
    checks_.Remove(&g);
  } else {
    g.Set(ok ? 1 : 0);
  }
}

void OpsMetrics::lease(bool held, std::int64_t token) {
  lease_held_.Set(held ? 1.0 : 0.0);
  lease_token_.Set(static_cast<double>(token));
}

}  // namespace bw::daemon
