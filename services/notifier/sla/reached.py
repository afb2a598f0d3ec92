"""Whether each clock's addressee has been reached, and telling the incident API.

An addressee is reached on a clock once a delivery of the clock's start event (raised, reopened,
readdressed) to it succeeded: a webhook's 2xx, an email accepted or written, an inbox item
fetched. The delivery worker and the inbox note it here (`note`) in the transaction that records
the success; `ReachedReporter` then tells the API, up to `BATCH` clocks a call
(`POST /v1/incidents/reached`), which shows it as `addressee_reachable`. What the API has been
told is marked, so each replica reports what no replica has yet; two replicas reporting the same
clock at once is harmless (the API's record is idempotent, and passes over an incident it no
longer has).
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit, transaction
from services.notifier.api_client import ApiClient
from services.notifier.runtime import Runtime
from services.notifier.sla.models import ClockState, SlaClock

log = logging.getLogger("ssi.notifier.reached")

BATCH = 200
PASS_SECONDS = 15.0
"""The reporter looks at least this often (a report the API failed is tried again then)."""


@dataclass(frozen=True)
class Reached:
    incident_id: str
    clock: int
    party_id: str
    """The party the delivery reached: it counts only if it is the clock's addressee."""


_NOTE = (
    update(SlaClock)
    .where(
        col(SlaClock.incident_id) == bindparam("b_incident"),
        col(SlaClock.clock) == bindparam("b_clock"),
        col(SlaClock.addressed_party_id) == bindparam("b_party"),
        col(SlaClock.reached_at).is_(None),
    )
    .values(reached_at=bindparam("b_now"))
)


async def note(
    session: AsyncSession, rt: Runtime, reached: Sequence[Reached], now: datetime
) -> None:
    """Record that these clocks' addressees were reached (a clock already reached keeps its
    first instant); the reporter is woken once the transaction commits."""
    if not reached:
        return
    conn = await session.connection()
    await conn.execute(
        _NOTE,
        [
            {"b_incident": r.incident_id, "b_clock": r.clock, "b_party": r.party_id, "b_now": now}
            for r in reached
        ],
    )
    after_commit(session, rt.reached.set)


async def unreachable_addressees(session: AsyncSession) -> int:
    """Open incidents whose addressee no delivery of the current clock's start event reached."""
    found = await session.exec(
        select(func.count(func.distinct(SlaClock.incident_id))).where(
            col(SlaClock.state) == ClockState.running,
            col(SlaClock.reached_at).is_(None),
        )
    )
    return found.one()


class ReachedReporter:
    def __init__(self, rt: Runtime, api: ApiClient) -> None:
        self.rt = rt
        self.api = api

    async def report(self) -> int:
        """Tell the API of every reached clock not yet reported; returns how many were told."""
        async with self.rt.sessions() as session:
            due = (
                await session.exec(
                    select(SlaClock.incident_id, SlaClock.clock)
                    .where(
                        col(SlaClock.reached_at).is_not(None),
                        col(SlaClock.reached_reported).is_(False),
                    )
                    # One order everywhere: two replicas' batches never lock rows crosswise.
                    .order_by(col(SlaClock.incident_id), col(SlaClock.clock))
                    .limit(BATCH)
                )
            ).all()
        if not due:
            return 0
        items = [{"incident_id": incident_id, "clock": clock} for incident_id, clock in due]
        response = await self.api.post("/v1/incidents/reached", {"items": items})
        if response.status_code != 204:
            log.warning(
                "reporting reached addressees failed",
                extra={"count": len(items), "status_code": response.status_code},
            )
            return 0
        async with transaction(self.rt.sessions) as session:
            conn = await session.connection()
            await conn.execute(
                update(SlaClock)
                .where(
                    col(SlaClock.incident_id) == bindparam("b_incident"),
                    col(SlaClock.clock) == bindparam("b_clock"),
                )
                .values(reached_reported=True),
                [{"b_incident": i["incident_id"], "b_clock": i["clock"]} for i in items],
            )
        return len(items)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.rt.reached.clear()
            try:
                while await self.report() == BATCH:
                    pass
            except httpx.HTTPError as exc:
                log.warning("the API is unavailable", extra={"error": type(exc).__name__})
            except Exception:
                log.exception("reporting reached addressees failed")
            waiters = [
                asyncio.ensure_future(self.rt.reached.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, timeout=PASS_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
