#!/usr/bin/env bash
# Slow and oversized clients: with read_timeout 2s, 50 slowloris clients (headers one byte every 0.25 s)
# and 5 slow uploads are cut off after about 2 s while a normal client keeps being served in under 1 s;
# chunked uploads (no Content-Length) over the limit get 413 (401 with a wrong token) and 8-fold oversized
# headers get 431, and the client reads that answer. (Content-Length bodies over the limit and a GET with a
# body are covered by tests/integration/daemon_api_test.cpp.) Then the daemon still serves.
source "$(dirname "$0")/common.sh"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
sed -i 's/^  read_timeout: 3s$/  read_timeout: 2s\n  max_body_bytes: 1MiB\n  max_header_bytes: 8KiB/' "$WORK/bw.yaml"
grep -q "max_header_bytes: 8KiB" "$WORK/bw.yaml" || fail "config not edited"
start_daemon "$WORK/bw.yaml"
wait_for 30 "bundled data evaluated" metric_is 'budgetwatch_department_paid_yuan{department=""}' 108888900
"$PY" "$BW_SOURCE_DIR/tests/tools/slow_clients.py" "$port" test-token-0123456789 2 $((1 << 20)) 8192 \
  || fail "slow or oversized clients (see above)"
curl -sf "$DAEMON_URL/readyz" > /dev/null || fail "daemon not ready afterwards"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/api/v1/summary")" == 200 ]] || fail "summary afterwards"
pass
