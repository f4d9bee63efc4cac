# Helpers of the deployment tests (010-013, issue #6), sourced after common.sh.
DEPLOY="$BW_SOURCE_DIR/deploy"

# write_demo_copy FILE PORT: config/examples/demo.yaml with its database, inbox and listen port moved into $WORK
# and its relative paths made absolute (so the test runs the demo exactly as shipped, alerts included).
write_demo_copy() {
  local file=$1 port=$2
  sed -e "s#^database:.*#database: $WORK/bw.db#" \
      -e "s#^\( *listen:\) *[^ ]*#\1 127.0.0.1:$port#" \
      -e "s#\.\./\.\./tests/#$BW_SOURCE_DIR/tests/#g" \
      -e "s#\.\./\.\./var/demo/#$WORK/#g" \
      "$BW_SOURCE_DIR/config/examples/demo.yaml" > "$file"
  if grep -n '\.\./' "$file" >&2; then fail "demo.yaml has relative paths this test does not rewrite"; fi
  "$BW_BIN" check-config "$file" > "$WORK/check-config.out" 2>&1 || fail "demo config copy: $(cat "$WORK/check-config.out")"
}

# start_prometheus CONFIG [FLAG...]: a real Prometheus (Debian's) on a free loopback port, storage under $WORK
# unless a flag says otherwise; sets PROM to its URL and waits until it is ready.
start_prometheus() {
  local config=$1
  shift
  command -v prometheus >/dev/null || fail "prometheus is not installed (deploy/install-deps.sh)"
  local pport
  pport=$(free_port)
  local storage=(--storage.tsdb.path="$WORK/tsdb")
  for a in "$@"; do [[ "$a" == --storage.tsdb.path=* ]] && storage=(); done
  prometheus --config.file="$config" "${storage[@]}" --web.listen-address="127.0.0.1:$pport" "$@" \
    > "$WORK/prometheus.log" 2>&1 &
  PIDS+=("$!")
  PROM="http://127.0.0.1:$pport"
  wait_for 30 "prometheus ready at $PROM" curl -sf "$PROM/-/ready"
}

# prom_count EXPR: the number of series an instant query returns (0 on error).
prom_count() {
  curl -sf "$PROM/api/v1/query" --data-urlencode "query=$1" | "$PY" -c '
import json, sys
print(len(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null || echo 0
}

# prom_has EXPR: true when an instant query returns at least one series.
prom_has() { [[ "$(prom_count "$1")" -gt 0 ]]; }
