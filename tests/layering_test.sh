#!/usr/bin/env bash
# Checks the include rules of DESIGN.md §3: engine/ is pure (standard library and tl::expected only);
# only store/ includes sqlite3.h; only daemon/ includes prometheus-cpp; nothing includes daemon/.
set -u
root=${1:?usage: layering_test.sh SOURCE_DIR}
cd "$root" || exit 2
status=0
violation() { echo "layering violation: $1"; status=1; }

while IFS= read -r hit; do violation "engine must stay pure: $hit"; done < <(
  grep -RnE '#include\s*[<"](sqlite3|boost/|prometheus/|spdlog/|fmt/|yaml-cpp/|store/|net/|collectors/|alerts/|reports/|config/|daemon/)' engine || true)
while IFS= read -r hit; do violation "only store/ may include sqlite3.h: $hit"; done < <(
  grep -RnE '#include\s*[<"]sqlite3\.h' --include='*.h' --include='*.cpp' . | grep -vE '^\./(store|build[^/]*|tests/unit/store)/' || true)
while IFS= read -r hit; do violation "only daemon/ may include prometheus-cpp: $hit"; done < <(
  grep -RnE '#include\s*[<"]prometheus/' --include='*.h' --include='*.cpp' . | grep -vE '^\./(daemon|build[^/]*|tests)/' || true)
while IFS= read -r hit; do violation "nothing outside daemon/ and tests/ includes daemon/: $hit"; done < <(
  grep -RnE '#include\s*"daemon/' --include='*.h' --include='*.cpp' . | grep -vE '^\./(daemon|build[^/]*|tests|bench)/' || true)
while IFS= read -r hit; do violation "store/ must not include collectors/, reports/ or daemon/: $hit"; done < <(
  grep -RnE '#include\s*"(collectors|reports|daemon|alerts)/' store || true)
while IFS= read -r hit; do violation "net/ has no domain knowledge (engine result.h only): $hit"; done < <(
  grep -RnE '#include\s*"(store|collectors|reports|daemon|alerts|config)/' net || true)

if [[ $status -eq 0 ]]; then echo "layering ok"; fi
exit $status
