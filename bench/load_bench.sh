#!/usr/bin/env bash
# HTTP load figures: wrk (Debian) against the daemon's /metrics and /api/v1/projects on a data set, 50
# connections for SECONDS each, and, as the anchor measured in the same run with the same wrk settings, a real
# Prometheus server's own /metrics (Go's net/http and client_golang). Prints requests/s, p50/p99 latency,
# errors and the daemon's RSS before and after. Goals (issue #7): zero errors; /metrics p99 < 100 ms at 50
# connections on the demo; RSS flat (growth < 8 MB).
# Usage: bench/load_bench.sh DATA_DIR [BUILD_DIR] [SECONDS]   (DATA_DIR: budget.csv adjustments.csv payments.csv)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(realpath "${1:?usage: load_bench.sh DATA_DIR [BUILD_DIR] [SECONDS]}")
build=${2:-$root/build/test}
seconds=${3:-10}
py=/usr/bin/python3
command -v wrk >/dev/null || { echo "load_bench: wrk is not installed (deploy/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
prom_port=$(free_port)
cat > "$work/bw.yaml" <<YAML
database: $work/bw.db
server: {listen: "127.0.0.1:$port", max_connections: 1024}
evaluation: {as_of: 2021-12-31, interval: 1h}
sources:
  - {name: data, kind: files, files: [$data/budget.csv, $data/adjustments.csv, $data/payments.csv], interval: 1h}
YAML
"$build/budgetwatch" run --config "$work/bw.yaml" --quiet 2> "$work/log" &
pid=$!
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 1h}
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
prom=$!
trap 'kill $pid $prom 2>/dev/null; wait $pid $prom 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
until curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null; do sleep 0.2; done
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
lines=$(( $(grep -c '' "$data/budget.csv") - 1 ))

# run LABEL URL: wrk, 2 threads, 50 connections; one line of figures.
run() {
  local label=$1 url=$2 out="$work/wrk.txt" size
  size=$(curl -s -o /dev/null -w '%{size_download}' "$url")
  wrk -t2 -c50 -d"${seconds}s" --timeout 10s --latency "$url" > "$out" 2>&1
  local errors
  errors=$(grep -E "Socket errors|Non-2xx" "$out" | tr -s ' ' | paste -sd';' || true)
  printf '%-44s %9s req/s  p50 %8s  p99 %8s  body %7.1f KB  errors: %s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' "$out")" "$(awk '$1 == "50%" {print $2}' "$out")" \
    "$(awk '$1 == "99%" {print $2}' "$out")" "$("$py" -c "print($size / 1024)")" "${errors:-none}"
}
echo "== HTTP load: wrk -t2 -c50 -d${seconds}s ($lines budget lines; $(nproc) cores shared by wrk and the server)"
rss0=$(rss)
run "Prometheus's own /metrics (anchor)" "http://127.0.0.1:$prom_port/metrics"
run "budgetwatch /metrics" "http://127.0.0.1:$port/metrics"
run "budgetwatch /api/v1/projects?per_page=100" "http://127.0.0.1:$port/api/v1/projects?per_page=100"
run "budgetwatch /api/v1/summary" "http://127.0.0.1:$port/api/v1/summary"
rss1=$(rss)
run "budgetwatch /metrics (again)" "http://127.0.0.1:$port/metrics"
rss2=$(rss)
echo "RSS: $rss0 MB before, $rss1 MB after the first runs, $rss2 MB after one more (goal: growth < 8 MB)"
echo "   goals: zero errors; /metrics p99 < 100 ms"
