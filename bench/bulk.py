"""Bulk work against the incident API as a process on the embedded default (SQLite):

- import 1,000,000 inventory rows as one streamed CSV (target <= 60 s), with the API process's
  peak memory (VmHWM) before and after;
- raise 10,000 incidents in one batch, then answer them in one batch (target <= 10 s).

`python -m bench.bulk` alone; `make bench` runs it too. BENCH_IMPORT_ROWS and BENCH_BATCH_ROWS
change the sizes.
"""

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import SECRET, add_parties, device, token
from services.incident_api import migrate
from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES
from tests.processes import API_APP, Service, base_env, start

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
BATCH_ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "10000"))
CODE = "83FED3407A939723A5C639B26916D505"
HEADER = b"device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id\n"


def inventory(rows: int) -> Iterator[bytes]:
    """The CSV in 1 MB pieces, generated as it is sent: the client holds none of it."""
    yield HEADER
    piece: list[str] = []
    for n in range(rows):
        piece.append(f"{device(n)},ESME,installed_not_commissioned,ISUP,GSUP\n")
        if len(piece) == 16_000:
            yield "".join(piece).encode()
            piece.clear()
    if piece:
        yield "".join(piece).encode()


def peak_rss_mb(service: Service) -> float:
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def timed_csv_post(
    client: httpx.Client, path: str, body: str, as_party: str
) -> tuple[float, dict[str, Any]]:
    """POST a CSV batch as `as_party`; (seconds, result), every row having succeeded."""
    started = time.perf_counter()
    response = client.post(
        path,
        content=body,
        headers={**token(as_party, PARTY_SCOPES), "Content-Type": "text/csv"},
    )
    seconds = time.perf_counter() - started
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    assert result["succeeded"] == BATCH_ROWS, response.text[:500]
    return seconds, result


def measure(database_url: str | None = None) -> list[dict[str, Any]]:
    """On SQLite in a temporary directory, or on `database_url` (an empty database)."""
    with tempfile.TemporaryDirectory(prefix="ssi-bench-bulk-") as tmp:
        data = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{data / 'api.db'}"
        migrate.upgrade(url)
        api = start(
            API_APP,
            base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=url),
            data / "api.log",
        )
        try:
            with httpx.Client(base_url=api.url, timeout=600) as client:
                client.headers.update(token("admin", (ADMIN_SCOPE,)))
                add_parties(client)
                rss_before = peak_rss_mb(api)
                started = time.perf_counter()
                imported = client.post(
                    "/v1/devices/import",
                    content=inventory(IMPORT_ROWS),
                    headers={"Content-Type": "text/csv"},
                )
                import_s = time.perf_counter() - started
                imported.raise_for_status()
                assert imported.json()["imported"] == IMPORT_ROWS, imported.text
                rss_after = peak_rss_mb(api)

                raise_csv = "device_id\n" + "".join(f"{device(n)}\n" for n in range(BATCH_ROWS))
                raise_s, raised = timed_csv_post(client, "/v1/incidents/batch", raise_csv, "GSUP")
                answers = "reference,outcome,install_code\n" + "".join(
                    f"{r['reference']},install_code_provided,{CODE}\n" for r in raised["items"]
                )
                respond_s, _ = timed_csv_post(
                    client, "/v1/incidents/responses/batch", answers, "ISUP"
                )
        finally:
            api.stop()
    return [
        {
            "measure": f"import {IMPORT_ROWS:,} inventory rows, streamed CSV (s)",
            "value": round(import_s, 1),
            "target": "<= 60",
            "ok": import_s <= 60,
        },
        {
            "measure": "  API peak memory before / after the import (MB)",
            "value": f"{rss_before:.0f} / {rss_after:.0f}",
            "target": "",
            "ok": None,
        },
        {
            "measure": f"raise {BATCH_ROWS:,} incidents in one batch (s)",
            "value": round(raise_s, 1),
            "target": "",
            "ok": None,
        },
        {
            "measure": f"answer {BATCH_ROWS:,} incidents in one batch (s)",
            "value": round(respond_s, 1),
            "target": "<= 10",
            "ok": respond_s <= 10,
        },
    ]


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<60} {row['value']:>10}  {row['target']}")
