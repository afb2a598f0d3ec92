"""End to end (`python -m bench write`; bench/README.md explains the method): incidents raised in
bulk calls, all delivered as webhooks to one receiver, against the raw client loop to it.

The API, the notifier and a webhook receiver (bench/receiver.py, BENCH_E2E_RECEIVER: aiohttp by
default) run as processes, set up as the delivery part sets them up. A round raises CALLS x
PER_CALL incidents addressed to ISUP, whose endpoint takes `incident.raised`, in back-to-back
bulk calls (`POST /v1/incidents/batch`); its rate is the deliveries per second from the first
arrival at the receiver to the last. The floor: aiohttp POSTing 16 at a time to the same
receiver (bench.common.receiver_floor), before and after each round. ROUNDS rounds, the median
of their ratios reported.
"""

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    NOTIFIER_SETTINGS,
    SECRET,
    device,
    receiver_floor,
    register,
    seed,
    start_receiver,
    token,
    wait_count,
)
from bench.write_path import memory_row, stop_process
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import PARTY_SCOPES
from tests.processes import API_APP, NOTIFIER_APP, Service, base_env, start

CALLS = 3
PER_CALL = int(os.environ.get("BENCH_E2E_PER_CALL", "1000"))
ROUNDS = int(os.environ.get("BENCH_E2E_ROUNDS", "3"))
RECEIVER = os.environ.get("BENCH_E2E_RECEIVER", "aiohttp")
FLOOR_REQUESTS = 2000
FLOOR_CONCURRENCY = 16
WARM_UP = 20


def measure() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="ssi-bench-e2e-") as tmp:
        data = Path(tmp)
        api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
        notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        log = data / "services.log"
        receiver, url = start_receiver(RECEIVER)
        services: list[Service] = []
        try:
            api_env = base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=api_db)
            api = start(API_APP, api_env, log)
            services.append(api)
            notifier_env = base_env(
                data,
                SSI_JWT_SECRET=SECRET,
                NOTIFIER_DATABASE_URL=notifier_db,
                NOTIFIER_INCIDENT_API_URL=api.url,
                **NOTIFIER_SETTINGS,
            )
            notifier = start(NOTIFIER_APP, notifier_env, log)
            services.append(notifier)
            total = CALLS * PER_CALL
            seed(api.url, WARM_UP + ROUNDS * total)
            register(notifier.url, url)
            # The first deliveries open the notifier's connections: not what a round measures.
            raise_batch(api.url, 0, WARM_UP)
            wait_count(url, WARM_UP)
            first = WARM_UP
            floor = receiver_floor(url, FLOOR_REQUESTS, FLOOR_CONCURRENCY)
            rounds = []
            for _ in range(ROUNDS):
                ran = measure_round(api.url, url, first, total)
                first += total
                after = receiver_floor(url, FLOOR_REQUESTS, FLOOR_CONCURRENCY)
                rounds.append(ran | {"floor": (floor + after) / 2})
                floor = after
            rows = end_to_end_rows(rounds)
            rows += [memory_row("API, end to end", api.process.pid)]
            rows += [memory_row("notifier, end to end", notifier.process.pid)]
            return rows
        finally:
            for service in services:
                service.stop()
            stop_process(receiver)


def raise_batch(api: str, first: int, count: int) -> None:
    items = [{"device_id": device(n)} for n in range(first, first + count)]
    response = httpx.post(
        f"{api}/v1/incidents/batch",
        json={"items": items},
        headers=token("GSUP", PARTY_SCOPES),
        timeout=600,
    )
    response.raise_for_status()
    succeeded = response.json()["succeeded"]
    if succeeded != count:
        raise RuntimeError(f"the batch raised {succeeded} of {count}")


def measure_round(api: str, receiver: str, first: int, total: int) -> dict[str, float]:
    httpx.post(f"{receiver}/reset").raise_for_status()
    started = time.monotonic()
    for call in range(CALLS):
        raise_batch(api, first + call * PER_CALL, PER_CALL)
    raised = time.monotonic()
    times = sorted(wait_count(receiver, total).values())
    return {
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "raised_s": raised - started,
        "first_s": times[0] - started,
        "last_s": times[-1] - started,
    }


def end_to_end_rows(rounds: list[dict[str, float]]) -> list[dict[str, Any]]:
    ratios = [r["rate"] / r["floor"] for r in rounds]
    median = sorted(rounds, key=lambda r: r["rate"] / r["floor"])[len(rounds) // 2]
    ratio = median["rate"] / median["floor"]
    total = CALLS * PER_CALL
    return [
        {
            "measure": f"end to end: {total:,} raised in {CALLS} bulk calls, delivered (per s)",
            "value": round(median["rate"]),
            "target": f">= {0.4 * median['floor']:.0f} (0.4 x floor)",
            "ok": ratio >= 0.4,
            "ratio": round(ratio, 2),
            "ratios": ", ".join(f"{r:.2f}" for r in ratios),
        },
        {
            "measure": f"end to end: floor, aiohttp {FLOOR_CONCURRENCY} at a time to the "
            f"{RECEIVER} receiver (req/s)",
            "value": round(median["floor"]),
            "target": "mean of the floors just before and after the round",
            "ok": None,
        },
        {
            "measure": "  the bulk calls answered / first / last delivery (s, median round)",
            "value": f"{median['raised_s']:.2f}",
            "target": f"/ {median['first_s']:.2f} / {median['last_s']:.2f} after the first call"
            + f" (all rounds' last: {statistics.mean(r['last_s'] for r in rounds):.2f} s mean)",
            "ok": None,
        },
    ]


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<72} {row['value']!s:>12}  {row['target']}")
