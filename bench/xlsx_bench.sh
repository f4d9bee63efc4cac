#!/usr/bin/env bash
# The workbook figures of issue 16: a 1,000,000-row payments .xlsx ingested by budgetwatch, against Debian's
# xlsx2csv converting the same file (the anchor a user would script: xlsx2csv, then ingest the CSV) and against
# budgetwatch's own CSV path, timed in the same run; peak RSS of each (/usr/bin/time -v).
# Usage: bench/xlsx_bench.sh [BUILD_DIR]   (default build/test; builds budgetwatch first)
# Data is generated once into $BW_BENCH_DATA (default build/bench-data): the CSV by
# tests/tools/gen_treasury_export.py (as bench/run.sh), the .xlsx from it by bench/csv_to_xlsx.py (openpyxl).
# Also: the same 1M rows with shared strings (bench/csv_to_xlsx_sst.py), and the CSV path at 100k and 3M rows.
# Goals (issue 16): faster than xlsx2csv alone; peak RSS < 150 MB and flat in the file's size. Wall and CPU
# (user + system) seconds are printed: on a machine shared with other builds the CPU figure is the steadier.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/test}
data=${BW_BENCH_DATA:-$root/build/bench-data}
py=/usr/bin/python3
command -v xlsx2csv > /dev/null || { echo "xlsx2csv is not installed (deploy/install-deps.sh)" >&2; exit 1; }
cmake --build "$build" --target budgetwatch > /dev/null
bw="$build/budgetwatch"
mkdir -p "$data"
[[ -f "$data/1m/manifest.json" ]] || "$py" "$root/tests/tools/gen_treasury_export.py" --projects 10000 \
  --payments 1000000 --seed 1 --out-dir "$data/1m" > /dev/null
# The same payments as .xlsx (and a tenth of them, for the RSS in the file's size).
[[ -f "$data/1m/payments.xlsx" ]] || "$py" "$root/bench/csv_to_xlsx.py" "$data/1m/payments.csv" "$data/1m/payments.xlsx"
# The same again with every text in the shared-strings table (Excel's way): the table is held in memory.
[[ -f "$data/1m/payments_sst.xlsx" ]] || "$py" "$root/bench/csv_to_xlsx_sst.py" "$data/1m/payments.csv" \
  "$data/1m/payments_sst.xlsx" > /dev/null
# 3M rows as CSV, for the RSS of the shared ingest path in the file's size.
[[ -f "$data/3m/manifest.json" ]] || "$py" "$root/tests/tools/gen_treasury_export.py" --projects 10000 \
  --payments 3000000 --seed 1 --no-expected --out-dir "$data/3m" > /dev/null
if [[ ! -f "$data/1m/payments100k.xlsx" ]]; then
  head -n 100001 "$data/1m/payments.csv" > "$data/1m/payments100k.csv"
  "$py" "$root/bench/csv_to_xlsx.py" "$data/1m/payments100k.csv" "$data/1m/payments100k.xlsx"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seconds() { "$py" -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.2f}')" "$1" "$2"; }
now() { date +%s%N; }
rss_mb() { echo $(($(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$1") / 1024)); }
# user + system CPU seconds of a /usr/bin/time -v report: the figure that holds on a machine shared with builds.
cpu_s() { awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$1"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== a 1,000,000-row payments .xlsx ($(du -m "$data/1m/payments.xlsx" | cut -f1) MB; the CSV $(du -m "$data/1m/payments.csv" | cut -f1) MB)"

# Anchor: xlsx2csv converting the same file (its output to a file on the same disk).
t0=$(now)
/usr/bin/time -v xlsx2csv "$data/1m/payments.xlsx" "$tmp/converted.csv" 2> "$tmp/anchor.time"
t1=$(now)
anchor=$(seconds "$t0" "$t1")
anchor_cpu=$(cpu_s "$tmp/anchor.time")
printf '%-44s %8s s  CPU %8s s  peak RSS %5d MB\n' "xlsx2csv (anchor)" "$anchor" "$anchor_cpu" "$(rss_mb "$tmp/anchor.time")"

# ingest LABEL FILE ROWS: budgetwatch ingest end to end (read, parse, store, commit) into a fresh database that
# holds the register and adjustments.
ingest() {
  local label=$1 file=$2 rows=$3 db="$tmp/bw-$RANDOM.db" t0 t1 s
  local dir
  dir=$(dirname "$file")
  "$bw" ingest --db "$db" "$dir/budget.csv" "$dir/adjustments.csv" > /dev/null 2>&1
  t0=$(now)
  /usr/bin/time -v "$bw" ingest --db "$db" "$file" > "$tmp/out" 2> "$tmp/time" || { cat "$tmp/out" "$tmp/time"; exit 1; }
  t1=$(now)
  s=$(seconds "$t0" "$t1")
  grep -q "accepted=$rows " "$tmp/out" || { echo "unexpected ingest output: $(cat "$tmp/out")" >&2; exit 1; }
  cpu=$(cpu_s "$tmp/time")
  printf '%-44s %8s s  CPU %8s s  peak RSS %5d MB  %5.2fx xlsx2csv (CPU %5.2fx)\n' "$label" "$s" "$cpu" \
    "$(rss_mb "$tmp/time")" "$("$py" -c "print($anchor / $s)")" "$("$py" -c "print($anchor_cpu / $cpu)")"
  rm -f "$db" "$db-wal" "$db-shm"
}
ingest "budgetwatch ingest payments.xlsx" "$data/1m/payments.xlsx" 1000000
ingest "budgetwatch ingest payments.csv (its CSV path)" "$data/1m/payments.csv" 1000000
ingest "budgetwatch ingest, 100,000 rows .xlsx" "$data/1m/payments100k.xlsx" 100000
ingest "budgetwatch ingest, shared strings .xlsx" "$data/1m/payments_sst.xlsx" 1000000
ingest "budgetwatch ingest, 100,000 rows .csv" "$data/1m/payments100k.csv" 100000
ingest "budgetwatch ingest, 3,000,000 rows .csv" "$data/3m/payments.csv" 3000000
echo "   goals: the .xlsx ingest faster than xlsx2csv alone; peak RSS < 150 MB, flat in the file's size"
