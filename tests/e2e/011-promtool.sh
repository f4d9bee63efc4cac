#!/usr/bin/env bash
# The deployment files pass their own tools (issue #6): promtool check config / check rules / test rules,
# amtool check-config and a routing test of every alert rule, systemd-analyze verify on the unit (and it reports
# a broken copy), whose readiness check (ExecStartPost) is run against a real daemon; the configs budgetwatch ships
# pass check-config; the container files name what exists. A missing tool is a failure, not a skip.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/dashboards_lib.sh"
command -v promtool >/dev/null || fail "promtool is not installed (deploy/install-deps.sh)"

# Prometheus: the config resolves its rule files relative to itself; rules parse; their unit tests pass.
promtool check config "$DEPLOY/prometheus/prometheus.yml" > "$WORK/out" 2>&1 || fail "promtool check config: $(cat "$WORK/out")"
grep -q "SUCCESS: 1 rule files found" "$WORK/out" || fail "prometheus.yml loads no rule file: $(cat "$WORK/out")"
promtool check rules "$DEPLOY"/prometheus/rules/*.yml > "$WORK/out" 2>&1 || fail "promtool check rules: $(cat "$WORK/out")"
(cd "$DEPLOY/prometheus" && promtool test rules tests/*.yml) > "$WORK/out" 2>&1 || fail "promtool test rules: $(cat "$WORK/out")"

# Alertmanager (Debian's prometheus-alertmanager ships amtool): the config loads, and every alert of the rules
# routes as docs/deploy.md says -- operations to the operators, budget to finance, critical budget alerts to the
# finance bureau; none falls through to the default receiver.
command -v amtool >/dev/null || fail "amtool is not installed (Debian package prometheus-alertmanager, deploy/install-deps.sh)"
amtool check-config "$DEPLOY/alertmanager/alertmanager.yml" > "$WORK/out" 2>&1 \
  || fail "amtool check-config (exit $?): $(cat "$WORK/out")"
"$PY" - "$DEPLOY"/prometheus/rules/*.yml > "$WORK/alerts.txt" <<'PYEOF' || fail "reading the alert rules"
import sys
import yaml
for path in sys.argv[1:]:
    for g in yaml.safe_load(open(path, encoding="utf-8"))["groups"]:
        for r in g["rules"]:
            if "alert" in r:
                labels = r.get("labels", {})
                print(r["alert"], labels.get("component", "-"), labels.get("severity", "-"))
PYEOF
routed=0
while read -r alertname component severity; do
  case "$component/$severity" in
    operations/*) want=operators ;;
    budget/critical) want=finance-bureau ;;
    budget/*) want=finance ;;
    *) fail "alert $alertname has no component label (operations or budget): $component" ;;
  esac
  amtool config routes test --config.file="$DEPLOY/alertmanager/alertmanager.yml" --verify.receivers="$want" \
    "alertname=$alertname" "component=$component" "severity=$severity" > "$WORK/out" 2>&1 \
    || fail "alert $alertname ($component, $severity) does not route to $want: $(cat "$WORK/out")"
  routed=$((routed + 1))
done < "$WORK/alerts.txt"
((routed >= 15)) || fail "only $routed alert rules routed"
echo "alertmanager: $routed alert rules route to their receivers"

# systemd: the unit verifies cleanly (warnings count: systemd-analyze exits 0 on unknown keys) with its
# ExecStart pointed at the built binary, and carries the hardening the issue asks for.
unit="$DEPLOY/systemd/budgetwatch.service"
for directive in 'DynamicUser=yes' 'StateDirectory=budgetwatch' 'ConfigurationDirectory=budgetwatch' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' 'CapabilityBoundingSet=' \
    'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' 'ExecReload=/bin/kill -HUP $MAINPID' 'Type=simple'; do
  grep -qxF "$directive" "$unit" || fail "budgetwatch.service lacks the line '$directive'"
done
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (Debian package systemd, deploy/install-deps.sh)"
mkdir -p "$WORK/unit"
sed "s#^ExecStart=/usr/bin/budgetwatch #ExecStart=$BW_BIN #" "$unit" > "$WORK/unit/budgetwatch.service"
grep -q "^ExecStart=$BW_BIN run " "$WORK/unit/budgetwatch.service" || fail "ExecStart is not /usr/bin/budgetwatch run ..."
systemd-analyze verify "$WORK/unit/budgetwatch.service" > "$WORK/out" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/out")"
[[ ! -s "$WORK/out" ]] || fail "systemd-analyze verify warns: $(cat "$WORK/out")"
# ... and it would catch a broken unit: an unknown directive is a warning, a missing binary an error.
sed 's/^ProtectHome=yes$/ProtectHomes=yes/' "$WORK/unit/budgetwatch.service" > "$WORK/unit/broken.service"
systemd-analyze verify "$WORK/unit/broken.service" > "$WORK/out" 2>&1 || true
grep -q "ProtectHomes" "$WORK/out" || fail "systemd-analyze verify does not report an unknown directive: $(cat "$WORK/out")"

# The readiness check of the unit, as systemd runs it: it returns once /readyz answers, not before.
ready_cmd=$(sed -n "s/^ExecStartPost=\/bin\/sh -c '\(.*\)'$/\1/p" "$unit")
[[ -n "$ready_cmd" ]] || fail "no ExecStartPost=/bin/sh -c '...' readiness check in the unit"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
"$BW_BIN" run --config "$WORK/bw.yaml" --quiet 2>>"$WORK/daemon.log" &
PIDS+=("$!")
BW_READY_URL="http://127.0.0.1:$port/readyz" timeout 30 /bin/sh -c "$ready_cmd" || fail "readiness check did not succeed"
curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || fail "readiness check returned before /readyz answered"

# The configs budgetwatch ships for hosts and containers load.
"$BW_BIN" check-config "$DEPLOY/systemd/budgetwatch.yaml" > "$WORK/out" 2>&1 || fail "systemd/budgetwatch.yaml: $(cat "$WORK/out")"
"$BW_BIN" check-config "$DEPLOY/docker/budgetwatch.yaml" > "$WORK/out" 2>&1 || fail "docker/budgetwatch.yaml: $(cat "$WORK/out")"

# Container files (no engine runs here): what they name exists and they say what the issue asks.
"$PY" - "$BW_SOURCE_DIR" <<'PYEOF' || fail "container files"
import json, re, sys
from pathlib import Path
import yaml

root = Path(sys.argv[1])
deploy = root / "deploy"
problems = []
def need(ok, what):
    if not ok:
        problems.append(what)

compose_dir = deploy / "docker"
compose = yaml.safe_load((compose_dir / "compose.yaml").read_text(encoding="utf-8"))
services = compose["services"]
need({"budgetwatch", "prometheus", "alertmanager", "grafana"} <= set(services), f"services: {sorted(services)}")
build = services["budgetwatch"]["build"]
need((compose_dir / build["context"] / build["dockerfile"]).resolve() == (deploy / "docker/Dockerfile").resolve(),
     f"budgetwatch build: {build}")
for name, s in services.items():
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            need((compose_dir / src).exists(), f"{name}: bind mount source {src} does not exist")
        else:
            need(src in (compose.get("volumes") or {}), f"{name}: volume {src} is not declared")
    for p in s.get("ports", []):
        need(str(p).startswith("127.0.0.1:"), f"{name}: port {p} is not published on loopback only")

# Continuation lines joined, as Docker reads them.
df = re.sub(r"\\\n\s*", " ", (deploy / "docker/Dockerfile").read_text(encoding="utf-8"))
need(len(re.findall(r"^FROM debian:bookworm-slim\b", df, re.M)) == 2, "Dockerfile: two debian:bookworm-slim stages")
need(re.search(r"cmake --preset release", df), "Dockerfile: builds with the release preset")
users = re.findall(r"^USER\s+(\S+)", df, re.M)
need(users and users[-1].split(":")[0] not in ("root", "0"), f"Dockerfile: runs as root ({users})")
need(re.search(r"^HEALTHCHECK .*CMD curl .*/(readyz|healthz)", df, re.M), "Dockerfile: HEALTHCHECK on /readyz")
for m in re.finditer(r"^COPY\s+(?!--from)(.+)$", df, re.M):
    *sources, _dest = m.group(1).split()
    for s in sources:
        need(s == "." or (root / s).exists(), f"Dockerfile: COPY source {s} does not exist")
conf = yaml.safe_load((deploy / "docker/budgetwatch.yaml").read_text(encoding="utf-8"))
need(conf["server"]["listen"].startswith("0.0.0.0:"), "the container config does not listen on 0.0.0.0")
need(f'/etc/budgetwatch/budgetwatch.yaml:ro' in " ".join(services["budgetwatch"]["volumes"]), "container config not mounted")

# Provisioning: the datasource points at the compose service, the dashboards folder is where compose mounts it.
ds = yaml.safe_load((deploy / "grafana/provisioning/datasources/prometheus.yaml").read_text(encoding="utf-8"))
need(ds["datasources"][0]["url"] == "http://prometheus:9090", "datasource url")
prov = yaml.safe_load((deploy / "grafana/provisioning/dashboards/budgetwatch.yaml").read_text(encoding="utf-8"))
path = prov["providers"][0]["options"]["path"]
need(any(v.endswith(":" + path + ":ro") and v.startswith("../grafana/dashboards")
         for v in services["grafana"]["volumes"]), f"dashboards path {path} is not mounted")
for f in (deploy / "grafana/dashboards").glob("*.json"):
    json.loads(f.read_text(encoding="utf-8"))
prom = yaml.safe_load((deploy / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
targets = [t for sc in prom["scrape_configs"] for c in sc["static_configs"] for t in c["targets"]]
need("budgetwatch:9464" in targets, f"prometheus does not scrape budgetwatch:9464: {targets}")
# The history the compose demo backfills carries the labels of the live target, so it joins the live series.
job = next(sc for sc in prom["scrape_configs"] if sc["job_name"] == "budgetwatch")
static = next(c for c in job["static_configs"] if "budgetwatch:9464" in c["targets"])
want = {"job": "budgetwatch", "instance": "budgetwatch:9464", **static.get("labels", {})}
command = services["history"]["command"]
given = dict(command[i + 1].split("=", 1) for i, a in enumerate(command) if a == "--label")
need(given == want, f"the history service exports with labels {given}, the live target has {want}")
# apt-get in the image never asks; the ignore list BuildKit reads sits beside the Dockerfile.
need(len(re.findall(r"^ARG DEBIAN_FRONTEND=noninteractive$", df, re.M)) == 2,
     "Dockerfile: ARG DEBIAN_FRONTEND=noninteractive in both stages")
ignore = (deploy / "docker/Dockerfile.dockerignore").read_text(encoding="utf-8").split()
need({"build", ".git", "var"} <= set(ignore), f"Dockerfile.dockerignore: {ignore}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
pass
