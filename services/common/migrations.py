"""Alembic, driven from code: each service keeps its scripts in `<service>/migrations/`.

`python -m services.incident_api.migrate upgrade` (or `check`, `revision -m "..."`) runs it; the
migration environment uses the service's own engine, so SQLite gets the same pragmas as at run time.
"""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Connection, MetaData

from services.common.db import create_engine, is_sqlite


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def run_env(context: EnvironmentContext, metadata: MetaData) -> None:
    """The body of a service's `env.py`, online mode only."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def main(script_location: Path, url: str, argv: list[str]) -> None:
    config = alembic_config(script_location, url)
    match argv:
        case ["upgrade"] | []:
            command.upgrade(config, "head")
        case ["check"]:
            command.check(config)
        case ["revision", "-m", message]:
            command.revision(config, message=message, autogenerate=True)
        case _:
            raise SystemExit("usage: migrate [upgrade | check | revision -m MESSAGE]")
