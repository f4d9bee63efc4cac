#!/usr/bin/env bash
# The README's table of the snapshot metric families is `budgetwatch metrics-reference`, the text generated
# from the one catalogue (reports/metric_catalogue.h): the lines between `<!-- metrics:begin -->` and
# `<!-- metrics:end -->` must be its output. BW_UPDATE_GOLDEN=1 rewrites them.
set -euo pipefail
bin=${1:?usage: metrics_reference_test.sh BUDGETWATCH README.md}
readme=${2:?usage: metrics_reference_test.sh BUDGETWATCH README.md}
begin='<!-- metrics:begin -->'
end='<!-- metrics:end -->'
[[ $(grep -cxF "$begin" "$readme") -eq 1 && $(grep -cxF "$end" "$readme") -eq 1 ]] \
  || { echo "$readme: needs one line '$begin' and one line '$end'"; exit 1; }
generated=$(mktemp)
trap 'rm -f "$generated" "$generated.readme"' EXIT
"$bin" metrics-reference > "$generated"
[[ -s $generated ]] || { echo "budgetwatch metrics-reference printed nothing"; exit 1; }
# The README with the section replaced by the generated text.
awk -v begin="$begin" -v end="$end" -v gen="$generated" '
  $0 == begin { print; while ((getline line < gen) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' "$readme" > "$generated.readme"
if cmp -s "$readme" "$generated.readme"; then
  echo "metrics reference up to date"
  exit 0
fi
if [[ ${BW_UPDATE_GOLDEN:-} == 1 ]]; then
  cp "$generated.readme" "$readme"
  echo "rewrote the metrics section of $readme"
  exit 0
fi
echo "$readme: the metrics section is not \`budgetwatch metrics-reference\` (BW_UPDATE_GOLDEN=1 rewrites it):"
diff -u "$readme" "$generated.readme" || true
exit 1
