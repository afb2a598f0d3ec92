from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.notifier import migrate
from services.notifier.api_client import ApiClient
from services.notifier.app import create_app
from services.notifier.models import metadata
from services.notifier.settings import Settings
from shared.settings import CommonSettings
from tests.database import empty_tables, fresh_database
from tests.notifier.harness import Harness
from tests.receiver import Receiver, running_receiver
from tests.tokens import TEST_SECRET, Tokens


@pytest.fixture(scope="session")
def notifier_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db"), "notifier") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def notifier_settings(notifier_database_url: str, tmp_path: Path) -> Settings:
    common = CommonSettings(env="development", data_dir=tmp_path, jwt_secret=TEST_SECRET)
    return Settings(
        common=common,
        database_url=notifier_database_url,
        incident_api_url="http://api.test",
        attempt_timeout_seconds=2.0,
    )


@pytest.fixture
async def harness(
    api: httpx.AsyncClient,
    notifier_settings: Settings,
    notifier_database_url: str,
    clock: FrozenClock,
    tokens: Tokens,
) -> AsyncIterator[Harness]:
    """The notifier with its background loops off: tests step the feed and the worker."""
    engine = create_engine(notifier_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    api_app = api.app  # type: ignore[attr-defined]
    client = ApiClient(notifier_settings, transport=httpx.ASGITransport(app=api_app))
    app = create_app(notifier_settings, clock=clock, background=False, api=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as n:
            yield Harness(api=api, notifier=n, app=app, feed=client, tokens=tokens, clock=clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r
