"""The test database: SQLite in a temporary file, or PostgreSQL when SSI_TEST_DATABASE_URL says so.

On PostgreSQL each test session creates its own database (so parallel runs never meet), migrates it
once with Alembic, and every test starts from empty tables. An unreachable server is an error,
never a skip: CI must not go green on a run that tested nothing.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

TEST_URL = os.environ.get("SSI_TEST_DATABASE_URL")


def on_postgres() -> bool:
    return bool(TEST_URL and TEST_URL.startswith("postgresql"))


@contextmanager
def fresh_database(tmp_dir: Path, name: str) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a new, empty database; drops it afterwards."""
    if not on_postgres():
        yield f"sqlite+aiosqlite:///{tmp_dir / f'{name}.db'}"
        return
    assert TEST_URL is not None
    base = make_url(TEST_URL)
    db_name = f"ssi_{name}_{uuid.uuid4().hex[:8]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{db_name}"'))
    try:
        yield base.set(database=db_name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


async def empty_tables(engine: AsyncEngine, metadata: MetaData) -> None:
    names = [t.name for t in metadata.sorted_tables]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(names):
                await conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - our table names
            has_sequence = await conn.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            )
            if has_sequence:
                await conn.execute(text("DELETE FROM sqlite_sequence"))
