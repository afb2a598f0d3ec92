from pathlib import Path

from alembic import command

from services.common.migrations import alembic_config
from services.incident_api import migrate
from tests.database import fresh_database


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """`alembic check`: upgrading to head leaves nothing for autogenerate to add."""
    with fresh_database(tmp_path, "migrations") as url:
        migrate.upgrade(url)
        command.check(alembic_config(migrate.SCRIPTS, url))


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "downgrade") as url:
        config = alembic_config(migrate.SCRIPTS, url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
