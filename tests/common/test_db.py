"""The engine: what a failed statement's error may say."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.common.db import create_engine
from tests.database import fresh_database

SECRET = "whsec_c2VhbGVkLXNlY3JldC1uZXZlci1sb2dnZWQ"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "engine") as url:
        yield url


async def test_a_failed_statement_never_carries_its_parameters(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v VARCHAR(8) NOT NULL UNIQUE)"))
            await conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
        with pytest.raises(DBAPIError) as failed:
            async with engine.begin() as conn:
                # Too long for PostgreSQL, a duplicate for SQLite: both refuse it.
                await conn.execute(text("INSERT INTO t (v) VALUES (:v), ('x')"), {"v": SECRET})
    finally:
        await engine.dispose()
    assert "INSERT INTO t" in str(failed.value)
    assert SECRET not in str(failed.value)
    assert SECRET not in repr(failed.value)
