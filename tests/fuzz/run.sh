#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and fuzzes each for SECONDS, starting
# from its seed corpus (tests/fuzz/corpus/<target>/, read-only) plus what earlier runs in the same build
# directory found. A crash, sanitizer report, timeout or out-of-memory fails the run; the input is kept
# under <build>/fuzz/artifacts/<target>/ and the command to reproduce it is printed.
# Usage: tests/fuzz/run.sh [SECONDS (default 60)] [TARGET...]
# Environment: BW_FUZZ_BUILD  build directory (default build/fuzz)
#              BW_FUZZ_RSS_MB memory limit per target in MB (default 2048)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(csv_reader_fuzz money_fuzz date_fuzz target_fuzz config_fuzz http_fuzz xlsx_fuzz markup_fuzz xls_probe_fuzz)
build=${BW_FUZZ_BUILD:-$root/build/fuzz}
rss_mb=${BW_FUZZ_RSS_MB:-2048}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is not installed (deploy/install-deps.sh)" >&2; exit 1; }

started=$(date +%s)
mkdir -p "$build"
cd "$root"
if ! cmake --preset fuzz -B "$build" > "$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  exit 1
fi
if ! cmake --build "$build" --target "${targets[@]}" > "$build/build.log" 2>&1; then
  tail -50 "$build/build.log" >&2
  exit 1
fi
echo "fuzz: built ${#targets[@]} targets in $(($(date +%s) - started)) s ($build)"

# Per target: the longest input worth trying and a dictionary, where one helps.
max_len() {
  case "$1" in
    money_fuzz | date_fuzz) echo 256 ;;
    target_fuzz) echo 1100 ;;
    http_fuzz) echo 8192 ;;
    config_fuzz) echo 8192 ;;
    *) echo 16384 ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/$t"
  work="$build/fuzz/corpus/$t"
  artifacts="$build/fuzz/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  dict=()
  [[ -f "$root/tests/fuzz/$t.dict" ]] && dict=(-dict="$root/tests/fuzz/$t.dict")
  log="$build/fuzz/$t.log"
  rc=0
  "$build/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -max_len="$(max_len "$t")" \
    -artifact_prefix="$artifacts" -print_final_stats=1 "${dict[@]}" "$work" "$seeds" < /dev/null > "$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(find "$work" -type f | wc -l)
  printf 'fuzz: %-16s %s s  %9s inputs  coverage %5s  corpus %5s  %s\n' "$t" "$seconds" "${runs:-?}" "${cov:-?}" \
    "$corpus" "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)")"
  if ((rc != 0)); then
    failed+=("$t")
    grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written' "$log" | head -20 >&2 || true
    for a in "$artifacts"*; do
      [[ -f "$a" ]] && echo "fuzz: reproduce with: $build/fuzz/$t $a" >&2
    done
    echo "fuzz: full log: $log" >&2
  fi
done
echo "fuzz: done in $(($(date +%s) - started)) s"
((${#failed[@]} == 0)) || { echo "fuzz: FAILED: ${failed[*]}" >&2; exit 1; }
