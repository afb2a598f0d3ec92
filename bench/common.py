"""What the benchmarks share: their development secret, tokens, Device ids, the two parties, the
notifier's settings, and the helper processes' small HTTP protocol (bench/receiver.py and
bench/smtp_sink.py both answer GET /count, GET /stats and POST /reset)."""

import os
import statistics
import subprocess
import sys
import time

import httpx

from shared.tokens import mint_dev_token
from tests.notifier.fleet import add_parties

__all__ = [
    "NOTIFIER_SETTINGS",
    "SECRET",
    "add_parties",
    "device",
    "percentile",
    "start_helper",
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
