"""edd45e42b8a8 carries the data over: reachability moves from the party to the incident.

Existing incidents start unreached (the notifier re-reports), the party's flag goes, and the way
back restores it as false without losing an incident or its history. The chain itself (up, down
to base and up, `alembic check`) is tests/test_migrations.py's.
"""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from services.common.db import create_engine
from services.common.migrations import alembic_config
from services.incident_api import migrate
from tests.database import fresh_database

BEFORE, THIS = "bb84faff616f", "edd45e42b8a8"
PARTY = (
    "INSERT INTO parties (party_id, name, category, ops_contact_email, escalation_contact_email, "
    "active, webhook_reachable, created_at, updated_at) VALUES ('ISUP', 'Installing', "
    "'small_supplier', 'ops@isup.example', 'esc@isup.example', true, true, "
    "'2026-06-01 08:00:00', '2026-06-01 08:00:00')"
)
INCIDENT = (
    "INSERT INTO incidents (id, device_id, requesting_party_id, addressed_party_id, unverified, "
    "status, clock, policy, clock_started_at, due_at, warning_at, breach_recorded, "
    "warning_recorded, reopen_count, version, code_state, raised_at, updated_at) VALUES "
    "('00000000-0000-4000-8000-000000000001', '00-DB-12-34-56-78-90-A0', 'GSUP', 'ISUP', false, "
    "'raised', 2, 'mp121', '2026-06-10 08:30:00', '2026-06-17 23:00:00', '[]', false, false, 1, "
    "3, 'none', '2026-06-03 08:30:00', '2026-06-10 08:30:00')"
)
HISTORY = (
    "INSERT INTO incident_history (incident_pk, at, actor, action, clock, details) "
    "SELECT pk, '2026-06-10 08:30:00', 'GSUP', 'reopened', 2, '{}' FROM incidents"
)


async def execute(url: str, *statements: str) -> list[list[Any]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            results = [await conn.execute(text(s)) for s in statements]
            return [list(r.all()) for r in results if r.returns_rows]
    finally:
        await engine.dispose()


async def columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)

    def names(conn: Connection) -> set[str]:
        return {c["name"] for c in inspect(conn).get_columns(table)}

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(names)
    finally:
        await engine.dispose()


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_reachability_moves_to_the_incident_and_back(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "reached") as url:
        config = alembic_config(migrate.SCRIPTS, url)
        command.upgrade(config, BEFORE)
        asyncio.run(execute(url, PARTY, INCIDENT, HISTORY))

        command.upgrade(config, THIS)
        [incidents, parties] = asyncio.run(
            execute(
                url,
                "SELECT clock, reached_clock, version, updated_at FROM incidents",
                "SELECT party_id, ops_contact_email, active FROM parties",
            )
        )
        # Unreached until the notifier says otherwise, whatever the party's flag said; nothing
        # else about the incident moves.
        assert [(clock, reached, version) for clock, reached, version, _ in incidents] == [
            (2, None, 3)
        ]
        assert parties == [("ISUP", "ops@isup.example", True)]
        assert "webhook_reachable" not in asyncio.run(columns(url, "parties"))
        assert "party_changes" in asyncio.run(tables(url))
        asyncio.run(
            execute(
                url,
                "UPDATE incidents SET reached_clock = 2",
                "INSERT INTO party_changes (party_id, at, actor, action, fields) VALUES "
                "('ISUP', '2026-06-11 08:00:00', 'ISUP', 'contacts_changed', "
                "'[\"ops_contact_email\"]')",
            )
        )

        # Back: the incident and its history stay (SQLite's foreign keys refuse a rebuilt
        # table under them); the party's flag returns, false until the older notifier reports.
        command.downgrade(config, BEFORE)
        [incidents, history, parties] = asyncio.run(
            execute(
                url,
                "SELECT clock, version FROM incidents",
                "SELECT action FROM incident_history",
                "SELECT party_id, webhook_reachable FROM parties",
            )
        )
        assert (incidents, history) == ([(2, 3)], [("reopened",)])
        assert [(party, bool(flag)) for party, flag in parties] == [("ISUP", False)]
        assert "reached_clock" not in asyncio.run(columns(url, "incidents"))
        assert "party_changes" not in asyncio.run(tables(url))

        command.upgrade(config, "head")
        command.check(config)
        [[reached]] = asyncio.run(execute(url, "SELECT reached_clock FROM incidents"))
        assert reached == (None,)
