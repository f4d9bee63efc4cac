#!/usr/bin/env python3
"""A treasury export endpoint for budgetwatch's HTTP tests (stdlib only: http.server + ssl).

Serves one file at one path with an ETag and a Last-Modified, answering 304 to matching validators, on
127.0.0.1 (ports chosen by the system). Prints one line once both listeners are up:

    PORT <data port> CONTROL <control port>

The data port speaks HTTP, or HTTPS with --cert/--key. The control port always speaks plain HTTP:

  POST /control   form fields (application/x-www-form-urlencoded), each optional:
                    fail=N            answer the next N requests of the file with fail_status (default 500)
                    fail_status=S
                    delay=SECONDS     wait this long before answering every request (0 turns it off); in
                                      mode=stall, the pause between the first half of the body and the rest
                    mode=normal|chunked|truncate|longer|close|stall
                                      normal: Content-Length; chunked: Transfer-Encoding: chunked;
                                      truncate: Content-Length announced, half the body sent, connection cut;
                                      longer: more bytes sent than announced; close: no length, body ends at
                                      close; stall: Content-Length, half the body, pause `delay`, the rest
                    etag=E  last_modified=HTTP-DATE  file=PATH
                    bearer=TOKEN      require "Authorization: Bearer TOKEN" (empty: no requirement)
                    basic=USER:PASS   require Basic authentication (empty: no requirement)
                    reset=1           fail=0, delay=0, mode=normal (applied before the other fields)
  GET  /requests  every request received on the data port, oldest first, one per line: method, path,
                  then header name and value pairs, tab-separated; backslash, tab and newline escaped as
                  \\\\, \\t, \\n
  POST /clear     forgets the recorded requests

Run with the system Python: /usr/bin/python3 export_server.py --file payments.csv [--path /export.csv]
[--etag '"v1"'] [--last-modified 'Mon, 04 Jan 2021 08:00:00 GMT'] [--cert server.pem --key server.key]
[--bearer TOKEN] [--basic user:pass] [--port N]. Stop it with SIGTERM.
"""

import argparse
import base64
import email.utils
import hashlib
import http.server
import ssl
import sys
import threading
import time
import urllib.parse

DEFAULT_LAST_MODIFIED = "Mon, 04 Jan 2021 08:00:00 GMT"
MODES = {"normal", "chunked", "truncate", "longer", "close", "stall"}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.path = args.path
        self.file = args.file
        self.etag = args.etag or self.content_etag()
        self.last_modified = args.last_modified
        self.bearer = args.bearer or ""
        self.basic = args.basic or ""
        self.fail = 0
        self.fail_status = 500
        self.delay = 0.0
        self.mode = "normal"
        self.requests = []

    def content_etag(self):
        with open(self.file, "rb") as f:
            return '"' + hashlib.sha256(f.read()).hexdigest()[:16] + '"'

    def apply(self, form):
        with self.lock:
            if form.get("reset") == "1":
                self.fail, self.delay, self.mode = 0, 0.0, "normal"
            if "fail" in form:
                self.fail = int(form["fail"])
            if "fail_status" in form:
                self.fail_status = int(form["fail_status"])
            if "delay" in form:
                self.delay = float(form["delay"])
            if "mode" in form:
                if form["mode"] not in MODES:
                    raise ValueError("unknown mode " + form["mode"])
                self.mode = form["mode"]
            if "file" in form:
                self.file = form["file"]
            if "etag" in form:
                self.etag = form["etag"]
            if "last_modified" in form:
                self.last_modified = form["last_modified"]
            if "bearer" in form:
                self.bearer = form["bearer"]
            if "basic" in form:
                self.basic = form["basic"]


def escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def not_modified(headers, etag, last_modified):
    inm = headers.get("If-None-Match")
    if inm is not None:  # RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since; weak comparison
        tags = [t.strip() for t in inm.split(",")]
        strip = lambda t: t[2:] if t.startswith("W/") else t
        return "*" in tags or strip(etag) in [strip(t) for t in tags]
    ims = headers.get("If-Modified-Since")
    if ims is not None:
        try:
            return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


def make_data_handler(state, tls):
    class DataHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def setup(self):
            super().setup()
            if tls:
                self.request.do_handshake()

        def log_message(self, format, *args):  # quiet: the tests read /requests instead
            pass

        def send_plain(self, status, text, extra=()):
            body = text.encode()
            self.send_response(status)
            for name, value in extra:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def authorized(self, bearer, basic):
            got = self.headers.get("Authorization", "")
            if bearer and got != "Bearer " + bearer:
                return False
            if basic and got != "Basic " + base64.b64encode(basic.encode()).decode():
                return False
            return True

        def do_GET(self):
            with state.lock:
                state.requests.append((self.command, self.path, list(self.headers.items())))
                failing = state.fail > 0
                if failing:
                    state.fail -= 1
                fail_status, delay, mode = state.fail_status, state.delay, state.mode
                path, file, etag, last_modified = state.path, state.file, state.etag, state.last_modified
                bearer, basic = state.bearer, state.basic
            if delay > 0 and mode != "stall":
                time.sleep(delay)
            if urllib.parse.urlsplit(self.path).path != path:
                return self.send_plain(404, "not found\n")
            if failing:
                return self.send_plain(fail_status, "failing on purpose\n")
            if not self.authorized(bearer, basic):
                scheme = "Bearer" if bearer else "Basic"
                return self.send_plain(401, "unauthorized\n", [("WWW-Authenticate", scheme + ' realm="export"')])
            common = [("ETag", etag), ("Last-Modified", last_modified), ("Content-Type", "text/csv; charset=utf-8")]
            if not_modified(self.headers, etag, last_modified):
                self.send_response(304)
                for name, value in common[:2]:
                    self.send_header(name, value)
                self.end_headers()
                return
            with open(file, "rb") as f:
                body = f.read()
            self.send_response(200)
            for name, value in common:
                self.send_header(name, value)
            half = len(body) // 2
            if mode == "chunked":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), 16384):
                    piece = body[i:i + 16384]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            elif mode == "truncate":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:half])
                self.wfile.flush()
                self.close_connection = True
            elif mode == "longer":
                self.send_header("Content-Length", str(half))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
            elif mode == "close":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
            elif mode == "stall":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:half])
                self.wfile.flush()
                time.sleep(delay)
                self.wfile.write(body[half:])
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    return DataHandler


def make_control_handler(state):
    class ControlHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def reply(self, status, text):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != "/requests":
                return self.reply(404, "not found\n")
            with state.lock:
                recorded = list(state.requests)
            lines = []
            for method, path, headers in recorded:
                fields = [method, path]
                for name, value in headers:
                    fields += [name, value]
                lines.append("\t".join(escape(f) for f in fields) + "\n")
            self.reply(200, "".join(lines))

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length).decode()
            if self.path == "/clear":
                with state.lock:
                    state.requests.clear()
                return self.reply(200, "ok\n")
            if self.path != "/control":
                return self.reply(404, "not found\n")
            form = {k: v[-1] for k, v in urllib.parse.parse_qs(data, keep_blank_values=True).items()}
            try:
                state.apply(form)
            except ValueError as e:
                return self.reply(400, str(e) + "\n")
            self.reply(200, "ok\n")

    return ControlHandler


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that time out, refuse our certificate or hang up are what the tests are about.
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", required=True)
    p.add_argument("--path", default="/export.csv")
    p.add_argument("--etag")
    p.add_argument("--last-modified", default=DEFAULT_LAST_MODIFIED)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--bearer")
    p.add_argument("--basic")
    p.add_argument("--port", type=int, default=0, help="the data port (default: chosen by the system)")
    args = p.parse_args()

    state = State(args)
    tls = bool(args.cert)
    data = QuietServer(("127.0.0.1", args.port), make_data_handler(state, tls))
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        # The handshake runs in the handler's thread (setup), so a stuck client cannot block accept().
        data.socket = ctx.wrap_socket(data.socket, server_side=True, do_handshake_on_connect=False)
    control = QuietServer(("127.0.0.1", 0), make_control_handler(state))

    for server in (data, control):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT %d CONTROL %d" % (data.server_address[1], control.server_address[1]), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
