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

# write_prometheus_config FILE PORT [INTERVAL]: deploy/prometheus/prometheus.yml as shipped -- its budgetwatch
# job with the target's static labels (site), its rule files -- scraping the daemon on 127.0.0.1:PORT every
# INTERVAL (1s), evaluating rules as often, without the Alertmanager and the other jobs; checked by promtool.
write_prometheus_config() {
  local file=$1 port=$2 interval=${3:-1s}
  "$PY" - "$DEPLOY/prometheus/prometheus.yml" "$file" "127.0.0.1:$port" "$interval" <<'PYEOF' \
    || fail "cannot derive a Prometheus config from deploy/prometheus/prometheus.yml"
import os, sys
import yaml
src, dst, target, interval = sys.argv[1:]
conf = yaml.safe_load(open(src, encoding="utf-8"))
jobs = [j for j in conf["scrape_configs"] if j["job_name"] == "budgetwatch"]
assert len(jobs) == 1, "prometheus.yml has no single budgetwatch job"
job = jobs[0]
statics = [c for c in job["static_configs"] if "budgetwatch:9464" in c["targets"]]
assert len(statics) == 1, "the budgetwatch job does not scrape budgetwatch:9464"
job["static_configs"] = [{**statics[0], "targets": [target]}]
conf["global"].update({"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval})
here = os.path.dirname(os.path.abspath(src))
conf["rule_files"] = [p if os.path.isabs(p) else os.path.join(here, p) for p in conf.get("rule_files", [])]
conf.pop("alerting", None)
conf["scrape_configs"] = [job]
yaml.safe_dump(conf, open(dst, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
PYEOF
  promtool check config "$file" > "$WORK/promtool-config.out" 2>&1 \
    || fail "prometheus config: $(cat "$WORK/promtool-config.out")"
}

# target_label_args: --label NAME=VALUE for the job and static labels of the shipped budgetwatch target, plus
# instance=127.0.0.1:PORT, as export-openmetrics takes them (so history and live series are one series).
target_label_args() {
  local port=$1
  "$PY" - "$DEPLOY/prometheus/prometheus.yml" "127.0.0.1:$port" <<'PYEOF'
import sys
import yaml
conf = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
job = next(j for j in conf["scrape_configs"] if j["job_name"] == "budgetwatch")
static = next(c for c in job["static_configs"] if "budgetwatch:9464" in c["targets"])
labels = {"job": "budgetwatch", "instance": sys.argv[2], **static.get("labels", {})}
print(" ".join(f"--label={k}={v}" for k, v in labels.items()))
PYEOF
}
