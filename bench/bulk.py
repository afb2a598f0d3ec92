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

from services.incident_api import migrate
from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES, mint_dev_token
from tests.processes import API_APP, Service, base_env, start

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - bench only
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
BATCH_ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "10000"))
CODE = "83FED3407A939723A5C639B26916D505"
HEADER = b"device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id\n"


def headers(subject: str, scopes: tuple[str, ...]) -> dict[str, str]:
    token = mint_dev_token(SECRET, subject, scopes, ttl_seconds=7200)
    return {"Authorization": f"Bearer {token}"}


def device(n: int) -> str:
    return "00-DB-" + "-".join(f"{b:02X}" for b in n.to_bytes(6, "big"))


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


def seed_parties(client: httpx.Client) -> None:
    for party, category in (("GSUP", "large_supplier"), ("ISUP", "small_supplier")):
        client.post(
            "/v1/parties",
            json={
                "party_id": party,
                "name": party,
                "category": category,
                "ops_contact_email": "ops@example.com",
                "escalation_contact_email": "esc@example.com",
            },
        ).raise_for_status()


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
                admin = headers("admin", (ADMIN_SCOPE,))
                client.headers.update(admin)
                seed_parties(client)
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
                started = time.perf_counter()
                raised = client.post(
                    "/v1/incidents/batch",
                    content=raise_csv,
                    headers={**headers("GSUP", PARTY_SCOPES), "Content-Type": "text/csv"},
                )
                raise_s = time.perf_counter() - started
                raised.raise_for_status()
                assert raised.json()["succeeded"] == BATCH_ROWS, raised.text[:500]

                answers = "reference,outcome,install_code\n" + "".join(
                    f"{r['reference']},install_code_provided,{CODE}\n"
                    for r in raised.json()["items"]
                )
                started = time.perf_counter()
                answered = client.post(
                    "/v1/incidents/responses/batch",
                    content=answers,
                    headers={**headers("ISUP", PARTY_SCOPES), "Content-Type": "text/csv"},
                )
                respond_s = time.perf_counter() - started
                answered.raise_for_status()
                assert answered.json()["succeeded"] == BATCH_ROWS, answered.text[:500]
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
