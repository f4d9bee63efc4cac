#!/usr/bin/env bash
# Issue 13: one evaluation path. The daemon and `budgetwatch alerts replay` build the snapshot, the indicator
# completion and the alert cycle's context through the same functions (daemon/evaluation.h), so a replay of
# the daemon's date on the daemon's database leaves every alert as the daemon had it: the indicator alerts
# included (a replay that skipped the indicator rules resolved them), with the same links in the messages.
source "$(dirname "$0")/common.sh"
port=$(free_port)
sed -e "s|^database: .*|database: $WORK/bw.db|" \
    -e "s|listen: 127.0.0.1:9464|listen: 127.0.0.1:$port|" \
    -e "s|external_url: http://127.0.0.1:9464|external_url: https://budget.example.gov.cn|" \
    -e "s|path: ../../var/demo/inbox|path: $WORK/inbox|" \
    -e "s|\.\./\.\./|$BW_SOURCE_DIR/|g" \
    -e "s|smtp_port: 2525|smtp_port: 9|" \
    "$BW_SOURCE_DIR/config/examples/demo.yaml" > "$WORK/demo.yaml"
start_daemon "$WORK/demo.yaml"
wait_for 60 "the first alert cycle" grep -q "alerts evaluated" "$WORK/daemon.log"
firing() {  # rule/subject of every firing alert in the database, sorted
  sqlite3 "$WORK/bw.db" "SELECT rule || '/' || json_extract(labels, '$.subject') FROM alerts WHERE state = 'firing' ORDER BY 1"
}
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || true
firing > "$WORK/daemon.txt"
grep -q '^indicator_' "$WORK/daemon.txt" || fail "the demo raised no indicator alert: $(cat "$WORK/daemon.txt")"
(( $(wc -l < "$WORK/daemon.txt") >= 10 )) || fail "too few alerts to compare: $(cat "$WORK/daemon.txt")"

# The replay of the daemon's date (evaluation.as_of: 2021-12-31) on the same database.
"$BW_BIN" alerts replay --config "$WORK/demo.yaml" --from 2021-12-31 --to 2021-12-31 --step day \
  > "$WORK/replay.out" 2>&1 || fail "replay: $(cat "$WORK/replay.out")"
firing > "$WORK/replay.txt"
diff "$WORK/daemon.txt" "$WORK/replay.txt" > "$WORK/diff.txt" ||
  fail "the replay changed the daemon's alerts: $(cat "$WORK/diff.txt")"
# Both wrote their links from the same external_url.
links=$(sqlite3 "$WORK/bw.db" "SELECT count(*) FROM outbox WHERE payload LIKE '%https://budget.example.gov.cn/%'")
http=$(sqlite3 "$WORK/bw.db" "SELECT count(*) FROM outbox WHERE payload LIKE '%http://127.0.0.1:$port%'")
(( links > 0 && http == 0 )) || fail "links in messages: $links with external_url, $http with the listen address"
pass
