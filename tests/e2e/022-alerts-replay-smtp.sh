#!/usr/bin/env bash
# Issue #4 acceptance: the Liwan 2021 year replayed month end by month end (`budgetwatch alerts replay --step
# month --deliver`) into a REAL SMTP server (tests/support/smtp_sink.py, python3-aiosmtpd, on 127.0.0.1).
# What an owner would check in their mailbox, against expectations computed here from the fixture
# (budget.csv, adjustments.csv and expected.json's month-end payments), not from the daemon's counts:
#  - per evaluation, exactly one e-mail per owner with firing alerts (the counts are pinned below), in zh-CN,
#    with 执行率, 序时进度, 低于序时进度 X 个百分点, 万元, the deadline with the days left and the link;
#  - at year end the 11 projects below 80% and the 4 with nothing paid of the evaluation report (expected.json),
#    plus the 4 paid only after their day: "nothing paid by June" is a finding for the year (issue 17);
#  - a project still firing is listed under attention only, its cleared rules under it; links open the HTML
#    page of the project (/projects/{code}?fiscal_year=2021);
#  - one resolved message per recovery, to the owner (and the bureau) told about it, and nowhere else;
#  - the Q3 escalation (below 60% and ≥ 2,000,000 yuan unspent at 09-30, critical) reaches the bureau, also
#    with config/examples/demo.yaml as shipped;
#  - with the SMTP server down, replayed messages wait in the outbox (they are not given up as "old").
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/dashboards_lib.sh"  # write_demo_copy
port=$(free_port)

# write_config FILE DB SMTP_PORT
write_config() {
  cat > "$1" <<YAML
database: $2
server:
  listen: 127.0.0.1:$port
evaluation:
  time_zone: Asia/Shanghai
sources:
  - name: liwan2021
    kind: files
    files: [$DATA/liwan2021/budget.csv, $DATA/liwan2021/adjustments.csv, $DATA/liwan2021/payments.csv]
alerts:
  language: zh-CN
  external_url: http://127.0.0.1:$port
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true, severity: warning}
    - {name: q3_escalation, kind: below_threshold, threshold: 60%, checkpoints: ["09-30"], at_deadline: false,
       min_unspent_yuan: 2000000, severity: critical, labels: {escalate: bureau}}
    - {name: nothing_paid_by_june, kind: no_spending, by: "06-30", grace_days: 60, severity: warning}
    - {name: overspend, kind: overspend, severity: critical, line_kinds: [project, basic]}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $3, smtp_tls: none,
       from: "budgetwatch <budgetwatch@localhost>", to_owner: true, timeout: 5s}
    - {name: bureau, kind: email, smtp_host: 127.0.0.1, smtp_port: $3, smtp_tls: none,
       from: "budgetwatch <budgetwatch@localhost>", to: [finance-bureau@example.gov.cn], timeout: 5s}
  routes:
    - {match: [escalate=bureau], receivers: [bureau], group_by: [unit_name], repeat_interval: 24h, continue: true}
    - {match: ["rule_kind=~below_threshold|no_spending|overspend"], receivers: [owners], group_by: [owner],
       repeat_interval: 24h}
YAML
}

# start_sink DIR: a real SMTP server writing each message to DIR/msg-NNNN/; sets SINK_PORT.
start_sink() {
  mkdir -p "$1"
  "$PY" "$BW_SOURCE_DIR/tests/support/smtp_sink.py" --dir "$1" > "$1.out" 2>&1 &
  PIDS+=("$!")
  wait_for 10 "SMTP sink up" grep -q '^PORT ' "$1.out"
  SINK_PORT=$(awk '/^PORT /{print $2}' "$1.out")
}

# 1. The SMTP server is down: the replayed 06-30 messages wait in the outbox, retried later, none given up.
write_config "$WORK/down.yaml" "$WORK/down.db" "$(free_port)"
"$BW_BIN" alerts replay --config "$WORK/down.yaml" --from 2021-06-01 --to 2021-06-30 --deliver \
  > "$WORK/down.out" 2> "$WORK/down.err" || fail "replay with SMTP down: $(cat "$WORK/down.err")"
"$PY" - "$WORK/down.db" <<'PYEOF' || fail "messages replayed while SMTP was down"
import sqlite3, sys, time
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT group_key, state, attempts, last_error, created_at, next_attempt_at FROM outbox").fetchall()
assert sorted(r[0] for r in rows) == ["owner=何俊杰", "owner=李晓峰", "owner=梁淑仪", "owner=陈志远"], rows
now = time.time()
for g, state, attempts, error, created, nxt in rows:
    assert state == "pending" and attempts == 1 and error == "connection refused", (g, state, attempts, error)
    assert now - 120 < created <= now and nxt > created, (g, created, nxt, now)  # queued now, retried later
PYEOF

# 2. The whole year into a real SMTP server.
start_sink "$WORK/mail"
write_config "$WORK/year.yaml" "$WORK/year.db" "$SINK_PORT"
"$BW_BIN" alerts replay --config "$WORK/year.yaml" --from 2021-01-01 --to 2021-12-31 --step month --deliver \
  > "$WORK/replay.out" 2> "$WORK/replay.err" || fail "replay: $(cat "$WORK/replay.err")"
cat "$WORK/replay.out"
[[ "$(grep -c '^2021-' "$WORK/replay.out")" == 12 ]] || fail "expected 12 month-end steps"

"$PY" - "$WORK/mail" "$DATA/liwan2021" "$port" <<'PYEOF' || fail "the replayed mailbox"
import calendar, csv, datetime as dt, json, pathlib, re, sys
from fractions import Fraction

mail, data, port = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
url = f"http://127.0.0.1:{port}/projects/"
BUREAU = "finance-bureau@example.gov.cn"

# ---- what must happen, from the fixture ----
def fen(s):
    s = s.replace(",", "")
    neg = s.startswith("-")
    y, _, f = s.lstrip("-").partition(".")
    v = int(y) * 100 + int((f + "00")[:2])
    return -v if neg else v

expected = json.load(open(data / "expected.json", encoding="utf-8"))
lines = {r["项目编码"]: r for r in csv.DictReader(open(data / "budget.csv", encoding="utf-8"))}
adjustments = [(r["项目编码"], dt.date.fromisoformat(r["调整日期"]), fen(r["调整金额"]))
               for r in csv.DictReader(open(data / "adjustments.csv", encoding="utf-8"))]
paid_by_month = expected["line_month_end_paid_fen"]
available = {c: dt.date.fromisoformat(d) for c, d in expected["payments_file"]["available_from"].items()}
assert set(paid_by_month) == set(lines), "every line has month-end payments"

def hundredths(q):  # a non-negative Fraction in hundredths, rounded half up, as "1,234.56"
    h = int(q * 100 + Fraction(1, 2))
    return f"{h // 100:,}.{h % 100:02d}"

def pct(q):
    return hundredths(q * 100)

critical = {"q3_escalation", "overspend"}
month_ends = [dt.date(2021, m, calendar.monthrange(2021, m)[1]) for m in range(1, 13)]
steps = {}  # date -> {code: figures}, {(rule, code)} firing
for m, d in enumerate(month_ends):
    figures, firing = {}, set()
    for code, l in lines.items():
        adjusted = fen(l["年初预算数"]) + sum(a for c, when, a in adjustments if c == code and when <= d)
        paid = paid_by_month[code][m]
        if adjusted <= 0:
            continue
        deadline = dt.date.fromisoformat(l["完成时限"])
        start = available.get(code, dt.date(2021, 1, 1))
        execution = Fraction(paid, adjusted)
        progress = (Fraction(1) if d >= deadline else Fraction(0) if d < start
                    else Fraction((d - start).days + 1, (deadline - start).days + 1))
        figures[code] = dict(execution=execution, progress=progress, unspent=adjusted - paid,
                             days_left=(deadline - d).days, owner=l["项目负责人"], email=l["负责人邮箱"],
                             name=l["项目名称"], unit=l["预算单位名称"])
        project = code.startswith("LW2021-P")
        if project and d >= deadline and execution < Fraction(80, 100):
            firing.add(("below_80_at_deadline", code))
        if project and d >= dt.date(2021, 9, 30) and execution < Fraction(60, 100) and adjusted - paid >= 200000000:
            firing.add(("q3_escalation", code))
        # Nothing paid by the day (06-30, or 60 days after a mid-year line's money): a finding for the rest of
        # the year, whatever is paid later; payments count by month, so "by the end of the day's month".
        spend_by = max(dt.date(2021, 6, 30), start + dt.timedelta(days=60))
        figures[code]["spend_by"] = spend_by
        if project and d >= spend_by and paid_by_month[code][spend_by.month - 1] == 0:
            firing.add(("nothing_paid_by_june", code))
        if paid > adjusted:
            firing.add(("overspend", code))
    steps[d] = (figures, firing)

# Messages: owners get their projects' alerts (a warning is held back while a critical fires on the same
# project), the bureau the escalations; one message per recipient and evaluation while anything fires (the
# month between steps is past the 24 h repeat interval), or when something it was told about recovers.
want = {}  # (date, recipient) -> {"firing": {code: {rules}}, "resolved": {code: {rules}}}
told = {}  # recipient -> {(rule, code)}
for d in month_ends:
    figures, firing = steps[d]
    crit_codes = {c for r, c in firing if r in critical}
    visible = {(r, c) for r, c in firing if r in critical or c not in crit_codes}
    by_recipient = {}
    for r, c in visible:
        by_recipient.setdefault(figures[c]["email"], set()).add((r, c))
        if r == "q3_escalation":
            by_recipient.setdefault(BUREAU, set()).add((r, c))
    for who in set(by_recipient) | set(told):
        now, before = by_recipient.get(who, set()), told.get(who, set())
        gone = {(r, c) for r, c in before if (r, c) not in firing}
        if now or gone:
            msg = {"firing": {}, "resolved": {}}
            for r, c in now:
                msg["firing"].setdefault(c, set()).add(r)
            for r, c in gone:
                msg["resolved"].setdefault(c, set()).add(r)
            want[(d, who)] = msg
        told[who] = (before - gone) | now

# Pinned: how many owners (and bureau messages) each month end must see, so that a wrong model above fails too.
# The owners of the 4 lines paid only after their day (LATE_PAYERS) keep hearing of it until the year ends.
LATE_PAYERS = {"LW2021-P04", "LW2021-P08", "LW2021-P12", "LW2021-P17"}
pinned_owners = {6: 4, 7: 4, 8: 4, 9: 4, 10: 4, 11: 4, 12: 7}
pinned_bureau = {9, 10, 11, 12}
for d in month_ends:
    owners = sum(1 for (w, who) in want if w == d and who != BUREAU)
    assert owners == pinned_owners.get(d.month, 0), (d, owners)
    assert ((d, BUREAU) in want) == (d.month in pinned_bureau), d
year_end = steps[month_ends[-1]][1]
report_below_80 = {x["code"] for x in expected["bands"]["below_80"]}
report_zero = {x["code"] for x in expected["bands"]["zero"]}
assert len(report_below_80) == 11 and len(report_zero) == 4
assert {c for r, c in year_end if r == "below_80_at_deadline"} == report_below_80
# The 4 still at zero at year end, and the ones paid only after their day (a finding for the year).
assert report_zero <= {c for r, c in year_end if r == "nothing_paid_by_june"}
assert {c for r, c in year_end if r == "nothing_paid_by_june"} - report_zero == LATE_PAYERS, (
    sorted({c for r, c in year_end if r == "nothing_paid_by_june"} - report_zero))

# ---- what arrived ----
got = {}
ids = set()
for p in sorted(mail.glob("msg-*")):
    field = lambda n: (p / n).read_text(encoding="utf-8")
    subject, body, rcpt = field("subject"), field("body"), field("rcpt_tos").split()
    assert len(rcpt) == 1, (p, rcpt)
    m = re.search(r"（截至 (\d{4}-\d{2}-\d{2})）$", subject)
    assert m, subject
    d = dt.date.fromisoformat(m.group(1))
    assert (d, rcpt[0]) not in got, f"two messages to {rcpt[0]} for {d}"
    # multipart/alternative (issue 17): the text and HTML parts both in UTF-8.
    raw = (p / "raw.eml").read_bytes().decode("ascii").lower()
    assert "content-type: multipart/alternative" in raw and field("html"), p
    assert raw.count('charset="utf-8"') + raw.count("charset=utf-8") == 2, p
    got[(d, rcpt[0])] = (subject, body)
    ids.add(field("message_id"))
assert set(got) == set(want), (
    f"missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}")
assert len(ids) == len(got), "Message-IDs must be unique"

item_start = re.compile(r"^(\d+)\. ", re.M)
# What each rule watched, in words (the message catalogue), back to the rule's name.
watched = {"执行率低于 80.00%": "below_80_at_deadline", "执行率低于 60.00%": "q3_escalation",
           "尚未支出": "nothing_paid_by_june", "超预算支出": "overspend"}
def items(section):
    parts = item_start.split(section)
    return [parts[i + 1] for i in range(1, len(parts) - 1, 2)]

resolved_seen = {}
for (d, who), (subject, body) in sorted(got.items()):
    figures = steps[d][0]
    w = want[(d, who)]
    name = figures[next(iter(w["firing"] or w["resolved"]))]["owner"] if who != BUREAU else None
    # A project still firing is listed under attention only (its cleared rules under it), never as recovered.
    only_resolved = {c: r for c, r in w["resolved"].items() if c not in w["firing"]}
    n_firing, n_resolved = len(w["firing"]), len(only_resolved)
    head = name if name else "广州市荔湾区科技工业和信息化局"
    if n_firing:
        tail = f"，{n_resolved} 个项目已恢复" if n_resolved else ""
        assert subject == f"【预算执行预警】{head}：{n_firing} 个项目需关注{tail}（截至 {d}）", subject
    else:
        assert subject == f"【预算执行预警·已恢复】{head}：{n_resolved} 个项目已恢复（截至 {d}）", subject
    assert body.startswith(f"{head}，您好：\n"), body[:40]
    assert body.rstrip().endswith("—— budgetwatch 预算执行监控"), body[-40:]
    firing_part, _, resolved_part = body.partition("以下项目已恢复，不再满足预警条件：")
    listed = {}
    for it in items(firing_part):
        code = re.match(r"(.*)（(LW2021-[PB]\d\d)）\n", it)
        assert code, it
        c = code.group(2)
        f = figures[c]
        assert code.group(1) == f["name"], (code.group(1), f["name"])
        gap = f["progress"] - f["execution"]
        gap_text = f"低于序时进度 {pct(gap)} 个百分点" if gap >= 0 else f"高于序时进度 {pct(-gap)} 个百分点"
        for s in (f"单位：{f['unit']}", f"执行率 {pct(f['execution'])}%，序时进度 {pct(f['progress'])}%，{gap_text}",
                  f"未支出 {hundredths(Fraction(f['unspent'], 1000000))} 万元；完成时限 2021-12-31（剩余 {f['days_left']} 天）",
                  f"详情：{url}{c}?fiscal_year=2021"):
            assert s in it, (d, who, c, s, it)
        rules = set()
        for r, text in (("below_80_at_deadline", "执行率低于 80.00%（警告）"),
                        ("q3_escalation", "执行率低于 60.00%（严重）"),
                        ("nothing_paid_by_june", f"截至 {f['spend_by']} 无支出（警告）"),
                        ("overspend", "支出超过调整后预算（严重）")):
            if text in it:
                rules.add(r)
        listed[c] = rules
    assert listed == w["firing"], (d, who, listed, w["firing"])
    for it in items(firing_part):
        c = re.match(r"(.*)（(LW2021-[PB]\d\d)）\n", it).group(2)
        cleared = re.search(r"其中 (.*) 已解除", it)
        if c in w["resolved"]:
            assert cleared, (d, who, c, it)
            for r in {watched[x] for x in cleared.group(1).split("、")}:
                resolved_seen[(r, c, d, who)] = resolved_seen.get((r, c, d, who), 0) + 1
        else:
            assert not cleared, (d, who, c, it)
    recovered = {}
    for it in items(resolved_part):
        m = re.match(r"(.*)（(LW2021-[PB]\d\d)）：执行率 ([\d.,]+)%（(.*) 已解除）", it.strip())
        assert m, it
        c = m.group(2)
        assert m.group(3) == pct(figures[c]["execution"]), (it, pct(figures[c]["execution"]))
        recovered[c] = {watched[x] for x in m.group(4).split("、")}
        for r in recovered[c]:
            resolved_seen[(r, c, d, who)] = resolved_seen.get((r, c, d, who), 0) + 1
    assert recovered == only_resolved, (d, who, recovered, only_resolved)

# Every recovery was announced once, to each recipient told it fired, at the evaluation it recovered.
recoveries = [(r, c, d) for i, d in enumerate(month_ends[1:], 1)
              for r, c in steps[month_ends[i - 1]][1] - steps[d][1]]
# (Nothing paid by June never recovers: the payments of P12, P17 in July, P08 in October, P04 in December
# leave it a finding of the year.)
assert sorted(recoveries) == [("q3_escalation", "LW2021-P02", dt.date(2021, 12, 31))], recoveries
for r, c, d in recoveries:
    to = [k for k in resolved_seen if k[:3] == (r, c, d)]
    want_to = {steps[d][0][c]["email"]} | ({BUREAU} if r == "q3_escalation" else set())
    assert {k[3] for k in to} == want_to and all(resolved_seen[k] == 1 for k in to), (r, c, d, to)
assert len(resolved_seen) == 2, resolved_seen
print(f"messages: {len(got)}; per month end:",
      {d.isoformat(): sum(1 for (x, _) in got if x == d) for d in month_ends if any(x == d for x, _ in got)})
PYEOF

# 3. config/examples/demo.yaml as shipped, replayed at 09-30: the escalation reaches the bureau, critical, with
#    its figures; every owner gets one message.
start_sink "$WORK/demo-mail"
write_demo_copy "$WORK/demo.yaml" "$port"
sed -i -e "s#smtp_port: 2525#smtp_port: $SINK_PORT#g" "$WORK/demo.yaml"
grep -q "smtp_port: 2525" "$WORK/demo.yaml" && fail "demo.yaml copy still points to port 2525"
"$BW_BIN" alerts replay --config "$WORK/demo.yaml" --from 2021-09-01 --to 2021-09-30 --deliver \
  > "$WORK/demo.out" 2> "$WORK/demo.err" || fail "demo replay: $(cat "$WORK/demo.err")"
"$PY" - "$WORK/demo-mail" "$WORK/demo.yaml" <<'PYEOF' || fail "the demo's bureau message"
import collections, pathlib, re, sys
mail = pathlib.Path(sys.argv[1])
bureau = re.search(r"name: bureau,.*?to: \[([^\]]+)\]", pathlib.Path(sys.argv[2]).read_text(encoding="utf-8"), re.S)
assert bureau, "demo.yaml has no bureau receiver with a to: address"
bureau = bureau.group(1).strip().strip("'\"")
msgs = [(p / "rcpt_tos").read_text().split() for p in sorted(mail.glob("msg-*"))]
counts = collections.Counter(r for rc in msgs for r in rc)
assert counts and all(n == 1 for n in counts.values()), counts
to_bureau = [p for p in sorted(mail.glob("msg-*")) if (p / "rcpt_tos").read_text().split() == [bureau]]
assert len(to_bureau) == 1, (bureau, counts)
body = (to_bureau[0] / "body").read_text(encoding="utf-8")
subject = (to_bureau[0] / "subject").read_text(encoding="utf-8")
assert subject == "【预算执行预警】广州市荔湾区科技工业和信息化局：1 个项目需关注（截至 2021-09-30）", subject
for s in ("科学技术支出（LW2021-P02）", "执行率低于 60.00%（严重）", "执行率 30.27%",
          "未支出 5,808.47 万元；完成时限 2021-12-31（剩余 92 天）", "/projects/LW2021-P02?fiscal_year=2021"):
    assert s in body, (s, body)
assert body.count("（LW2021-") == 1, body
# The bureau's copy greets the bureau (the receiver's addressee), not the unit it is about.
assert body.startswith("区财政局：\n"), body[:40]
owner = [p for p in sorted(mail.glob("msg-*")) if "chenzhiyuan@" in (p / "rcpt_tos").read_text()]
assert len(owner) == 1 and "执行率低于 60.00%（严重）" in (owner[0] / "body").read_text(encoding="utf-8")
print("demo at 09-30:", dict(counts))
PYEOF
pass
