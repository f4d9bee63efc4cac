#!/usr/bin/env python3
"""Slow and oversized HTTP clients against a budgetwatch server (used by tests/e2e/032-slow-clients.sh).

  slow_clients.py PORT TOKEN READ_TIMEOUT_S MAX_BODY_BYTES MAX_HEADER_BYTES

While a well-behaved client polls /healthz and /api/v1/summary every 0.1 s:
  * 50 slowloris clients send request headers one byte every 0.25 s, never finishing them;
  * 5 clients send an upload body one byte every 0.25 s;
each must be cut off by the server within READ_TIMEOUT_S + 2 s (and not before READ_TIMEOUT_S - 0.5 s),
while every request of the well-behaved client succeeds in under 1 s. Then, with no Content-Length:
  * a chunked upload larger than MAX_BODY_BYTES gets 413; one with a wrong token 401 (before its body);
  * headers larger than MAX_HEADER_BYTES (sent at once, 8 times the limit) get 431;
and the client reads that status (the server must not reset the connection before it is read).
Prints one line per check; exits 1 on the first failure.
"""

import socket
import sys
import threading
import time
import urllib.request

PORT = int(sys.argv[1])
TOKEN = sys.argv[2]
READ_TIMEOUT = float(sys.argv[3])
MAX_BODY = int(sys.argv[4])
MAX_HEADER = int(sys.argv[5])
failures = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    failures.append(msg)


def slow_sender(prefix, endless, out, i):
    """Sends `prefix` then `endless` one byte per 0.25 s; records (seconds until the server closed, bytes
    sent, bytes received)."""
    s = socket.create_connection(("127.0.0.1", PORT))
    t0 = time.monotonic()
    data = prefix + endless
    sent = 0
    got = b""
    closed = None
    s.settimeout(0.25)
    while closed is None and time.monotonic() - t0 < READ_TIMEOUT + 10:
        try:
            s.send(data[sent:sent + 1])
            sent += 1
        except OSError:
            closed = time.monotonic() - t0
            break
        try:
            d = s.recv(65536)
            if not d:
                closed = time.monotonic() - t0
            got += d
        except socket.timeout:
            pass
        except OSError:
            closed = time.monotonic() - t0
    s.close()
    out[i] = (closed, sent, got)


def poller(stop, stats):
    while not stop.is_set():
        for path in ("/healthz", "/api/v1/summary"):
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=5) as r:
                    r.read()
                    ok = r.status == 200
            except Exception as e:  # noqa: BLE001 - any failure counts
                ok = False
                stats["errors"].append(f"{path}: {e}")
            dt = time.monotonic() - t0
            stats["n"] += 1
            stats["max"] = max(stats["max"], dt)
            if not ok and not stats["errors"]:
                stats["errors"].append(path)
        time.sleep(0.1)


def exchange(request_head, body_chunks):
    """Sends a request (head, then body chunks as fast as possible) and returns the status line read."""
    s = socket.create_connection(("127.0.0.1", PORT))
    s.settimeout(10)
    got = b""
    try:
        s.sendall(request_head)
        for c in body_chunks:
            s.sendall(c)
    except OSError:
        pass  # the server may stop reading once it has answered
    try:
        while b"\r\n" not in got:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError as e:
        got += f" <{e}>".encode()
    s.close()
    return got.split(b"\r\n", 1)[0].decode("latin-1")


def main():
    stop = threading.Event()
    stats = {"n": 0, "max": 0.0, "errors": []}
    t = threading.Thread(target=poller, args=(stop, stats))
    t.start()

    results = {}
    threads = []
    head = b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
    for i in range(50):
        threads.append(threading.Thread(target=slow_sender, args=(head, b"X-Slow: " + b"a" * 400, results, i)))
    up = (f"POST /api/v1/uploads?name=slow.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
          f"Content-Length: 100000\r\n\r\n").encode()
    for i in range(50, 55):
        threads.append(threading.Thread(target=slow_sender, args=(up, b"x" * 1000, results, i)))
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t0
    stop.set()
    t.join()

    lo, hi = READ_TIMEOUT - 0.5, READ_TIMEOUT + 2.0
    for i, (closed, sent, got) in sorted(results.items()):
        kind = "slowloris" if i < 50 else "slow body"
        if closed is None:
            fail(f"{kind} client {i} was never cut off ({sent} bytes sent)")
        elif not lo <= closed <= hi:
            fail(f"{kind} client {i} cut off after {closed:.2f} s (expected {lo:.1f}-{hi:.1f} s)")
        if i >= 50 and got and not got.startswith(b"HTTP/1.1 400"):
            fail(f"slow body client {i} got {got[:40]!r}")
    cut = [r[0] for r in results.values() if r[0] is not None]
    print(f"slow: 50 slowloris + 5 slow-body clients cut off after {min(cut):.2f}-{max(cut):.2f} s "
          f"(read_timeout {READ_TIMEOUT:.0f} s); all done in {took:.1f} s", flush=True)
    print(f"slow: meanwhile {stats['n']} requests of a normal client, slowest {stats['max'] * 1000:.0f} ms, "
          f"{len(stats['errors'])} errors", flush=True)
    if stats["errors"]:
        fail(f"normal client errors: {stats['errors'][:3]}")
    if stats["max"] > 1.0:
        fail(f"a normal request took {stats['max']:.2f} s while slow clients were connected")

    # Oversized, without Content-Length: chunked bodies over the limits.
    chunk = b"x" * 65536
    n = MAX_BODY // len(chunk) + 8
    body = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(n)] + [b"0\r\n\r\n"]
    status = exchange((f"POST /api/v1/uploads?name=big.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                       f"Transfer-Encoding: chunked\r\n\r\n").encode(), body)
    print(f"slow: chunked upload of {n * len(chunk)} bytes (limit {MAX_BODY}): {status}", flush=True)
    if not status.startswith("HTTP/1.1 413"):
        fail(f"chunked upload over the limit: {status!r}")
    body = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(24)] + [b"0\r\n\r\n"]
    status = exchange(b"POST /api/v1/uploads?name=x.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n", body)
    print(f"slow: chunked upload of 1.5 MiB with a wrong token: {status}", flush=True)
    if not status.startswith("HTTP/1.1 401"):
        fail(f"chunked body without a token: {status!r}")
    big = b"a" * (8 * MAX_HEADER)
    status = exchange(b"GET /api/v1/summary HTTP/1.1\r\nHost: x\r\nX-Filler: " + big + b"\r\n\r\n", [])
    print(f"slow: {len(big)}-byte header (limit {MAX_HEADER}): {status}", flush=True)
    if not status.startswith("HTTP/1.1 431"):
        fail(f"oversized header: {status!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
