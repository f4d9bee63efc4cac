#!/usr/bin/env bash
# Issue #4 through the daemon: the config's webhook, DingTalk, Feishu and WeCom receivers deliver the
# year-end alerts to a local receiver that checks keys and signatures with its own implementation
# (tests/support/receiver.py); a robot with the wrong secret is a permanent failure, visible in the API and
# metrics, and never retried; no key, secret or signature appears in the logs or the API.
source "$(dirname "$0")/common.sh"
port=$(free_port)
rport=$(free_port)
mkdir -p "$WORK/inbox"
"$PY" "$BW_SOURCE_DIR/tests/support/receiver.py" --port "$rport" --log "$WORK/requests.jsonl" \
  --wecom-key wecom-key-e2e-123 --dingtalk-token ding-token-e2e-456 --dingtalk-secret SECding-secret-e2e-789 \
  --feishu-token feishu-token-e2e-abc --feishu-secret feishu-secret-e2e-def > "$WORK/receiver.out" &
PIDS+=("$!")
wait_for 10 "receiver up" grep -q PORT "$WORK/receiver.out"
R="http://127.0.0.1:$rport"
write_demo_config "$WORK/bw.yaml" "$port" "
alerts:
  deliver_interval: 1s
  backoff_initial: 1s
  backoff_max: 2s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
  receivers:
    - {name: hook, kind: webhook, url: '$R/hooks/budget', token: webhook-bearer-e2e-000}
    - {name: ding, kind: dingtalk, url: '$R/robot/send?access_token=ding-token-e2e-456',
       secret: SECding-secret-e2e-789, owner_mobiles: {陈志远: '13800000001'}}
    - {name: feishu, kind: feishu, url: '$R/open-apis/bot/v2/hook/feishu-token-e2e-abc', secret: feishu-secret-e2e-def}
    - {name: wecom, kind: wecom, url: '$R/cgi-bin/webhook/send?key=wecom-key-e2e-123'}
    - {name: ding_bad, kind: dingtalk, url: '$R/robot/send?access_token=ding-token-e2e-456', secret: SECwrong-secret-e2e}
  routes:
    - {receivers: [hook, ding, feishu, wecom, ding_bad], group_by: [unit], repeat_interval: 24h}"
start_daemon "$WORK/bw.yaml"

delivered() { curl -sf "$DAEMON_URL/api/v1/notifications?state=delivered&receiver=$1" |
  "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["total"] >= 1 else 1)'; }
for r in hook ding feishu wecom; do wait_for 30 "delivery to $r" delivered "$r"; done
wait_for 30 "bad DingTalk secret failed for good" bash -c \
  "curl -sf '$DAEMON_URL/api/v1/notifications?state=failed&receiver=ding_bad' | grep -q 310000"
sleep 3
failed_attempts=$(curl -sf "$DAEMON_URL/api/v1/notifications?receiver=ding_bad" |
  "$PY" -c 'import json,sys; print(max(n["attempts"] for n in json.load(sys.stdin)["notifications"]))')
[[ "$failed_attempts" == 1 ]] || fail "a permanent failure was retried ($failed_attempts attempts)"
metric_value 'budgetwatch_notifications_total{kind="dingtalk",outcome="permanent",receiver="ding_bad"}' | grep -q . ||
  fail "permanent failure not in the metrics"

"$PY" - "$WORK/requests.jsonl" <<'PYEOF' || fail "receiver saw the wrong requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hook = [r for r in reqs if r["path"] == "/hooks/budget"]
assert hook and all(r["verdict"] == "ok" for r in hook), hook
h = dict((k.lower(), v) for k, v in hook[0]["headers"])
assert h["authorization"] == "Bearer webhook-bearer-e2e-000"
body = json.loads(hook[0]["body"])
assert body["version"] == "4" and body["status"] == "firing", body
codes = {a["labels"]["project_code"] for r in hook for a in json.loads(r["body"])["alerts"]}
assert {"LW2021-P06", "LW2021-P10"} <= codes, codes
# Issue 17: generatorURL is the project's HTML page, api_url its JSON.
for r in hook:
    for a in json.loads(r["body"])["alerts"]:
        code = a["labels"]["project_code"]
        assert a["generatorURL"].endswith(f"/projects/{code}?fiscal_year=2021") and "/api/" not in a["generatorURL"], a
        assert a["api_url"].endswith(f"/api/v1/projects/{code}?fiscal_year=2021"), a
ok = lambda p: [r for r in reqs if p in r["path"] and r["verdict"] == "ok"]
assert ok("/robot/send"), "no verified DingTalk request"
ding = json.loads(ok("/robot/send")[0]["body"])
assert "13800000001" in ding["at"]["atMobiles"], ding
assert "/projects/LW2021-P" in ding["markdown"]["text"] and "/api/v1/" not in ding["markdown"]["text"], ding
assert ok("/bot/v2/hook/"), "no verified Feishu request"
assert ok("/cgi-bin/webhook/send"), "no verified WeCom request"
assert any(r["verdict"] != "ok" and "/robot/send" in r["path"] for r in reqs), "the bad secret was not refused"
print("requests:", len(reqs))
PYEOF

for s in ding-token-e2e-456 SECding-secret-e2e-789 feishu-token-e2e-abc feishu-secret-e2e-def wecom-key-e2e-123 \
         webhook-bearer-e2e-000 SECwrong-secret-e2e; do
  grep -q -- "$s" "$WORK/daemon.log" && fail "secret $s in the log"
  grep -q -- "$s" <<< "$(curl -sf "$DAEMON_URL/api/v1/notifications?per_page=1000")" && fail "secret $s in the API"
done
pass
