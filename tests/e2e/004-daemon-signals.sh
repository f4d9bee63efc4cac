#!/usr/bin/env bash
# SIGHUP with a broken config keeps the old one (and says so in the metrics); a good one is applied;
# SIGTERM while scrapes are in flight exits 0 within 5 s.
source "$(dirname "$0")/common.sh"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
cp "$WORK/bw.yaml" "$WORK/good.yaml"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_projects{department="",band="on_track"}' 19

# A broken config: kept the old one, reload metric 0, still serving.
printf 'database: [unclosed\n' > "$WORK/bw.yaml"
kill -HUP "$DAEMON_PID"
wait_for 10 "reload failure in metrics" metric_is budgetwatch_config_last_reload_successful 0
grep -q "config reload failed" "$WORK/daemon.log" || fail "reload failure not logged"
curl -sf "$DAEMON_URL/readyz" > /dev/null || fail "not ready after a failed reload"
[[ "$(metric_value 'budgetwatch_department_projects{department="",band="on_track"}')" == "19" ]] || fail "old config lost"

# A good config with a stricter threshold: applied.
sed 's/^evaluation:/policy:\n  threshold: 95%\nevaluation:/' "$WORK/good.yaml" > "$WORK/bw.yaml"
kill -HUP "$DAEMON_PID"
wait_for 10 "reload success in metrics" metric_is budgetwatch_config_last_reload_successful 1
wait_for 10 "new threshold applied" metric_lt 'budgetwatch_department_projects{department="",band="on_track"}' 19

# SIGTERM with scrapes in flight (a tight loop of them, and one slow reader): exit 0 within 5 s.
( while curl -sf -o /dev/null "$DAEMON_URL/metrics"; do :; done ) &
PIDS+=("$!")
curl -s --limit-rate 2k -o /dev/null "$DAEMON_URL/metrics" &
PIDS+=("$!")
sleep 0.5
start=$(date +%s%N)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $status -eq 0 ]] || fail "exit status $status after SIGTERM"
(( elapsed_ms < 5000 )) || fail "took ${elapsed_ms} ms to stop"
grep -q "stopped" "$WORK/daemon.log" || fail "no clean stop in the log"
echo "stopped in ${elapsed_ms} ms"
pass
