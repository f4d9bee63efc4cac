#!/usr/bin/env bash
# Load: wrk (Debian) against /metrics and /api/v1/projects of the demo daemon, 50 connections in all (25 on
# each endpoint), twice. Zero errors (no socket error, no timeout, no non-2xx answer), the server counts at
# least the requests wrk completed, all with 200; the resident memory after the second run is within a
# bound of the first (no growth under steady load). Prints requests/s and p50/p99 latency per endpoint.
# Short by default (2 × 10 s); BW_LONG=1: 2 × 60 s.
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || fail "wrk is not installed (deploy/install-deps.sh)"
seconds=${BW_LOAD_SECONDS:-10}
[[ -n "${BW_LONG:-}" ]] && seconds=60
rss_bound_kb=${BW_LOAD_RSS_BOUND_KB:-8192}

port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }
paths=(/metrics "/api/v1/projects?per_page=100")
names=(metrics api_projects)

# run LABEL SECONDS: both endpoints at once; outputs in $WORK/wrk-LABEL-N.txt.
run() {
  local label=$1 secs=$2 i pids=()
  for i in 0 1; do
    wrk -t1 -c25 -d"${secs}s" --timeout 5s --latency "$DAEMON_URL${paths[$i]}" > "$WORK/wrk-$label-$i.txt" 2>&1 &
    pids+=("$!")
  done
  for i in 0 1; do wait "${pids[$i]}" || fail "wrk failed: $(cat "$WORK/wrk-$label-$i.txt")"; done
}
# check LABEL: zero errors; prints the figures; adds the completed requests to `completed[i]`.
completed=(0 0)
check() {
  local label=$1 i f n
  for i in 0 1; do
    f="$WORK/wrk-$label-$i.txt"
    ! grep -q "Socket errors" "$f" || fail "$label ${paths[$i]}: $(grep 'Socket errors' "$f")"
    ! grep -q "Non-2xx" "$f" || fail "$label ${paths[$i]}: $(grep 'Non-2xx' "$f")"
    n=$(awk '/requests in/ {print $1}' "$f")
    [[ -n "$n" && "$n" -gt 0 ]] || fail "$label ${paths[$i]}: no requests completed: $(cat "$f")"
    completed[i]=$((completed[i] + n))
    printf 'load: %-6s %-31s %7s req/s  p50 %8s  p99 %8s  (%s requests)\n' "$label" "${paths[$i]}" \
      "$(awk '/Requests\/sec/ {print $2}' "$f")" "$(awk '$1 == "50%" {print $2}' "$f")" \
      "$(awk '$1 == "99%" {print $2}' "$f")" "$n"
  done
}

run warmup 2
check warmup
run first "$seconds"
check first
rss1=$(rss_kb)
run second "$seconds"
check second
rss2=$(rss_kb)
echo "load: RSS after the first run $((rss1 / 1024)) MB, after the second $((rss2 / 1024)) MB (bound: +$((rss_bound_kb / 1024)) MB)"
((rss2 - rss1 <= rss_bound_kb)) || fail "RSS grew by $(((rss2 - rss1) / 1024)) MB between two equal runs"

# The server's own count: every request wrk completed was answered 200, and nothing else.
curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt"
for i in 0 1; do
  served=$(awk -v h="budgetwatch_http_requests_total{code=\"200\",handler=\"${names[$i]}\"}" '$1 == h {print $2}' "$WORK/metrics.txt")
  [[ -n "$served" ]] || fail "no budgetwatch_http_requests_total for ${names[$i]}"
  "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= int(sys.argv[2]) else 1)" "$served" "${completed[$i]}" \
    || fail "${names[$i]}: server counted $served, wrk completed ${completed[$i]}"
  ! grep "budgetwatch_http_requests_total{" "$WORK/metrics.txt" | grep "handler=\"${names[$i]}\"" | grep -v 'code="200"' \
    | grep -q . || fail "${names[$i]} answered something other than 200: $(grep "handler=\"${names[$i]}\"" "$WORK/metrics.txt")"
done
curl -sf "$DAEMON_URL/readyz" > /dev/null || fail "daemon not ready after the load"
pass
