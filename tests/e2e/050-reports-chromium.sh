#!/usr/bin/env bash
# Issue #5: the HTML reports open in a real headless Chromium (Debian's `chromium`). For each report (execution,
# monthly, mid-year, year-end, the monthly circular; zh-CN and en) of the Liwan 2021 data: a screenshot is taken, the page logs no
# console error (a fetch or script the CSP refused would log one), and the rendered DOM has the charts with
# their points: 12 month ends for a report as of 2021-12-31, 6 for the 1-6 review, bands 19/5/2/4, ten
# unspent bars.
source "$(dirname "$0")/common.sh"
CHROMIUM=${BW_CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || fail "no Chromium at $CHROMIUM (deploy/install-deps.sh installs Debian's chromium)"
db="$WORK/bw.db"

"$BW_BIN" ingest --db "$db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" > /dev/null

# open_page NAME: loads $WORK/NAME.html in Chromium; writes NAME.png (screenshot), NAME.dom.html (the DOM after
# rendering) and NAME.log (Chromium's log, console messages included).
open_page() {
  local name=$1
  local status=0
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --no-default-browser-check --disable-extensions --disable-sync --mute-audio \
    --user-data-dir="$WORK/profile-$name" --window-size=1280,2000 --enable-logging=stderr --v=0 \
    --screenshot="$WORK/$name.png" --dump-dom "file://$WORK/$name.html" \
    > "$WORK/$name.dom.html" 2> "$WORK/$name.log" || status=$?
  [[ $status -eq 0 ]] || fail "$name: chromium exited with $status: $(tail -5 "$WORK/$name.log")"
  [[ -s "$WORK/$name.png" ]] || fail "$name: no screenshot"
  if grep -E "CONSOLE|Uncaught|Refused to" "$WORK/$name.log" > "$WORK/$name.console"; then
    fail "$name: console errors: $(cat "$WORK/$name.console")"
  fi
}

# check_page NAME LANG POINTS [BANDS]: the screenshot is a 1280x2000 PNG of some substance; the DOM has the
# language, the three charts, POINTS execution and expected points with their dates, four band bars (with the
# counts BANDS "19,5,2,4" when given) and one to ten unspent bars.
check_page() {
  "$PY" - "$WORK/$1" "$2" "$3" "${4:-}" <<'PYEOF' || fail "$1: $(cat "$WORK/$1.check" 2>/dev/null)"
import re, struct, sys
base, lang, points, bands = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def bad(msg):
    open(base + ".check", "w").write(msg)
    sys.exit(1)
png = open(base + ".png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n": bad("screenshot is not a PNG")
w, h = struct.unpack(">II", png[16:24])
if (w, h) != (1280, 2000): bad("screenshot is %dx%d" % (w, h))
if len(png) < 30000: bad("screenshot of %d bytes only" % len(png))
dom = open(base + ".dom.html", encoding="utf-8").read()
if not re.search(r'<html lang="%s"' % re.escape(lang), dom): bad("no lang=%s" % lang)
for chart in ("chart-progress", "chart-bands", "chart-unspent"):
    if 'id="%s"' % chart not in dom: bad("no svg " + chart)
for series in ("execution", "expected"):
    got = re.findall(r'<circle[^>]*data-series="%s"[^>]*data-date="(\d{4}-\d\d-\d\d)"' % series, dom)
    if len(got) != points: bad("%d %s points, want %d" % (len(got), series, points))
    if len(set(got)) != points: bad("%s points repeat a date" % series)
counts = re.findall(r'<rect[^>]*data-band="(\w+)"[^>]*data-count="(\d+)"', dom)
if len(counts) != 4: bad("%d band bars" % len(counts))
if bands and ",".join(c for _, c in counts) != bands: bad("bands %s, want %s" % (counts, bands))
bars = re.findall(r'<rect[^>]*data-code="[^"]+"', dom)
if not 1 <= len(bars) <= 10: bad("%d unspent bars" % len(bars))
if "<script" in dom: bad("a script in the page")
PYEOF
}

started=$SECONDS
# name | report arguments | lang | points | bands
while IFS='|' read -r name args lang points bands; do
  # shellcheck disable=SC2086
  "$BW_BIN" report --db "$db" --format html $args > "$WORK/$name.html"
  grep -q '<meta charset="utf-8">' "$WORK/$name.html" || fail "$name: no charset"
  open_page "$name"
  check_page "$name" "$lang" "$points" "$bands"
  echo "ok: $name ($(stat -c %s "$WORK/$name.png") bytes of screenshot)"
done <<'PAGES'
yearend-zh|--kind yearend --as-of 2021-12-31|zh-CN|12|19,5,2,4
yearend-en|--kind yearend --as-of 2021-12-31 --lang en|en|12|19,5,2,4
execution-zh|--as-of 2021-12-31|zh-CN|12|19,5,2,4
monthly-zh|--kind monthly --as-of 2021-12-31|zh-CN|12|19,5,2,4
monthly-en|--kind monthly --as-of 2021-06-30 --lang en|en|6|
midyear-zh|--kind midyear --window 1-6 --as-of 2021-12-31|zh-CN|6|
midyear-en|--kind midyear --window 1-7 --as-of 2021-08-10 --lang en|en|7|
circular-zh|--kind circular --as-of 2021-06-30 --department-unit-code-digits 6 --issuer 荔湾区财政局|zh-CN|6|
circular-en|--kind circular --as-of 2021-12-31 --department-unit-code-digits 6 --lang en|en|12|19,5,2,4
PAGES
echo "chromium: $((SECONDS - started)) s"

# The English year-end page shows English labels; the Chinese one the report's own.
grep -q "Project expenditure (table 1-6)" "$WORK/yearend-en.dom.html" || fail "English table title"
grep -q "项目支出资金执行情况（表 1-6）" "$WORK/yearend-zh.dom.html" || fail "Chinese table title"
grep -q "4.55" "$WORK/yearend-zh.dom.html" && grep -q "1.90" "$WORK/yearend-zh.dom.html" \
  && grep -q "1.44" "$WORK/yearend-zh.dom.html" || fail "scores in the year-end page"

# The circular (issue 14): three departments (the units, by --department-unit-code-digits 6); the rendered page
# shows the JSON's title, each department's rank, execution rate, gap and change since 31 May, and each lagging
# project's rate and gap.
"$BW_BIN" report --db "$db" --kind circular --as-of 2021-06-30 --department-unit-code-digits 6 \
  --issuer 荔湾区财政局 > "$WORK/circular.json"
"$PY" - "$WORK/circular.json" "$WORK/circular-zh.dom.html" <<'PYEOF' || fail "circular: $(cat "$WORK/circular.check")"
import html, json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
dom = open(sys.argv[2], encoding="utf-8").read()
def bad(msg):
    open(sys.argv[1].replace(".json", ".check"), "w").write(msg)
    sys.exit(1)
rows = [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>([\s\S]*?)</t[dh]>", r)]
        for r in re.findall(r"<tr[^>]*>([\s\S]*?)</tr>", dom)]
def has_row(*cells):
    return any(all(c in r for c in cells) for r in rows)
if "<h1>%s</h1>" % d["title"] not in dom: bad("no title " + d["title"])
if len(d["departments"]) != 3: bad("%d departments" % len(d["departments"]))
for x in d["departments"]:
    if not has_row(str(x["rank"]), x["code"], x["execution_rate_pct"] + "%", x["gap_pp"]):
        bad("no ranking row for %s" % x["code"])
    if not has_row(str(x["rank"]), x["previous_execution_rate_pct"] + "%", x["mom_change_pp"]):
        bad("no month-over-month row for %s" % x["code"])
    for p in x["lagging_projects"]:
        if not has_row(p["code"], p["execution_rate_pct"] + "%", p["gap_pp"]): bad("no row for " + p["code"])
s = d["summary"]
if s["at_or_above_expected"] + s["below_expected"] + s["no_budget"] != 3: bad("summary %s" % s)
text = "%d个部门预算执行进度达到或超过序时进度，%d个部门低于序时进度" % (s["at_or_above_expected"], s["below_expected"])
if text not in dom: bad("summary paragraph lacks " + text)
PYEOF
pass
