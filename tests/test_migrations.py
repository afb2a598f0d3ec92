"""Both services' Alembic migrations: they build exactly what the models say, and run backwards."""

import asyncio
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from services.common.db import create_engine
from services.common.migrations import alembic_config
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from tests.database import fresh_database

SERVICES = pytest.mark.parametrize(
    "migrate", [api_migrate, notifier_migrate], ids=["incident_api", "notifier"]
)


@SERVICES
def test_migrations_match_the_models(tmp_path: Path, migrate: ModuleType) -> None:
    """`alembic check`: upgrading to head leaves nothing for autogenerate to add."""
    with fresh_database(tmp_path, "migrations") as url:
        migrate.upgrade(url)
        command.check(alembic_config(migrate.SCRIPTS, url))


@SERVICES
def test_downgrade_to_base_and_back(tmp_path: Path, migrate: ModuleType) -> None:
    with fresh_database(tmp_path, "downgrade") as url:
        config = alembic_config(migrate.SCRIPTS, url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")


INCIDENT = (
    "INSERT INTO incidents (id, device_id, requesting_party_id, addressed_party_id, unverified, "
    "status, clock, policy, clock_started_at, due_at, warning_at, breach_recorded, "
    "warning_recorded, reopen_count, version, code_state, raised_at, updated_at) VALUES "
    "('00000000-0000-4000-8000-000000000001', '00-DB-12-34-56-78-90-A0', 'GSUP', 'ISUP', false, "
    "'raised', 1, 'mp121', '2026-06-10 08:30:00', '2026-06-17 23:00:00', '[]', false, false, 0, "
    "1, 'none', '2026-06-10 08:30:00', '2026-06-10 08:30:00')"
)
HISTORY = (
    "INSERT INTO incident_history (incident_pk, at, actor, action, clock, details) "
    "SELECT pk, '2026-06-10 08:30:00', :actor, 'raised', 1, '{}' FROM incidents"
)


def test_the_history_actor_holds_a_person_and_is_never_cut_back(tmp_path: Path) -> None:
    """bb84faff616f widens `incident_history.actor` to 255 characters for persons (DESIGN §4);
    going back while a longer actor exists is refused, never a silent cut of the audit trail."""
    person = "p" * 254 + "\u00e9"

    async def execute(url: str, *statements: str) -> list[Any]:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                results = [await conn.execute(text(s), {"actor": person}) for s in statements]
                return [r.all() for r in results if r.returns_rows]
        finally:
            await engine.dispose()

    with fresh_database(tmp_path, "actor") as url:
        config = alembic_config(api_migrate.SCRIPTS, url)
        command.upgrade(config, "head")
        asyncio.run(execute(url, INCIDENT, HISTORY))
        with pytest.raises(RuntimeError, match="would have to truncate the audit trail"):
            command.downgrade(config, "7611b8655caf")  # to before bb84faff616f
        [rows] = asyncio.run(execute(url, "SELECT actor FROM incident_history"))
        assert rows == [(person,)]
        # With only short actors, down and up again.
        asyncio.run(execute(url, "UPDATE incident_history SET actor = 'GSUP'"))
        command.downgrade(config, "7611b8655caf")  # to before bb84faff616f
        command.upgrade(config, "head")
        command.check(config)
