from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.incident_api import migrate
from services.incident_api.app import create_app
from services.incident_api.models import metadata
from services.incident_api.settings import Settings
from shared.settings import CommonSettings
from tests.database import empty_tables, fresh_database
from tests.tokens import TEST_SECRET, Tokens


@pytest.fixture(scope="session")
def api_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db"), "api") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def clock() -> FrozenClock:
    # A Wednesday in London summer time, well away from bank holidays.
    return FrozenClock(datetime(2026, 6, 10, 9, 30, tzinfo=UTC))


@pytest.fixture
def api_settings(api_database_url: str, tmp_path: Path) -> Settings:
    common = CommonSettings(env="development", data_dir=tmp_path, jwt_secret=TEST_SECRET)
    return Settings(common=common, database_url=api_database_url)


@pytest.fixture
async def api(
    api_settings: Settings, api_database_url: str, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The incident API on empty tables, called in-process through its ASGI interface."""
    engine = create_engine(api_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    app = create_app(api_settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()
