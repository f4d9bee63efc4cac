#!/usr/bin/env bash
# Daemon figures on a generated data set: ingest through a files source, evaluation time, /metrics scrape
# time (p50/p99 over 200 scrapes) and body size, RSS, idle CPU. Goals (issue #3): scrape of 10k projects
# p99 < 100 ms; evaluation < 2 s for 50k lines; RSS < 300 MB; idle CPU ~0.
# Usage: bench/daemon_bench.sh DATA_DIR [BUILD_DIR]   (DATA_DIR from tests/tools/gen_treasury_export.py)
# Every wait has a deadline, in seconds, that fails the run with a message (a 10M-row set can take long):
#   BW_BENCH_READY_TIMEOUT   start to /readyz (ingest + first evaluation)     default 3600
#   BW_BENCH_EVAL_TIMEOUT    one more file to its evaluation                  default 600
#   BW_BENCH_SCRAPE_TIMEOUT  one /metrics scrape                              default 60
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(realpath "${1:?usage: daemon_bench.sh DATA_DIR [BUILD_DIR]}")
build=${2:-$root/build/test}
py=/usr/bin/python3
ready_timeout=${BW_BENCH_READY_TIMEOUT:-3600}
eval_timeout=${BW_BENCH_EVAL_TIMEOUT:-600}
scrape_timeout=${BW_BENCH_SCRAPE_TIMEOUT:-60}
work=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/bw.yaml" <<YAML
database: $work/bw.db
server: {listen: "127.0.0.1:$port"}
evaluation: {as_of: 2021-12-31, interval: 1h}
sources:
  - {name: gen, kind: files, files: [$data/budget.csv, $data/adjustments.csv, $data/payments.csv], interval: 1h}
  - {name: inbox, kind: drop_folder, path: $work/inbox, interval: 1s}
logging: {level: info}
YAML
mkdir -p "$work/inbox"
"$build/budgetwatch" run --config "$work/bw.yaml" --quiet 2> "$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
# wait_until SECONDS ENV_NAME WHAT COMMAND...: polls COMMAND every 0.2 s; fails when the daemon exits or the
# deadline passes, naming what was awaited and the variable that sets the deadline.
wait_until() {
  local seconds=$1 var=$2 what=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "daemon_bench: the daemon exited while waiting for $what; last log lines:" >&2
      tail -5 "$work/log" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "daemon_bench: timed out after ${seconds}s waiting for $what (raise $var to wait longer); last log lines:" >&2
      tail -5 "$work/log" >&2
      exit 1
    fi
    sleep 0.2
  done
}
evaluations() { grep -c "evaluated" "$work/log" || true; }
start=$(date +%s.%N)
wait_until "$ready_timeout" BW_BENCH_READY_TIMEOUT "the daemon to be ready (ingest + first evaluation)" \
  curl -sf "http://127.0.0.1:$port/readyz"
ready=$(date +%s.%N)
echo "== $(basename "$data"): $(grep -c '' "$data/budget.csv") register rows, $(( $(grep -c '' "$data/payments.csv") - 1 )) payment rows"
"$py" -c "print(f'start to ready (ingest + first evaluation)  {$ready - $start:.1f} s')"
grep -E "ingested file|evaluated" "$work/log" | sed 's/^[^ ]* /  /'

scrape() {
  for i in $(seq 1 200); do curl -s --max-time "$scrape_timeout" -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$port/metrics" \
    || { echo "daemon_bench: /metrics scrape $i failed or took over ${scrape_timeout}s (BW_BENCH_SCRAPE_TIMEOUT)" >&2; exit 1; }; done > "$work/scrapes"
  "$py" - "$work/scrapes" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
t = sorted(float(r[0]) * 1000 for r in rows)
print(f"/metrics over 200 scrapes: p50 {t[len(t)//2]:.1f} ms, p99 {t[int(len(t)*0.99)-1]:.1f} ms, max {t[-1]:.1f} ms, body {int(rows[-1][1])/1e6:.1f} MB")
PY
}
scrape
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
echo "RSS after scrapes: $(rss) MB (goal < 300 MB)"

# One more file arrives: time from the ingest to the published snapshot.
sed -n '1p' "$data/payments.csv" > "$work/inbox/more.csv"
sed -n '2,1001p' "$data/payments.csv" | sed 's/^ZF2021-/ZX2021-/' >> "$work/inbox/more.csv"
before=$(evaluations)
wait_until "$eval_timeout" BW_BENCH_EVAL_TIMEOUT "the evaluation after more.csv" eval '[[ $(evaluations) -gt $before ]]'
grep "more.csv" "$work/log" | sed 's/^[^ ]* /  /'
grep "evaluated" "$work/log" | tail -1 | sed 's/^[^ ]* /  evaluation after one more file: /'

# Idle CPU over 20 s.
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 20; t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
"$py" -c "print(f'idle CPU over 20 s: {($t1 - $t0) / $hz / 20 * 100:.2f}% of one core')"
echo "RSS idle: $(rss) MB"
