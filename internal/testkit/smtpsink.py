"""A real SMTP server for the Go tests: internal/testkit/smtp.go starts it.

aiosmtpd's own command line (python3 -m aiosmtpd) cannot require AUTH, so
this script builds the server from aiosmtpd's SMTP class. It listens on
127.0.0.1 on a port the kernel picks, prints "READY <port>" once it accepts
connections, and writes each message it takes as OUTDIR/NNNNNN.json
(envelope, raw data in base64, whether TLS and AUTH were used), renamed
into place only when whole. It stops when its standard input closes (the
test ended, or its process died) or on SIGTERM.

Credentials come from SMTPSINK_USERNAME and SMTPSINK_PASSWORD, not the
command line, which other users can read.

Exit status 3: aiosmtpd is not installed (Debian: python3-aiosmtpd).
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import ssl
import sys
import threading

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError as exc:
    print(f"MISSING aiosmtpd: {exc}", file=sys.stderr)
    sys.exit(3)


class Sink:
    """aiosmtpd handler: refuses the temp-fail recipients, stores the rest."""

    def __init__(self, outdir, tempfail):
        self.outdir = outdir
        self.tempfail = {a.lower() for a in tempfail}
        self.seq = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.tempfail:
            return "451 4.3.0 Mailbox busy, try again later (test sink)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        # The handlers run on the one event loop thread: seq needs no lock.
        self.seq += 1
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": base64.b64encode(data).decode("ascii"),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
        }
        name = os.path.join(self.outdir, f"{self.seq:06d}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(name + ".tmp", name)
        return "250 2.0.0 OK: message stored"


def authenticator(username, password):
    want = LoginPassword(username.encode(), password.encode())

    def check(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd then answers 535 itself (True would leave the
        # client waiting for a reply).
        ok = isinstance(auth_data, LoginPassword) and auth_data == want
        return AuthResult(success=ok, handled=False)

    return check


async def serve(args):
    loop = asyncio.get_running_loop()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    username = os.environ.get("SMTPSINK_USERNAME", "")
    password = os.environ.get("SMTPSINK_PASSWORD", "")
    starttls = args.tls == "starttls"
    handler = Sink(args.outdir, args.tempfail)

    def protocol():
        kwargs = dict(
            hostname="smtpsink.test",
            # STARTTLS: offered, and required before anything else.
            tls_context=context if starttls else None,
            require_starttls=starttls,
            # AUTH: required before MAIL when a login is set; offered only
            # over TLS when there is TLS (implicit TLS is the transport's,
            # which aiosmtpd's check does not see, so it is off there).
            auth_required=bool(username),
            auth_require_tls=starttls,
            loop=loop,
        )
        if username:
            kwargs["authenticator"] = authenticator(username, password)
        return SMTP(handler, **kwargs)

    server = await loop.create_server(
        protocol, host="127.0.0.1", port=0,
        ssl=context if args.tls == "implicit" else None)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def watch_stdin():
        sys.stdin.buffer.read()  # until EOF: the Go side closed it or died
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    await stop.wait()
    server.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--tempfail", action="append", default=[],
                   help="answer RCPT TO this address with 451 (repeatable)")
    args = p.parse_args()
    if args.tls != "none" and not (args.cert and args.key):
        p.error("--tls needs --cert and --key")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
