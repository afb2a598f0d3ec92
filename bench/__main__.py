"""`make bench`: delivery latency and throughput on loopback, each beside a floor from this run.

- Latency: raise an incident, time until the installing supplier's receiver (a separate process)
  has the webhook; p50 and p99 over sequential raises. Targets p50 <= 25 ms, p99 <= 100 ms.
- Throughput: a burst of webhooks to one receiver (queued while the endpoint is disabled, then
  released at once with `recover`), against the floor: the fastest raw client loop available,
  aiohttp POSTing 16 at a time to the same receiver. Target >= 0.4 of the floor.

Everything runs on the embedded default (SQLite) in a temporary directory, on loopback only.
Results are printed as a table and written to bench/results/latest.json.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES, mint_dev_token
from tests.processes import API_APP, NOTIFIER_APP, base_env, start
from tests.receiver import free_port

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - bench only
LATENCY_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "200"))
BURST = int(os.environ.get("BENCH_BURST", "2000"))
RESULTS = Path(__file__).parent / "results"


def token(subject: str, scopes: tuple[str, ...]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(SECRET, subject, scopes, ttl_seconds=7200)}"}


def device(n: int) -> str:
    return "00-DB-" + "-".join(f"{b:02X}" for b in n.to_bytes(6, "big"))


def seed(api: str, devices: int) -> None:
    with httpx.Client(base_url=api, headers=token("admin", (ADMIN_SCOPE,)), timeout=120) as c:
        for party, category in (("GSUP", "large_supplier"), ("ISUP", "small_supplier")):
            c.post(
                "/v1/parties",
                json={
                    "party_id": party,
                    "name": party,
                    "category": category,
                    "ops_contact_email": "ops@example.com",
                    "escalation_contact_email": "esc@example.com",
                },
            ).raise_for_status()
        rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
        rows += [f"{device(n)},ESME,installed_not_commissioned,ISUP,GSUP" for n in range(devices)]
        c.post(
            "/v1/devices/import", content="\n".join(rows), headers={"Content-Type": "text/csv"}
        ).raise_for_status()


def register(notifier: str, receiver: str) -> str:
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


def wait_count(receiver: str, count: int, timeout: float = 300) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = httpx.get(f"{receiver}/stats").json()
        if stats["count"] >= count:
            arrivals: dict[str, float] = stats["arrivals"]
            return arrivals
        time.sleep(0.005)
    raise RuntimeError(f"only {stats['count']} of {count} webhooks arrived")


def measure_latency(api: str, receiver: str) -> list[float]:
    samples = []
    with httpx.Client(base_url=api, headers=token("GSUP", PARTY_SCOPES)) as client:
        for n in range(LATENCY_SAMPLES):
            started = time.monotonic()
            response = client.post("/v1/incidents", json={"device_id": device(n)})
            response.raise_for_status()
            arrived = wait_count(receiver, n + 1)[response.json()["id"]]
            samples.append((arrived - started) * 1000)
    return samples


def measure_burst(api: str, notifier: str, receiver: str, endpoint_id: str) -> float:
    isup = token("ISUP", PARTY_SCOPES)
    httpx.patch(
        f"{notifier}/v1/endpoints/{endpoint_id}", headers=isup, json={"enabled": False}
    ).raise_for_status()
    since = datetime.now(UTC).isoformat()
    httpx.post(f"{receiver}/reset").raise_for_status()

    async def raise_all() -> None:
        async with httpx.AsyncClient(base_url=api, headers=token("GSUP", PARTY_SCOPES)) as c:
            semaphore = asyncio.Semaphore(16)

            async def one(n: int) -> None:
                async with semaphore:
                    (
                        await c.post("/v1/incidents", json={"device_id": device(n)})
                    ).raise_for_status()

            await asyncio.gather(*(one(n) for n in range(LATENCY_SAMPLES, LATENCY_SAMPLES + BURST)))

    asyncio.run(raise_all())
    time.sleep(1.0)  # let the notifier route the burst (as skipped) before releasing it
    started = time.monotonic()
    recovered = httpx.post(
        f"{notifier}/v1/endpoints/{endpoint_id}/recover", headers=isup, json={"since": since}
    )
    recovered.raise_for_status()
    arrivals = wait_count(receiver, BURST)
    return BURST / (max(arrivals.values()) - started)


def measure_floor(receiver: str) -> tuple[float, float]:
    body = json.dumps({"type": "incident.raised", "timestamp": "x", "data": {"n": 0}}).encode()

    async def run(concurrency: int) -> float:
        semaphore = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:

            async def one() -> None:
                async with semaphore, session.post(f"{receiver}/hook", data=body) as response:
                    await response.read()

            started = time.monotonic()
            await asyncio.gather(*(one() for _ in range(BURST)))
            return BURST / (time.monotonic() - started)

    return asyncio.run(run(1)), asyncio.run(run(16))


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ssi-bench-") as tmp:
        data = Path(tmp)
        api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
        notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        log = data / "services.log"
        port = free_port()
        receiver_process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.receiver", str(port)]
        )
        receiver = f"http://127.0.0.1:{port}"
        services = []
        try:
            api = start(
                API_APP,
                base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=api_db),
                log,
            )
            services.append(api)
            notifier = start(
                NOTIFIER_APP,
                base_env(
                    data,
                    SSI_JWT_SECRET=SECRET,
                    NOTIFIER_DATABASE_URL=notifier_db,
                    NOTIFIER_INCIDENT_API_URL=api.url,
                ),
                log,
            )
            services.append(notifier)
            seed(api.url, LATENCY_SAMPLES + BURST)
            endpoint_id = register(notifier.url, receiver)
            latency = measure_latency(api.url, receiver)
            throughput = measure_burst(api.url, notifier.url, receiver, endpoint_id)
            floor_serial, floor_16 = measure_floor(receiver)
        finally:
            for service in services:
                service.stop()
            receiver_process.terminate()
            receiver_process.wait(timeout=10)
    report(latency, throughput, floor_serial, floor_16)


def report(latency: list[float], throughput: float, floor_serial: float, floor_16: float) -> None:
    p50, p99 = percentile(latency, 50), percentile(latency, 99)
    rows: list[dict[str, Any]] = [
        {
            "measure": "raise-to-webhook p50 (ms)",
            "value": round(p50, 1),
            "target": "<= 25",
            "ok": p50 <= 25,
        },
        {
            "measure": "raise-to-webhook p99 (ms)",
            "value": round(p99, 1),
            "target": "<= 100",
            "ok": p99 <= 100,
        },
        {
            "measure": "burst delivery (webhooks/s)",
            "value": round(throughput),
            "target": f">= {0.4 * floor_16:.0f} (0.4 x floor)",
            "ok": throughput >= 0.4 * floor_16,
        },
        {
            "measure": "floor: aiohttp, 16 at a time (req/s)",
            "value": round(floor_16),
            "target": "",
            "ok": None,
        },
        {
            "measure": "floor: aiohttp, one at a time (req/s)",
            "value": round(floor_serial),
            "target": "",
            "ok": None,
        },
    ]
    width = max(len(r["measure"]) for r in rows)
    print(f"\n{'measure':<{width}}  {'value':>8}  target")
    for r in rows:
        mark = "" if r["ok"] is None else ("  ok" if r["ok"] else "  MISSED")
        print(f"{r['measure']:<{width}}  {r['value']:>8}  {r['target']}{mark}")
    RESULTS.mkdir(exist_ok=True)
    out = {
        "when": datetime.now(UTC).isoformat(),
        "latency_samples": len(latency),
        "burst": BURST,
        "rows": rows,
    }
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2))
    print(f"\nwritten to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
