#!/usr/bin/env bash
# History backfill (issue #6): the Liwan 2021 data exported month end by month end as OpenMetrics with the
# labels of the live scrape target (--label job=... --label instance=... --label site=...), turned into TSDB
# blocks by promtool, loaded by a real Prometheus that also scrapes the demo daemon: a range query over 2021 with
# those labels gives the department's month-end execution rates of tests/data/liwan2021/expected.json (47.48% at
# the end of October, 48.37% at the end of November, 91.38% at the end of the year); history and live samples are
# one series; the department dashboard's trend panels, read from its JSON, draw every month end with the unit
# names joined.
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
grep -q '^budgetwatch_department_execution_ratio{department=""} 0\.4748[0-9]* 1635695999$' "$WORK/history.om" \
  || fail "October month-end sample: $(grep '^budgetwatch_department_execution_ratio' "$WORK/history.om")"

# Usage errors are said as such.
set +e
"$BW_BIN" export-openmetrics --db "$db" --from 2021-12-31 --to 2021-01-01 > /dev/null 2> "$WORK/usage.err"
status=$?
set -e
[[ $status -eq 2 ]] && grep -q -- "--to is before --from" "$WORK/usage.err" || fail "reversed range: $status $(cat "$WORK/usage.err")"

# Labels for every series: invalid ones are usage errors, before anything is written.
for bad in "unit=101001" "__name__=x" "1job=x" "job" "job=" ; do
  set +e
  "$BW_BIN" export-openmetrics --db "$db" --from 2021-01-01 --to 2021-12-31 --label "$bad" \
    --output "$WORK/bad.om" > /dev/null 2> "$WORK/usage.err"
  status=$?
  set -e
  [[ $status -eq 2 && ! -e "$WORK/bad.om" ]] && grep -q -- "--label" "$WORK/usage.err" \
    || fail "--label $bad: exit $status $(cat "$WORK/usage.err")"
done

# The backfill joins the live series: exported with the labels Prometheus gives the live target (job, instance
# and the static labels of deploy/prometheus/prometheus.yml), the history and the scraped samples of a running
# daemon are one series in the same Prometheus.
port=$(free_port)
read -r -a labels <<< "$(target_label_args "$port")"
"$BW_BIN" export-openmetrics --db "$db" --from 2021-01-01 --to 2021-12-31 "${labels[@]}" \
  --output "$WORK/labelled.om" 2> "$WORK/export.err" || fail "export-openmetrics ${labels[*]}: $(cat "$WORK/export.err")"
grep -q "with labels job=\"budgetwatch\",instance=\"127.0.0.1:$port\"" "$WORK/export.err" \
  || fail "export summary: $(cat "$WORK/export.err")"
[[ "$(grep -c '^budgetwatch_' "$WORK/labelled.om")" -eq "$(grep -c '^budgetwatch_' "$WORK/history.om")" ]] \
  || fail "the labelled export has other samples than the plain one"
grep -q "^budgetwatch_department_execution_ratio{department=\"\",job=\"budgetwatch\",instance=\"127.0.0.1:$port\".*} 0\.4748[0-9]* 1635695999$" \
  "$WORK/labelled.om" || fail "labelled October sample: $(grep '^budgetwatch_department_execution_ratio' "$WORK/labelled.om" | head -2)"

promtool tsdb create-blocks-from openmetrics "$WORK/labelled.om" "$WORK/tsdb" > "$WORK/blocks.out" 2>&1 \
  || fail "promtool tsdb create-blocks-from openmetrics: $(cat "$WORK/blocks.out")"
ls "$WORK/tsdb"/*/meta.json > /dev/null 2>&1 || fail "no blocks written: $(cat "$WORK/blocks.out")"

write_demo_copy "$WORK/demo.yaml" "$port"
start_daemon "$WORK/demo.yaml"
write_prometheus_config "$WORK/prometheus.yml" "$port"
# Retention longer than the age of the 2021 blocks, or Prometheus deletes them at start.
start_prometheus "$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" --storage.tsdb.retention.time=20y
wait_for 30 "the live department rate scraped" prom_has 'budgetwatch_department_execution_ratio > 0.9'

# A range query over 2021 in daily steps at local midnight, with the labels: each month-end sample (23:59:59)
# shows at the next step (00:00), so there is exactly one point per month.
selector="budgetwatch_department_execution_ratio{job=\"budgetwatch\",instance=\"127.0.0.1:$port\"}"
curl -sf "$PROM/api/v1/query_range" --data-urlencode "query=$selector" \
  --data-urlencode 'start=2021-01-01T00:00:00+08:00' --data-urlencode 'end=2022-01-01T00:00:00+08:00' \
  --data-urlencode 'step=1d' > "$WORK/range.json" || fail "query_range"
curl -sf "$PROM/api/v1/query" --data-urlencode 'query=budgetwatch_unit_projects{band="zero"}' \
  --data-urlencode 'time=2021-10-31T23:59:59+08:00' > "$WORK/units.json" || fail "query"
# From 2021 to now, a day at a time ending now: one series, the twelve month ends of 2021 and the live value.
now=$(($(date +%s) + 1))  # a second ahead: the last scrape may be in this very second
start=$((now - (now - 1609430400) / 86400 * 86400 - 86400))
curl -sf "$PROM/api/v1/query_range" --data-urlencode 'query=last_over_time(budgetwatch_department_execution_ratio[1d])' \
  --data-urlencode "start=$start" --data-urlencode "end=$now" --data-urlencode 'step=1d' > "$WORK/joined.json" \
  || fail "query_range 2021..now"
# The department dashboard's trend panels, read from its JSON, over 2021 with $__rate_interval = 1d and every
# unit: data for each month end, with the unit names joined.
"$PY" - "$DEPLOY/grafana/dashboards/department-overview.json" "$PROM" > "$WORK/panels.out" <<'PYEOF' \
  || fail "trend panels over the backfilled 2021: $(cat "$WORK/panels.out")"
import json, sys, urllib.parse, urllib.request
dashboard, prom = sys.argv[1], sys.argv[2]
panels = [p for p in json.load(open(dashboard, encoding="utf-8"))["panels"] if p.get("type") == "timeseries"]
assert len(panels) >= 2, [p.get("title") for p in panels]
for p in panels:
    for t in p["targets"]:
        q = t["expr"].replace("$__rate_interval", "1d").replace("$unit", ".+").replace("$department", ".*")
        url = prom + "/api/v1/query_range?" + urllib.parse.urlencode(
            {"query": q, "start": "2021-01-01T00:00:00+08:00", "end": "2022-01-01T00:00:00+08:00", "step": "1d"})
        result = json.load(urllib.request.urlopen(url))["data"]["result"]
        assert result, (p["title"], q)
        for legend in __import__("re").findall(r"\{\{(\w+)\}\}", t.get("legendFormat", "")):
            assert all(r["metric"].get(legend) for r in result), (p["title"], legend, result[0]["metric"])
        for r in result:
            # last_over_time over 1d in daily steps: each month end is seen at the step after it.
            assert len(r["values"]) == 12, (p["title"], r["metric"], len(r["values"]))
        print(f"{p['title']} {t['refId']}: {len(result)} series x 12 month ends")
PYEOF
cat "$WORK/panels.out"
"$PY" - "$WORK/range.json" "$WORK/units.json" "$DATA/liwan2021/expected.json" "$WORK/joined.json" "$port" <<'PYEOF' \
  || fail "month-end rates"
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

# History and live: one series (the same labels), twelve month ends of 2021, then the scraped value.
joined = json.load(open(sys.argv[4]))["data"]["result"]
assert len(joined) == 1, f"{len(joined)} series: {[r['metric'] for r in joined]}"
labels = joined[0]["metric"]
assert labels.get("job") == "budgetwatch" and labels.get("instance") == f"127.0.0.1:{sys.argv[5]}", labels
values = [(int(t), float(v)) for t, v in joined[0]["values"]]
in_2021 = [v for t, v in values if t <= int(datetime(2022, 1, 2, tzinfo=cst).timestamp())]
live = [v for t, v in values if t > int(datetime(2022, 1, 2, tzinfo=cst).timestamp())]
assert len(in_2021) == 12 and len(live) == 1, (len(in_2021), len(live))
assert round(live[0], 4) == round(in_2021[-1], 4) == 0.9138, (live, in_2021[-1])
print(f"one series {labels}: 12 month ends of 2021 and the live {live[0] * 100:.2f}%")
PYEOF
pass
