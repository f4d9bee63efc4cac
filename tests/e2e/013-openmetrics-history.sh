#!/usr/bin/env bash
# History backfill (issue #6): the Liwan 2021 data exported month end by month end as OpenMetrics, turned into
# TSDB blocks by promtool, loaded by a real Prometheus: a range query over 2021 gives the department's month-end
# execution rates of tests/data/liwan2021/expected.json (47.48% at the end of October, 48.37% at the end of
# November, 91.38% at the end of the year).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/dashboards_lib.sh"
command -v promtool >/dev/null || fail "promtool is not installed (deploy/install-deps.sh)"
db="$WORK/bw.db"

"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > "$WORK/ingest.out" || fail "ingest: $(cat "$WORK/ingest.out")"

"$BW_BIN" export-openmetrics --db "$db" --from 2021-01-01 --to 2021-12-31 --output "$WORK/history.om" \
  2> "$WORK/export.err" || fail "export-openmetrics: $(cat "$WORK/export.err")"
grep -q "12 month ends (2021-01-31 .. 2021-12-31)" "$WORK/export.err" || fail "export summary: $(cat "$WORK/export.err")"
[[ "$(tail -1 "$WORK/history.om")" == "# EOF" ]] || fail "the export does not end with # EOF"
# 2021-10-31 23:59:59 Asia/Shanghai = 1635695999: the department rate of the evaluation report.
grep -q '^budgetwatch_department_execution_ratio 0\.4748[0-9]* 1635695999$' "$WORK/history.om" \
  || fail "October month-end sample: $(grep '^budgetwatch_department_execution_ratio' "$WORK/history.om")"

# Usage errors are said as such.
set +e
"$BW_BIN" export-openmetrics --db "$db" --from 2021-12-31 --to 2021-01-01 > /dev/null 2> "$WORK/usage.err"
status=$?
set -e
[[ $status -eq 2 ]] && grep -q -- "--to is before --from" "$WORK/usage.err" || fail "reversed range: $status $(cat "$WORK/usage.err")"

promtool tsdb create-blocks-from openmetrics "$WORK/history.om" "$WORK/tsdb" > "$WORK/blocks.out" 2>&1 \
  || fail "promtool tsdb create-blocks-from openmetrics: $(cat "$WORK/blocks.out")"
ls "$WORK/tsdb"/*/meta.json > /dev/null 2>&1 || fail "no blocks written: $(cat "$WORK/blocks.out")"

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1m
scrape_configs: []
YAML
# Retention longer than the age of the 2021 blocks, or Prometheus deletes them at start.
start_prometheus "$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" --storage.tsdb.retention.time=20y

# A range query over 2021 in daily steps at local midnight: each month-end sample (23:59:59) shows at the next
# step (00:00), so there is exactly one point per month.
curl -sf "$PROM/api/v1/query_range" --data-urlencode 'query=budgetwatch_department_execution_ratio' \
  --data-urlencode 'start=2021-01-01T00:00:00+08:00' --data-urlencode 'end=2022-01-01T00:00:00+08:00' \
  --data-urlencode 'step=1d' > "$WORK/range.json" || fail "query_range"
curl -sf "$PROM/api/v1/query" --data-urlencode 'query=budgetwatch_unit_projects{band="zero"}' \
  --data-urlencode 'time=2021-10-31T23:59:59+08:00' > "$WORK/units.json" || fail "query"
"$PY" - "$WORK/range.json" "$WORK/units.json" "$DATA/liwan2021/expected.json" <<'PYEOF' || fail "month-end rates"
import json, sys
from datetime import datetime, timedelta, timezone

result = json.load(open(sys.argv[1]))["data"]["result"]
assert len(result) == 1, result
points = {int(t): float(v) for t, v in result[0]["values"]}
expected = json.load(open(sys.argv[3], encoding="utf-8"))["monthly_department"]
cst = timezone(timedelta(hours=8))
assert len(points) == len(expected) == 12, (len(points), sorted(points))
for m in expected:
    day = datetime.strptime(m["month_end"], "%Y-%m-%d").replace(tzinfo=cst) + timedelta(days=1)
    got = points.get(int(day.timestamp()))
    want = m["paid"]["fen"] / m["budget_in_force"]["fen"]
    assert got is not None and round(got, 6) == round(want, 6), (m["month_end"], got, want)
    assert f"{got * 100 + 1e-9:.2f}" == m["rate_vs_budget_in_force_pct"], (m["month_end"], got)
    print(f'{m["month_end"]}: {got * 100:.2f}%')
oct_end = int(datetime(2021, 11, 1, tzinfo=cst).timestamp())
assert round(points[oct_end], 4) == 0.4748, points[oct_end]

# The unit series are there too, at the October month end.
units = json.load(open(sys.argv[2]))["data"]["result"]
assert len(units) == 3, units
PYEOF
pass
