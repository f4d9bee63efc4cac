#!/usr/bin/env bash
# The style guard rails (issue 13): clang-format (.clang-format) and clang-tidy (.clang-tidy) on every C++
# file of the project, except those grandfathered in tests/tools/style_baseline.txt — the files that did not
# yet conform when the checks came in. A new file must conform; a grandfathered one should leave the list once
# it is reformatted (`clang-format -i FILE`, then remove its line); a listed file that no longer exists fails.
# Usage: check_style.sh SOURCE_DIR BUILD_DIR   (BUILD_DIR holds compile_commands.json)
set -uo pipefail
root=${1:?usage: check_style.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: check_style.sh SOURCE_DIR BUILD_DIR}
cd "$root" || exit 2
baseline=tests/tools/style_baseline.txt
format=$(command -v clang-format-14 || command -v clang-format) || { echo "style: clang-format is not installed"; exit 1; }
tidy=$(command -v clang-tidy-14 || command -v clang-tidy) || { echo "style: clang-tidy is not installed"; exit 1; }
listed() { grep -qxF "$1" "$baseline"; }
files=$(find engine store net config collectors alerts reports daemon bench tests/unit tests/integration tests/support \
  tests/fuzz -name '*.cpp' -o -name '*.h' | sort)
status=0
# One file: its format, then clang-tidy for the libraries' sources (headers through them). Prints its
# findings as one block; fails when there are any.
check_one() {
  local f=$1 out msg=""
  if ! "$format" --dry-run -Werror "$f" 2>/dev/null; then
    msg+="style: $f is not formatted: run $format -i $f"$'\n'
    msg+="$("$format" --dry-run "$f" 2>&1 | head -6)"$'\n'
  fi
  case "$f" in
    tests/*|bench/*|*.h) ;;
    *)
      if ! out=$("$tidy" -p "$build" --quiet "$f" 2>&1); then
        msg+="style: clang-tidy on $f:"$'\n'
        msg+="$(echo "$out" | grep -E 'warning:|error:' | head -20)"$'\n'
      fi
      ;;
  esac
  [[ -z "$msg" ]] && return 0
  printf '%s' "$msg"
  return 1
}
export -f check_one
export format tidy build
todo=()
for f in $files; do
  listed "$f" || todo+=("$f")
done
checked=${#todo[@]}
# Two at a time (the CI machine's cores); each file's findings stay together.
printf '%s\n' "${todo[@]}" | xargs -P "${BW_STYLE_JOBS:-2}" -I{} bash -c 'check_one "$1"' _ {} || status=1
while IFS= read -r f; do
  [[ -z "$f" || "$f" == \#* ]] && continue
  [[ -f "$f" ]] || { echo "style: $baseline lists $f, which does not exist: remove the line"; status=1; continue; }
done < "$baseline"
echo "style: $checked files checked, $(grep -cv '^#' "$baseline") grandfathered"
exit $status
