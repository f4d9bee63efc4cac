#!/usr/bin/python3
"""A notification receiver for budgetwatch's notifier tests (stdlib only: http.server, hmac, hashlib,
base64, urllib, json).

Listens on 127.0.0.1 (port chosen by the system, or --port) and prints one line once it is up:

    PORT <port>

Every request is appended to the --log file as one JSON line, BEFORE the answer is sent:

    {"method": ..., "path": ..., "query": ..., "headers": [[name, value], ...], "body": ...,
     "status": <answered status>, "verdict": "ok" | <why it was refused>}

"path" excludes the query; "query" is the raw query string; "body" is the UTF-8 body (invalid bytes
replaced). The answer depends on the path:

  /status/<code>            answer <code>; query retry_after=V adds "Retry-After: V"; query echo=1
                            repeats the request target and Authorization header in the body (as a
                            careless receiver might: reasons must still carry no secret)
  /delay/<ms>               wait <ms> milliseconds, then 200
  .../cgi-bin/webhook/send  WeCom group robot: the query key must equal --wecom-key, else
                            {"errcode":93000,...}; the body must be a text or markdown message within
                            the vendor's byte limits (2048 / 4096), else {"errcode":40058,...}
  .../robot/send            DingTalk robot: access_token must equal --dingtalk-token, else
                            {"errcode":300001,...}; with --dingtalk-secret, timestamp (ms) within one
                            hour and sign == base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)),
                            else {"errcode":310000,"errmsg":"sign not match"}
  .../bot/v2/hook/<token>   Feishu robot: <token> must equal --feishu-token, else {"code":19001,...};
                            with --feishu-secret, the body's timestamp (s) within one hour and sign ==
                            base64(HMAC-SHA256(timestamp + "\\n" + secret, "")), else {"code":19021,...}
  anything else             200 {"status":"ok"} (a plain webhook)

A robot request that passes every check answers the vendor's success ({"errcode":0,"errmsg":"ok"},
Feishu {"code":0,"msg":"success","data":{}}), unless its query has force=<code>: then that vendor error
code (with the vendor's message for 45009, 130101, 11232, 9499) is answered instead.

The signature checks are written from the vendors' documentation, independently of the C++ code under
test. Run with the system Python: /usr/bin/python3 receiver.py --log requests.jsonl [--port N]
[--wecom-key K] [--dingtalk-token T] [--dingtalk-secret S] [--feishu-token T] [--feishu-secret S].
Stop it with SIGTERM.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import signal
import sys
import threading
import time
import urllib.parse

MAX_SKEW_S = 3600

WECOM_MESSAGES = {
    93000: "invalid webhook url, hint: [receiver], from ip: 127.0.0.1, more info at "
    "https://open.work.weixin.qq.com/devtool/query?e=93000",
    40058: "markdown.content exceed max length 4096",
    45009: "api freq out of limit",
    -1: "system busy",
}
DINGTALK_MESSAGES = {
    300001: "token is not exist",
    310000: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
    130101: "send too fast, exceed 20 times per minute",
    -1: "system busy",
}
FEISHU_MESSAGES = {
    19001: "param invalid: incoming webhook access token invalid",
    19021: "sign match fail or timestamp is not within one hour from current time",
    11232: "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]",
    9499: "too many request",
}


class Receiver:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()


def forced(query):
    values = query.get("force")
    return int(values[0]) if values else None


def wecom(args, query, body):
    """Returns (verdict, answer)."""
    key = (query.get("key") or [""])[0]
    if not args.wecom_key or key != args.wecom_key:
        return "invalid key", {"errcode": 93000, "errmsg": WECOM_MESSAGES[93000]}
    try:
        msg = json.loads(body)
    except ValueError:
        return "invalid json", {"errcode": 40001, "errmsg": "invalid json"}
    kind = msg.get("msgtype")
    if kind == "markdown":
        content, limit = msg.get("markdown", {}).get("content"), 4096
    elif kind == "text":
        content, limit = msg.get("text", {}).get("content"), 2048
    else:
        return "unknown msgtype", {"errcode": 40008, "errmsg": "invalid message type"}
    if not isinstance(content, str) or len(content.encode("utf-8")) > limit:
        return "content too long", {"errcode": 40058, "errmsg": WECOM_MESSAGES[40058]}
    code = forced(query)
    if code:
        return "forced %d" % code, {"errcode": code, "errmsg": WECOM_MESSAGES.get(code, "error")}
    return "ok", {"errcode": 0, "errmsg": "ok"}


def dingtalk(args, query, body):
    token = (query.get("access_token") or [""])[0]
    if not args.dingtalk_token or token != args.dingtalk_token:
        return "invalid token", {"errcode": 300001, "errmsg": DINGTALK_MESSAGES[300001]}
    if args.dingtalk_secret:
        # parse_qs has already percent-decoded (and turned '+' into ' ': an unencoded '+' fails).
        timestamp = (query.get("timestamp") or [""])[0]
        sign = (query.get("sign") or [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > MAX_SKEW_S * 1000:
            return "timestamp out of range", {"errcode": 310000, "errmsg": "invalid timestamp"}
        secret = args.dingtalk_secret.encode("utf-8")
        string_to_sign = "{}\n{}".format(timestamp, args.dingtalk_secret).encode("utf-8")
        expected = base64.b64encode(hmac.new(secret, string_to_sign, digestmod=hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode("ascii"), sign):
            return "sign mismatch", {"errcode": 310000, "errmsg": DINGTALK_MESSAGES[310000]}
    try:
        msg = json.loads(body)
    except ValueError:
        return "invalid json", {"errcode": 40035, "errmsg": "invalid json"}
    if msg.get("msgtype") not in ("text", "markdown", "link", "actionCard", "feedCard"):
        return "unknown msgtype", {"errcode": 40035, "errmsg": "msgtype is invalid"}
    code = forced(query)
    if code:
        return "forced %d" % code, {"errcode": code, "errmsg": DINGTALK_MESSAGES.get(code, "error")}
    return "ok", {"errcode": 0, "errmsg": "ok"}


def feishu(args, token, query, body):
    if not args.feishu_token or token != args.feishu_token:
        return "invalid token", {"code": 19001, "msg": FEISHU_MESSAGES[19001], "data": {}}
    try:
        msg = json.loads(body)
    except ValueError:
        return "invalid json", {"code": 9499, "msg": "Bad Request", "data": {}}
    if args.feishu_secret:
        timestamp = msg.get("timestamp")
        sign = msg.get("sign")
        if (not isinstance(timestamp, str) or not timestamp.isdigit()
                or abs(time.time() - int(timestamp)) > MAX_SKEW_S):
            return "timestamp out of range", {"code": 19021, "msg": FEISHU_MESSAGES[19021], "data": {}}
        key = "{}\n{}".format(timestamp, args.feishu_secret).encode("utf-8")
        expected = base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode("ascii")
        if not isinstance(sign, str) or not hmac.compare_digest(expected, sign):
            return "sign mismatch", {"code": 19021, "msg": FEISHU_MESSAGES[19021], "data": {}}
    if msg.get("msg_type") not in ("text", "post", "interactive", "image", "share_chat"):
        return "unknown msg_type", {"code": 9499, "msg": "Bad Request", "data": {}}
    if len(body.encode("utf-8")) > 20 * 1024:
        return "body too large", {"code": 9499, "msg": "Bad Request", "data": {}}
    code = forced(query)
    if code:
        return "forced %d" % code, {"code": code, "msg": FEISHU_MESSAGES.get(code, "error"), "data": {}}
    return "ok", {"code": 0, "msg": "success", "data": {}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "receiver/1"

    def log_message(self, fmt, *args):  # quiet: tests read the JSONL file
        pass

    def handle_any(self):
        receiver = self.server.receiver
        args = receiver.args
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        body = raw.decode("utf-8", errors="replace")
        split = urllib.parse.urlsplit(self.path)
        path, query_string = split.path, split.query
        query = urllib.parse.parse_qs(query_string, keep_blank_values=True)

        status, extra_headers, verdict, answer = 200, [], "ok", {"status": "ok"}
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "status" and parts[1].isdigit():
            status = int(parts[1])
            answer = {"status": status}
            verdict = "status %d" % status
            if "retry_after" in query:
                extra_headers.append(("Retry-After", query["retry_after"][0]))
            if "echo" in query:  # a careless receiver that repeats the request in its error body
                answer["echo"] = self.path + " " + (self.headers.get("Authorization") or "")
        elif len(parts) == 2 and parts[0] == "delay" and parts[1].isdigit():
            time.sleep(int(parts[1]) / 1000.0)
        elif path.endswith("/cgi-bin/webhook/send"):
            verdict, answer = wecom(args, query, body)
        elif path.endswith("/robot/send"):
            verdict, answer = dingtalk(args, query, body)
        elif len(parts) >= 4 and parts[-4:-1] == ["bot", "v2", "hook"]:
            verdict, answer = feishu(args, parts[-1], query, body)

        receiver.record({
            "method": self.command,
            "path": path,
            "query": query_string,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body,
            "status": status,
            "verdict": verdict,
        })
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--wecom-key", default="")
    parser.add_argument("--dingtalk-token", default="")
    parser.add_argument("--dingtalk-secret", default="")
    parser.add_argument("--feishu-token", default="")
    parser.add_argument("--feishu-secret", default="")
    args = parser.parse_args()

    open(args.log, "a").close()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.receiver = Receiver(args)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
