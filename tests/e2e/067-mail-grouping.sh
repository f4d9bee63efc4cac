#!/usr/bin/env bash
# Issue 17, "E-mails and robot messages", through the daemon into a REAL SMTP server (tests/support/smtp_sink.py,
# python3-aiosmtpd) on 127.0.0.1, at the Liwan 2021 year end with the demo's indicators:
#  - each owner's message counts in its subject the projects it lists, one numbered entry per project, an
#    overdue indicator under its project with its target and "未填报" for an actual nobody reported;
#  - the message is multipart/alternative: text/plain and text/html, both UTF-8, with the same entries;
#  - each project's link is its HTML page /projects/{code}?fiscal_year=2021, not the JSON API;
#  - the bureau's copy (receiver with `addressee: 区财政局`) greets the bureau, not the unit;
#  - P06 paid in full: its below-80% alert resolves while its indicator is still overdue, so P06 stays in the
#    attention list with "其中 … 已解除" and is not also listed as recovered;
#  - a December payment to a project with nothing paid by June leaves that finding firing.
source "$(dirname "$0")/common.sh"
port=$(free_port)
mkdir -p "$WORK/inbox" "$WORK/mail"
"$PY" "$BW_SOURCE_DIR/tests/support/smtp_sink.py" --dir "$WORK/mail" > "$WORK/sink.out" 2>&1 &
PIDS+=("$!")
wait_for 10 "SMTP server listening" grep -q '^PORT ' "$WORK/sink.out"
smtp_port=$(awk '/^PORT /{print $2}' "$WORK/sink.out")
write_demo_config "$WORK/bw.yaml" "$port" "
alerts:
  language: zh-CN
  external_url: http://127.0.0.1:$port
  deliver_interval: 1s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true, labels: {escalate: bureau}}
    - {name: nothing_paid_by_june, kind: no_spending, by: '06-30', grace_days: 90, severity: warning}
    - {name: indicator_overdue, kind: indicator_overdue, severity: warning}
  receivers:
    - {name: owners, kind: email, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to_owner: true, timeout: 2s}
    - {name: bureau, kind: email, addressee: 区财政局, smtp_host: 127.0.0.1, smtp_port: $smtp_port, smtp_tls: none,
       from: budgetwatch@localhost, to: [finance-bureau@example.gov.cn], timeout: 2s}
  routes:
    - {match: [escalate=bureau], receivers: [bureau], group_by: [unit_name], repeat_interval: 24h, continue: true}
    - {receivers: [owners], group_by: [owner], repeat_interval: 24h}"

api() { curl -sf "$DAEMON_URL/api/v1/$1"; }
mails_to() { grep -lx -- "$1" "$WORK"/mail/msg-*/rcpt_tos 2>/dev/null | wc -l; }
mails_to_is() { [[ "$(mails_to "$1")" == "$2" ]]; }
firing_indicators_is() {
  [[ "$(api 'alerts?rule=indicator_overdue&state=firing' | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])')" == "$1" ]]
}

# Everything ingested before the daemon starts, so that its first alert cycle sees the indicators too.
"$BW_BIN" ingest --db "$WORK/bw.db" "$DATA/liwan2021/budget.csv" "$DATA/liwan2021/adjustments.csv" \
  "$DATA/liwan2021/payments.csv" "$DATA/demo/indicators.csv" "$DATA/demo/actuals.csv" > "$WORK/ingest.out" ||
  fail "ingest: $(cat "$WORK/ingest.out")"
start_daemon "$WORK/bw.yaml"
wait_for 60 "indicator alerts firing" firing_indicators_is 2
wait_for 60 "罗伟明's message with P06's indicator" bash -c "grep -l -- '完成时限 2021-09-30' '$WORK'/mail/msg-*/body | xargs grep -l LW2021-P06 | grep -q ."
sleep 3

"$PY" - "$WORK/mail" "$port" <<'PYEOF' || fail "the grouped messages"
import email, email.policy, pathlib, re, sys
port = sys.argv[2]
msgs = sorted(pathlib.Path(sys.argv[1]).glob("msg-*"))
f = lambda p, n: (p / n).read_text(encoding="utf-8")
owners = [p for p in msgs if f(p, "rcpt_tos") != "finance-bureau@example.gov.cn"]
assert owners, "no owner's message"
for p in msgs:
    subject, body, html = f(p, "subject"), f(p, "body"), f(p, "html")
    assert f(p, "defects") == "", (p, f(p, "defects"))
    # multipart/alternative: text/plain, then text/html, both UTF-8.
    raw = email.message_from_bytes((p / "raw.eml").read_bytes(), policy=email.policy.default)
    assert raw.get_content_type() == "multipart/alternative", raw.get_content_type()
    parts = list(raw.iter_parts())
    assert [x.get_content_type() for x in parts] == ["text/plain", "text/html"], [x.get_content_type() for x in parts]
    assert all(x.get_content_charset() == "utf-8" for x in parts), [x.get_content_charset() for x in parts]
    assert "=?utf-8?" in (p / "raw.eml").read_bytes().decode("ascii").lower().split("\r\n\r\n")[0], "subject not RFC 2047"
    # The subject counts what is listed: one numbered entry per project, each code once.
    m = re.search(r"：(\d+) 个项目需关注", subject)
    assert m, subject
    attention = body.split("以下项目已恢复")[0]
    entries = re.findall(r"^\d+\. .*（(LW2021-P\d+)）$", attention, re.M)
    assert int(m.group(1)) == len(entries) == len(set(entries)), (subject, entries, body)
    assert len(re.findall(r"^\d+\. ", attention, re.M)) == len(entries), body
    # The links open the HTML page of the project, in the text and in the HTML part; no JSON link.
    for code in entries:
        url = f"http://127.0.0.1:{port}/projects/{code}?fiscal_year=2021"
        assert f"详情：{url}" in body, (code, body)
        assert f'href="{url}"' in html, (code, html)
    assert "/api/v1/" not in body and "/api/v1/" not in html, body
    # The HTML part says the same: every line of the text is in it (escaped), with the entries in a list.
    assert html.count("<li style=\"margin:0 0 12px 0\">") == len(entries), html
    for line in body.splitlines():
        line = re.sub(r"^\s*(\d+\. )?", "", line)
        if line and not line.startswith("详情："):
            esc = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")
            assert esc in html, (line, html)
    assert "<script" not in html and "src=" not in html and "<link" not in html, "external resources"
# 罗伟明: P06 (below 80% and its overdue indicator under it), P22, P23.
luo = [p for p in owners if f(p, "rcpt_tos") == "luoweiming@example.gov.cn"]
assert len(luo) == 1, len(luo)
body = f(luo[0], "body")
assert f(luo[0], "subject") == "【预算执行预警】罗伟明：3 个项目需关注（截至 2021-12-31）", f(luo[0], "subject")
assert body.startswith("罗伟明，您好："), body
p06 = body[body.index("交通战备工作经费（LW2021-P06）"):]
p06 = p06[:p06.index("详情：")]
assert "绩效指标「交通战备物资补充完成时间」逾期未达成" in p06, body
assert "指标值 2021年9月30日前完成；实际完成值 未填报；完成时限 2021-09-30" in p06, body
assert "执行率 36.90%" in p06, body
# The indicator with no actual: "第三季度前" (P20, 陈志远) says 未填报, never an empty actual.
chen = [p for p in owners if f(p, "rcpt_tos") == "chenzhiyuan@example.gov.cn"]
assert len(chen) == 1 and "指标值 第三季度前；实际完成值 未填报" in f(chen[0], "body"), f(chen[0], "body")
for p in owners:
    assert "实际完成值 ；" not in f(p, "body") and "实际 ）" not in f(p, "body"), f(p, "body")
# The bureau's copies greet the bureau, one per unit, the unit in the subject.
bureau = [p for p in msgs if f(p, "rcpt_tos") == "finance-bureau@example.gov.cn"]
assert len(bureau) == 2, len(bureau)
for p in bureau:
    assert f(p, "body").startswith("区财政局：\n"), f(p, "body")
    assert "区财政局" in f(p, "html")
assert sorted(f(p, "subject") for p in bureau) == sorted([
    "【预算执行预警】广州市荔湾区科技工业和信息化局：8 个项目需关注（截至 2021-12-31）",
    "【预算执行预警】广州市荔湾区交通管理总站：3 个项目需关注（截至 2021-12-31）"]), [f(p, "subject") for p in bureau]
print("messages:", len(msgs))
PYEOF

# Nothing paid by June: which project, and a December payment for it (with P06's remaining 63,100.00 yuan).
api "alerts?rule=nothing_paid_by_june&state=firing" > "$WORK/none.json"
read -r none_code none_unit none_unit_name none_name < <("$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))["alerts"][0]["labels"]
print(a["project_code"], a["unit"], a["unit_name"], a["project_name"].replace(" ", ""))' "$WORK/none.json") ||
  fail "no project with nothing paid by June"
before=$(find "$WORK/mail" -mindepth 1 -maxdepth 1 -name 'msg-*' | wc -l)
cat > "$WORK/inbox/december.csv" <<CSV
支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要
ZF2021-E2E-0067,2021-12-30,101001,广州市荔湾区科技工业和信息化局,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,广州某交通服务有限公司,"63,100.00",补录支付
ZF2021-E2E-0068,2021-12-30,$none_unit,$none_unit_name,$none_code,$none_name,2240106,30299,授权支付,一般公共预算,广州某服务有限公司,"1,000.00",12月支付
CSV
wait_for 60 "罗伟明's second message (P06 below 80% cleared)" mails_to_is luoweiming@example.gov.cn 2
sleep 3
"$PY" - "$WORK/mail" "$before" <<'PYEOF' || fail "the message after P06 was paid"
import pathlib, re, sys
msgs = sorted(pathlib.Path(sys.argv[1]).glob("msg-*"))[int(sys.argv[2]):]
f = lambda p, n: (p / n).read_text(encoding="utf-8")
luo = [p for p in msgs if f(p, "rcpt_tos") == "luoweiming@example.gov.cn"]
assert len(luo) == 1, len(luo)
body, subject = f(luo[0], "body"), f(luo[0], "subject")
# P06 still needs attention (its indicator): listed there once, with the cleared rule under it, not as recovered.
assert subject == "【预算执行预警】罗伟明：3 个项目需关注（截至 2021-12-31）", subject
assert body.count("LW2021-P06") == 2, body  # its heading and its link
assert "以下项目已恢复" not in body, body
p06 = body[body.index("交通战备工作经费（LW2021-P06）"):]
p06 = p06[:p06.index("详情：")]
assert "其中 执行率低于 80.00% 已解除" in p06 and "执行率低于 80.00%（警告）" not in p06, p06
assert "绩效指标「交通战备物资补充完成时间」逾期未达成" in p06, p06
# The bureau was told of the below-80% alert only: for it P06 recovered.
bureau = [p for p in msgs if f(p, "rcpt_tos") == "finance-bureau@example.gov.cn" and "LW2021-P06" in f(p, "body")]
assert len(bureau) == 1, len(bureau)
b = f(bureau[0], "body")
assert "以下项目已恢复" in b and "交通战备工作经费（LW2021-P06）：执行率 100.00%（执行率低于 80.00% 已解除）" in b, b
assert f(bureau[0], "subject") == "【预算执行预警】广州市荔湾区交通管理总站：2 个项目需关注，1 个项目已恢复（截至 2021-12-31）", (
    f(bureau[0], "subject"))
PYEOF
# The December payment did not resolve "nothing paid by June" of its project.
api "alerts?rule=nothing_paid_by_june&project=$none_code" > "$WORK/none_after.json"
check_json "$WORK/none_after.json" 'd["total"] == 1 and d["alerts"][0]["state"] == "firing" and d["alerts"][0]["annotations"]["spend_by"] == "2021-06-30" and d["alerts"][0]["annotations"]["paid_fen"] != "0"'
pass
