"""The SLA scheduler's tick with 1,000 and with 100,000 open incidents, none due.

A tick is what the scheduled job does when it wakes: claim what is due (nothing here), then ask
when to look next. Its cost must follow what is due, not what is open: target ratio <= 2.
Runs on the embedded default (SQLite) in a temporary directory; `python -m bench.sla_tick` alone.
"""

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.common.clock import SystemClock
from services.common.crypto import KeyRing
from services.common.db import create_engine, session_factory
from services.common.test_clock import AdjustableClock
from services.notifier import migrate
from services.notifier.api_client import ApiClient
from services.notifier.runtime import Runtime
from services.notifier.settings import Settings
from services.notifier.sla import service
from services.notifier.sla.models import ClockState, SlaClock
from services.notifier.sla.tasks import check
from services.notifier.transports.addresses import AddressPolicy
from services.notifier.transports.email import Mailer
from services.notifier.transports.webhook import Transport
from shared.calendar import WorkingDayCalendar
from shared.schemas import SlaEventKind
from shared.settings import CommonSettings

SIZES = (1_000, 100_000)
TICKS = 300


def clock_rows(count: int, now: datetime) -> list[dict[str, Any]]:
    rng = random.Random(count)  # noqa: S311 - synthetic bench data
    rows = []
    for n in range(count):
        started = now - timedelta(hours=rng.uniform(0, 72))
        due = started + timedelta(days=7)
        next_at = now + timedelta(hours=rng.uniform(1, 96))  # none due
        rows.append(
            {
                "incident_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "clock": 1,
                "reference": f"INC-{n:06d}",
                "requesting_party_id": "GSUP",
                "addressed_party_id": f"P{n % 50:03d}",
                "policy": "mp121",
                "raised_at": started,
                "started_at": started,
                "due_at": due,
                "warning_at": [],
                "first_warning_at": None,
                "state": ClockState.running,
                "next_kind": SlaEventKind.breach,
                "next_ordinal": 1,
                "next_at": next_at,
                "warnings_recorded": 0,
                "breached": False,
                "escalations": 0,
            }
        )
    return rows


async def tick_times(url: str, data_dir: Path, open_clocks: int) -> list[float]:
    engine = create_engine(url)
    settings = Settings(common=CommonSettings(env="development", data_dir=data_dir))
    policy = AddressPolicy(allow_loopback_http=True)
    transport = Transport(policy, timeout=1.0, max_response_bytes=1024, limit=1)
    rt = Runtime(
        settings=settings,
        clock=SystemClock(),
        sla_clock=AdjustableClock(SystemClock()),
        calendar=WorkingDayCalendar(),
        keyring=KeyRing.development(data_dir, "bench-keys"),
        policy=policy,
        transport=transport,
        mailer=Mailer(settings),  # never used: nothing is due
        sessions=session_factory(engine),
    )
    api = ApiClient(settings)  # never called: nothing is due
    try:
        rows = clock_rows(open_clocks, datetime.now(UTC))
        async with engine.begin() as conn:
            for start in range(0, len(rows), 10_000):
                await conn.execute(SlaClock.__table__.insert(), rows[start : start + 10_000])  # type: ignore[attr-defined]
        times = []
        for _ in range(TICKS):
            started = time.perf_counter()
            recorded = await check(rt, api)
            async with rt.sessions() as session:
                await service.next_due(session, rt)
            times.append(time.perf_counter() - started)
            assert recorded == 0
        return times
    finally:
        await api.close()
        await transport.close()
        await engine.dispose()


def measure() -> list[dict[str, Any]]:
    medians = {}
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="ssi-bench-sla-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'notifier.db'}"
            migrate.upgrade(url)
            medians[size] = statistics.median(asyncio.run(tick_times(url, Path(tmp), size)))
    small, large = (medians[s] for s in SIZES)
    ratio = large / small
    return [
        {
            "measure": f"SLA tick, {size:,} open incidents, none due (ms, median)",
            "value": round(medians[size] * 1000, 2),
            "target": "",
            "ok": None,
        }
        for size in SIZES
    ] + [
        {
            "measure": f"SLA tick cost ratio, {SIZES[1]:,} / {SIZES[0]:,}",
            "value": round(ratio, 2),
            "target": "<= 2",
            "ok": ratio <= 2,
        }
    ]


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<60} {row['value']:>8}  {row['target']}")
