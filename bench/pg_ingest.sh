#!/usr/bin/env bash
# PostgreSQL figures of budgetwatch (issue 15) with their anchor measured in the same run: ingest of the
# 1,000,000-row payments export against psql's \copy of the same file into a table with a unique voucher key,
# and `report` for 10,000 lines / 1,000,000 payments.
# Usage: bench/pg_ingest.sh [BUILD_DIR]   (default build/test; builds budgetwatch first, unless BW_BIN names one)
# The server is started as the tests start theirs (tests/support/postgres.sh: initdb into a temp dir, 127.0.0.1 on
# a free port, fsync and synchronous_commit off) and stopped at the end; the anchor and budgetwatch write to the
# same server. Data is generated once into $BW_BENCH_DATA (default build/bench-data), shared with bench/run.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/test}
data=${BW_BENCH_DATA:-$root/build/bench-data}
py=/usr/bin/python3
psql=${PG_BIN:-/usr/lib/postgresql/15/bin}/psql
# BW_BIN: a budgetwatch binary to use instead of building $build's.
if [[ -n ${BW_BIN:-} ]]; then
  bw=$BW_BIN
else
  cmake --build "$build" --target budgetwatch >/dev/null
  bw="$build/budgetwatch"
fi
mkdir -p "$data"
[[ -f "$data/1m/manifest.json" ]] ||
  "$py" "$root/tests/tools/gen_treasury_export.py" --projects 10000 --payments 1000000 --seed 1 --out-dir "$data/1m" >/dev/null

seconds() { "$py" -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.3f}')" "$1" "$2"; }
now() { date +%s%N; }
best() { "$py" -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
median() { "$py" -c "import sys, statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.3f}')" "$@"; }

tmp=$(mktemp -d)
trap 'bash "$root/tests/support/postgres.sh" stop "$tmp/pg" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
bash "$root/tests/support/postgres.sh" start "$tmp/pg" >/dev/null
port=$(cat "$tmp/pg/port")
sql() { "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bw "$@"; }
fresh_db() {  # a new empty database; prints its name (called in $(...): no counter survives it)
  local name="bench_$(date +%s%N)"
  sql -d postgres -c "CREATE DATABASE $name" >/dev/null
  echo "$name"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)" \
     "(shared: other jobs run beside this one)"
echo "== PostgreSQL $("$psql" --version | awk '{print $3}') on 127.0.0.1 (fsync=off, synchronous_commit=off)"
echo "== ingest of a 1,000,000-row payments export (10,000 lines, $(du -m "$data/1m/payments.csv" | cut -f1) MB)"

# Anchor: what a DBA would reach for, psql's \copy of the same CSV into a table with a unique voucher key. The
# anchor and budgetwatch runs alternate, so that both see the same load on a shared machine.
anchor_runs=()
runs=()
for i in 1 2 3; do
  db=$(fresh_db)
  sql -d "$db" -c "CREATE TABLE payments (支付凭证号 TEXT PRIMARY KEY, 支付日期 TEXT, 预算单位编码 TEXT, 预算单位名称 TEXT,
    项目编码 TEXT, 项目名称 TEXT, 功能分类科目 TEXT, 经济分类科目 TEXT, 支付方式 TEXT, 资金性质 TEXT, 收款人全称 TEXT, 金额 TEXT, 摘要 TEXT)"
  t0=$(now)
  sql -d "$db" -c "\\copy payments FROM '$data/1m/payments.csv' WITH (FORMAT csv, HEADER true)"
  t1=$(now)
  anchor_runs+=("$(seconds "$t0" "$t1")")

  uri="postgresql://bw@127.0.0.1:$port/$(fresh_db)"
  "$bw" ingest --db "$uri" "$data/1m/budget.csv" "$data/1m/adjustments.csv" >/dev/null 2>&1
  t0=$(now)
  "$bw" ingest --db "$uri" "$data/1m/payments.csv" >"$tmp/out" 2>&1
  t1=$(now)
  grep -q "accepted=1000000" "$tmp/out" || { echo "unexpected ingest output: $(cat "$tmp/out")"; exit 1; }
  runs+=("$(seconds "$t0" "$t1")")
done
anchor=$(best "${anchor_runs[@]}")
echo "psql \\copy (anchor, best of 3)              ${anchor} s   (median $(median "${anchor_runs[@]}") s; runs: ${anchor_runs[*]})"
s=$(best "${runs[@]}")
printf '%-44s %s s  %8.0f rows/s  (%.2fx \\copy; best of 3; median %s s, %.2fx the median \\copy; runs: %s)\n' \
  "budgetwatch ingest into PostgreSQL" "$s" "$("$py" -c "print(1e6 / $s)")" "$("$py" -c "print($anchor / $s)")" \
  "$(median "${runs[@]}")" "$("$py" -c "print($(median "${anchor_runs[@]}") / $(median "${runs[@]}"))")" "${runs[*]}"
echo "   goal: at least as fast as \\copy (budgetwatch also parses, validates, normalises vouchers, keeps the"
echo "         monthly sums and the file ledger in the same transaction)"

echo "== report for 10,000 lines and 1,000,000 payments on PostgreSQL (goal < 0.5 s)"
for as_of in 2021-12-31 2021-06-15; do
  rr=()
  for i in 1 2 3; do
    t0=$(now); "$bw" report --db "$uri" --as-of "$as_of" --format json >/dev/null 2>&1; t1=$(now)
    rr+=("$(seconds "$t0" "$t1")")
  done
  echo "report --as-of $as_of (best of 3)           $(best "${rr[@]}") s   (runs: ${rr[*]})"
done
