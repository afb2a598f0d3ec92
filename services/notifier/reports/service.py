"""The SLA compliance report: per addressed party, the clocks started in a period."""

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Integer, case, cast, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.reports.schemas import SlaReportRow
from services.notifier.sla.models import ClockState, SlaClock
from shared.schemas import SlaState


def _count(condition: Any) -> Any:
    return func.sum(cast(case((condition, 1), else_=0), Integer))


async def sla_rows(
    session: AsyncSession, start: datetime | None, end: datetime, party_id: str | None
) -> list[SlaReportRow]:
    """Rows for every party with clocks in [start, end), or for `party_id` alone (always one)."""
    period = [col(SlaClock.raised_at) < end]
    if start is not None:
        period.append(col(SlaClock.raised_at) >= start)
    if party_id is not None:
        period.append(col(SlaClock.addressed_party_id) == party_id)
    state = col(SlaClock.state)
    conn = await session.connection()
    counts = await conn.execute(
        sa.select(
            col(SlaClock.addressed_party_id),
            func.count(),
            _count(state == ClockState.resolved),
            _count(col(SlaClock.sla_outcome) == SlaState.met),
            _count(or_(col(SlaClock.breached), col(SlaClock.sla_outcome) == SlaState.missed)),
            _count(state == ClockState.running),
            _count(state == ClockState.cancelled),
        )
        .where(*period)
        .group_by(col(SlaClock.addressed_party_id))
    )
    durations: defaultdict[str, list[int]] = defaultdict(list)
    for party, days in await session.exec(
        select(SlaClock.addressed_party_id, SlaClock.working_days_to_resolve).where(
            *period, col(SlaClock.working_days_to_resolve).is_not(None)
        )
    ):
        if days is not None:
            durations[party].append(days)
    rows = {
        party: SlaReportRow(
            addressed_party_id=party,
            received=received,
            resolved=resolved or 0,
            resolved_within_sla=met or 0,
            breached=breached or 0,
            open=running or 0,
            cancelled=cancelled or 0,
            median_working_days_to_resolve=(
                statistics.median(durations[party]) if durations[party] else None
            ),
        )
        for party, received, resolved, met, breached, running, cancelled in counts.all()
    }
    if party_id is not None and party_id not in rows:
        rows[party_id] = SlaReportRow(
            addressed_party_id=party_id,
            received=0,
            resolved=0,
            resolved_within_sla=0,
            breached=0,
            open=0,
            cancelled=0,
            median_working_days_to_resolve=None,
        )
    return [rows[p] for p in sorted(rows)]
