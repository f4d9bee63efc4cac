#!/usr/bin/env bash
# Default bind: a config that says nothing about the server listens on 127.0.0.1:9464 only. check-config
# prints it; and when port 9464 is free here, the daemon started on that config is listening on 127.0.0.1
# and on no other address (from /proc/net/tcp and tcp6).
source "$(dirname "$0")/common.sh"
printf 'database: %s/bw.db\n' "$WORK" > "$WORK/minimal.yaml"
"$BW_BIN" check-config "$WORK/minimal.yaml" > "$WORK/printed.yaml" || fail "check-config: $(cat "$WORK/printed.yaml")"
"$PY" - "$WORK/printed.yaml" <<'PYEOF' || fail "check-config does not print listen 127.0.0.1:9464: $(cat "$WORK/printed.yaml")"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"^server:\n((?:  .*\n)*)", text, re.M)
sys.exit(0 if m and re.search(r"^  listen: 127\.0\.0\.1:9464$", m.group(1), re.M) else 1)
PYEOF

if "$PY" -c 'import socket, sys; s = socket.socket(); s.bind(("0.0.0.0", 9464)); s.close()' 2>/dev/null; then
  "$BW_BIN" run --config "$WORK/minimal.yaml" --quiet 2>> "$WORK/daemon.log" &
  DAEMON_PID=$!
  PIDS+=("$DAEMON_PID")
  wait_for 30 "daemon on 127.0.0.1:9464" curl -sf http://127.0.0.1:9464/healthz
  # Listening sockets (state 0A) on port 9464 (0x24F8): local addresses, hex as the kernel prints them.
  listening=$(awk 'NR > 1 && $4 == "0A" && $2 ~ /:24F8$/ {print $2}' /proc/net/tcp /proc/net/tcp6)
  [[ "$listening" == "0100007F:24F8" ]] || fail "listening on 9464: ${listening:-nothing} (want only 0100007F:24F8 = 127.0.0.1)"
  echo "bind: the daemon listens on 127.0.0.1:9464 only"
else
  echo "bind: port 9464 is in use here; checked check-config only"
fi
pass
