#!/usr/bin/env bash
# The main job of issue #2 from the command line: ingest the Liwan 2021 data, print the year-end report.
source "$(dirname "$0")/common.sh"
db="$WORK/bw.db"

"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > "$WORK/ingest.out"
grep -q "payments.csv: ingested kind=payments encoding=utf-8 rows=2682 accepted=2682 duplicate=0 rejected=0" \
  "$WORK/ingest.out" || fail "ingest line: $(cat "$WORK/ingest.out")"
[[ $(wc -l < "$WORK/ingest.out") -eq 3 ]] || fail "one line per file expected"

# A re-run is a no-op, said as such.
"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/payments.csv" > "$WORK/again.out"
grep -q "duplicate file, already ingested" "$WORK/again.out" || fail "re-ingest not reported as duplicate"

"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format json > "$WORK/report.json"
check_json "$WORK/report.json" 'd["as_of"] == "2021-12-31"'
check_json "$WORK/report.json" 'd["department"]["execution_rate_pct"] == "91.38"'
check_json "$WORK/report.json" 'd["department"]["adjusted_fen"] == 11915940000 and d["department"]["paid_fen"] == 10888890000'
check_json "$WORK/report.json" 'd["project_total"]["execution_rate_pct"] == "88.48"'
check_json "$WORK/report.json" 'd["basic_total"]["execution_rate_pct"] == "98.59"'
check_json "$WORK/report.json" 'd["bands"]["on_track"] == 19 and d["bands"]["below_80"] == 5 and d["bands"]["below_50"] == 2 and d["bands"]["zero"] == 4'
check_json "$WORK/report.json" 'd["adjustment_rate_pct"] == "36.62"'
check_json "$WORK/report.json" 'd["scores"] == {"budget_completion": "4.55", "budget_adjustment": "1.90", "spending_balance": "1.44"}'
check_json "$WORK/report.json" '[m["execution_rate_pct"] for m in d["month_ends"]][9:11] == ["47.48", "48.37"]'
check_json "$WORK/report.json" 'd["unregistered_paid_fen"] == 0'
check_json "$WORK/report.json" 'len(d["lines"]) == 32 and {l["kind"] for l in d["lines"]} == {"project", "basic"}'
check_json "$WORK/report.json" '[l for l in d["lines"] if l["code"] == "LW2021-P27"][0]["execution_rate_pct"] == "29.92"'
check_json "$WORK/report.json" 'all(set(l) >= {"code","name","unit_code","kind","initial_fen","adjusted_fen","paid_fen","execution_rate_pct","expected_pct","pace","band","deadline"} for l in d["lines"])'

# Markdown in Chinese by default, English on request; CSV with one row per line.
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format md > "$WORK/report.md"
grep -q "预算执行情况报告" "$WORK/report.md" || fail "zh-CN markdown title"
grep -q "| 合计 | 17,088.41 | -5,172.47 | 30.27% | 11,915.94 | 10,888.89 | 91.38% |" "$WORK/report.md" \
  || fail "table 1-5 total row"
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format md --lang en > "$WORK/report.en.md"
grep -q "Budget execution report" "$WORK/report.en.md" || fail "English markdown"
"$BW_BIN" report --db "$db" --as-of 2021-12-31 --format csv > "$WORK/report.csv"
[[ $(wc -l < "$WORK/report.csv") -eq 33 ]] || fail "csv rows"

# A file that cannot be read at all: one clear error naming the file, exit 1, nothing stored.
printf '这不是CSV\n\x00\x01\x02' > "$WORK/garbage.csv"
set +e
"$BW_BIN" ingest --db "$db" "$WORK/garbage.csv" > "$WORK/bad.out" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] || fail "exit status $status for an unreadable file"
grep -q "garbage.csv: failed: " "$WORK/bad.out" || fail "error line: $(cat "$WORK/bad.out")"
pass
