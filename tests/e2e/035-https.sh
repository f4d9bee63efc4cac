#!/usr/bin/env bash
# HTTPS for the daemon's own server (issue 7, security): with server.tls_cert_file/tls_key_file set, the
# port speaks TLS only — curl with the test CA gets /readyz, /metrics and an upload with a token; without
# the CA it fails verification; plain HTTP on the port gets no answer; TLS 1.1 is refused. A renewed
# certificate at the same paths is served after SIGHUP without a restart; a broken one is refused by the
# reload and the running certificate kept. A key that does not match the certificate stops the start with
# a message naming the file.
source "$(dirname "$0")/common.sh"
command -v openssl >/dev/null || fail "openssl is not installed (deploy/install-deps.sh)"

# A test CA and a server certificate for 127.0.0.1 signed by it (serial N).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=budgetwatch test CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2> "$WORK/openssl.log" || fail "CA: $(cat "$WORK/openssl.log")"
issue_cert() {  # issue_cert SERIAL: server.pem + server.key for 127.0.0.1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/new.key" -out "$WORK/server.csr" \
    2>> "$WORK/openssl.log" || fail "CSR"
  printf 'subjectAltName=IP:127.0.0.1\n' > "$WORK/san.ext"
  openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -set_serial "$1" -days 2 \
    -extfile "$WORK/san.ext" -out "$WORK/new.pem" 2>> "$WORK/openssl.log" || fail "certificate"
  mv "$WORK/new.pem" "$WORK/server.pem"
  mv "$WORK/new.key" "$WORK/server.key"
}
issue_cert 4097

port=$(free_port)
write_demo_config "$WORK/bw.yaml" "$port"
sed -i "s|^  listen: 127.0.0.1:$port\$|  listen: 127.0.0.1:$port\n  tls_cert_file: $WORK/server.pem\n  tls_key_file: $WORK/server.key|" \
  "$WORK/bw.yaml"
grep -q "tls_key_file" "$WORK/bw.yaml" || fail "config not edited"
"$BW_BIN" run --config "$WORK/bw.yaml" --quiet 2>> "$WORK/daemon.log" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
url="https://127.0.0.1:$port"
tls_curl() { curl -sS --cacert "$WORK/ca.pem" --max-time 5 "$@"; }
wait_for 30 "daemon ready over HTTPS" tls_curl -f "$url/readyz"
grep -q "serving listen=https://127.0.0.1:$port" "$WORK/daemon.log" || fail "the log does not say https: $(tail -3 "$WORK/daemon.log")"

# Verified HTTPS works for reads and for a token-protected upload.
wait_for 30 "bundled data evaluated" bash -c "curl -sf --cacert '$WORK/ca.pem' '$url/metrics' | grep -q '^budgetwatch_department_paid_yuan{department=\"\"} 108888900$'"
head -3 "$DATA/liwan2021/payments.csv" > "$WORK/small.csv"
code=$(tls_curl -o "$WORK/upload.json" -w '%{http_code}' -H 'Authorization: Bearer test-token-0123456789' \
  --data-binary @"$WORK/small.csv" "$url/api/v1/uploads?name=small.csv")
[[ "$code" == 200 || "$code" == 201 ]] || fail "upload over HTTPS answered $code: $(cat "$WORK/upload.json")"
code=$(tls_curl -o /dev/null -w '%{http_code}' --data-binary @"$WORK/small.csv" "$url/api/v1/uploads?name=x.csv")
[[ "$code" == 401 ]] || fail "upload without a token over HTTPS answered $code"

# Without the CA: verification fails. Plain HTTP on the TLS port: no HTTP answer. TLS 1.1: refused.
if curl -sS --max-time 5 "$url/readyz" > /dev/null 2> "$WORK/noca.txt"; then fail "HTTPS verified without the test CA"; fi
grep -qi "certificate" "$WORK/noca.txt" || fail "unexpected error without the CA: $(cat "$WORK/noca.txt")"
plain=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
[[ "$plain" == 000 ]] || fail "plain HTTP on the HTTPS port answered $plain"
if openssl s_client -connect "127.0.0.1:$port" -tls1_1 -CAfile "$WORK/ca.pem" < /dev/null > "$WORK/tls11.txt" 2>&1; then
  grep -q "Protocol *: TLSv1.1" "$WORK/tls11.txt" && fail "TLS 1.1 was accepted"
fi
serial() {
  openssl s_client -connect "127.0.0.1:$port" -CAfile "$WORK/ca.pem" -verify_return_error < /dev/null 2> /dev/null \
    | openssl x509 -noout -serial
}
[[ "$(serial)" == "serial=1001" ]] || fail "served certificate: $(serial), want serial 1001 (4097)"

# A renewed certificate at the same paths, then SIGHUP: new connections get it, without a restart.
issue_cert 8193
kill -HUP "$DAEMON_PID"
wait_for 10 "renewed certificate served" bash -c "[[ \"\$(openssl s_client -connect 127.0.0.1:$port -CAfile '$WORK/ca.pem' < /dev/null 2>/dev/null | openssl x509 -noout -serial)\" == serial=2001 ]]"
tls_curl -f "$url/readyz" > /dev/null || fail "readyz after the renewal"

# A broken certificate file: the reload keeps the running certificate and says why.
cp "$WORK/server.pem" "$WORK/good.pem"
echo "not a certificate" > "$WORK/server.pem"
kill -HUP "$DAEMON_PID"
wait_for 10 "reload refused the broken certificate" grep -q "keeping the running TLS certificate" "$WORK/daemon.log"
[[ "$(serial)" == "serial=2001" ]] || fail "after a broken renewal the server serves $(serial)"
cp "$WORK/good.pem" "$WORK/server.pem"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon did not stop cleanly"

# A key that does not match the certificate: the daemon does not start, and says which file.
openssl req -newkey rsa:2048 -nodes -subj "/CN=other" -keyout "$WORK/other.key" -out /dev/null 2>> "$WORK/openssl.log"
sed -i "s|tls_key_file: $WORK/server.key|tls_key_file: $WORK/other.key|" "$WORK/bw.yaml"
if "$BW_BIN" run --config "$WORK/bw.yaml" --quiet > "$WORK/mismatch.out" 2>&1; then fail "started with a mismatched key"; fi
grep -q "TLS private key $WORK/other.key does not match the certificate $WORK/server.pem" "$WORK/mismatch.out" \
  || fail "mismatched key message: $(cat "$WORK/mismatch.out")"
echo "https: verified reads and uploads, no plain HTTP, renewal on SIGHUP, broken renewal kept out, mismatched key refused"
pass
