# Shared helpers of the end-to-end scripts (chrony's test/system style: start, act, check, pass).
set -euo pipefail
: "${BW_BIN:?BW_BIN must name the budgetwatch binary}"
: "${BW_SOURCE_DIR:?BW_SOURCE_DIR must name the source tree}"
PY=/usr/bin/python3
DATA="$BW_SOURCE_DIR/tests/data"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bw-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; exit 0; }
# check_json FILE PYTHON-EXPR: the expression, over `d` (the parsed file), must be true.
check_json() {
  "$PY" - "$1" "$2" <<'PYEOF' || fail "$2"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
PYEOF
}
