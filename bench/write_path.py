"""The write path: `POST /v1/incidents` against the floor of bench/floor.py, on SQLite.

Both servers run as processes under uvicorn and take the same load: RAISES raises over 16
kept-alive connections (bench/load.py). Reported: raises per second, and CPU per raise (the
server process's user + system time over the requests), each as a ratio to the floor's in the
same run, since absolute figures drift by a third within minutes on this machine.

`python -m bench.write_path` alone.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench import load
from bench.common import SECRET, device, token
from bench.__main__ import seed
from services.incident_api import migrate
from shared.tokens import PARTY_SCOPES
from tests.processes import API_APP, Service, base_env, start
from tests.receiver import free_port

RAISES = int(os.environ.get("BENCH_RAISES", "3000"))
CONNECTIONS = 16


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def raises(first: int, count: int, headers: dict[str, str]) -> Iterator[bytes]:
    for n in range(first, first + count):
        yield load.post_json("/v1/incidents", {"device_id": device(n)}, headers)


def hammer(url: str, pid: int, first: int, count: int, headers: dict[str, str]) -> dict[str, Any]:
    cpu = cpu_seconds(pid)
    result = asyncio.run(load.run(url, raises(first, count, headers), CONNECTIONS))
    used = cpu_seconds(pid) - cpu
    assert result.statuses == {201: count}, result.statuses
    return {"per_second": result.per_second, "cpu_ms": used * 1000 / count}


def start_floor(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    database = data / "floor.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{database}")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "uvicorn", "--factory", "bench.floor:create_app"]
        + ["--http", "httptools", "--log-level", "warning", "--port", str(port)],
        env=os.environ | {"BENCH_FLOOR_DATABASE": str(database)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/openapi.json").raise_for_status()
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the floor did not start")


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ssi-bench-write-") as tmp:
        data = Path(tmp)
        url = f"sqlite+aiosqlite:///{data / 'api.db'}"
        migrate.upgrade(url)
        api: Service = start(
            API_APP,
            base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=url),
            data / "api.log",
        )
        floor, floor_url = start_floor(data)
        try:
            seed(api.url, 3 * RAISES)
            gsup = token("GSUP", PARTY_SCOPES)
            runs = []
            for n in range(3):
                f = hammer(floor_url, floor.pid, n * RAISES, RAISES, {})
                a = hammer(api.url, api.process.pid, n * RAISES, RAISES, gsup)
                runs.append((a, f))
                print(a, f, a["per_second"] / f["per_second"], a["cpu_ms"] / f["cpu_ms"])
            return {"runs": runs, "rss_mb": rss_mb(api.process.pid)}
        finally:
            api.stop()
            floor.terminate()
            floor.wait(timeout=10)


if __name__ == "__main__":
    print(measure())
