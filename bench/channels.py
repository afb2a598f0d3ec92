"""The email and inbox channels on loopback, each beside a measure from the same run.

- Email throughput: ISUP has no endpoint, so every `incident.raised` addressed to it is mailed to
  its ops contact. A batch of incidents is raised at once (`POST /v1/incidents/batch`) and the
  notifier's rate is timed from the first message's arrival to the last at an aiosmtpd server in
  its own process (bench/smtp_sink.py; STARTTLS required, certificates checked against a trustme
  CA, as in production). The floor: four reused aiosmtplib connections from this process, each
  sending one message at a time, as many comparable messages (composed as the notifier composes
  them, before the clock starts) to the same server. Target >= 0.4 of the floor.
- Inbox latency: ISUP then gets an inbox, and a consumer in this process long-polls it
  (`GET /v1/inbox?wait=25`), acknowledging what it reads; incidents are raised one at a time and
  timed from the raise to the item's return. Beside it, in the same processes and alternating with
  it, a webhook series to another installing party (HOOK) with a uvicorn receiver, as the
  delivery part's latency. Target: inbox p50 <= 1.5 x the webhook's.

`python -m bench channels` (or `python -m bench.channels` alone). BENCH_MAIL_MESSAGES (per
round), BENCH_MAIL_ROUNDS and BENCH_INBOX_SAMPLES change the sizes (0 rounds or 0 samples skip a
half). BENCH_PROFILE_NOTIFIER=PATH runs the notifier under cProfile and writes its stats to PATH.
"""

import asyncio
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx

from bench.common import (
    NOTIFIER_SETTINGS,
    SECRET,
    add_parties,
    device,
    percentile,
    start_helper,
    token,
)
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from services.notifier.settings import Settings
from services.notifier.transports.mail_format import Letterhead, compose
from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES
from tests.processes import API_APP, NOTIFIER_APP, ROOT, Service, base_env, start, wait_ready
from tests.receiver import free_port

MAIL_MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "1000"))
MAIL_ROUNDS = int(os.environ.get("BENCH_MAIL_ROUNDS", "5"))
"""Rounds, each between two floor measurements, for the reason given at BURSTS in
bench/__main__.py: the ratio reported is the median of the rounds' ratios to their own floors."""
INBOX_SAMPLES = int(os.environ.get("BENCH_INBOX_SAMPLES", "200"))
PROFILE = os.environ.get("BENCH_PROFILE_NOTIFIER")
FLOOR_CONNECTIONS = 4
WARM_UP = 20
"""Messages mailed before the first round: the notifier's first SMTP connections and the
server's first TLS handshakes are not what a round measures."""

OPS = "ops@isup.example"
"""ISUP's ops contact, as bench.common.add_parties creates it."""
HOOK = "HOOK"
"""The installing party with a webhook, for the webhook series beside the inbox's."""
WAIT = 25
SIZES = {
    "mail_messages": MAIL_MESSAGES,
    "mail_rounds": MAIL_ROUNDS,
    "floor_connections": FLOOR_CONNECTIONS,
    "inbox_samples": INBOX_SAMPLES,
}


def measure() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="ssi-bench-channels-") as tmp, ExitStack() as stack:
        data = Path(tmp)
        sink = stack.enter_context(smtp_sink(data))
        receiver = stack.enter_context(uvicorn_receiver())
        api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
        notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        log = data / "services.log"
        api_env = base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=api_db)
        api = start(API_APP, api_env, log)
        stack.callback(api.stop)
        notifier_env = base_env(
            data,
            SSI_JWT_SECRET=SECRET,
            NOTIFIER_DATABASE_URL=notifier_db,
            NOTIFIER_INCIDENT_API_URL=api.url,
            NOTIFIER_SMTP_URL=f"smtp://127.0.0.1:{sink.smtp_port}",
            NOTIFIER_SMTP_CA_FILE=str(sink.ca_file),
            **NOTIFIER_SETTINGS,
        )
        notifier = start_notifier(notifier_env, log)
        stack.callback(notifier.stop)
        mail_devices = WARM_UP + MAIL_MESSAGES * MAIL_ROUNDS
        seed(api.url, mail_devices, INBOX_SAMPLES)
        hook = {"url": f"{receiver}/hook", "event_types": ["incident.raised"]}
        add_endpoint(notifier.url, HOOK, hook)
        rows: list[dict[str, Any]] = []
        if MAIL_ROUNDS:
            processes = {"notifier": notifier.process.pid, "API": api.process.pid}
            processes["SMTP server"] = sink.pid
            rows += mail_rows(measure_mail(api.url, sink, processes))
        if INBOX_SAMPLES:
            add_endpoint(notifier.url, "ISUP", {"kind": "inbox"})
            latencies = asyncio.run(
                measure_latencies(api.url, notifier.url, receiver, first=mail_devices)
            )
            rows += latency_rows(*latencies)
        notifier.stop()
        if "Traceback" in log.read_text():
            raise RuntimeError(f"a service failed: {log.read_text()[-3000:]}")
    return rows


# Processes


@dataclass(frozen=True)
class Sink:
    smtp_port: int
    url: str
    ca_file: Path
    pid: int


@contextmanager
def smtp_sink(data: Path) -> Iterator[Sink]:
    smtp_port, http_port = free_port(), free_port()
    ca_file = data / "smtp-ca.pem"
    url = f"http://127.0.0.1:{http_port}"
    args = ["bench.smtp_sink", f"--smtp-port={smtp_port}", f"--http-port={http_port}"]
    process = start_helper([*args, f"--ca-file={ca_file}"], url, "the SMTP sink")
    try:
        yield Sink(smtp_port, url, ca_file, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def uvicorn_receiver() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_helper(["bench.receiver", "uvicorn", str(port)], url, "the uvicorn receiver")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def start_notifier(env: dict[str, str], log: Path) -> Service:
    if not PROFILE:
        return start(NOTIFIER_APP, env, log)
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-c", _PROFILED, PROFILE, NOTIFIER_APP, "127.0.0.1", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    service = Service(process, f"http://127.0.0.1:{port}", log)
    wait_ready(service, NOTIFIER_APP, time.monotonic() + 60)
    return service


_PROFILED = """
import cProfile, runpy, signal, sys

# Not `python -m cProfile`: uvicorn stops gracefully on SIGTERM, then raises it again with the
# handler it found restored, which would end the process before cProfile writes anything.
path = sys.argv[1]
profiler = cProfile.Profile()

def dump(signum, frame):
    profiler.disable()
    profiler.dump_stats(path)
    sys.exit(0)

signal.signal(signal.SIGTERM, dump)
sys.argv = ["services.serve", *sys.argv[2:]]
profiler.enable()
runpy.run_module("services.serve", run_name="__main__")
"""


def seed(api: str, mail_devices: int, latency_samples: int) -> None:
    """GSUP raises everything. ISUP installs the Devices of the mail rounds, then every other one
    of the latency series (the inbox's); HOOK the rest (the webhook's)."""
    with httpx.Client(base_url=api, headers=token("admin", (ADMIN_SCOPE,)), timeout=120) as c:
        add_parties(c)
        c.post(
            "/v1/parties",
            json={
                "party_id": HOOK,
                "name": HOOK,
                "category": "small_supplier",
                "ops_contact_email": "ops@hook.example",
                "escalation_contact_email": "esc@hook.example",
            },
        ).raise_for_status()
        rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
        for n in range(mail_devices + 2 * latency_samples):
            installer = "ISUP" if n < mail_devices or (n - mail_devices) % 2 else HOOK
            rows.append(f"{device(n)},ESME,installed_not_commissioned,{installer},GSUP")
        c.post(
            "/v1/devices/import", content="\n".join(rows), headers={"Content-Type": "text/csv"}
        ).raise_for_status()


def add_endpoint(notifier: str, party: str, body: dict[str, Any]) -> None:
    # The notifier learns parties from the feed: retry until it has seen this one.
    deadline = time.monotonic() + 10
    while True:
        response = httpx.post(
            f"{notifier}/v1/endpoints", headers=token(party, PARTY_SCOPES), json=body
        )
        if response.status_code == 201:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(response.text)
        time.sleep(0.05)


# Email throughput


def measure_mail(api: str, sink: Sink, processes: dict[str, int]) -> dict[str, Any]:
    raise_batch(api, 0, WARM_UP)
    wait_messages(sink, WARM_UP)
    first = WARM_UP
    floor = measure_floor(sink, 0)
    rounds = []
    for n in range(MAIL_ROUNDS):
        notifier = measure_round(api, sink, first, processes)
        first += MAIL_MESSAGES
        floor_after = measure_floor(sink, n + 1)
        rounds.append(notifier | {"floor": (floor["rate"] + floor_after["rate"]) / 2})
        floor = floor_after
    return {"rounds": rounds, "floor": floor}


def raise_batch(api: str, first: int, count: int) -> None:
    items = [{"device_id": device(n)} for n in range(first, first + count)]
    response = httpx.post(
        f"{api}/v1/incidents/batch",
        json={"items": items},
        headers=token("GSUP", PARTY_SCOPES),
        timeout=600,
    )
    response.raise_for_status()
    result = response.json()
    if result["succeeded"] != count:
        raise RuntimeError(f"the batch raised {result['succeeded']} of {count}")


def measure_round(api: str, sink: Sink, first: int, processes: dict[str, int]) -> dict[str, Any]:
    httpx.post(f"{sink.url}/reset").raise_for_status()
    started = time.monotonic()
    raise_batch(api, first, MAIL_MESSAGES)
    answered = time.monotonic()
    cpu_before = cpu_seconds(processes)
    wait_messages(sink, MAIL_MESSAGES)
    cpu = {name: seconds - cpu_before[name] for name, seconds in cpu_seconds(processes).items()}
    stats = sink_stats(sink)
    times = sorted(stats["arrivals"].values())
    return {
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "batch_s": answered - started,
        "first_s": times[0] - started,
        "last_s": times[-1] - started,
        "cpu": cpu,
        "bytes": stats["bytes"],
        "duplicates": stats["duplicates"],
    }


def cpu_seconds(processes: dict[str, int]) -> dict[str, float]:
    """User and system CPU time each process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in processes.items():
        # The fields after the command's closing parenthesis; utime and stime are 14 and 15.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def wait_messages(sink: Sink, count: int, timeout: float = 300) -> None:
    """Returns once `count` messages have arrived: the server answers then, unpolled, so that
    watching costs nothing during a round."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=sink.url, timeout=40) as client:
        while time.monotonic() < deadline:
            if client.get("/wait", params={"count": count, "wait": 30}).json()["count"] >= count:
                return
    raise RuntimeError(f"fewer than {count} messages arrived")


def sink_stats(sink: Sink) -> dict[str, Any]:
    time.sleep(0.2)  # a duplicate would be here by now
    stats: dict[str, Any] = httpx.get(f"{sink.url}/stats").json()
    return stats


def floor_messages(run: int) -> list[bytes]:
    """Messages as the notifier composes them for an `incident.raised`, each with its own id."""
    settings = Settings()
    letterhead = Letterhead.of(settings.mail_from, settings.portal_url)
    now = datetime.now(UTC)
    messages = []
    for n in range(MAIL_MESSAGES):
        incident = uuid.uuid4()
        data = {
            "seq": n + 1,
            "version": 1,
            "incident_id": str(incident),
            "reference": f"INC-{n + 1:06d}",
            "device_id": device(n),
            "device_type": "ESME",
            "requesting_party_id": "GSUP",
            "addressed_party_id": "ISUP",
            "unverified": False,
            "status": "raised",
            "outcome": None,
            "clock": 1,
            "policy": "mp121",
            "raised_at": now.isoformat(),
            "due_at": (now + timedelta(days=7)).isoformat(),
        }
        body = json.dumps({"type": "incident.raised", "timestamp": now.isoformat(), "data": data})
        webhook_id = f"floor-{run}-{incident}"
        message = compose(letterhead, address=OPS, webhook_id=webhook_id, body=body, now=now)
        messages.append(message.as_bytes())
    return messages


def measure_floor(sink: Sink, run: int) -> dict[str, Any]:
    messages = floor_messages(run)
    context = ssl.create_default_context(cafile=str(sink.ca_file))

    async def send() -> None:
        clients = [
            aiosmtplib.SMTP(
                hostname="127.0.0.1",
                port=sink.smtp_port,
                local_hostname="bench.localhost",
                start_tls=True,
                validate_certs=True,
                tls_context=context,
                timeout=30,
            )
            for _ in range(FLOOR_CONNECTIONS)
        ]
        await asyncio.gather(*(client.connect() for client in clients))
        queue = iter(messages)

        async def one_connection(client: aiosmtplib.SMTP) -> None:
            for message in queue:
                await client.sendmail("ssi-notifier@localhost", [OPS], message)

        await asyncio.gather(*(one_connection(client) for client in clients))
        await asyncio.gather(*(client.quit() for client in clients))

    httpx.post(f"{sink.url}/reset").raise_for_status()
    processes = {"this process": os.getpid(), "SMTP server": sink.pid}
    cpu_before, started = cpu_seconds(processes), time.monotonic()
    asyncio.run(send())
    wait_messages(sink, MAIL_MESSAGES)
    cpu = {name: seconds - cpu_before[name] for name, seconds in cpu_seconds(processes).items()}
    wall = time.monotonic() - started
    stats = sink_stats(sink)
    times = sorted(stats["arrivals"].values())
    rate = (len(times) - 1) / (times[-1] - times[0])
    return {"rate": rate, "bytes": stats["bytes"], "cpu": cpu, "wall": wall}


def mail_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rounds = results["rounds"]
    ranked = sorted(rounds, key=lambda r: r["rate"] / r["floor"])
    median = ranked[len(ranked) // 2]
    ratio = median["rate"] / median["floor"]
    size = median["bytes"] / MAIL_MESSAGES
    floor = results["floor"]
    floor_size = floor["bytes"] / MAIL_MESSAGES
    return [
        {
            "measure": f"email: {MAIL_MESSAGES:,} raises mailed (messages/s, median round)",
            "value": round(median["rate"]),
            "target": f">= {0.4 * median['floor']:.0f} (0.4 x floor)",
            "ok": ratio >= 0.4,
            "ratio": round(ratio, 2),
            "ratios": ", ".join(f"{r['rate'] / r['floor']:.2f}" for r in rounds),
        },
        {
            "measure": f"email: floor, aiosmtplib, {FLOOR_CONNECTIONS} reused connections (msg/s)",
            "value": round(median["floor"]),
            "target": "mean of the floors just before and after the round",
            "ok": None,
        },
        {
            "measure": "  every round, notifier / floor (msg/s)",
            "value": "",
            "target": ", ".join(f"{r['rate']:.0f} / {r['floor']:.0f}" for r in rounds),
            "ok": None,
        },
        {
            "measure": "  the batch's answer / first message / last message (s)",
            "value": f"{median['batch_s']:.2f} / {median['first_s']:.2f} / {median['last_s']:.2f}",
            "target": "after the batch was sent",
            "ok": None,
        },
        {
            "measure": "  CPU from the batch's answer to the last message (s)",
            "value": "",
            "target": ", ".join(f"{name} {seconds:.1f}" for name, seconds in median["cpu"].items())
            + f" (wall {median['last_s'] - median['batch_s']:.1f})",
            "ok": None,
        },
        {
            "measure": "  CPU in the last floor measurement (s)",
            "value": "",
            "target": ", ".join(f"{name} {seconds:.1f}" for name, seconds in floor["cpu"].items())
            + f" (wall {floor['wall']:.1f})",
            "ok": None,
        },
        {
            "measure": "  message size, notifier's / floor's (bytes)",
            "value": f"{size:.0f} / {floor_size:.0f}",
            "target": "",
            "ok": None,
        },
        {
            "measure": "  messages received twice (all rounds)",
            "value": sum(r["duplicates"] for r in rounds),
            "target": "",
            "ok": None,
        },
    ]


# Inbox latency


async def measure_latencies(
    api: str, notifier: str, receiver: str, first: int
) -> tuple[list[float], list[float], list[float]]:
    """Raise-to-webhook and raise-to-inbox-item times, alternating, one raise at a time, and how
    long the API took to answer each raise (ms)."""
    returned: dict[str, float] = {}
    raise_ms: list[float] = []
    arrived = asyncio.Event()
    waiting = asyncio.Event()
    timeout = httpx.Timeout(10, read=WAIT + 10)

    async def consume(inbox: httpx.AsyncClient) -> None:
        after: str | None = None
        while True:
            params: dict[str, Any] = {"wait": WAIT} | ({"after": after} if after else {})
            waiting.set()
            response = await inbox.get("/v1/inbox", params=params)
            now = time.monotonic()
            waiting.clear()
            response.raise_for_status()
            page = response.json()
            for item in page["items"]:
                returned.setdefault(item["data"]["incident_id"], now)
            if page["items"]:
                arrived.set()
                acked = await inbox.post("/v1/inbox/ack", json={"cursor": page["next_cursor"]})
                acked.raise_for_status()
            after = page["next_cursor"]

    async with (
        httpx.AsyncClient(base_url=api, headers=token("GSUP", PARTY_SCOPES)) as raiser,
        httpx.AsyncClient(base_url=receiver) as hooks,
        httpx.AsyncClient(
            base_url=notifier, headers=token("ISUP", PARTY_SCOPES), timeout=timeout
        ) as inbox,
    ):

        async def raise_one(n: int) -> tuple[str, float]:
            started = time.monotonic()
            response = await raiser.post("/v1/incidents", json={"device_id": device(n)})
            response.raise_for_status()
            raise_ms.append((time.monotonic() - started) * 1000)
            return str(response.json()["id"]), started

        async def webhook_sample(n: int, count: int) -> float:
            incident, started = await raise_one(n)
            async with asyncio.timeout(30):
                # The receiver is another process: polled, on one kept-alive connection.
                while True:
                    if (await hooks.get("/count")).json()["count"] >= count:
                        break
                    await asyncio.sleep(0.005)
            arrivals: dict[str, float] = (await hooks.get("/stats")).json()["arrivals"]
            return (arrivals[incident] - started) * 1000

        async def inbox_sample(n: int) -> float:
            # Raised once the consumer is back in its long-poll, as a consumer would be
            # between events: the time measured is the inbox's, not the previous ack's.
            await waiting.wait()
            incident, started = await raise_one(n)
            async with asyncio.timeout(30):
                while incident not in returned:
                    arrived.clear()
                    await arrived.wait()
            return (returned[incident] - started) * 1000

        consumer = asyncio.create_task(consume(inbox))
        webhook, inboxed = [], []
        try:
            for sample in range(INBOX_SAMPLES):
                n = first + 2 * sample
                webhook.append(await webhook_sample(n, sample + 1))
                inboxed.append(await inbox_sample(n + 1))
                if consumer.done():
                    consumer.result()
        finally:
            consumer.cancel()
            with suppress(asyncio.CancelledError):
                await consumer
    return webhook, inboxed, raise_ms


def latency_rows(
    webhook: list[float], inboxed: list[float], raise_ms: list[float]
) -> list[dict[str, Any]]:
    hook_p50, inbox_p50 = percentile(webhook, 50), percentile(inboxed, 50)
    ratio = inbox_p50 / hook_p50
    return [
        {
            "measure": "raise-to-inbox-item p50 (ms), a waiting long-poll",
            "value": round(inbox_p50, 1),
            "target": f"<= {1.5 * hook_p50:.1f} (1.5 x webhook p50)",
            "ok": ratio <= 1.5,
            "ratio": round(ratio, 2),
        },
        {
            "measure": "raise-to-inbox-item p99 (ms)",
            "value": round(percentile(inboxed, 99), 1),
            "target": "",
            "ok": None,
        },
        {
            "measure": "raise-to-webhook p50 (ms), alternating with the inbox's",
            "value": round(hook_p50, 1),
            "target": "",
            "ok": None,
        },
        {
            "measure": "raise-to-webhook p99 (ms)",
            "value": round(percentile(webhook, 99), 1),
            "target": "",
            "ok": None,
        },
        {
            "measure": "  of which the API's 201 (p50 ms)",
            "value": round(percentile(raise_ms, 50), 1),
            "target": "",
            "ok": None,
        },
        {
            "measure": "  inbox / webhook samples, mean (ms)",
            "value": f"{statistics.mean(inboxed):.1f} / {statistics.mean(webhook):.1f}",
            "target": f"{len(inboxed)} of each",
            "ok": None,
        },
    ]


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<64} {row['value']!s:>16}  {row['target']}")
