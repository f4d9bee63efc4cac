#!/usr/bin/env bash
# A real PostgreSQL 15 for the tests: `postgres.sh start STATE_DIR` initdb's a cluster into a fresh temp dir
# (as an unprivileged user: `nobody` when run as root, since initdb refuses root), listening only on
# 127.0.0.1 on a free port with its unix socket in that dir, and writes STATE_DIR/port and STATE_DIR/data;
# a server already running for STATE_DIR is kept. `postgres.sh stop STATE_DIR` stops it and removes it.
# Without the PostgreSQL binaries (Debian postgresql-15; PG_BIN overrides the directory) start does nothing
# and the tests skip, saying so. The ctest fixture "postgres" runs both around the tests that use it.
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop STATE_DIR}
state=${2:?usage: postgres.sh start|stop STATE_DIR}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u nobody --); fi

running() {
  [[ -f "$state/data" && -f "$state/port" ]] || return 1
  local data
  data=$(cat "$state/data")
  [[ -d "$data" ]] && "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" status >/dev/null 2>&1
}

case "$cmd" in
  start)
    if [[ ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
      echo "postgres.sh: no PostgreSQL binaries in $bin (install postgresql-15): the PostgreSQL tests skip"
      exit 0
    fi
    if running; then
      echo "postgres.sh: already running on 127.0.0.1:$(cat "$state/port")"
      exit 0
    fi
    mkdir -p "$state"
    rm -f "$state/port" "$state/data"
    data=$(mktemp -d /tmp/bw-postgres.XXXXXX)
    chmod 700 "$data"
    if [[ $(id -u) -eq 0 ]]; then chown nobody "$data"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$data/cluster" -U bw --auth=trust --no-locale -E UTF8 --no-sync \
      >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
      port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      # Durability is not under test here: no fsync, for speed on a shared machine.
      if "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 -o \
          "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
          start >/dev/null 2>&1; then
        echo "$port" >"$state/port"
        echo "$data" >"$state/data"
        echo "postgres.sh: PostgreSQL running on 127.0.0.1:$port (data $data)"
        exit 0
      fi
      tail -5 "$data/server.log" >&2 || true
    done
    echo "postgres.sh: PostgreSQL did not start" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$state/data" ]]; then
      data=$(cat "$state/data")
      if [[ -d "$data/cluster" ]]; then
        "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -m immediate -w stop >/dev/null 2>&1 || true
      fi
      [[ "$data" == /tmp/bw-postgres.* ]] && rm -rf "$data"
    fi
    rm -f "$state/port" "$state/data"
    ;;
  *) echo "usage: postgres.sh start|stop STATE_DIR" >&2; exit 2 ;;
esac
