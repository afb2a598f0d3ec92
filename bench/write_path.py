"""The write path on SQLite (`python -m bench write`; bench/README.md explains the method).

- Raise throughput: `POST /v1/incidents` per second against bench/floor.py's sqlite3 route, both
  servers as processes under the same uvicorn, both under the same load (RAISES raises over 16
  kept-alive connections, bench/load.py): RUNS runs of the API, each between two runs of the
  floor, the median of the runs' ratios to the mean of their two floors reported; CPU per raise
  (the server process's user + system time over the run) as a ratio to the floor's per insert.
- Bulk raise: BATCH_ROWS rows, each with its own client_ref, in one `POST /v1/incidents/batch`
  (CSV), BULK_RUNS times, each between two runs of its floor: the same rows inserted with one
  `executemany` a table in one transaction with the standard library's sqlite3
  (bench.floor.bulk_insert).
- Reads beside a long write: `GET /v1/incidents?limit=1` back to back on one connection while
  a batch of BATCH_ROWS raises runs, then `GET /v1/incidents/{id}` beside another; each beside
  the same GET with nothing else running.

One API process serves the three, so its peak memory (VmHWM) is that of the whole part.
bench/write_postgres.py and bench/end_to_end.py measure the rest of the `write` part.
"""

import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import load
from bench.common import SECRET, cpu_seconds, device, peak_rss_mb, percentile, seed, token
from bench.floor import bulk_insert, bulk_rows, next_pk
from services.incident_api import migrate
from shared.tokens import PARTY_SCOPES
from tests.processes import API_APP, Service, base_env, start
from tests.receiver import free_port

RAISES = int(os.environ.get("BENCH_RAISES", "3000"))
RUNS = int(os.environ.get("BENCH_RAISE_RUNS", "3"))
"""Runs of the API, each between two runs of the floor: this machine's speed drifts by +-20%
within seconds, so a ratio is only meaningful against floors taken just before and after."""
BATCH_ROWS = int(os.environ.get("BENCH_WRITE_BATCH_ROWS", "10000"))
BULK_RUNS = int(os.environ.get("BENCH_BULK_RUNS", "3"))
CONNECTIONS = 16
WARM_UP = 200
"""Raises sent to each server before the first run: first requests pay for lazy imports,
caches and the pools' first connections, which no run should measure."""
MEMORY_TARGET_MB = 150
FLOOR_DEVICES = 50_000_000
"""Device numbers the floors use from: they check nothing, but the open-incident index is
unique, so each of their raises needs a Device of its own."""


# Raise throughput, on any database: shared with bench/write_postgres.py


@dataclass(frozen=True)
class Target:
    """A server under load: its replicas' URLs and process ids, and the headers a raise needs."""

    urls: list[str]
    pids: list[int]
    headers: dict[str, str]


@dataclass(frozen=True)
class Run:
    per_second: float
    cpu_ms: float
    """The server processes' CPU per raise."""
    p50_ms: float
    p99_ms: float


class Devices:
    """Hands out Device numbers, never the same twice."""

    def __init__(self, first: int = 0) -> None:
        self.next = first

    def take(self, count: int) -> int:
        first, self.next = self.next, self.next + count
        return first


def raise_requests(first: int, count: int, headers: dict[str, str]) -> Iterator[bytes]:
    for n in range(first, first + count):
        yield load.post_json("/v1/incidents", {"device_id": device(n)}, headers)


def hammer(target: Target, first: int, count: int) -> Run:
    """`count` raises of Devices from `first` on, over CONNECTIONS connections."""
    cpu = sum(cpu_seconds(pid) for pid in target.pids)
    requests = raise_requests(first, count, target.headers)
    result = asyncio.run(load.run(target.urls, requests, CONNECTIONS))
    used = sum(cpu_seconds(pid) for pid in target.pids) - cpu
    if result.statuses != {201: count}:
        raise RuntimeError(f"{target.urls}: answers {result.statuses}, not {count} x 201")
    latencies = result.latencies_ms
    return Run(
        result.per_second, used * 1000 / count, percentile(latencies, 50), percentile(latencies, 99)
    )


@dataclass(frozen=True)
class Paired:
    """An API run and the floor around it (the mean of the floor runs just before and after)."""

    api: Run
    floor: Run

    @property
    def ratio(self) -> float:
        return self.api.per_second / self.floor.per_second

    @property
    def cpu_ratio(self) -> float:
        return self.api.cpu_ms / self.floor.cpu_ms


def _mean(a: Run, b: Run) -> Run:
    pairs = zip(vars(a).values(), vars(b).values(), strict=True)
    return Run(*(statistics.mean(pair) for pair in pairs))


def alternate(
    api: Target, api_devices: Devices, floor: Target, floor_devices: Devices
) -> list[Paired]:
    """RUNS runs of the API, each between two runs of the floor, after a warm-up of each."""
    hammer(api, api_devices.take(WARM_UP), WARM_UP)
    hammer(floor, floor_devices.take(WARM_UP), WARM_UP)
    before = hammer(floor, floor_devices.take(RAISES), RAISES)
    runs = []
    for _ in range(RUNS):
        ran = hammer(api, api_devices.take(RAISES), RAISES)
        after = hammer(floor, floor_devices.take(RAISES), RAISES)
        runs.append(Paired(ran, _mean(before, after)))
        before = after
    return runs


def throughput_rows(
    runs: list[Paired], label: str, floor_name: str, target: float | None
) -> list[dict[str, Any]]:
    """Rows for raise throughput: the median run's, its floor, CPU per raise, latencies."""
    median = sorted(runs, key=lambda r: r.ratio)[len(runs) // 2]
    cpu_ratio = statistics.median(r.cpu_ratio for r in runs)
    rows: list[dict[str, Any]] = [
        {
            "measure": f"{label}: POST /v1/incidents (raises/s, median run)",
            "value": round(median.api.per_second),
            "target": (
                f">= {target * median.floor.per_second:.0f} ({target} x floor; aim 0.5)"
                if target is not None
                else "(no target)"
            ),
            "ok": median.ratio >= target if target is not None else None,
            "ratio": round(median.ratio, 2),
            "ratios": ", ".join(f"{r.ratio:.2f}" for r in runs),
        },
        {
            "measure": f"{label}: floor, {floor_name} (raises/s)",
            "value": round(median.floor.per_second),
            "target": "mean of the floor runs just before and after the API's",
            "ok": None,
        },
        {
            "measure": f"{label}: CPU per raise, API / floor (ms; ratio, median run)",
            "value": f"{median.api.cpu_ms:.2f} / {median.floor.cpu_ms:.2f}",
            "target": "(no target)",
            "ok": None,
            "ratio": round(cpu_ratio, 1),
            "ratios": ", ".join(f"{r.cpu_ratio:.1f}" for r in runs),
        },
        {
            "measure": f"{label}: latency under load p50 / p99, API | floor (ms)",
            "value": f"{median.api.p50_ms:.1f} / {median.api.p99_ms:.1f}",
            "target": f"| {median.floor.p50_ms:.1f} / {median.floor.p99_ms:.1f}",
            "ok": None,
        },
    ]
    return rows


def memory_row(service: str, pid: int) -> dict[str, Any]:
    peak = peak_rss_mb(pid)
    return {
        "measure": f"memory: {service}, peak RSS (MB)",
        "value": round(peak),
        "target": f"<= {MEMORY_TARGET_MB}",
        "ok": peak <= MEMORY_TARGET_MB,
    }


def start_floor(kind: str, database: str, data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A floor server (bench/floor.py) as a process, once it answers."""
    port = free_port()
    with (data / f"floor-{port}.log").open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.floor", kind, str(port)],
            env=os.environ | {"BENCH_FLOOR_DATABASE": database},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/openapi.json").raise_for_status()
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"the {kind} floor did not start")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# The SQLite part


def measure() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="ssi-bench-write-") as tmp:
        data = Path(tmp)
        template = data / "template.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{template}")
        databases = {name: data / f"{name}.db" for name in ("api", "floor", "bulk-floor")}
        for path in databases.values():
            shutil.copyfile(template, path)
        api: Service = start(
            API_APP,
            base_env(
                data,
                SSI_JWT_SECRET=SECRET,
                INCIDENT_API_DATABASE_URL=f"sqlite+aiosqlite:///{databases['api']}",
            ),
            data / "api.log",
        )
        floor, floor_url = start_floor("sqlite", str(databases["floor"]), data)
        try:
            devices = Devices()
            reads = len(READ_PATHS) * BATCH_ROWS
            seed(api.url, WARM_UP + RUNS * RAISES + BULK_RUNS * BATCH_ROWS + reads)
            gsup = token("GSUP", PARTY_SCOPES)
            runs = alternate(
                Target([api.url], [api.process.pid], gsup),
                devices,
                Target([floor_url], [floor.pid], {}),
                Devices(FLOOR_DEVICES),
            )
            rows = throughput_rows(runs, "SQLite", "sqlite3 route", 0.35)
            rows += bulk_part(api.url, devices, databases["bulk-floor"])
            rows += reads_part(api.url, devices)
            rows.append(memory_row("API, SQLite part", api.process.pid))
            return rows
        finally:
            api.stop()
            stop_process(floor)


# Bulk raise


def batch_csv(first: int, count: int) -> str:
    """A bulk raise as CSV, a client_ref a row, so that the keys table is written too."""
    run = uuid.uuid4().hex[:8]
    lines = [f"bench-{run}-{n},{device(n)}\n" for n in range(first, first + count)]
    return "client_ref,device_id\n" + "".join(lines)


def post_batch(client: httpx.Client, body: str) -> float:
    started = time.perf_counter()
    response = client.post(
        "/v1/incidents/batch",
        content=body,
        headers={**token("GSUP", PARTY_SCOPES), "Content-Type": "text/csv"},
    )
    seconds = time.perf_counter() - started
    response.raise_for_status()
    succeeded = response.json()["succeeded"]
    if succeeded != BATCH_ROWS:
        raise RuntimeError(f"the batch raised {succeeded} of {BATCH_ROWS}: {response.text[:500]}")
    return seconds


def bulk_floor(database: Path, devices: Devices) -> float:
    """Seconds to insert a batch's rows (prepared beforehand) with executemany."""
    first = devices.take(BATCH_ROWS)
    ids = [device(n) for n in range(first, first + BATCH_ROWS)]
    refs = [f"floor-{n}" for n in range(first, first + BATCH_ROWS)]
    rows = bulk_rows(ids, refs, next_pk(str(database)))
    started = time.perf_counter()
    bulk_insert(str(database), rows)
    return time.perf_counter() - started


def bulk_part(api: str, devices: Devices, floor_db: Path) -> list[dict[str, Any]]:
    """BULK_RUNS batches, each between two floor runs; the median run's figures."""
    floor_devices = Devices(FLOOR_DEVICES)
    runs: list[tuple[float, float]] = []
    before = bulk_floor(floor_db, floor_devices)
    with httpx.Client(base_url=api, timeout=600) as client:
        for _ in range(BULK_RUNS):
            seconds = post_batch(client, batch_csv(devices.take(BATCH_ROWS), BATCH_ROWS))
            after = bulk_floor(floor_db, floor_devices)
            runs.append((seconds, (before + after) / 2))
            before = after
    ratios = [floor / seconds for seconds, floor in runs]
    seconds, floor = sorted(runs, key=lambda run: run[1] / run[0])[len(runs) // 2]
    rate, floor_rate = BATCH_ROWS / seconds, BATCH_ROWS / floor
    ratio = rate / floor_rate
    return [
        {
            "measure": f"SQLite: bulk raise, {BATCH_ROWS:,} rows in one call (s, median run)",
            "value": round(seconds, 2),
            "target": "< 3.5 (every run: " + ", ".join(f"{run:.2f}" for run, _ in runs) + ")",
            "ok": seconds < 3.5,
        },
        {
            "measure": "SQLite: bulk raise (rows/s)",
            "value": round(rate),
            "target": ">= 3000",
            "ok": rate >= 3000,
        },
        {
            "measure": "SQLite: bulk raise against its floor (rows/s)",
            "value": round(rate),
            "target": f">= {0.3 * floor_rate:.0f} (0.3 x floor)",
            "ok": ratio >= 0.3,
            "ratio": round(ratio, 3),
            "ratios": ", ".join(f"{r:.3f}" for r in ratios),
        },
        {
            "measure": "SQLite: floor, sqlite3 executemany of the same rows (rows/s)",
            "value": round(floor_rate),
            "target": f"mean of the floor just before and after ({floor:.2f} s)",
            "ok": None,
        },
    ]


# Reads beside a long write

READ_PATHS = ("/v1/incidents?limit=1", "/v1/incidents/{id}")
"""The list (newest first) and one incident: the list's cost grows with the incidents the party
can see, so the one incident's figure says more plainly whether a read waits for the writer."""
READS_ALONE = 200


def reads_part(api: str, devices: Devices) -> list[dict[str, Any]]:
    """For each path of READ_PATHS: reads with nothing else running, then beside a batch."""
    headers = token("GSUP", PARTY_SCOPES)
    newest = httpx.get(f"{api}/v1/incidents", params={"limit": 1}, headers=headers)
    newest.raise_for_status()
    incident_id = newest.json()["items"][0]["id"]
    rows: list[dict[str, Any]] = []
    for template in READ_PATHS:
        path = template.format(id=incident_id)
        request = load.get(path, headers)
        alone = asyncio.run(load.run(api, itertools.repeat(request, READS_ALONE), connections=1))
        body = batch_csv(devices.take(BATCH_ROWS), BATCH_ROWS)
        result, batch_s = asyncio.run(reads_beside(api, request, body))
        rows += read_rows(template, alone, result, batch_s)
    return rows


def read_rows(
    path: str, alone: load.LoadResult, beside: load.LoadResult, batch_s: float
) -> list[dict[str, Any]]:
    latencies = beside.latencies_ms
    if len(latencies) >= 2:
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    else:  # every read waited for the whole write
        p50 = p99 = max(latencies)
    failed = sum(n for status, n in beside.statuses.items() if status != 200)
    return [
        {
            "measure": f"SQLite: GET {path} beside a {BATCH_ROWS:,}-row batch, p99 (ms)",
            "value": round(p99, 1),
            "target": "<= 50",
            "ok": p99 <= 50 and not failed,
        },
        {
            "measure": "  p50 (ms) / longest (ms) / reads / not 200",
            "value": f"{p50:.1f}",
            "target": f"/ {max(latencies):.0f} / {len(latencies)} / {failed}"
            + f" (the batch took {batch_s:.2f} s)",
            "ok": None,
        },
        {
            "measure": "  the same GET with no write, p50 / p99 (ms)",
            "value": f"{percentile(alone.latencies_ms, 50):.1f}",
            "target": f"/ {percentile(alone.latencies_ms, 99):.1f} ({READS_ALONE} reads)",
            "ok": None,
        },
    ]


async def reads_beside(api: str, request: bytes, body: str) -> tuple[load.LoadResult, float]:
    """`request` again and again on one connection, from just before the batch is sent until it
    is answered; and the batch's seconds."""
    done = False
    reader = asyncio.create_task(
        load.run(api, load.forever(request), connections=1, stop=lambda: done)
    )
    try:
        async with httpx.AsyncClient(base_url=api, timeout=600) as client:
            started = time.perf_counter()
            response = await client.post(
                "/v1/incidents/batch",
                content=body,
                headers={**token("GSUP", PARTY_SCOPES), "Content-Type": "text/csv"},
            )
            batch_s = time.perf_counter() - started
    finally:
        done = True
        result = await reader
    response.raise_for_status()
    if response.json()["succeeded"] != BATCH_ROWS:
        raise RuntimeError(f"the batch failed rows: {response.text[:500]}")
    return result, batch_s


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<72} {row['value']!s:>12}  {row['target']}")
