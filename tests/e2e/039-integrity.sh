#!/usr/bin/env bash
# Issue 12, through the real daemon: nothing acknowledged is lost or silently changed.
#  1. a second daemon on the same database is refused, naming the first (pid, listen);
#  2. a register that changes a line's 年初预算数 to 1.00 is a revision (old and new values in the upload's
#     answer and in /api/v1/projects/{code}/revisions); the original register again is a duplicate file,
#     re-applied only by an admin token, which restores the line and the department's rate;
#  3. vouchers differing only in width or case are the same payment;
#  4. a junk upload (200,000 rows of `Q,`) is refused whole: nothing stored, the database does not grow;
#  5. 50 SIGHUPs in a second poll nothing extra;
#  6. the database deleted behind the daemon's back: /readyz fails the database check within seconds,
#     uploads answer 503, and the next start refuses to create an empty database unless --create-database;
#  7. a database damaged in the middle is refused at start (quick_check) with a clear error;
#  8. a database without write permission at start is served read-only (database check failing, uploads
#     503) and opened again once writable.
source "$(dirname "$0")/common.sh"
# The department's execution ratio rounded to 4 digits ("0.9138" for the Liwan demo).
rate_is() { [[ "$("$PY" -c "import sys; print(round(float(sys.argv[1]), 4))" "$(metric_value 'budgetwatch_department_execution_ratio{department=""}')")" == "$1" ]]; }
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port" "  - name: test-admin
    token: test-admin-token-0123456789
    scopes: [admin]
alerts:
  rules:
    - {name: budget_revised, kind: budget_revised, min_change: 20%, within_days: 30}"
# The inbox polled every 30 s (the SIGHUP check counts its polls).
sed -i 's/    interval: 1s/    interval: 30s/' "$WORK/bw.yaml"
mkdir -p "$WORK/inbox"
start_daemon "$WORK/bw.yaml"
wait_for 30 "the demo evaluated" rate_is 0.9138
up=(-H "Authorization: Bearer test-token-0123456789")
admin=(-H "Authorization: Bearer test-admin-token-0123456789")

# 1. A second instance on the same database.
port2=$(free_port)
sed "s/127.0.0.1:$port/127.0.0.1:$port2/" "$WORK/bw.yaml" > "$WORK/bw2.yaml"
if timeout 20 "$BW_BIN" run --config "$WORK/bw2.yaml" --quiet 2> "$WORK/second.log"; then
  fail "a second daemon started on the same database"
fi
grep -q "is in use by another budgetwatch (pid $DAEMON_PID, listen 127.0.0.1:$port" "$WORK/second.log" ||
  fail "the refusal does not name the first daemon: $(cat "$WORK/second.log")"
curl -sf "$DAEMON_URL/readyz" > /dev/null || fail "the first daemon suffered from the second's attempt"

# 2. A budget changed by an upload is a revision, with a trace.
code=LW2021-P02
"$PY" - "$DATA/liwan2021/budget.csv" "$WORK/budget-changed.csv" "$code" <<'PYEOF'
import csv, sys
src, dst, code = sys.argv[1:4]
rows = list(csv.reader(open(src, encoding="utf-8")))
col = rows[0].index("年初预算数")
for r in rows[1:]:
    if r[0] == code:
        r[col] = "1.00"
csv.writer(open(dst, "w", encoding="utf-8", newline="")).writerows(rows)
PYEOF
curl -s "${up[@]}" --data-binary @"$WORK/budget-changed.csv" -o "$WORK/rev.json" -w '%{http_code}' \
  "$DAEMON_URL/api/v1/uploads?name=budget-changed.csv" > "$WORK/code" || true
[[ $(cat "$WORK/code") == 201 ]] || fail "changed register: HTTP $(cat "$WORK/code") $(cat "$WORK/rev.json")"
check_json "$WORK/rev.json" "d['revised'] == 1 and d['accepted'] == 0 and d['conflicts'] == 0"
check_json "$WORK/rev.json" "d['revisions'][0]['code'] == '$code' and d['revisions'][0]['initial_before_fen'] == 11830000000 and d['revisions'][0]['initial_after_fen'] == 100"
check_json "$WORK/rev.json" "[c['field'] for c in d['revisions'][0]['changes']] == ['initial_fen']"
grep -q "budget line revised .*$code" "$WORK/daemon.log" || fail "the revision is not in the log"
curl -sf "$DAEMON_URL/api/v1/projects/$code/revisions" > "$WORK/versions.json" || fail "revisions API"
revised_alert() {
  curl -sf "$DAEMON_URL/api/v1/alerts?rule=budget_revised" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
items = d["alerts"]
sys.exit(0 if [a["labels"]["project_code"] for a in items if a["state"] == "firing"] == [sys.argv[1]] else 1)' "$code"
}
wait_for 20 "the budget_revised alert fires for $code" revised_alert
check_json "$WORK/versions.json" "[v['initial_fen'] for v in d['versions']] == [11830000000, 100]"
check_json "$WORK/versions.json" "d['versions'][1]['file'] == 'budget-changed.csv' and d['versions'][1]['source'] == 'uploads' and d['versions'][1]['changes'][0]['before'] == '11830000000'"
# The original register again: a duplicate file (no change), re-applied only with an admin token.
curl -s "${up[@]}" --data-binary @"$DATA/liwan2021/budget.csv" -o "$WORK/dup.json" -w '%{http_code}' \
  "$DAEMON_URL/api/v1/uploads?name=budget.csv" > "$WORK/code" || true
[[ $(cat "$WORK/code") == 200 ]] || fail "original register again: HTTP $(cat "$WORK/code")"
check_json "$WORK/dup.json" "d['duplicate_file'] is True"
code_of() { curl -s -o "$WORK/out.json" -w '%{http_code}' "$@" || true; }
[[ $(code_of "${up[@]}" --data-binary @"$DATA/liwan2021/budget.csv" \
      "$DAEMON_URL/api/v1/uploads?name=budget.csv&reapply=1") == 403 ]] ||
  fail "reapply with an upload-only token: $(cat "$WORK/out.json")"
[[ $(code_of "${admin[@]}" --data-binary @"$DATA/liwan2021/budget.csv" \
      "$DAEMON_URL/api/v1/uploads?name=budget.csv&reapply=1") == 201 ]] ||
  fail "reapply with an admin token: $(cat "$WORK/out.json")"
check_json "$WORK/out.json" "d['reapplied'] is True and d['revised'] == 1 and d['revisions'][0]['initial_after_fen'] == 11830000000"
wait_for 20 "the department rate restored" rate_is 0.9138
curl -sf "$DAEMON_URL/api/v1/projects/$code/revisions" > "$WORK/versions.json"
check_json "$WORK/versions.json" "[v['reapplied'] for v in d['versions']] == [False, False, True]"

# 3. The same voucher in another width or case is the same payment.
first=$(sed -n 2p "$DATA/liwan2021/payments.csv")
voucher=${first%%,*}
rest=${first#*,}
lower=$(printf '%s' "$voucher" | tr 'A-Z' 'a-z')
wide=$("$PY" -c "import sys; print(''.join(chr(ord(c)+0xFEE0) if c.isalpha() else c for c in sys.argv[1]))" "$voucher")
{ head -1 "$DATA/liwan2021/payments.csv"; echo "$lower,$rest"; echo "$wide,$rest"; } > "$WORK/vouchers.csv"
[[ $(code_of "${up[@]}" --data-binary @"$WORK/vouchers.csv" "$DAEMON_URL/api/v1/uploads?name=vouchers.csv") == 201 ]] ||
  fail "voucher upload: $(cat "$WORK/out.json")"
check_json "$WORK/out.json" "d['accepted'] == 0 and d['duplicate'] == 2 and d['rejected'] == 0"

# 4. A junk upload is refused whole and stores nothing.
db_bytes() { echo $(( $(stat -c %s "$WORK/bw.db") + $(stat -c %s "$WORK/bw.db-wal" 2>/dev/null || echo 0) )); }
size_before=$(db_bytes)
{ head -1 "$DATA/liwan2021/payments.csv"; "$PY" -c "print('Q,\n' * 200000, end='')"; } > "$WORK/junk.csv"
[[ $(code_of "${up[@]}" --data-binary @"$WORK/junk.csv" "$DAEMON_URL/api/v1/uploads?name=junk.csv&kind=payments") == 422 ]] ||
  fail "junk upload: $(head -c 600 "$WORK/out.json")"
grep -q "200000 of 200000 rows rejected, more than the limit of 50%" "$WORK/out.json" ||
  fail "junk upload reason: $(head -c 600 "$WORK/out.json")"
[[ $(sqlite3 "$WORK/bw.db" "SELECT count(*) FROM rejects r JOIN files f ON f.id = r.file_id WHERE f.name = 'junk.csv'") == 0 ]] ||
  fail "the junk file's rejects were stored"
curl -sf "$DAEMON_URL/api/v1/ingests" > "$WORK/ingests.json"
check_json "$WORK/ingests.json" "any(f['name'] == 'junk.csv' and 'more than the limit' in f['error'] for f in d['failed_files'])"
size_after=$(db_bytes)
(( size_after < size_before + 4 * 1024 * 1024 )) || fail "the database grew by $((size_after - size_before)) bytes"

# 5. A burst of SIGHUPs keeps each source's schedule.
polls() { metric_value 'budgetwatch_source_polls_total{source="inbox",outcome="ok"}'; }
before=$(polls)
for _ in $(seq 50); do kill -HUP "$DAEMON_PID"; sleep 0.02; done
sleep 3
after=$(polls)
[[ "$after" == "$before" ]] || fail "50 SIGHUPs polled the inbox $((after - before)) more times"

# 6. The database deleted while the daemon runs.
rm -f "$WORK/bw.db" "$WORK/bw.db-wal" "$WORK/bw.db-shm"
db_failing() {
  curl -s "$DAEMON_URL/readyz" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
c = [c for c in d["checks"] if c["name"] == "database"]
sys.exit(0 if d["status"] == "degraded" and c and c[0]["status"] == "failing" and "deleted" in c[0].get("error", "") else 1)'
}
wait_for 10 "the database check fails after the file was deleted" db_failing
[[ $(code_of "${up[@]}" --data-binary @"$WORK/vouchers.csv" "$DAEMON_URL/api/v1/uploads?name=late.csv") == 503 ]] ||
  fail "an upload into a deleted database: $(cat "$WORK/out.json")"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || true
[[ ! -e "$WORK/bw.db" ]] || fail "the stopping daemon wrote a database file"
if timeout 20 "$BW_BIN" run --config "$WORK/bw.yaml" --quiet 2> "$WORK/restart.log"; then
  fail "the daemon started over a deleted database"
fi
grep -q "is missing, but .*bw.db.lock shows that a budgetwatch database lived there" "$WORK/restart.log" ||
  fail "the refusal is not clear: $(cat "$WORK/restart.log")"
grep -q -- "--create-database" "$WORK/restart.log" || fail "the refusal does not say how to go on"
[[ ! -e "$WORK/bw.db" ]] || fail "a refused start created a database file"
"$BW_BIN" run --config "$WORK/bw.yaml" --quiet --create-database 2>>"$WORK/daemon.log" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_for 30 "the daemon with --create-database" curl -sf "$DAEMON_URL/readyz"
wait_for 30 "the files source re-ingested" rate_is 0.9138
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || true

# 7. Damage in the middle of the file is found at start.
pages=$(sqlite3 "$WORK/bw.db" "PRAGMA page_count")
"$PY" - "$WORK/bw.db" "$pages" <<'PYEOF'
import sys
path, pages = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    for page in range(pages // 3, pages // 3 + 4):  # b-tree pages in the middle, not the header
        f.seek(page * 16384)  # the b-tree page headers
        f.write(b"\xa5" * 8000)
PYEOF
# The check runs beside the serving daemon (a large file takes a while): the daemon stops by itself with exit
# status 1 (systemd restarts it and it stops again: the damage is in the journal), not killed by the timeout (124).
status=0
timeout 20 "$BW_BIN" run --config "$WORK/bw.yaml" --quiet 2> "$WORK/damaged.log" || status=$?
[[ $status == 1 ]] || fail "the daemon on a damaged database ended with status $status, want 1: $(cat "$WORK/damaged.log")"
grep -q "is damaged (PRAGMA quick_check" "$WORK/damaged.log" || fail "damage not reported: $(cat "$WORK/damaged.log")"

# 8. A database without write permission at start: served read-only, the database check failing; opened
#    again once the file is writable. Root writes through permissions, so as root the daemon runs as nobody.
ro="$WORK/ro"
mkdir -p "$ro"
"$BW_BIN" ingest --db "$ro/ro.db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > /dev/null
port3=$(free_port)
cat > "$ro/ro.yaml" <<YAML
database: $ro/ro.db
server: {listen: 127.0.0.1:$port3}
evaluation: {as_of: 2021-12-31}
sources:
  - {name: uploads, kind: upload}
tokens:
  - {name: test-uploader, token: test-token-0123456789, scopes: [upload]}
YAML
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  chmod 711 "$WORK"
  chown -R 65534:65534 "$ro"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
chmod 444 "$ro/ro.db"
"${as_user[@]}" "$BW_BIN" run --config "$ro/ro.yaml" --quiet 2>>"$WORK/ro.log" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
DAEMON_URL="http://127.0.0.1:$port3"
wait_for 30 "the read-only daemon serves" curl -sf "$DAEMON_URL/readyz"
wait_for 30 "the read-only daemon evaluated" rate_is 0.9138
db_check() {
  curl -s "$DAEMON_URL/readyz" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
c = [c for c in d["checks"] if c["name"] == "database"]
print(c[0]["status"] + " " + c[0].get("error", "") if c else "none")'
}
[[ "$(db_check)" == "failing opened read-only"* ]] || fail "read-only database check: $(db_check) $(cat "$WORK/ro.log")"
[[ $(code_of "${up[@]}" --data-binary @"$WORK/vouchers.csv" "$DAEMON_URL/api/v1/uploads?name=ro.csv") == 503 ]] ||
  fail "an upload into a read-only database: $(cat "$WORK/out.json")"
chmod 644 "$ro/ro.db"
wait_for 15 "the database opened again once writable" bash -c "[[ \"\$(curl -s $DAEMON_URL/readyz)\" == *'\"status\":\"ready\"'* ]]"
[[ $(code_of "${up[@]}" --data-binary @"$WORK/vouchers.csv" "$DAEMON_URL/api/v1/uploads?name=ro.csv") == 201 ]] ||
  fail "an upload after the database became writable: $(cat "$WORK/out.json")"
grep -q "database writable again, reopened" "$WORK/ro.log" || fail "the reopening is not logged"
pass
