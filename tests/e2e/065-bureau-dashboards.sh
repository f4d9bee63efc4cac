#!/usr/bin/env bash
# A bureau's dashboards against a real Prometheus (issue 14, item 6): the demo with every budget unit its own
# department (departments.from_unit_code_digits: 6, so the department's name is the unit's), scraped by
# Prometheus configured as deploy/prometheus/prometheus.yml. /metrics has one series per department, labelled,
# and no total; the bureau's recording rules sum them to the demo's department figures (108,888,900 yuan paid,
# 91.38%); the departments' ranking is the units'; the laggards are listed per department and the Prometheus
# project alerts carry the department; every panel query of every dashboard returns data for the department
# variable's first option and for All (tests/tools/check_dashboards.py).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/dashboards_lib.sh"

port=$(free_port)
write_demo_copy "$WORK/demo.yaml" "$port"
printf 'departments:\n  from_unit_code_digits: 6\n' >> "$WORK/demo.yaml"
"$BW_BIN" check-config "$WORK/demo.yaml" > "$WORK/check-config.out" 2>&1 || fail "bureau config: $(cat "$WORK/check-config.out")"
start_daemon "$WORK/demo.yaml"
has_departments() { [[ "$(curl -sf "$DAEMON_URL/metrics" | grep -c "^budgetwatch_department_paid_yuan{department=\"10100[123]\"}")" -eq 3 ]]; }
wait_for 30 "three departments evaluated" has_departments
curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt" || fail "/metrics"
[[ "$(grep -c '^budgetwatch_department_paid_yuan{' "$WORK/metrics.txt")" -eq 3 ]] \
  || fail "three department series: $(grep '^budgetwatch_department_paid_yuan' "$WORK/metrics.txt")"
! grep -q '^budgetwatch_department_[a-z_]* ' "$WORK/metrics.txt" || fail "an unlabelled department series"
! grep -q 'department=""' "$WORK/metrics.txt" || fail "a series without its department"

write_prometheus_config "$WORK/prometheus.yml" "$port"
start_prometheus "$WORK/prometheus.yml"
wait_for 30 "budgetwatch scraped" prom_has 'up{job="budgetwatch"} == 1'
wait_for 30 "bureau recording rules" prom_has 'bureau:budgetwatch_execution:ratio'
wait_for 30 "laggards recording rule" prom_has 'project:budgetwatch_execution_below_threshold:ratio'
wait_for 30 "project alerts" prom_has 'ALERTS{alertname="BudgetwatchProjectBelowThresholdAtDeadline"}'

query() { curl -sf "$PROM/api/v1/query" --data-urlencode "query=$1" > "$WORK/$2.json" || fail "query $1"; }
query 'bureau:budgetwatch_paid:yuan' bureau_paid
query 'bureau:budgetwatch_execution:ratio' bureau_rate
query 'budgetwatch_department_rank * on (job, instance, department) group_left (name) budgetwatch_department_info' ranks
query 'budgetwatch_unit_execution_ratio' units
query 'count by (department) (project:budgetwatch_execution_below_threshold:ratio)' laggards
query 'count by (unit) (project:budgetwatch_execution_below_threshold:ratio)' unit_laggards
query 'ALERTS{alertname="BudgetwatchProjectBelowThresholdAtDeadline"}' alerts
"$PY" - "$WORK" <<'PYEOF' || fail "bureau figures"
import json, sys
w = sys.argv[1]
def result(name):
    return json.load(open(f"{w}/{name}.json"))["data"]["result"]
paid = result("bureau_paid")
assert len(paid) == 1 and round(float(paid[0]["value"][1]), 2) == 108888900.00, paid
rate = result("bureau_rate")
assert len(rate) == 1 and round(float(rate[0]["value"][1]), 4) == 0.9138, rate
# Each unit is its department: the departments rank as the units' execution rates, named as the units.
units = {r["metric"]["unit"]: float(r["value"][1]) for r in result("units")}
ranks = {r["metric"]["department"]: (int(float(r["value"][1])), r["metric"].get("name")) for r in result("ranks")}
assert set(ranks) == set(units), (ranks, units)
by_rate = sorted(units, key=lambda u: -units[u])
assert [ranks[u][0] for u in by_rate] == [1, 2, 3], (ranks, units)
assert all(name for _, name in ranks.values()), ranks
# The laggards per department are the units' laggards; the Prometheus alerts carry the line's department.
laggards = {r["metric"]["department"]: int(float(r["value"][1])) for r in result("laggards")}
unit_laggards = {r["metric"]["unit"]: int(float(r["value"][1])) for r in result("unit_laggards")}
assert laggards == unit_laggards and sum(laggards.values()) == 11, (laggards, unit_laggards)
alerts = result("alerts")
assert alerts and all(a["metric"].get("department") == a["metric"]["unit"] for a in alerts), alerts
print(f"bureau: 3 departments ranked {[(u, ranks[u][0]) for u in by_rate]}, laggards {laggards}, "
      f"{len(alerts)} alerts with their department")
PYEOF
sleep 2  # two more scrapes, so Prometheus holds what the checker reads from /metrics

curl -sf "$DAEMON_URL/metrics" > "$WORK/metrics.txt"
"$PY" "$BW_SOURCE_DIR/tests/tools/check_dashboards.py" --prometheus "$PROM" --metrics "$WORK/metrics.txt" \
  --rules "$DEPLOY"/prometheus/rules/*.yml -- "$DEPLOY"/grafana/dashboards/*.json > "$WORK/check.out" 2>&1 \
  || { cat "$WORK/check.out" >&2; fail "dashboards"; }
grep -q "^  variable department: 3 options" "$WORK/check.out" || { cat "$WORK/check.out" >&2; fail "department variable"; }
grep -E "^(  variable department|[0-9]+ Prometheus queries)" "$WORK/check.out"
pass
