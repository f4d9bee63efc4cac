#!/usr/bin/env bash
# Issue 15, "several daemons, one ledger", end to end with a REAL PostgreSQL 15 (tests/support/postgres.sh:
# initdb in a temp dir, a free port on 127.0.0.1) and a REAL SMTP server (tests/support/smtp_sink.py,
# python3-aiosmtpd) slowed down to 2 s per message. Two daemons on one database with the demo's alert rules:
#   1. one holds the alert lease (leader), the other is standby (/readyz, budgetwatch_alert_lease_held);
#   2. SIGKILL the leader mid-delivery: the standby takes over within 15 s (failover time printed: SIGKILL to
#      the next delivered message) and finishes; each owner gets exactly one message, none lost, none twice
#      (Message-IDs from the outbox's idempotency keys);
#   3. the same export dropped into both instances' folders is ingested once; two exports sharing a voucher
#      conflict once;
#   4. PostgreSQL stopped during an ingest, then started again: both daemons stay up, degraded meanwhile, the
#      export is retried and ingested once, its rows and amounts equal to the file's;
#   5. an ingest that deadlocks with another writer's transaction on the payments' voucher key (as two
#      instances ingesting exports that share vouchers in opposite orders can): the server aborts the
#      ingest's transaction, the instance reads the file again at once and ingests it once, whole.
source "$(dirname "$0")/common.sh"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[[ -x "$PG_BIN/initdb" ]] || fail "PostgreSQL 15 is not installed (deploy/install-deps.sh installs postgresql-15)"
pgstate="$WORK/pg"
bash "$BW_SOURCE_DIR/tests/support/postgres.sh" start "$pgstate" > "$WORK/pg.log" 2>&1 || fail "PostgreSQL: $(cat "$WORK/pg.log")"
trap 'cleanup_pids; bash "$BW_SOURCE_DIR/tests/support/postgres.sh" stop "$pgstate" >/dev/null 2>&1 || true; [[ -n "${BW_KEEP_WORK:-}" ]] || rm -rf "$WORK"' EXIT
pgport=$(cat "$pgstate/port")
pgdata=$(cat "$pgstate/data")
as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u nobody --); fi
psql_cmd=("$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U bw -X -q -t -A -v ON_ERROR_STOP=1)
"${psql_cmd[@]}" -d postgres -c 'CREATE DATABASE bw_ha' || fail "CREATE DATABASE"
uri="postgresql://bw@127.0.0.1:$pgport/bw_ha"
sql() { "${psql_cmd[@]}" -d bw_ha -c "$1"; }

smtp_port=$(free_port)
port_a=$(free_port)
port_b=$(free_port)
mkdir -p "$WORK/mail" "$WORK/a/inbox" "$WORK/b/inbox"
# The demo's config (config/examples/demo.yaml) on the shared database, each instance with its own port and drop
# folder, the SMTP server of this test, and short delivery intervals.
instance_config() {  # DIR PORT
  sed -e "s|^database: .*|database: $uri|" \
      -e "s|listen: 127.0.0.1:9464|listen: 127.0.0.1:$2|" \
      -e "s|external_url: http://127.0.0.1:9464|external_url: http://127.0.0.1:$2|" \
      -e "s|\.\./\.\./tests/data|$DATA|" \
      -e "s|\.\./\.\./var/demo/inbox|$1/inbox|" \
      -e "s|interval: 5s|interval: 1s|" \
      -e "s|smtp_port: 2525|smtp_port: $smtp_port|g" \
      -e "s|backoff_initial: 5s|backoff_initial: 1s\n  deliver_interval: 1s|" \
      -e "s|backoff_max: 2m|backoff_max: 2s|" \
      "$BW_SOURCE_DIR/config/examples/demo.yaml" > "$1/bw.yaml"
  "$BW_BIN" check-config "$1/bw.yaml" > /dev/null || fail "config $1/bw.yaml"
}
instance_config "$WORK/a" "$port_a"
instance_config "$WORK/b" "$port_b"
grep -q "deliver_interval: 1s" "$WORK/a/bw.yaml" || fail "the demo config's alerts section moved: adapt this test"

# start NAME: runs instance NAME (a or b) in the background, logging to $WORK/NAME.log.
declare -A pid url
start() {
  local port
  port=$(sed -n 's/^ *listen: 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/$1/bw.yaml" | head -1)
  "$BW_BIN" run --config "$WORK/$1/bw.yaml" --quiet 2>> "$WORK/$1.log" &
  pid[$1]=$!
  PIDS+=("${pid[$1]}")
  url[$1]="http://127.0.0.1:$port"
  wait_for 60 "instance $1 ready" curl -sf "${url[$1]}/readyz"
}
role() { curl -sf "${url[$1]}/readyz" | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("role", ""))'; }
role_is() { [[ "$(role "$1")" == "$2" ]]; }
metric_of() { curl -sf "${url[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
api() { curl -sf "${url[$1]}/api/v1/$2"; }
mail_count() { find "$WORK/mail" -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l; }
pending_of() { api "$1" "notifications?state=pending&per_page=1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
pending_is() { [[ "$(pending_of "$1")" == "$2" ]]; }
now() { date +%s.%N; }

# 1. Leader and standby. SMTP is not up yet: the leader's messages wait in the outbox.
start a
wait_for 30 "a is the leader" role_is a leader
start b
wait_for 15 "b is standby" role_is b standby
[[ "$(metric_of a budgetwatch_alert_lease_held)" == 1 ]] || fail "a: budgetwatch_alert_lease_held $(metric_of a budgetwatch_alert_lease_held)"
[[ "$(metric_of b budgetwatch_alert_lease_held)" == 0 ]] || fail "b: budgetwatch_alert_lease_held $(metric_of b budgetwatch_alert_lease_held)"
[[ "$(metric_of a budgetwatch_alert_lease_token)" == "$(metric_of b budgetwatch_alert_lease_token)" ]] ||
  fail "both instances must see the same lease term"
curl -sf "${url[b]}/readyz" > "$WORK/readyz_b.json"
check_json "$WORK/readyz_b.json" "d['lease']['holder'] == '$(curl -sf "${url[a]}/readyz" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["lease"]["self"])')' and not d['lease']['held']"
wait_for 60 "the leader's alert cycle queued messages" bash -c "(( \$(curl -sf '${url[b]}/api/v1/notifications?state=pending&per_page=1' | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"total\"])') > 4 ))"
grep -q 'alerts evaluated' "$WORK/b.log" && fail "the standby ran an alert cycle"
# Both read the shared ledger: the same report from either.
curl -sf "${url[a]}/api/v1/reports/execution?format=json" > "$WORK/report_a.json" || fail "report a"
curl -sf "${url[b]}/api/v1/reports/execution?format=json" > "$WORK/report_b.json" || fail "report b"
"$PY" -c 'import json, sys; a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:]); sys.exit(0 if a["lines"] == b["lines"] and a["department"] == b["department"] and a["lines"] else 1)' \
  "$WORK/report_a.json" "$WORK/report_b.json" || fail "the instances report different figures"
[[ "$(sql "SELECT count(*) FROM files")" == 5 ]] || fail "the demo's 5 files ingested $(sql "SELECT count(*) FROM files") times"
queued=$(pending_of b)

# 2. SMTP up, 2 s per message; SIGKILL the leader after two messages, while the third is being sent.
"$PY" "$BW_SOURCE_DIR/tests/support/smtp_sink.py" --dir "$WORK/mail" --port "$smtp_port" --data-delay 2 \
  > "$WORK/sink.out" 2>&1 &
PIDS+=("$!")
wait_for 10 "SMTP server listening" grep -q '^PORT ' "$WORK/sink.out"
wait_for 60 "two messages delivered by a" bash -c "(( \$(find '$WORK/mail' -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l) >= 2 ))"
sleep 0.5
kill -9 "${pid[a]}"
killed_at=$(now)
at_kill=$(mail_count)
wait "${pid[a]}" 2>/dev/null || true
(( at_kill < queued )) || fail "a delivered everything before the kill ($at_kill of $queued)"
wait_for 20 "b takes the lease over" role_is b leader
took_over=$(now)
wait_for 20 "b delivers the next message" bash -c "(( \$(find '$WORK/mail' -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l) > $at_kill ))"
next_at=$(now)
failover=$("$PY" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$killed_at" "$next_at")
takeover=$("$PY" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$killed_at" "$took_over")
echo "failover: SIGKILL of the leader -> b holds the lease ${takeover} s, -> next message delivered ${failover} s (SMTP 2 s per message)"
"$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) < 15 else 1)" "$failover" || fail "failover took $failover s (goal < 15 s)"
grep -q 'alert lease acquired' "$WORK/b.log" || fail "b did not log the takeover"
wait_for 120 "the outbox drained by b" pending_is b 0
sleep 3  # two more delivery passes: nothing more may arrive
api b "notifications?per_page=1000" > "$WORK/outbox.json"
"$PY" - "$WORK/mail" "$WORK/outbox.json" <<'PYEOF' || fail "messages lost or sent twice"
import collections, hashlib, json, pathlib, sys
mails = sorted(pathlib.Path(sys.argv[1]).glob("msg-*"))
rows = json.load(open(sys.argv[2], encoding="utf-8"))["notifications"]
f = lambda p, n: (p / n).read_text(encoding="utf-8")
assert all(r["state"] == "delivered" for r in rows), [(r["idempotency_key"], r["state"]) for r in rows if r["state"] != "delivered"]
assert len(mails) == len(rows), f"{len(mails)} messages for {len(rows)} outbox rows"
# The Message-ID is derived from the idempotency key: every row's key arrived exactly once.
ids = collections.Counter(f(p, "message_id") for p in mails)
want = collections.Counter("<" + hashlib.sha256(r["idempotency_key"].encode()).hexdigest()[:32] for r in rows)
got = collections.Counter(i.split(".budgetwatch@")[0] for i in ids)
assert got == want, (got, want)
assert all(n == 1 for n in ids.values()), ids
per = collections.Counter(f(p, "rcpt_tos") for p in mails)
owners = {k: n for k, n in per.items() if k != "finance-bureau@example.gov.cn"}
assert len(owners) >= 5 and all(n == 1 for n in owners.values()), per
bureau_rows = sum(1 for r in rows if r["receiver"] == "bureau")
assert per.get("finance-bureau@example.gov.cn", 0) == bureau_rows, (per, bureau_rows)
print(f"messages: {len(mails)}, owners: {len(owners)} with one each, bureau: {bureau_rows}")
PYEOF
[[ "$(metric_of b budgetwatch_alert_lease_held)" == 1 ]] || fail "b: lease not held in the metrics"

# A restarted a is standby now.
start a
wait_for 15 "the restarted a is standby" role_is a standby

# 3. The same export in both folders: ingested once. Two exports sharing a voucher: one conflict.
# (Payments of 2020: the evaluated year 2021 and its alerts stay as they are.)
header='支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要'
printf '%s\n%s\n%s\n' "$header" \
  'HA-0001,2020-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,甲公司,"1,000.00",双投' \
  'HA-0002,2020-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,乙公司,234.56,双投' \
  > "$WORK/same.csv"
printf '%s\n%s\n%s\n' "$header" \
  'HA-0100,2020-12-29,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丙公司,100.00,冲突' \
  'HA-0101,2020-12-29,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丙公司,1.00,甲' \
  > "$WORK/x.csv"
printf '%s\n%s\n%s\n' "$header" \
  'HA-0100,2020-12-29,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丙公司,250.00,冲突' \
  'HA-0102,2020-12-29,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丙公司,2.00,乙' \
  > "$WORK/y.csv"
drop() {  # FILE INSTANCE [NAME]: arrives whole (renamed in, then its .done marker)
  local name=${3:-$(basename "$1")}
  cp "$1" "$WORK/$2/inbox/.$name.part" && mv "$WORK/$2/inbox/.$name.part" "$WORK/$2/inbox/$name"
  touch "$WORK/$2/inbox/$name.done"
}
drops=()
drop "$WORK/same.csv" a & drops+=("$!")
drop "$WORK/same.csv" b & drops+=("$!")
drop "$WORK/x.csv" a & drops+=("$!")
drop "$WORK/y.csv" b & drops+=("$!")
for p in "${drops[@]}"; do wait "$p"; done
for f in a/inbox/archive/same.csv b/inbox/archive/same.csv a/inbox/archive/x.csv b/inbox/archive/y.csv; do
  wait_for 30 "$f" test -f "$WORK/$f"
done
[[ "$(sql "SELECT count(*) FROM files WHERE name = 'same.csv'")" == 1 ]] || fail "same.csv recorded $(sql "SELECT count(*) FROM files WHERE name = 'same.csv'") times"
[[ "$(sql "SELECT count(*) || ' ' || sum(amount_fen) FROM payments WHERE voucher_no IN ('HA-0001', 'HA-0002')")" == "2 123456" ]] ||
  fail "same.csv payments: $(sql "SELECT count(*) || ' ' || sum(amount_fen) FROM payments WHERE voucher_no IN ('HA-0001', 'HA-0002')")"
[[ "$(cat "$WORK/a.log" "$WORK/b.log" | grep 'skipped file already ingested' | grep -c 'same\.csv')" == 1 ]] ||
  fail "the second same.csv is not one clean duplicate"
grep -h 'file not ingested\|ingest failed' "$WORK/a.log" "$WORK/b.log" | grep -q 'same.csv\|x.csv\|y.csv' && fail "an ingest error for the concurrent files"
[[ "$(sql "SELECT sum(rows_conflict) FROM files WHERE name IN ('x.csv', 'y.csv')")" == 1 ]] ||
  fail "conflicts: $(sql "SELECT sum(rows_conflict) FROM files WHERE name IN ('x.csv', 'y.csv')")"
[[ "$(sql "SELECT count(*) FROM payments WHERE voucher_no IN ('HA-0100', 'HA-0101', 'HA-0102')")" == 3 ]] || fail "x/y payments"

# 4. PostgreSQL stopped in the middle of an ingest, started again: the export is retried, ingested once.
"$PY" "$BW_SOURCE_DIR/tests/tools/gen_treasury_export.py" --projects 300 --payments "${BW_HA_ROWS:-150000}" --year 2020 \
  --basic-blank-share 0 --no-expected --seed 15 --out-dir "$WORK/gen" > "$WORK/gen.log" || fail "generator: $(cat "$WORK/gen.log")"
truth=$("$PY" - "$WORK/gen/payments.csv" <<'PYEOF'
import csv, decimal, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))[1:]
fen = sum(int(decimal.Decimal(r[11].replace(",", "")) * 100) for r in rows)
print(len(rows), fen)
PYEOF
)
drop "$WORK/gen/payments.csv" b big.csv
in_transaction() {
  [[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bw_ha' AND backend_xid IS NOT NULL AND xact_start < clock_timestamp() - interval '500 milliseconds'")" -ge 1 ]]
}
wait_for 60 "the big ingest in its transaction" in_transaction
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$pgdata/cluster" -m fast -w stop > /dev/null || fail "pg_ctl stop"
down_at=$SECONDS
degraded() { curl -sf "${url[$1]}/readyz" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["status"] == "degraded" and any(c["name"] == "database" and c["status"] == "failing" for c in d["checks"]) else 1)'; }
wait_for 10 "a degraded while the database is down" degraded a
wait_for 10 "b degraded while the database is down" degraded b
curl -sf "${url[a]}/metrics" > "$WORK/metrics_down.txt" || fail "a stopped serving /metrics"
grep -q '^budgetwatch_project_paid_yuan' "$WORK/metrics_down.txt" || fail "a stopped serving its figures"
curl -sf "${url[b]}/api/v1/summary" > /dev/null || fail "b stopped serving the API"
sleep $((down_at + 4 - SECONDS > 0 ? down_at + 4 - SECONDS : 0))
# The options tests/support/postgres.sh started it with (a plain start would take the defaults).
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$pgdata/cluster" -l "$pgdata/server.log" -w -t 60 -o \
  "-c listen_addresses=127.0.0.1 -p $pgport -k $pgdata -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start > /dev/null || fail "pg_ctl start"
echo "PostgreSQL down for $((SECONDS - down_at)) s during the ingest"
wait_for 240 "big.csv ingested after the restart" test -f "$WORK/b/inbox/archive/big.csv"
for i in a b; do
  kill -0 "${pid[$i]}" 2>/dev/null || fail "instance $i died with the database"
  wait_for 20 "$i: database check ok again" bash -c "curl -sf '${url[$i]}/readyz' | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(c[\"status\"] == \"ok\" for c in d[\"checks\"] if c[\"name\"] == \"database\") else 1)'"
  n=$(grep -c 'database connection lost' "$WORK/$i.log" || true)
  [[ "$n" == 1 ]] || fail "$i logged the outage $n times (once per change)"
  # The API's checks may pass on the reader's connection before the writer's next probe (every 2 s, with
  # backoff up to 10 s) reopens its own and logs it.
  wait_for 30 "$i logs the reconnection" grep -q 'database connection restored' "$WORK/$i.log"
done
[[ "$(sql "SELECT count(*) FROM files WHERE name = 'big.csv'")" == 1 ]] || fail "big.csv recorded $(sql "SELECT count(*) FROM files WHERE name = 'big.csv'") times"
got=$(sql "SELECT count(*) || ' ' || sum(p.amount_fen) FROM payments p JOIN files f ON f.id = p.file_id WHERE f.name = 'big.csv'")
[[ "$got" == "$truth" ]] || fail "big.csv in the ledger: $got (rows fen), the file: $truth"
echo "big.csv: $truth (rows fen) ingested once after the restart"
# 5. A deadlock on the voucher key. A second writer (psql, standing in for another instance) records DL-0002
# uncommitted; instance a's ingest of dl.csv records DL-0001 and waits on DL-0002; the writer then records
# DL-0001 and waits on a: a cycle. The writer's deadlock_timeout is long, so the server aborts a's transaction
# (SQLSTATE 40P01) after a's default 1 s. a reads the file again at once; that attempt waits until the writer
# rolls back, then ingests both rows. The writer's own statements all succeed (it was not the one aborted).
printf '%s\n%s\n%s\n' "$header" \
  'DL-0001,2020-12-28,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丁公司,300.00,死锁一' \
  'DL-0002,2020-12-28,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,丁公司,45.67,死锁二' \
  > "$WORK/dl.csv"
"${psql_cmd[@]}" -d bw_ha > "$WORK/writer.log" 2>&1 <<'SQL' &
BEGIN;
SET LOCAL deadlock_timeout = '60s';
INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class, pay_method,
  fund_type, payee, memo, file_id, line_no)
  VALUES ('DL-0002', '2020-12-28', '101001', 'LW2021-P06', 1, '', '', '', '', '', 'writer', 0, 0);
DO $$
DECLARE waited integer := 0;
BEGIN
  -- until another session of this database waits for a lock (a's ingest, on DL-0002)
  WHILE NOT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE NOT l.granted AND a.datname = 'bw_ha' AND a.pid <> pg_backend_pid()) LOOP
    waited := waited + 1;
    IF waited > 1200 THEN RAISE EXCEPTION 'no ingest waited on DL-0002 within 60 s'; END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
INSERT INTO payments (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class, pay_method,
  fund_type, payee, memo, file_id, line_no)
  VALUES ('DL-0001', '2020-12-28', '101001', 'LW2021-P06', 1, '', '', '', '', '', 'writer', 0, 0);
SELECT pg_sleep(1);
ROLLBACK;
SQL
writer=$!
sleep 1  # the writer holds DL-0002 before the file arrives
drop "$WORK/dl.csv" a
wait "$writer" || fail "the other writer's transaction failed: $(cat "$WORK/writer.log")"
wait_for 30 "dl.csv ingested" test -f "$WORK/a/inbox/archive/dl.csv"
grep 'ingest retried after a concurrent ingest' "$WORK/a.log" | grep -q 'dl\.csv' ||
  fail "a did not retry dl.csv after the deadlock: $(grep 'dl\.csv' "$WORK/a.log")"
grep -h 'file not ingested\|ingest failed' "$WORK/a.log" | grep -q 'dl\.csv' && fail "dl.csv failed: $(grep 'dl\.csv' "$WORK/a.log")"
got=$(sql "SELECT count(*) || ' ' || sum(p.amount_fen) || ' ' || f.rows_conflict FROM payments p JOIN files f ON f.id = p.file_id WHERE f.name = 'dl.csv' GROUP BY f.rows_conflict")
[[ "$got" == "2 34567 0" ]] || fail "dl.csv in the ledger: $got (rows fen conflicts), want 2 34567 0"
[[ "$(sql "SELECT count(*) FROM payments WHERE memo = 'writer'")" == 0 ]] || fail "the writer's rolled-back rows are in the ledger"
echo "dl.csv: deadlock on the voucher key, retried and ingested once"
pass
