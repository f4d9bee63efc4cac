#!/usr/bin/env bash
# Crash safety: the daemon ingesting large generated exports (400,000 payment rows in overlapping exports of
# 240,000 rows, about 1 s of ingest each, then two re-exports of the whole year) is killed with SIGKILL at
# random points and restarted each time: kills at random delays before the export in progress commits
# (start-up, reading, the transaction, the commit itself) until 20 of them came before its commit, then 4
# around the commit, the move to archive/ and the evaluation. Each export is fed once the previous one is
# archived. After the last restart the daemon finishes, and the ledger equals the generator's truth
# exactly: every voucher once with its content, the monthly sums, each line's cumulative paid amount per
# month end, the report's year-end figures; duplicates counted, nothing rejected; `PRAGMA integrity_check`
# is ok.
# Short by default (< 90 s); BW_LONG=1: 1,000,000 rows and 72 kills.
source "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (deploy/install-deps.sh)"
if [[ -n "${BW_LONG:-}" ]]; then rows=1000000 min_during=60 late_kills=12
else rows=${BW_CRASH_ROWS:-400000} min_during=${BW_CRASH_KILLS:-20} late_kills=4; fi
started=$SECONDS

"$PY" "$BW_SOURCE_DIR/tests/tools/gen_treasury_export.py" --projects 2000 --payments "$rows" --seed 30 \
  --out-dir "$WORK/gen" > "$WORK/gen.log" || fail "generator: $(cat "$WORK/gen.log")"
# The exports, as a treasury system sends them: the first 60% of the rows, then the last 60% (the middle
# fifth again: duplicates), then the whole year re-exported twice (every row a duplicate): in reverse order
# with CRLF line endings, and in GB18030.
mkdir -p "$WORK/exports" "$WORK/inbox"
exports=(payments_2021_a.csv payments_2021_b.csv payments_2021_all_crlf.csv payments_2021_all_gb18030.csv)
first=$((rows * 6 / 10)) overlap=$((rows * 2 / 10))
head -n $((first + 1)) "$WORK/gen/payments.csv" > "$WORK/exports/${exports[0]}"
{ head -1 "$WORK/gen/payments.csv"; tail -n "$first" "$WORK/gen/payments.csv"; } > "$WORK/exports/${exports[1]}"
{ head -1 "$WORK/gen/payments.csv"; tail -n +2 "$WORK/gen/payments.csv" | tac; } | sed 's/$/\r/' \
  > "$WORK/exports/${exports[2]}"
iconv -f UTF-8 -t GB18030 "$WORK/gen/payments.csv" > "$WORK/exports/${exports[3]}" || fail "iconv"
expected_dups=$((overlap + 2 * rows))

port=$(free_port)
write_generated_config "$WORK/bw.yaml" "$WORK/bw.db" "$port"
"$BW_BIN" check-config "$WORK/bw.yaml" > /dev/null || fail "config"

# feed N: the Nth export arrives whole (copied beside, renamed in, then its .done marker), as a sync tool
# would deliver it.
fed=0
feed() {
  local name=${exports[$fed]}
  cp "$WORK/exports/$name" "$WORK/inbox/.$name.part"
  mv "$WORK/inbox/.$name.part" "$WORK/inbox/$name"
  touch "$WORK/inbox/$name.done"
  fed=$((fed + 1))
}
archived() { [[ -f "$WORK/inbox/archive/$1" ]]; }

# Calibration on a scratch database that already holds the register (as the database does after the first
# restarts): when the export's transaction has committed (its "ingested file" log line) and when it is
# archived, counted from the daemon's start.
mkdir -p "$WORK/cal/inbox"
cal_port=$(free_port)
sed -e "s|$WORK/bw.db|$WORK/cal/bw.db|" -e "s|$WORK/inbox|$WORK/cal/inbox|" -e "s|:$port|:$cal_port|" \
  "$WORK/bw.yaml" > "$WORK/cal/bw.yaml"
"$BW_BIN" run --config "$WORK/cal/bw.yaml" --quiet 2>> "$WORK/cal/daemon.log" &
cal_pid=$!
PIDS+=("$cal_pid")
wait_for 60 "calibration daemon ready" curl -sf "http://127.0.0.1:$cal_port/readyz"
kill -TERM "$cal_pid"
wait "$cal_pid" || fail "calibration daemon did not stop cleanly"
cp "$WORK/exports/${exports[0]}" "$WORK/cal/inbox/"
touch "$WORK/cal/inbox/${exports[0]}.done"
t0=$(date +%s%N)
"$BW_BIN" run --config "$WORK/cal/bw.yaml" --quiet 2>> "$WORK/cal/daemon.log" &
cal_pid=$!
PIDS+=("$cal_pid")
wait_for 120 "calibration ingest" test -f "$WORK/cal/inbox/archive/${exports[0]}"
t1=$(date +%s%N)
kill -KILL "$cal_pid" 2>/dev/null || true
wait "$cal_pid" 2>/dev/null || true
line=$(grep "ingested file source=inbox file=${exports[0]}" "$WORK/cal/daemon.log") || fail "no ingest line in the calibration log"
commit_ms=$((($(date -d "${line%% *}" +%s%N) - t0) / 1000000))
ingest_ms=$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<< "$line")
full_ms=$(((t1 - t0) / 1000000))
rm -rf "$WORK/cal"
echo "crash: $rows rows: ingest ${ingest_ms} ms, committed at ${commit_ms} ms, archived at ${full_ms} ms after start"

# run_and_kill DELAY_MS: starts the daemon and SIGKILLs it after the delay. Its log tells whether the current
# export's transaction committed in this run, and when; a commit earlier than the bound for early kills
# lowers the bound. Counts in `during` the kills that came before the current export committed. Once the
# export is archived, the next one is fed.
during=0
kills=0
committed=0
last_before=0
run_and_kill() {
  local delay_ms=$1 current=${exports[$((fed - 1))]} log="$WORK/run.log" state line at pid t0 idle=0
  archived "$current" && idle=1
  t0=$(date +%s%N)
  "$BW_BIN" run --config "$WORK/bw.yaml" --quiet 2> "$log" &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || fail "daemon exited by itself before kill $((kills + 1)): $(tail -3 "$log")"
  wait "$pid" 2>/dev/null || true
  cat "$log" >> "$WORK/daemon.log"
  kills=$((kills + 1))
  if ((idle)); then
    state="with every export archived"
  elif line=$(grep -m1 "ingested file source=inbox file=$current " "$log"); then
    committed=1
    at=$((($(date -d "${line%% *}" +%s%N) - t0) / 1000000))
    state="after $current committed (at $at ms)"
    if ((at * 95 / 100 < early_ms)); then early_ms=$((at * 95 / 100)); fi
  elif ((committed)); then
    state="after $current committed in an earlier run"
  elif grep -q "skipped file already ingested source=inbox file=$current " "$log"; then
    # The previous kill came after the commit but before its log line: it did not count as before.
    committed=1
    ((last_before)) && during=$((during - 1))
    state="after $current committed in the previous run (just before kill $((kills - 1)))"
  else
    state="before $current committed"
    during=$((during + 1))
  fi
  last_before=0
  [[ "$state" == before* ]] && last_before=1
  if ((!idle)) && archived "$current"; then
    state+=", archived"
    committed=0
    if ((fed < ${#exports[@]})); then feed; fi
  fi
  printf 'crash: kill %2d after %5d ms, %s\n' "$kills" "$delay_ms" "$state"
}
random_ms() { echo $((($1) + (RANDOM * 32768 + RANDOM) % (($2) - ($1) + 1))); }

feed
# Kills across start-up, reading and the transaction, until 20 of them came before the export in progress
# committed; then kills around the commit, the move to archive/ and the evaluation.
early_ms=$((commit_ms * 97 / 100))
while ((during < min_during && kills < 2 * min_during)); do run_and_kill "$(random_ms 0 "$early_ms")"; done
((during >= min_during)) || fail "only $during of $kills kills came before the export in progress committed"
for ((i = 0; i < late_kills; i++)); do run_and_kill "$(random_ms "$((commit_ms * 9 / 10))" "$((full_ms * 12 / 10))")"; done

# The last restart finishes everything (the re-exports not yet fed arrive now); then a clean stop.
while ((fed < ${#exports[@]})); do feed; done
start_daemon "$WORK/bw.yaml"
for name in "${exports[@]}"; do wait_for 180 "$name archived after the last restart" archived "$name"; done
wait_for 30 "evaluation published" curl -sf "$DAEMON_URL/readyz"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"

integrity=$(sqlite3 "$WORK/bw.db" 'PRAGMA integrity_check')
[[ "$integrity" == ok ]] || fail "integrity_check: $(head -5 <<< "$integrity")"
[[ -z "$(sqlite3 "$WORK/bw.db" 'PRAGMA foreign_key_check')" ]] || fail "foreign_key_check"
dups=$(sqlite3 "$WORK/bw.db" "SELECT sum(rows_duplicate) FROM files WHERE kind = 'payments'")
[[ "$dups" == "$expected_dups" ]] || fail "$dups duplicate rows recorded, expected $expected_dups"
"$BW_BIN" report --db "$WORK/bw.db" --as-of 2021-12-31 --format json > "$WORK/report.json" || fail "report"
"$PY" "$BW_SOURCE_DIR/tests/tools/check_ledger.py" --db "$WORK/bw.db" --gen "$WORK/gen" --report "$WORK/report.json" \
  || fail "the ledger differs from the generator's truth"
leftover=$(cd "$WORK/inbox" && ls -A | grep -v '^archive$' || true)
[[ -z "$leftover" ]] || fail "left in the inbox: $leftover"
echo "crash: $kills SIGKILLs ($during before the export in progress committed), ${#exports[@]} exports, $rows rows, ledger exact, integrity ok, $((SECONDS - started)) s"
pass
