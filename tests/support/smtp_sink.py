#!/usr/bin/env python3
"""An SMTP sink for budgetwatch's email tests: Debian's python3-aiosmtpd (Controller) on 127.0.0.1.

Listens on a port chosen by the system (or --port) and prints one line once it accepts connections:

    PORT <port>

then serves until SIGTERM. Every accepted message is written to DIR/msg-NNNN/ (NNNN counts from
0001; the directory appears atomically, before the client sees the 250 reply) as files:

    raw.eml      the message as received (after dot-unstuffing), bytes unchanged
    mail_from    the envelope sender
    rcpt_tos     the accepted envelope recipients, one per line
    tls          "none", "starttls" or "implicit": how this session was secured
    auth         "<MECHANISM>:<login>" when the session authenticated, else empty
    subject      the Subject, decoded (RFC 2047) and unfolded, by Python's email package
    from, to     the From / To headers, decoded
    message_id   the Message-ID header
    date         the Date header as written
    body         the text/plain part, decoded, CRLF line breaks turned into LF
    html         the text/html part when there is one, decoded the same way, else empty
    headers      every header as "Name: decoded value", one per line, in order
    defects      the parsing defects Python's email package found, one per line (empty: none)

Options (all optional but --dir):
    --dir DIR                 where messages are written (must exist)
    --port N                  listen on 127.0.0.1:N (default 0: a port the system chooses)
    --tls none|starttls|implicit
                              starttls: offer STARTTLS and refuse other commands before it
                              (require_starttls); implicit: TLS from the first byte. Both need
                              --cert and --key (PEM).
    --auth USER:PASSWORD      require AUTH with these credentials (PLAIN and LOGIN are offered,
                              also without TLS: auth_require_tls is off for the tests)
    --auth-mechanisms LIST    comma-separated subset of PLAIN,LOGIN to offer (default both; an
                              empty string offers none)
    --rcpt-reply "CODE TEXT"  answer every RCPT TO with this reply (e.g. "451 4.3.0 Try later")
    --refuse ADDRESS          answer RCPT TO for this address with 550 (repeatable)
    --data-reply "CODE TEXT"  answer the end of DATA with this reply instead of accepting
    --data-delay SECONDS      wait this long before answering the end of DATA
    --no-ehlo                 answer EHLO with 502 (clients must fall back to HELO)

Run with the system Python: /usr/bin/python3 smtp_sink.py --dir /tmp/x [options]. Stop with
SIGTERM.
"""

import argparse
import asyncio
import email
import email.policy
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


class NoEhloSMTP(SMTP):
    """An old-fashioned server: EHLO is not recognised, HELO is."""

    async def smtp_EHLO(self, hostname):
        await self.push('502 5.5.2 Error: command "EHLO" not recognized')


class SinkController(Controller):
    """A Controller that binds the given port (0: one the system chooses) and learns which it got."""

    def __init__(self, handler, smtp_class, port=0, **kwargs):
        self.smtp_class = smtp_class
        super().__init__(handler, hostname="127.0.0.1", port=port, **kwargs)

    def factory(self):
        return self.smtp_class(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self):
        # Runs after the listener is up, before the first (trigger) connection is made.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def text_of(part):
    if part is None:
        return ""
    return part.get_content().replace("\r\n", "\n")


def collect_defects(msg):
    defects = [type(d).__name__ for d in msg.defects]
    for name, value in msg.items():
        defects += [f"{name}: {type(d).__name__}" for d in getattr(value, "defects", ())]
    for part in msg.walk():
        if part is not msg:
            defects += [type(d).__name__ for d in part.defects]
    return defects


class Sink:
    def __init__(self, args):
        self.args = args
        self.refuse = {a.lower() for a in args.refuse}
        self.lock = threading.Lock()
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.rcpt_reply:
            return self.args.rcpt_reply
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.data_delay > 0:
            await asyncio.sleep(self.args.data_delay)
        if self.args.data_reply:
            return self.args.data_reply
        self.record(server, session, envelope)
        return "250 2.0.0 Ok: queued"

    def record(self, server, session, envelope):
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if session.ssl is not None:
            tls = "starttls"
        elif server.transport.get_extra_info("ssl_object") is not None:
            tls = "implicit"
        else:
            tls = "none"
        files = {
            "raw.eml": raw,
            "mail_from": envelope.mail_from,
            "rcpt_tos": "\n".join(envelope.rcpt_tos),
            "tls": tls,
            "auth": session.auth_data if session.authenticated else "",
            "subject": str(msg.get("subject", "")),
            "from": str(msg.get("from", "")),
            "to": str(msg.get("to", "")),
            "message_id": str(msg.get("message-id", "")),
            "date": str(msg.get("date", "")),
            "body": text_of(msg.get_body(preferencelist=("plain",))),
            "html": text_of(msg.get_body(preferencelist=("html",))),
            "headers": "".join(f"{name}: {value}\n" for name, value in msg.items()),
            "defects": "".join(d + "\n" for d in collect_defects(msg)),
        }
        with self.lock:
            self.count += 1
            name = f"msg-{self.count:04d}"
        tmp = os.path.join(self.args.dir, "." + name)
        os.mkdir(tmp)
        for file_name, content in files.items():
            data = content if isinstance(content, bytes) else str(content).encode("utf-8")
            with open(os.path.join(tmp, file_name), "wb") as f:
                f.write(data)
        os.rename(tmp, os.path.join(self.args.dir, name))


def main():
    p = argparse.ArgumentParser(description="SMTP sink for budgetwatch tests")
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    p.add_argument("--rcpt-reply")
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--data-reply")
    p.add_argument("--data-delay", type=float, default=0.0)
    p.add_argument("--no-ehlo", action="store_true")
    args = p.parse_args()

    # Failed TLS handshakes and dropped clients are what the tests provoke; keep stderr quiet.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    kwargs = {"auth_require_tls": False, "server_hostname": "sink.test",
              "ident": "budgetwatch test sink"}
    ssl_context = None
    if args.tls != "none":
        if not (args.cert and args.key):
            p.error("--tls needs --cert and --key")
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            kwargs.update(tls_context=tls, require_starttls=True)
        else:
            ssl_context = tls
    offered = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
    kwargs["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False,
                              auth_data=f"{mechanism}:{auth_data.login.decode()}" if ok else None)

        kwargs.update(authenticator=authenticator, auth_required=True)

    controller = SinkController(Sink(args), NoEhloSMTP if args.no_ehlo else SMTP, port=args.port,
                                ssl_context=ssl_context, **kwargs)
    controller.start()
    print(f"PORT {controller.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
