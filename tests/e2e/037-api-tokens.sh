#!/usr/bin/env bash
# API tokens (issue 7, security): tokens come from a file (token_file) or the environment (token_env); each
# opens only its scopes (upload, write; admin opens both); a wrong, empty, truncated or extended token, or
# one sent in the query string, is refused with 401 before the body is read; a valid token without the
# route's scope with 403 (issue 12). A file name holding a newline does not forge a log line. No token appears in
# check-config's output, in the daemon's log at debug level, in /metrics or in any API answer. A missing
# token file is a config error naming the file, not a silently open endpoint.
source "$(dirname "$0")/common.sh"
upload_token="file-upload-token-6c1f9e0d42"
write_token="env-write-token-93ab58c7e1"
admin_token="env-admin-token-0d7e2f11aa"
printf '%s\n' "$upload_token" > "$WORK/upload.token"
chmod 600 "$WORK/upload.token"
export BW_TEST_WRITE_TOKEN="$write_token" BW_TEST_ADMIN_TOKEN="$admin_token"
port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
# Replace the demo's inline token with the three of this test.
"$PY" - "$WORK/bw.yaml" "$WORK/upload.token" <<'PYEOF'
import sys
p, token_file = sys.argv[1], sys.argv[2]
text = open(p, encoding="utf-8").read()
start = text.index("tokens:")
end = text.index("scopes: [upload]", start) + len("scopes: [upload]")
text = text[:start] + f"""tokens:
  - {{name: uploader, token_file: {token_file}, scopes: [upload]}}
  - {{name: operator, token_env: BW_TEST_WRITE_TOKEN, scopes: [write]}}
  - {{name: root, token_env: BW_TEST_ADMIN_TOKEN, scopes: [admin]}}
logging: {{level: debug}}""" + text[end:]
open(p, "w", encoding="utf-8").write(text)
PYEOF
"$BW_BIN" check-config "$WORK/bw.yaml" > "$WORK/check.txt" 2>&1 || fail "check-config: $(cat "$WORK/check.txt")"
for t in "$upload_token" "$write_token" "$admin_token"; do
  ! grep -qF "$t" "$WORK/check.txt" || fail "check-config prints a token"
done
grep -q "token_file: $WORK/upload.token" "$WORK/check.txt" || fail "check-config does not say where the token comes from: $(grep -A3 tokens: "$WORK/check.txt")"

# A missing token file: a config error that names the file.
sed "s|token_file: $WORK/upload.token|token_file: $WORK/missing.token|" "$WORK/bw.yaml" > "$WORK/missing.yaml"
if "$BW_BIN" check-config "$WORK/missing.yaml" > "$WORK/missing.txt" 2>&1; then fail "a missing token file was accepted"; fi
grep -q "missing.token" "$WORK/missing.txt" || fail "the error does not name the file: $(cat "$WORK/missing.txt")"

# Issue 12: a token file others can read is a warning on stderr (the exit code stays 0); a signed source URL
# is printed masked, as the logs show it.
chmod 644 "$WORK/upload.token"
"$BW_BIN" check-config "$WORK/bw.yaml" > /dev/null 2> "$WORK/warn.txt" || fail "check-config refused a readable token file"
grep -qF "warning: $WORK/bw.yaml: tokens[0] (uploader).token_file: $WORK/upload.token is readable by group and others (mode 0644); chmod 600 it" "$WORK/warn.txt" \
  || fail "no warning about the readable token file: $(cat "$WORK/warn.txt")"
chmod 600 "$WORK/upload.token"
"$BW_BIN" check-config "$WORK/bw.yaml" > /dev/null 2> "$WORK/warn.txt" || fail "check-config: $(cat "$WORK/warn.txt")"
! grep -q "token_file" "$WORK/warn.txt" || fail "a 0600 token file still warned: $(cat "$WORK/warn.txt")"
cat > "$WORK/signed.yaml" <<YAML
database: $WORK/bw.db
sources:
  - {name: s3, kind: http, url: 'https://bucket.example/x.csv?X-Amz-Date=20210630&X-Amz-Signature=sig-secret-5e1d&X-Amz-Security-Token=sts-secret-29c4'}
  - {name: api, kind: http, url: 'https://treasury.example/export?access_token=url-secret-77aa&month=2021-06'}
YAML
"$BW_BIN" check-config "$WORK/signed.yaml" > "$WORK/signed.txt" 2>&1 || fail "check-config: $(cat "$WORK/signed.txt")"
! grep -qE "sig-secret|sts-secret|url-secret" "$WORK/signed.txt" || fail "check-config prints a signed URL: $(grep url: "$WORK/signed.txt")"
grep -qF "access_token=***&month=2021-06" "$WORK/signed.txt" || fail "the URL is not shown masked: $(grep url: "$WORK/signed.txt")"

"$BW_BIN" run --config "$WORK/bw.yaml" 2>> "$WORK/daemon.log" > "$WORK/daemon.out" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
DAEMON_URL="http://127.0.0.1:$port"
wait_for 30 "daemon ready" curl -sf "$DAEMON_URL/readyz"
head -3 "$DATA/liwan2021/payments.csv" > "$WORK/small.csv"
# status METHOD PATH TOKEN [BODYFILE]: the HTTP status of one request ("-" sends no Authorization header).
status() {
  local auth=() body=()
  [[ "$3" != "-" ]] && auth=(-H "Authorization: Bearer $3")
  [[ -n "${4:-}" ]] && body=(--data-binary @"$4" -H 'Content-Type: application/json')
  curl -s -o "$WORK/answer.txt" -w '%{http_code}' -X "$1" "${auth[@]}" "${body[@]}" "$DAEMON_URL$2"
}
expect() {  # expect WANT METHOD PATH TOKEN [BODYFILE]
  local want=$1 got
  shift
  got=$(status "$@")
  [[ "$got" == "$want" ]] || fail "$1 $2 with token '${3:0:6}…': $got, expected $want: $(cat "$WORK/answer.txt")"
}
up="/api/v1/uploads?name=small.csv"
expect 401 POST "$up" - "$WORK/small.csv"
expect 401 POST "$up" "" "$WORK/small.csv"
expect 401 POST "$up" "${upload_token%?}" "$WORK/small.csv"          # truncated
expect 401 POST "$up" "${upload_token}x" "$WORK/small.csv"           # extended
expect 401 POST "$up" "${upload_token^^}" "$WORK/small.csv"          # other case
expect 403 POST "$up" "$write_token" "$WORK/small.csv"               # a valid token without the scope
grep -qF "a token with scope 'upload' is required; this token ('operator') has scope 'write'" "$WORK/answer.txt" ||
  fail "403 without the scopes: $(cat "$WORK/answer.txt")"
expect 401 POST "$up&token=$upload_token" - "$WORK/small.csv"        # in the query string: not a credential
got=$(status POST "$up" "$upload_token" "$WORK/small.csv")
[[ "$got" == 201 || "$got" == 200 ]] || fail "upload with the file token: $got: $(cat "$WORK/answer.txt")"
got=$(status POST "/api/v1/uploads?name=small2.csv" "$admin_token" "$WORK/small.csv")
[[ "$got" == 201 || "$got" == 200 ]] || fail "upload with the admin token: $got"
# Log forging (issue 12): a file name with a newline is escaped in the log, never a line of its own.
printf '支付凭证号,支付日期,预算单位编码,项目编码,金额\nF1,2021-03-01,101001,LW2021-P01,1.00\n' > "$WORK/forged.csv"
got=$(status POST "/api/v1/uploads?name=a%0Ainfo%20forged%0D%E2%80%A8x" "$upload_token" "$WORK/forged.csv")
[[ "$got" == 201 || "$got" == 200 || "$got" == 422 ]] || fail "upload named with a newline: $got: $(cat "$WORK/answer.txt")"
wait_for 10 "the upload logged" grep -qF 'file="a\ninfo forged\r\u2028x"' "$WORK/daemon.log"
! grep -q '^info forged' "$WORK/daemon.log" || fail "a forged log line: $(grep -B1 '^info forged' "$WORK/daemon.log")"
# A write endpoint (silences need the alerts section; the owners' notes do not).
printf '{"review":"2021-midyear","reason":"招标延期","measures":"加快支付","written_by":"测试"}' > "$WORK/note.json"
expect 403 POST /api/v1/projects/LW2021-P06/notes "$upload_token" "$WORK/note.json"
# 401 and its challenge for no token or an unknown one; 403 without a challenge for the wrong scope.
curl -s -D "$WORK/h401.txt" -o /dev/null -X POST "$DAEMON_URL$up"
grep -qi '^WWW-Authenticate: Bearer' "$WORK/h401.txt" || fail "401 without WWW-Authenticate: $(cat "$WORK/h401.txt")"
curl -s -D "$WORK/h403.txt" -o /dev/null -X POST -H "Authorization: Bearer $upload_token" \
  "$DAEMON_URL/api/v1/projects/LW2021-P06/notes"
grep -q '^HTTP/1.1 403' "$WORK/h403.txt" || fail "not 403: $(cat "$WORK/h403.txt")"
! grep -qi '^WWW-Authenticate' "$WORK/h403.txt" || fail "403 with a challenge"
got=$(status POST /api/v1/projects/LW2021-P06/notes "$write_token" "$WORK/note.json")
[[ "$got" == 201 || "$got" == 200 ]] || fail "note with the write token from the environment: $got: $(cat "$WORK/answer.txt")"

# Nothing shows a token: the log (debug), the stdout banner, /metrics, the API.
for path in /metrics /api/v1/summary /api/v1/ingests /api/v1/projects/LW2021-P06 /readyz /api/v1; do
  curl -s "$DAEMON_URL$path" >> "$WORK/answers.txt"
done
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"
for t in "$upload_token" "$write_token" "$admin_token"; do
  for f in "$WORK/daemon.log" "$WORK/daemon.out" "$WORK/answers.txt"; do
    ! grep -qF "$t" "$f" || fail "a token appears in $(basename "$f"): $(grep -F "$t" "$f" | head -2)"
  done
done
echo "tokens: file and environment tokens, scopes enforced (403), 6 wrong forms refused (401), none in logs, metrics or API"
pass
