#!/usr/bin/env bash
# Issue 14, "evaluation after one more file < 1 s": the daemon keeps its evaluation's large arrays warm
# (daemon/large_block_cache.h). With 3,000 lines (a 3 MB line array), the evaluations after the first one take
# every large block from the cache: the "evaluated" log line says large_blocks_new=0, the second evaluation
# included (its line array is allocated while the first snapshot is still served: the block primed after the
# first evaluation serves it). The figures after a reused block are the file's to the fen. The cache's size
# (BUDGETWATCH_BLOCK_CACHE_MIB) is logged at start; a value that is not a number of MiB is warned about.
source "$(dirname "$0")/common.sh"
port=$(free_port)
"$PY" "$BW_SOURCE_DIR/tests/tools/gen_treasury_export.py" --projects 3000 --payments 30000 --seed 7 \
  --out-dir "$WORK/gen" > /dev/null
mkdir -p "$WORK/inbox"
cp "$WORK/gen/payments.csv" "$WORK/inbox/"
write_generated_config "$WORK/bw.yaml" "$WORK/bw.db" "$port" "logging: {level: info}"
BUDGETWATCH_BLOCK_CACHE_MIB=160 start_daemon "$WORK/bw.yaml"
grep -q " info daemon: large blocks kept between evaluations up to 160 MiB (BUDGETWATCH_BLOCK_CACHE_MIB)$" \
  "$WORK/daemon.log" || fail "the cache's size is not logged: $(grep -i "block" "$WORK/daemon.log")"
total=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_paid_fen_good_rows"])' "$WORK/gen/manifest.json")
yuan() { "$PY" -c 'import sys; f = int(sys.argv[1]); print(f"{f // 100}.{f % 100:02d}".rstrip("0").rstrip("."))' "$1"; }
wait_for 30 "the generated payments evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' "$(yuan "$total")"
evaluations() { grep -c " evaluated as_of=" "$WORK/daemon.log" || true; }

# Three more files of 200 payments each (new vouchers), one at a time.
header=$(head -1 "$WORK/gen/payments.csv")
for k in 1 2 3; do
  before=$(evaluations)
  { echo "$header"; sed -n "$((k * 200 + 2)),$((k * 200 + 201))p" "$WORK/gen/payments.csv" | sed "s/^ZF2021-/ZW$k-/"; } \
    > "$WORK/more$k.tmp"
  added=$("$PY" - "$WORK/more$k.tmp" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print(sum(round(float(r["金额"].replace(",", "")) * 100) for r in rows))
PY
)
  total=$((total + added))
  mv "$WORK/more$k.tmp" "$WORK/inbox/more$k.csv"
  wait_for 30 "the evaluation after more$k.csv" eval '[[ $(evaluations) -gt $before ]]'
  wait_for 10 "more$k.csv counted" metric_is 'budgetwatch_department_paid_yuan{department=""}' "$(yuan "$total")"
done

grep " evaluated as_of=" "$WORK/daemon.log" > "$WORK/evaluated.log"
(($(wc -l < "$WORK/evaluated.log") >= 4)) || fail "expected 4 evaluations: $(cat "$WORK/evaluated.log")"
# The first evaluation finds an empty cache; every later one reuses blocks and allocates none afresh.
while read -r line; do
  [[ $line == *" large_blocks_new=0 "* ]] || fail "an evaluation allocated a large block afresh: $line"
  [[ $line =~ large_blocks_reused=([0-9]+) ]] && ((BASH_REMATCH[1] >= 1)) || fail "no block reused: $line"
done < <(tail -n +2 "$WORK/evaluated.log")

# A size that is not a number of MiB is refused loudly, and the default applies.
port2=$(free_port)
write_generated_config "$WORK/bw2.yaml" "$WORK/bw2.db" "$port2"
BUDGETWATCH_BLOCK_CACHE_MIB=64M start_daemon "$WORK/bw2.yaml"
grep -q " warning daemon: BUDGETWATCH_BLOCK_CACHE_MIB=64M is not a number of MiB (0 to 1048576): ignored, large blocks are kept up to 192 MiB$" \
  "$WORK/daemon.log" || fail "no warning for 64M: $(grep -E "serving|BLOCK" "$WORK/daemon.log")"
pass
