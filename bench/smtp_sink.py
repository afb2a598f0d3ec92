"""The benchmark's SMTP server: aiosmtpd in a process of its own, accepting every message over
STARTTLS (required, as a relay in production would) and noting when each arrived
(CLOCK_MONOTONIC, comparable across processes on one Linux machine).

`python -m bench.smtp_sink --smtp-port N --http-port M --ca-file PATH` writes a new trustme CA's
certificate to PATH (for NOTIFIER_SMTP_CA_FILE) and serves SMTP on N and, on M, a small HTTP
protocol like bench/receiver.py's: GET /stats returns {"count", "duplicates", "bytes", "arrivals":
{key: t}}, arrivals keyed by Message-ID; GET /count returns {"count"} alone; GET
/wait?count=C&wait=S answers {"count"} once C messages have arrived (or after S seconds), so that
a burst is waited for without polling; POST /reset forgets everything. A message whose Message-ID
was seen before is counted as a duplicate, not again: email is at least once, and a re-sent
message keeps its id.
"""

import argparse
import asyncio
import re
import ssl
import time
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)

arrivals: dict[str, float] = {}
duplicates = 0
received_bytes = 0
waiters: list[tuple[int, "asyncio.Future[None]"]] = []


class Handler:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        global duplicates, received_bytes
        now = time.monotonic()
        content = envelope.original_content or b""
        received_bytes += len(content)
        # The headers alone, searched with a regex: parsing whole messages with the email
        # package would make this server slower than the clients it measures.
        head = content.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        key = found.group(1).decode("ascii", "replace") if found else f"raw-{len(arrivals)}"
        if key in arrivals:
            duplicates += 1
        else:
            arrivals[key] = now
            wake()
        return "250 2.0.0 Message accepted"


def wake() -> None:
    for waiter in [w for w in waiters if w[0] <= len(arrivals)]:
        waiters.remove(waiter)
        if not waiter[1].done():
            waiter[1].set_result(None)


def stats() -> dict[str, Any]:
    return {
        "count": len(arrivals),
        "duplicates": duplicates,
        "bytes": received_bytes,
        "arrivals": arrivals,
    }


async def get_stats(_request: web.Request) -> web.Response:
    return web.json_response(stats())


async def get_count(_request: web.Request) -> web.Response:
    return web.json_response({"count": len(arrivals)})


async def wait_for(request: web.Request) -> web.Response:
    """Answers once `count` messages have arrived, or after `wait` seconds."""
    count = int(request.query["count"])
    if len(arrivals) < count:
        waiter = (count, asyncio.get_running_loop().create_future())
        waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter[1], float(request.query.get("wait", "30")))
        except TimeoutError:
            pass
        finally:
            if waiter in waiters:
                waiters.remove(waiter)
    return web.json_response({"count": len(arrivals)})


async def reset(_request: web.Request) -> web.Response:
    global duplicates, received_bytes
    arrivals.clear()
    duplicates = received_bytes = 0
    return web.Response(status=204)


def tls_context(ca_file: Path) -> ssl.SSLContext:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


async def serve(smtp_port: int, http_port: int, ca_file: Path) -> None:
    context = tls_context(ca_file)
    handler = Handler()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(
            handler,
            # A fixed name: aiosmtpd's default asks DNS (getfqdn) at every connection.
            hostname="sink.bench",
            tls_context=context,
            require_starttls=True,
            enable_SMTPUTF8=False,
            loop=loop,
        ),
        host="127.0.0.1",
        port=smtp_port,
    )
    app = web.Application()
    app.add_routes(
        [
            web.get("/stats", get_stats),
            web.get("/count", get_count),
            web.get("/wait", wait_for),
            web.post("/reset", reset),
        ]
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    # Listening for HTTP last: /count answering means SMTP is up too.
    await web.TCPSite(runner, "127.0.0.1", http_port).start()
    async with smtp:
        await smtp.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.smtp_sink")
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--ca-file", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.smtp_port, args.http_port, args.ca_file))


if __name__ == "__main__":
    main()
