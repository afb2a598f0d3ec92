"""What the benchmarks share: their development secret, tokens, Device ids, the two parties, the
notifier's settings, seeding the inventory, a process's CPU time and peak memory, the webhook
receivers and their floor, and the helper processes' small HTTP protocol (bench/receiver.py and
bench/smtp_sink.py both answer GET /count, GET /stats and POST /reset)."""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import httpx

from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES, mint_dev_token
from tests.notifier.fleet import add_parties
from tests.receiver import free_port

__all__ = [
    "NOTIFIER_SETTINGS",
    "SECRET",
    "add_parties",
    "cpu_seconds",
    "device",
    "peak_rss_mb",
    "percentile",
    "receiver_floor",
    "register",
    "seed",
    "start_helper",
    "start_receiver",
    "token",
    "wait_count",
]

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - bench only

# The floor sends 16 at a time to one receiver, so the notifier may too (its default is 4).
# Override for an experiment with BENCH_NOTIFIER_<SETTING>=value.
NOTIFIER_SETTINGS = {"NOTIFIER_ENDPOINT_CONCURRENCY": "16"} | {
    k.removeprefix("BENCH_"): v for k, v in os.environ.items() if k.startswith("BENCH_NOTIFIER_")
}


def token(subject: str, scopes: tuple[str, ...]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(SECRET, subject, scopes, ttl_seconds=7200)}"}


def device(n: int) -> str:
    return "00-DB-" + "-".join(f"{b:02X}" for b in n.to_bytes(6, "big"))


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def start_helper(args: list[str], url: str, what: str) -> subprocess.Popen[bytes]:
    """`python -m <args>` as a process, once `url`/count answers."""
    process = subprocess.Popen([sys.executable, "-m", *args])  # noqa: S603 - our own modules
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/count").raise_for_status()
            return process
        except httpx.HTTPError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"{what} did not start")


def wait_count(receiver: str, count: int, timeout: float = 300) -> dict[str, float]:
    """Arrival times, once `count` webhooks have arrived. Polls the count alone, on one kept-alive
    connection: polling every arrival time on a new connection every 5 ms cost the receiver (and
    this process) enough CPU during a burst to slow down the notifier it measures."""
    deadline = time.monotonic() + timeout
    arrived = 0
    with httpx.Client(base_url=receiver) as client:
        while time.monotonic() < deadline:
            arrived = client.get("/count").json()["count"]
            if arrived >= count:
                arrivals: dict[str, float] = client.get("/stats").json()["arrivals"]
                return arrivals
            time.sleep(0.005)
    raise RuntimeError(f"only {arrived} of {count} webhooks arrived")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    # The fields after the command's closing parenthesis; utime and stime are 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def seed(api: str, devices: int, first: int = 0, parties: bool = True) -> None:
    """The two parties (unless `parties` is false: added already) and the Devices `first` to
    `first + devices - 1`, each installed by ISUP, registered to GSUP: eligible for GSUP's raise."""
    with httpx.Client(base_url=api, headers=token("admin", (ADMIN_SCOPE,)), timeout=120) as c:
        if parties:
            add_parties(c)
        rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
        rows += [
            f"{device(n)},ESME,installed_not_commissioned,ISUP,GSUP"
            for n in range(first, first + devices)
        ]
        c.post(
            "/v1/devices/import", content="\n".join(rows), headers={"Content-Type": "text/csv"}
        ).raise_for_status()


def register(notifier: str, receiver: str) -> str:
    """ISUP's webhook endpoint for `incident.raised` at `receiver`; retried until the notifier
    has learnt of ISUP from the feed."""
    deadline = time.monotonic() + 10
    while True:
        response = httpx.post(
            f"{notifier}/v1/endpoints",
            headers=token("ISUP", PARTY_SCOPES),
            json={"url": f"{receiver}/hook", "event_types": ["incident.raised"]},
        )
        if response.status_code == 201:
            return str(response.json()["id"])
        if time.monotonic() > deadline:
            raise RuntimeError(response.text)
        time.sleep(0.05)


def start_receiver(kind: str) -> tuple[subprocess.Popen[bytes], str]:
    """A webhook receiver process (bench/receiver.py), `aiohttp` or `uvicorn`, and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return start_helper(["bench.receiver", kind, str(port)], url, f"the {kind} receiver"), url


def receiver_floor(receiver: str, count: int, concurrency: int) -> float:
    """The fastest raw client loop available: aiohttp POSTing `count` webhook-sized bodies to
    the receiver, `concurrency` at a time (requests/s)."""
    body = json.dumps({"type": "incident.raised", "timestamp": "x", "data": {"n": 0}}).encode()

    async def run() -> float:
        semaphore = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:

            async def one() -> None:
                async with semaphore, session.post(f"{receiver}/hook", data=body) as response:
                    await response.read()

            started = time.monotonic()
            await asyncio.gather(*(one() for _ in range(count)))
            return count / (time.monotonic() - started)

    return asyncio.run(run())
