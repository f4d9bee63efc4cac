#!/usr/bin/env bash
# Storage faults (issue 7): the disk holding the database fills up, then another process holds SQLite's
# write lock past the busy timeout. Each time the export in progress is not ingested and stays in the drop
# folder (neither archived nor failed); /metrics and the API keep answering with the last figures, quickly;
# /readyz says "degraded" with the database check failing and why, and budgetwatch_check_up{check="database"}
# is 0. When the fault clears the export is ingested on the next poll and the check recovers. At the end the
# ledger equals the generator's truth exactly (tests/tools/check_ledger.py) and integrity_check is ok.
# The full disk is a small tmpfs mounted for the test (root); where mounting is not allowed, the daemon's
# file-size limit (prlimit --fsize, lifted afterwards) makes the database's writes fail the same way.
source "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (deploy/install-deps.sh)"

"$PY" "$BW_SOURCE_DIR/tests/tools/gen_treasury_export.py" --projects 300 --payments 60000 --seed 36 \
  --out-dir "$WORK/gen" > "$WORK/gen.log" || fail "generator: $(cat "$WORK/gen.log")"
# Three exports: a small first one, then two larger ones (each needs more WAL than the ones before).
pay="$WORK/gen/payments.csv"
mkdir -p "$WORK/exports" "$WORK/inbox"
{ head -1 "$pay"; sed -n '2,5001p' "$pay"; } > "$WORK/exports/p1.csv"
{ head -1 "$pay"; sed -n '5002,30001p' "$pay"; } > "$WORK/exports/p2.csv"
{ head -1 "$pay"; sed -n '30002,$p' "$pay"; } > "$WORK/exports/p3.csv"

# The database directory: a 48 MiB tmpfs when this process may mount one, else a plain directory.
db_dir="$WORK/db"
mkdir -p "$db_dir"
mode=prlimit
if [[ -z "${BW_FAULTS_NO_MOUNT:-}" && $(id -u) -eq 0 ]] && mount -t tmpfs -o size=48m budgetwatch-test "$db_dir" 2> /dev/null; then
  mode=tmpfs
  cleanup_mount() { umount -l "$db_dir" 2> /dev/null || true; }
  trap 'cleanup_pids; cleanup_mount; [[ -n "${BW_KEEP_WORK:-}" ]] || rm -rf "$WORK"' EXIT
else
  command -v prlimit > /dev/null || fail "neither a tmpfs mount nor prlimit is available"
fi
echo "storage: the full disk is simulated with $mode"

port=$(free_port)
write_generated_config "$WORK/bw.yaml" "$db_dir/bw.db" "$port" "    require_done_marker: true"
feed() { cp "$WORK/exports/$1" "$WORK/inbox/$1"; touch "$WORK/inbox/$1.done"; }
archived() { [[ -f "$WORK/inbox/archive/$1" ]]; }
readyz() { curl -s --max-time 5 "$DAEMON_URL/readyz"; }
# db_check FIELD: a field of the database check in /readyz ("" when there is no such check).
db_check() {
  readyz | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
c = [c for c in d.get("checks", []) if c["name"] == "database"]
print(d["status"] if sys.argv[1] == "overall" else (c[0].get(sys.argv[1], "") if c else ""))' "$1"
}
paid_fen() { curl -sf "$DAEMON_URL/api/v1/summary" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["department"]["paid_fen"])'; }
# serving: /metrics and the summary answer 200 within a second, with the figures of EXPECTED_PAID.
serving() {
  local t0 code
  t0=$(date +%s%N)
  code=$(curl -s --max-time 5 -o "$WORK/metrics.txt" -w '%{http_code}' "$DAEMON_URL/metrics")
  [[ "$code" == 200 ]] || fail "/metrics answered $code during the fault"
  (( ($(date +%s%N) - t0) / 1000000 < 1000 )) || fail "/metrics took $(( ($(date +%s%N) - t0) / 1000000 )) ms during the fault"
  grep -q '^budgetwatch_check_up{check="database"} 0$' "$WORK/metrics.txt" ||
    fail "budgetwatch_check_up{check=\"database\"} is not 0: $(grep check_up "$WORK/metrics.txt")"
  [[ "$(paid_fen)" == "$1" ]] || fail "the summary changed during the fault: $(paid_fen), expected $1"
}
sum_fen() {  # sum_fen FILE...: total of the 金额 column in fen
  "$PY" - "$@" <<'PYEOF'
import csv, sys
t = 0
for f in sys.argv[1:]:
    with open(f, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            v = row["金额"].replace(",", "")
            neg = v.startswith("-")
            w, _, fr = v.lstrip("-").partition(".")
            n = int(w or 0) * 100 + int((fr + "00")[:2])
            t += -n if neg else n
print(t)
PYEOF
}

start_daemon "$WORK/bw.yaml"
feed p1.csv
wait_for 60 "p1 archived" archived p1.csv
p1_fen=$(sum_fen "$WORK/exports/p1.csv")
wait_for 30 "p1 evaluated" bash -c "[[ \$(curl -sf '$DAEMON_URL/api/v1/summary' | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"department\"][\"paid_fen\"])') == $p1_fen ]]"
[[ "$(db_check status)" == ok ]] || fail "database check not ok after p1: $(readyz)"

# ---- 1. The disk fills up ------------------------------------------------------------------------------
if [[ $mode == tmpfs ]]; then
  # Fill every free block (dd stops with ENOSPC; that is the point).
  dd if=/dev/zero of="$db_dir/filler" bs=1M status=none 2> /dev/null || true
  [[ $(df --output=avail -B1 "$db_dir" | tail -1) -lt 65536 ]] || fail "tmpfs not full: $(df -h "$db_dir" | tail -1)"
else
  size=$(du -cb "$db_dir"/bw.db* | tail -1 | cut -f1)
  prlimit --pid "$DAEMON_PID" --fsize=$((size + 4096)): || fail "prlimit"  # the soft limit only
fi
feed p2.csv
wait_for 60 "the database check fails" bash -c "[[ \$(curl -s '$DAEMON_URL/readyz' | grep -c '\"failing\"') -ge 1 ]]"
err=$(db_check error)
echo "storage: disk full: /readyz $(db_check overall): database: $err"
[[ "$(db_check overall)" == degraded ]] || fail "readyz does not say degraded: $(readyz)"
[[ "$err" == *"full"* || "$err" == *"disk"* || "$err" == *"I/O"* ]] || fail "the database error does not say why: $err"
code=$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/readyz")
[[ "$code" == 200 ]] || fail "readyz answered $code while degraded (it still serves the last figures)"
serving "$p1_fen"
sleep 3  # a few more polls: the export is retried, never moved
[[ -f "$WORK/inbox/p2.csv" ]] || fail "p2.csv left the inbox during the disk-full fault"
[[ ! -e "$WORK/inbox/failed/p2.csv" ]] || fail "p2.csv went to failed/: $(cat "$WORK/inbox/failed/p2.csv.reason" 2>/dev/null)"
grep -q "ingest failed on the database file=p2.csv" "$WORK/daemon.log" || fail "no log line for the failed ingest"
serving "$p1_fen"

# The disk has room again: p2 goes in on a following poll.
if [[ $mode == tmpfs ]]; then rm -f "$db_dir/filler"; else prlimit --pid "$DAEMON_PID" --fsize=unlimited:; fi
wait_for 60 "p2 archived after the disk was freed" archived p2.csv
p12_fen=$(sum_fen "$WORK/exports/p1.csv" "$WORK/exports/p2.csv")
wait_for 30 "p2 evaluated" bash -c "[[ \$(curl -sf '$DAEMON_URL/api/v1/summary' | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"department\"][\"paid_fen\"])') == $p12_fen ]]"
wait_for 10 "database check ok again" bash -c "[[ \$(curl -s '$DAEMON_URL/readyz' | grep -c '\"failing\"') -eq 0 ]]"
[[ "$(db_check overall)" == ready ]] || fail "readyz after recovery: $(readyz)"
[[ "$(metric_value 'budgetwatch_check_up{check="database"}')" == 1 ]] || fail "check_up not back to 1"

# ---- 2. Another process holds the write lock past the busy timeout (5 s) --------------------------------
lock_s=9
(echo "BEGIN IMMEDIATE;"; echo "SELECT 'locked';"; sleep "$lock_s"; echo "COMMIT;") | sqlite3 "$db_dir/bw.db" > "$WORK/lock.out" 2>&1 &
locker=$!
PIDS+=("$locker")
wait_for 10 "external writer holds the lock" grep -q locked "$WORK/lock.out"
feed p3.csv
wait_for 30 "the database check fails on the lock" bash -c "[[ \$(curl -s '$DAEMON_URL/readyz' | grep -c '\"failing\"') -ge 1 ]]"
err=$(db_check error)
echo "storage: lock held by another process: /readyz $(db_check overall): database: $err"
[[ "$err" == *"locked"* || "$err" == *"busy"* ]] || fail "the database error does not say locked: $err"
serving "$p12_fen"
[[ -f "$WORK/inbox/p3.csv" && ! -e "$WORK/inbox/failed/p3.csv" ]] || fail "p3.csv moved while the database was locked"
wait "$locker" || fail "the locking sqlite3 failed: $(cat "$WORK/lock.out")"
wait_for 60 "p3 archived after the lock was released" archived p3.csv
all_fen=$(sum_fen "$pay")
wait_for 30 "p3 evaluated" bash -c "[[ \$(curl -sf '$DAEMON_URL/api/v1/summary' | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"department\"][\"paid_fen\"])') == $all_fen ]]"
wait_for 10 "database check ok after the lock" bash -c "[[ \$(curl -s '$DAEMON_URL/readyz' | grep -c '\"failing\"') -eq 0 ]]"

# ---- the ledger is exact ------------------------------------------------------------------------------
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"
[[ "$(sqlite3 "$db_dir/bw.db" 'PRAGMA integrity_check')" == ok ]] || fail "integrity_check"
"$BW_BIN" report --db "$db_dir/bw.db" --as-of 2021-12-31 --format json > "$WORK/report.json" || fail "report"
"$PY" "$BW_SOURCE_DIR/tests/tools/check_ledger.py" --db "$db_dir/bw.db" --gen "$WORK/gen" --report "$WORK/report.json" \
  || fail "the ledger differs from the generator's truth"
echo "storage: disk full ($mode) and a held write lock: exports kept and ingested once afterwards, figures served throughout, ledger exact"
pass
