#!/usr/bin/env bash
# The Grafana dashboards against a real Prometheus (issue #6): the demo daemon (config/examples/demo.yaml, with
# its port and database moved) is scraped every second by Prometheus loading deploy/prometheus/rules; every
# panel query of every dashboard, with its variables resolved by the dashboards' own variable queries, must
# return data, and every metric name must be one the daemon exposes or a recording rule
# (tests/tools/check_dashboards.py). The OpenMetrics history export for the snapshot's date must carry the same
# series, labels and values as /metrics.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/dashboards_lib.sh"

port=$(free_port)
write_demo_copy "$WORK/demo.yaml" "$port"
start_daemon "$WORK/demo.yaml"
wait_for 30 "department paid amount" metric_is budgetwatch_department_paid_yuan 108888900

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $DEPLOY/prometheus/rules/*.yml
scrape_configs:
  - job_name: budgetwatch
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
promtool check config "$WORK/prometheus.yml" > "$WORK/promtool.out" 2>&1 || fail "prometheus config: $(cat "$WORK/promtool.out")"
start_prometheus "$WORK/prometheus.yml"

# Scraped, and the recording rules (rates over two samples or more included) have produced data.
wait_for 30 "budgetwatch scraped" prom_has 'up{job="budgetwatch"} == 1'
wait_for 30 "laggards recording rule" prom_has 'project:budgetwatch_execution_below_threshold:ratio'
wait_for 30 "ingest rate recording rule" prom_has 'source:budgetwatch_ingest_rows:rate5m'
wait_for 30 "three scrapes" prom_has 'count_over_time(up{job="budgetwatch"}[1m]) >= 3'
[[ "$(prom_count 'project:budgetwatch_execution_below_threshold:ratio')" -eq 11 ]] \
  || fail "the report names 11 project lines below 80%: $(prom_count 'project:budgetwatch_execution_below_threshold:ratio')"
# The alert rules mirroring budgetwatch's own see the report's 11 lines below 80% at their deadline (the year
# end) and, the expected progress being 100% then, the same 11 behind pace (pending: their `for` runs).
wait_for 30 "11 BudgetwatchProjectBelowThresholdAtDeadline alerts" \
  prom_has 'count(ALERTS{alertname="BudgetwatchProjectBelowThresholdAtDeadline"}) == 11'
wait_for 30 "11 BudgetwatchProjectPaceBelowThreshold alerts" \
  prom_has 'count(ALERTS{alertname="BudgetwatchProjectPaceBelowThreshold"}) == 11'

# Issue #4's series (alerts, deliveries) appear once the daemon has run its first alert cycle and tried a first
# delivery: with budgetwatch_outbox_depth exposed, give them a bounded while (the checker then insists on them).
issue4_series() {
  curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt" &&
    grep -q '^budgetwatch_alerts{' "$WORK/metrics.txt" && grep -q '^budgetwatch_notifications_total{' "$WORK/metrics.txt"
}
if curl -sf "$DAEMON_URL/metrics" | grep -q '^budgetwatch_outbox_depth'; then
  deadline=$((SECONDS + 30))
  until issue4_series || ((SECONDS >= deadline)); do sleep 0.5; done
fi
sleep 2  # two more scrapes, so Prometheus holds what the checker reads from /metrics

curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt"
"$PY" "$BW_SOURCE_DIR/tests/tools/check_dashboards.py" --prometheus "$PROM" --metrics "$WORK/metrics.txt" \
  --rules "$DEPLOY"/prometheus/rules/*.yml -- "$DEPLOY"/grafana/dashboards/*.json > "$WORK/check.out" 2>&1 \
  || { cat "$WORK/check.out" >&2; fail "dashboards"; }
grep -E "^(issue-4|[0-9]+ Prometheus queries)" "$WORK/check.out"

# History: the export of the snapshot's own month end equals what /metrics serves for it.
"$BW_BIN" export-openmetrics --from 2021-12-01 --to 2021-12-31 --config "$WORK/demo.yaml" \
  --output "$WORK/dec.om" 2> "$WORK/export.err" || fail "export-openmetrics: $(cat "$WORK/export.err")"
"$PY" - "$WORK/metrics.txt" "$WORK/dec.om" <<'PYEOF' || fail "OpenMetrics export differs from /metrics"
import re, sys

def series(path, with_timestamp):
    out, families = {}, set()
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r"# TYPE (\S+)", line)
        if m:
            families.add(m.group(1))
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)( \S+)?$', line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        pairs = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels)))
        if with_timestamp and not m.group(4):
            sys.exit(f"no timestamp: {line}")
        out[(name, pairs)] = float(value)
    return out, families

daemon, _ = series(sys.argv[1], False)
export, families = series(sys.argv[2], True)
daemon = {k: v for k, v in daemon.items() if k[0] in families}
bad = [f"{k}: daemon {daemon.get(k)} export {export.get(k)}" for k in sorted(set(daemon) | set(export))
       if k not in daemon or k not in export or abs(daemon[k] - export[k]) > 1e-9 * max(1.0, abs(daemon[k]))]
for b in bad[:20]:
    print(b, file=sys.stderr)
print(f"export = /metrics for {len(export)} series of {len(families)} families")
sys.exit(1 if bad or len(export) < 300 else 0)
PYEOF
pass
