#!/usr/bin/env bash
# Issue 14's generated bureau: 12 departments with subordinate units, two fiscal years whose line codes repeat,
# the later year ingested first, the earlier one in GB18030 (tests/tools/gen_bureau.py writes the files and the
# truth, computed from the same rows without budgetwatch). At every month end the truth lists, every line and
# every department total of the report equal it to the fen, and `--department` gives exactly that department.
source "$(dirname "$0")/common.sh"
db="$WORK/bw.db"
gen="$WORK/bureau"
"$PY" "$BW_SOURCE_DIR/tests/tools/gen_bureau.py" "$gen" > "$WORK/gen.out"
first=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["years"][0])' "$gen/truth.json")
second=$((first + 1))

# The later year first, then the earlier one: neither may change the other's figures.
"$BW_BIN" ingest --db "$db" "$gen/budget$second.csv" "$gen/adjustments$second.csv" "$gen/payments$second.csv" \
  > "$WORK/ingest2.out"
"$BW_BIN" ingest --db "$db" "$gen/budget$first.csv" "$gen/adjustments$first.csv" "$gen/payments$first.csv" \
  > "$WORK/ingest1.out"
grep -q "budget$first.csv: ingested kind=budget encoding=gb18030 .* rejected=0 .* fiscal_year=$first (from 预算年度)$" \
  "$WORK/ingest1.out" || fail "first-year register: $(cat "$WORK/ingest1.out")"
grep -q "budget$second.csv: ingested kind=budget encoding=utf-8 .* rejected=0 .* fiscal_year=$second (from 完成时限)$" \
  "$WORK/ingest2.out" || fail "second-year register: $(cat "$WORK/ingest2.out")"
if grep -v " rejected=0 " "$WORK/ingest1.out" "$WORK/ingest2.out"; then fail "rows were rejected"; fi

# Every month end of the truth: the whole bureau, then each department on its own.
"$PY" - "$BW_BIN" "$db" "$gen/truth.json" <<'PYEOF' || fail "figures differ from the generator's truth"
import json, subprocess, sys
bw, db, truth_file = sys.argv[1:]
truth = json.load(open(truth_file, encoding="utf-8"))
problems = []
def report(as_of, *extra):
    out = subprocess.run([bw, "report", "--db", db, "--as-of", as_of, "--format", "json", *extra],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)
checked_lines = checked_departments = 0
for point in truth["as_of"]:
    date, want_lines, want_depts = point["date"], point["lines"], point["departments"]
    d = report(date)
    if d["fiscal_year"] != point["fiscal_year"]:
        problems.append(f"{date}: fiscal_year {d['fiscal_year']}")
    got = {l["code"]: l for l in d["lines"]}
    if set(got) != set(want_lines):
        problems.append(f"{date}: lines differ: extra {sorted(set(got) - set(want_lines))[:5]}, "
                        f"missing {sorted(set(want_lines) - set(got))[:5]}")
    for code, want in want_lines.items():
        line = got.get(code)
        if line is None:
            continue
        for key, value in want.items():
            if line.get(key) != value:
                problems.append(f"{date} {code}: {key} {line.get(key)!r}, truth {value!r}")
        checked_lines += 1
    depts = {x["code"]: x for x in d["departments"]}
    if set(depts) != set(want_depts):
        problems.append(f"{date}: departments {sorted(depts)} vs {sorted(want_depts)}")
    for code, want in want_depts.items():
        got_d = depts.get(code, {})
        for key, value in want.items():
            if got_d.get(key) != value:
                problems.append(f"{date} department {code}: {key} {got_d.get(key)!r}, truth {value!r}")
        checked_departments += 1
    # Ranks: 1..N by execution rate, highest first.
    ranked = sorted(d["departments"], key=lambda x: x["rank"])
    if [x["rank"] for x in ranked] != list(range(1, len(ranked) + 1)) or any(
            float(a["execution_rate_pct"]) < float(b["execution_rate_pct"]) for a, b in zip(ranked, ranked[1:])):
        problems.append(f"{date}: department ranks do not follow the execution rates")
# --department: exactly one department, its lines only, its totals as the bureau-wide report's entry.
last = truth["as_of"][-1]
for code, want in last["departments"].items():
    d = report(last["date"], "--department", code)
    if [x["code"] for x in d["departments"]] != [code]:
        problems.append(f"--department {code}: departments {[x['code'] for x in d['departments']]}")
    if {l["code"] for l in d["lines"]} != {c for c, l in last["lines"].items() if l["department_code"] == code}:
        problems.append(f"--department {code}: other lines")
    if (d["department"]["adjusted_fen"], d["department"]["paid_fen"]) != (want["adjusted_fen"], want["paid_fen"]):
        problems.append(f"--department {code}: totals {d['department']['adjusted_fen']} {d['department']['paid_fen']}")
for p in problems[:40]:
    print(p, file=sys.stderr)
print(f"checked {checked_lines} line figures and {checked_departments} department totals at "
      f"{len(truth['as_of'])} month ends, {len(last['departments'])} departments alone; {len(problems)} problems")
sys.exit(1 if problems else 0)
PYEOF
pass
