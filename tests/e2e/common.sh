# Shared helpers of the end-to-end scripts (chrony's test/system style: start, act, check, pass).
set -euo pipefail
# A command that fails outside a check ends the script (set -e): say which, and the daemon's last lines, instead of
# ending without a word (ctest shows only the output).
# Only where the failure ends the script (set -e): a command expected to fail under `set +e` is not one.
trap 'st=$?; if [[ $- == *e* ]]; then echo "FAIL: $(basename "$0"):$LINENO: status $st of: $BASH_COMMAND" >&2
  if [[ -f "${WORK:-}/daemon.log" ]]; then tail -n 20 "$WORK/daemon.log" >&2; fi; fi' ERR
: "${BW_BIN:?BW_BIN must name the budgetwatch binary}"
: "${BW_SOURCE_DIR:?BW_SOURCE_DIR must name the source tree}"
PY=/usr/bin/python3
DATA="$BW_SOURCE_DIR/tests/data"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bw-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; exit 0; }
# check_json FILE PYTHON-EXPR: the expression, over `d` (the parsed file), must be true.
check_json() {
  "$PY" - "$1" "$2" <<'PYEOF' || fail "$2"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
PYEOF
}

# A free TCP port on 127.0.0.1 (a small race with other processes is accepted in tests).
free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds or the deadline passes.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then fail "timed out after ${seconds}s waiting for: $what"; fi
    sleep 0.1
  done
}

PIDS=()
cleanup_pids() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'cleanup_pids; [[ -n "${BW_KEEP_WORK:-}" ]] || rm -rf "$WORK"' EXIT

# write_demo_config FILE PORT [extra yaml]: the demo's sources with the database and inbox under $WORK.
write_demo_config() {
  local file=$1 port=$2
  cat > "$file" <<YAML
database: $WORK/bw.db
server:
  listen: 127.0.0.1:$port
  read_timeout: 3s
  idle_timeout: 5s
evaluation:
  as_of: 2021-12-31
sources:
  - name: liwan2021
    kind: files
    files: [$DATA/liwan2021/budget.csv, $DATA/liwan2021/adjustments.csv, $DATA/liwan2021/payments.csv]
    interval: 30s
  - name: inbox
    kind: drop_folder
    path: $WORK/inbox
    interval: 1s
  - name: uploads
    kind: upload
tokens:
  - name: test-uploader
    token: test-token-0123456789
    scopes: [upload]
${3:-}
YAML
}

# write_generated_config FILE DB PORT [extra yaml]: a generator's register (budget and adjustments of
# $WORK/gen, gen_treasury_export.py) as a files source, and the drop folder $WORK/inbox polled every second;
# the extra text is added under the inbox source (e.g. "    require_done_marker: true").
write_generated_config() {
  cat > "$1" <<YAML
database: $2
server:
  listen: 127.0.0.1:$3
evaluation:
  as_of: 2021-12-31
sources:
  - name: register
    kind: files
    files: [$WORK/gen/budget.csv, $WORK/gen/adjustments.csv]
    interval: 1h
  - name: inbox
    kind: drop_folder
    path: $WORK/inbox
    interval: 1s
${4:-}
YAML
}

# start_daemon CONFIG: starts budgetwatch run in the background (logs in $WORK/daemon.log), waits for /readyz.
start_daemon() {
  local config=$1
  "$BW_BIN" run --config "$config" --quiet 2>>"$WORK/daemon.log" &
  DAEMON_PID=$!
  PIDS+=("$DAEMON_PID")
  local port
  port=$(sed -n 's/^ *listen: 127.0.0.1:\([0-9]*\)$/\1/p' "$config" | head -1)
  DAEMON_URL="http://127.0.0.1:$port"
  wait_for 30 "daemon ready at $DAEMON_URL" curl -sf "$DAEMON_URL/readyz"
}

# metric_value NAME_WITH_LABELS: the value of one series in the daemon's /metrics, or nothing.
metric_value() {
  curl -sf "$DAEMON_URL/metrics" | awk -v m="$1" '$1 == m {print $2}'
}

# metric_is NAME_WITH_LABELS VALUE: true when the daemon's /metrics has that series with that value.
metric_is() { [[ "$(metric_value "$1")" == "$2" ]]; }
# metric_lt NAME_WITH_LABELS VALUE: true when the series exists with a smaller value.
metric_lt() { local v; v=$(metric_value "$1"); [[ -n "$v" ]] && "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$v" "$2"; }
