#!/usr/bin/env bash
# Issue #4 through the daemon into a REAL Alertmanager (Debian's prometheus-alertmanager, clustering off, on
# 127.0.0.1), which routes on to a local webhook receiver (tests/support/receiver.py) with send_resolved: the
# year-end alerts are active in Alertmanager's API v2 with their labels, figures and links; budgetwatch re-sends
# them while they fire (each re-send pushes endsAt on); a recovered project is posted with endsAt = the time it
# resolved, so Alertmanager ends it and notifies "resolved" with that endsAt. The receivers' bearer tokens never
# appear in the logs, the errors or the API, also when a receiver fails (dead, wrong path).
source "$(dirname "$0")/common.sh"
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is not installed (deploy/install-deps.sh)"
port=$(free_port)
rport=$(free_port)
mkdir -p "$WORK/inbox" "$WORK/am"
token='am-Bearer-e2e-7c3d9f'
token_dead='am-Bearer-dead-e2e-1a2b'
token_path='am-Bearer-path-e2e-3c4d'

"$PY" "$BW_SOURCE_DIR/tests/support/receiver.py" --port "$rport" --log "$WORK/requests.jsonl" > "$WORK/receiver.out" &
PIDS+=("$!")
wait_for 10 "receiver up" grep -q PORT "$WORK/receiver.out"

cat > "$WORK/am/alertmanager.yml" <<YAML
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$rport/am-hook
        send_resolved: true
YAML
for attempt in 1 2 3; do  # a free port can be taken before Alertmanager binds it
  amport=$(free_port)
  prometheus-alertmanager --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am/data" \
    --web.listen-address="127.0.0.1:$amport" --cluster.listen-address= --log.level=warn \
    > "$WORK/am/alertmanager.log" 2>&1 &
  am_pid=$!
  PIDS+=("$am_pid")
  AM="http://127.0.0.1:$amport"
  for _ in $(seq 100); do
    curl -sf "$AM/-/ready" >/dev/null 2>&1 && break 2
    kill -0 "$am_pid" 2>/dev/null || break
    sleep 0.1
  done
done
curl -sf "$AM/-/ready" >/dev/null || fail "alertmanager did not start: $(cat "$WORK/am/alertmanager.log")"

cat > "$WORK/bw.yaml" <<YAML
database: $WORK/bw.db
server:
  listen: 127.0.0.1:$port
evaluation:
  as_of: 2021-12-31
  interval: 2s
sources:
  - name: liwan2021
    kind: files
    files: [$DATA/liwan2021/budget.csv, $DATA/liwan2021/adjustments.csv, $DATA/liwan2021/payments.csv]
    interval: 30s
  - name: inbox
    kind: drop_folder
    path: $WORK/inbox
    interval: 1s
alerts:
  external_url: http://127.0.0.1:$port
  deliver_interval: 1s
  backoff_initial: 1s
  backoff_max: 2s
  rules:
    - {name: below_80_at_deadline, kind: below_threshold, threshold: 80%, at_deadline: true}
  receivers:
    - {name: am, kind: alertmanager, url: '$AM', token: '$token', timeout: 5s}
    - {name: am_dead, kind: alertmanager, url: 'http://127.0.0.1:$(free_port)', token: '$token_dead', timeout: 2s}
    - {name: am_path, kind: alertmanager, url: '$AM/not-alertmanager/', token: '$token_path', timeout: 5s}
  routes:
    - {receivers: [am, am_dead, am_path], group_by: [owner], repeat_interval: 4s}
YAML
start_daemon "$WORK/bw.yaml"

am_alerts() { curl -sf "$AM/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"; }
delivered() { curl -sf "$DAEMON_URL/api/v1/notifications?per_page=1000&state=delivered&receiver=am" |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# 1. The 11 projects below 80% are active in Alertmanager, with their labels, figures and links.
wait_for 30 "11 alerts in Alertmanager" bash -c "[[ \$(curl -sf '$AM/api/v2/alerts' | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))') == 11 ]]"
am_alerts > "$WORK/am1.json"
curl -sf "$DAEMON_URL/api/v1/alerts?per_page=1000" > "$WORK/bw1.json"
"$PY" - "$WORK/am1.json" "$WORK/bw1.json" "$port" <<'PYEOF' || fail "alerts in Alertmanager"
import datetime as dt, json, sys, time
am = json.load(open(sys.argv[1], encoding="utf-8"))
bw = {a["labels"]["project_code"]: a for a in json.load(open(sys.argv[2], encoding="utf-8"))["alerts"]}
t = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00")[:19] + "+00:00").timestamp()
codes = sorted(a["labels"]["project_code"] for a in am)
assert codes == ["LW2021-P%s" % n for n in ("06", "10", "16", "18", "20", "21", "22", "23", "27", "29", "30")], codes
now = time.time()
for a in am:
    l, code = a["labels"], a["labels"]["project_code"]
    assert a["status"]["state"] == "active", a
    assert l["alertname"] == "below_80_at_deadline" and l["severity"] == "warning" and l["owner"], l
    assert l["project_name"] == bw[code]["labels"]["project_name"] and l["unit"] == bw[code]["labels"]["unit"], l
    assert "owner_email" not in l, "addresses stay private"
    assert a["annotations"]["execution_pct"] == bw[code]["annotations"]["execution_pct"], a["annotations"]
    assert a["annotations"]["unspent_wan"] == bw[code]["annotations"]["unspent_wan"]
    # generatorURL: the project's HTML page; the JSON for machines in the annotation api_url.
    assert a["generatorURL"] == f"http://127.0.0.1:{sys.argv[3]}/projects/{code}?fiscal_year=2021", a["generatorURL"]
    assert a["annotations"]["api_url"] == f"http://127.0.0.1:{sys.argv[3]}/api/v1/projects/{code}?fiscal_year=2021", a["annotations"]
    assert t(a["startsAt"]) == t(bw[code]["fired_at"]), (a["startsAt"], bw[code]["fired_at"])
    # Firing: endsAt one resolve timeout (1 h) ahead, so Alertmanager keeps it while budgetwatch re-sends.
    assert now + 3500 < t(a["endsAt"]) < now + 3700, (a["endsAt"], now)
p06 = [a for a in am if a["labels"]["project_code"] == "LW2021-P06"][0]
assert p06["annotations"]["execution_pct"] == "36.90", p06["annotations"]
print("active in Alertmanager:", len(am))
PYEOF

# 2. Re-sent while active: every repeat interval (4 s) each owner's group is posted again and endsAt moves on.
first=$(delivered)
sleep 5
wait_for 20 "a re-send per owner" bash -c "(( \$(curl -sf '$DAEMON_URL/api/v1/notifications?per_page=1000&state=delivered&receiver=am' | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"total\"])') >= $first + 6 ))"
cat > "$WORK/pushed_on.py" <<'PYEOF'
import json, sys, urllib.request
before = {a["labels"]["project_code"]: a["endsAt"] for a in json.load(open(sys.argv[1], encoding="utf-8"))}
now = {a["labels"]["project_code"]: a["endsAt"]
       for a in json.load(urllib.request.urlopen(sys.argv[2] + "/api/v2/alerts"))}
sys.exit(0 if set(now) == set(before) and all(now[c] > before[c] for c in before) else 1)
PYEOF
wait_for 10 "endsAt pushed on" "$PY" "$WORK/pushed_on.py" "$WORK/am1.json" "$AM"
curl -sf "$DAEMON_URL/api/v1/notifications?per_page=1000&receiver=am" > "$WORK/sent.json"
check_json "$WORK/sent.json" 'len({n["idempotency_key"] for n in d["notifications"]}) == len(d["notifications"]) and all(n["status"] == "firing" for n in d["notifications"])'

# 3. P06 recovers: posted resolved with endsAt = when it resolved; Alertmanager ends it and says so.
cat > "$WORK/inbox/late.csv" <<'CSV'
支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,支付方式,资金性质,收款人全称,金额,摘要
ZF2021-E2E-0101,2021-12-30,101002,广州市荔湾区交通管理总站,LW2021-P06,交通战备工作经费,2240106,30299,授权支付,一般公共预算,广州某交通服务有限公司,"63,100.00",补录支付
CSV
wait_for 30 "P06 no longer active in Alertmanager" bash -c "[[ \$(curl -sf '$AM/api/v2/alerts' | $PY -c 'import json,sys; print(sorted(a[\"labels\"][\"project_code\"] for a in json.load(sys.stdin)))' | grep -c LW2021-P06) == 0 ]]"
curl -sf "$DAEMON_URL/api/v1/alerts?state=resolved" > "$WORK/resolved.json"
check_json "$WORK/resolved.json" '[a["labels"]["project_code"] for a in d["alerts"]] == ["LW2021-P06"]'
cat > "$WORK/resolved_hook.py" <<'PYEOF'
import json, sys
hooks = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1], encoding="utf-8") if json.loads(l)["path"] == "/am-hook"]
sys.exit(0 if any(a["status"] == "resolved" for h in hooks for a in h["alerts"]) else 1)
PYEOF
wait_for 20 "Alertmanager's resolved notification for P06" "$PY" "$WORK/resolved_hook.py" "$WORK/requests.jsonl"
"$PY" - "$WORK/requests.jsonl" "$WORK/resolved.json" "$AM" <<'PYEOF' || fail "resolved in Alertmanager"
import datetime as dt, json, sys, urllib.request
t = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00")[:19] + "+00:00").timestamp()
resolved_at = t(json.load(open(sys.argv[2], encoding="utf-8"))["alerts"][0]["resolved_at"])
hooks = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1], encoding="utf-8")
         if json.loads(l)["path"] == "/am-hook"]
told = {a["labels"]["project_code"] for h in hooks for a in h["alerts"] if a["status"] == "firing"}
assert told == {"LW2021-P%s" % n for n in ("06", "10", "16", "18", "20", "21", "22", "23", "27", "29", "30")}, told
ended = [a for h in hooks for a in h["alerts"] if a["status"] == "resolved"]
assert {a["labels"]["project_code"] for a in ended} == {"LW2021-P06"}, ended
assert all(t(a["endsAt"]) == resolved_at for a in ended), ([a["endsAt"] for a in ended], resolved_at)
active = json.load(urllib.request.urlopen(sys.argv[3] + "/api/v2/alerts"))
assert sorted(a["labels"]["project_code"] for a in active) == [
    "LW2021-P%s" % n for n in ("10", "16", "18", "20", "21", "22", "23", "27", "29", "30")], active
print("Alertmanager notifications:", len(hooks), "resolved P06 endsAt", ended[0]["endsAt"])
PYEOF

# 4. The failing receivers: dead (retried) and a wrong path (404, permanent); their errors carry no token.
wait_for 20 "dead Alertmanager retried" bash -c "curl -sf '$DAEMON_URL/api/v1/notifications?state=pending&receiver=am_dead' | grep -q 'connection refused'"
wait_for 20 "wrong path failed for good" bash -c "curl -sf '$DAEMON_URL/api/v1/notifications?state=failed&receiver=am_path' | grep -q 'HTTP 404'"
for s in "$token" "$token_dead" "$token_path"; do
  grep -qF -- "$s" "$WORK/daemon.log" && fail "token $s in the log"
  for path in "api/v1/notifications?per_page=1000&body=true" "api/v1/alerts?per_page=1000" readyz metrics; do
    grep -qF -- "$s" <<< "$(curl -sf "$DAEMON_URL/$path")" && fail "token $s in /$path"
  done
done
grep -q 'not delivered receiver=am_path' "$WORK/daemon.log" || fail "the failure is not in the log"
pass
