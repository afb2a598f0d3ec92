"""Both services' Alembic migrations: they build exactly what the models say, and run backwards."""

from pathlib import Path
from types import ModuleType

import pytest
from alembic import command

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
