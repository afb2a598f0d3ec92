"""Three notifier processes on PostgreSQL drive 500 incidents past their deadlines: every
warning and every breach is recorded once, none lost, none twice."""

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from services.common.db import create_engine
from services.notifier.sla.models import SlaClock
from shared.calendar import LONDON
from tests.database import on_postgres
from tests.notifier.fleet import SlaKey, raise_incidents, seed, sla_events
from tests.processes import API_APP, NOTIFIER_APP, base_env, migrated_databases, running
from tests.tokens import Tokens

COUNT = 500


def next_wednesday_morning() -> datetime:
    """10:00 London on a Wednesday at least a week ahead: every raise lands on the same day."""
    day = datetime.now(LONDON).date() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).astimezone(UTC)


def wait_for(api: str, tokens: Tokens, count: int, timeout: float = 120) -> Counter[SlaKey]:
    deadline = time.monotonic() + timeout
    while True:
        seen = sla_events(api, tokens)
        if sum(seen.values()) >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.5)


def wait_for_clocks(notifier_db: str, count: int, timeout: float = 60) -> None:
    """Until the notifiers have followed the feed far enough to keep `count` clocks."""

    async def clocks() -> int:
        engine = create_engine(notifier_db)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(select(func.count()).select_from(SlaClock))).scalar_one()
        finally:
            await engine.dispose()

    deadline = time.monotonic() + timeout
    while asyncio.run(clocks()) < count:
        assert time.monotonic() < deadline, "the notifiers did not follow the feed"
        time.sleep(0.2)


def move_clock(url: str, tokens: Tokens, to: datetime) -> None:
    response = httpx.post(
        f"{url}/v1/test-clock", headers=tokens.admin(), json={"now": to.isoformat()}
    )
    assert response.status_code == 200, response.text


@pytest.mark.skipif(not on_postgres(), reason="replicas share SLA work through PostgreSQL")
def test_three_notifiers_record_each_warning_and_breach_once(
    tmp_path: Path, tokens: Tokens
) -> None:
    with migrated_databases(tmp_path, "s") as (api_db, notifier_db):
        log = tmp_path / "services.log"
        with running(API_APP, base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db), log) as api:
            seed(api.url, tokens, COUNT)
            move_clock(api.url, tokens, next_wednesday_morning())
            ids = raise_incidents(api.url, tokens, COUNT, concurrency=8)
            first = httpx.get(f"{api.url}/v1/incidents/{ids[0]}", headers=tokens.party("GSUP"))
            warnings = [datetime.fromisoformat(w) for w in first.json()["warning_at"]]
            due = datetime.fromisoformat(first.json()["due_at"])
            env = base_env(
                tmp_path,
                NOTIFIER_DATABASE_URL=notifier_db,
                NOTIFIER_INCIDENT_API_URL=api.url,
                NOTIFIER_SLA_CONCURRENCY="24",
            )
            with (
                running(NOTIFIER_APP, env, log) as one,
                running(NOTIFIER_APP, env, log),
                running(NOTIFIER_APP, env, log),
            ):
                wait_for_clocks(notifier_db, COUNT)
                # One replica is told; the others read the shared offset from the database.
                expected = 0
                for instant in (*warnings, due):
                    move_clock(one.url, tokens, instant + timedelta(seconds=1))
                    expected += COUNT
                    seen = wait_for(api.url, tokens, expected)
                    assert sum(seen.values()) == expected, log.read_text()[-3000:]
                time.sleep(1)  # anything recorded twice would be in the feed by now
                seen = sla_events(api.url, tokens)
    assert set(seen) == {
        (incident_id, 1, kind, ordinal)
        for incident_id in ids
        for kind, ordinal in (("warning", 1), ("warning", 2), ("breach", 1))
    }
    assert max(seen.values()) == 1
    # No double work either: each event was posted once (a second post would be "replayed").
    messages = [
        json.loads(line).get("message")
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    assert messages.count("sla.warning") + messages.count("sla.breach") == 3 * COUNT
    assert messages.count("sla.replayed") == 0
    assert "Traceback" not in log.read_text()
