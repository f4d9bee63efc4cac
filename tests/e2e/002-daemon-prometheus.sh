#!/usr/bin/env bash
# The daemon on the Liwan 2021 data, scraped by a real Prometheus (Debian's) every second: PromQL through
# Prometheus's HTTP API returns the evaluation report's figures; promtool accepts the /metrics body.
source "$(dirname "$0")/common.sh"
command -v prometheus >/dev/null || fail "prometheus is not installed (deploy/install-deps.sh)"

port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
start_daemon "$WORK/bw.yaml"
# The bundled data is ingested and evaluated: the department figure appears.
wait_for 30 "department paid amount" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900

curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt"
promtool check metrics < "$WORK/metrics.txt" > "$WORK/promtool.out" 2>&1 || fail "promtool check metrics: $(cat "$WORK/promtool.out")"

pport=$(free_port)
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: budgetwatch
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "prometheus config"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$pport" > "$WORK/prometheus.log" 2>&1 &
PIDS+=("$!")
PROM="http://127.0.0.1:$pport"

# query EXPR: the first sample value of an instant query (empty when no data yet).
query() {
  curl -sf "$PROM/api/v1/query" --data-urlencode "query=$1" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
expect_query() {  # expect_query EXPR PYTHON-PREDICATE-ON-v
  local deadline=$((SECONDS + 30)) v=""
  while ((SECONDS < deadline)); do
    v=$(query "$1" || true)
    if [[ -n "$v" ]] && "$PY" -c "import sys; v=float(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$v"; then return 0; fi
    sleep 0.5
  done
  fail "query $1 gave '$v', expected $2"
}

wait_for 30 "prometheus ready" curl -sf "$PROM/-/ready"
expect_query 'budgetwatch_department_execution_ratio' 'round(v, 4) == 0.9138'
expect_query 'sum(budgetwatch_department_paid_yuan)' 'round(v, 2) == 108888900.00'
expect_query 'budgetwatch_department_projects{band="on_track"}' 'v == 19'
expect_query 'budgetwatch_department_projects{band="below_80"}' 'v == 5'
expect_query 'budgetwatch_department_projects{band="below_50"}' 'v == 2'
expect_query 'budgetwatch_department_projects{band="zero"}' 'v == 4'
expect_query 'sum(budgetwatch_unit_projects{band=~"below_80|below_50|zero"})' 'v == 11'
expect_query 'budgetwatch_project_paid_yuan{project="LW2021-P27"}' 'round(v, 2) == 538600.00'
expect_query 'budgetwatch_project_execution_ratio{project="LW2021-P27"}' 'round(v, 4) == 0.2992'
expect_query 'budgetwatch_department_score{component="budget_completion"}' 'round(v, 2) == 4.55'
expect_query 'budgetwatch_department_score{component="budget_adjustment"}' 'round(v, 2) == 1.90'
expect_query 'budgetwatch_department_score{component="spending_balance"}' 'round(v, 2) == 1.44'
# Names join from the _info series, as the dashboards do.
expect_query 'count((budgetwatch_project_execution_ratio < 0.8) * on(project) group_left(name) budgetwatch_project_info{kind="project"})' 'v == 11'
expect_query 'sum(rate(budgetwatch_ingest_files_total[1m])) >= 0' 'v >= 0'
expect_query 'budgetwatch_ingest_rows_total{source="liwan2021",kind="payments",outcome="accepted"}' 'v == 2682'
expect_query 'budgetwatch_build_info' 'v == 1'
pass
