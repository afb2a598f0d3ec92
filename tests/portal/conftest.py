"""The portal in-process, with the incident API and the notifier in-process behind it: each page
is exercised through the real services' ASGI apps, no sockets. Browser journeys against the three
real processes live in tests/portal/browser/."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from portal import migrate
from portal.app import create_app
from portal.sessions.models import Table
from portal.settings import Settings
from services.common.clock import FrozenClock
from services.common.db import create_engine
from shared.settings import CommonSettings
from tests.database import empty_tables, fresh_database
from tests.notifier.conftest import harness, notifier_database_url, notifier_settings
from tests.notifier.harness import Harness
from tests.portal.world import Portal
from tests.tokens import TEST_SECRET

PUBLIC_URL = "http://portal.test"
__all__ = ["harness", "notifier_database_url", "notifier_settings"]  # the notifier's, reused


@pytest.fixture
def clock() -> FrozenClock:
    """Now, frozen: the tokens the portal mints are checked against the real time by the
    services, so the portal's clock cannot lie in the past as the services' own tests' does."""
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(scope="session")
def portal_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db"), "portal") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def portal_settings(portal_database_url: str, tmp_path: Path) -> Settings:
    common = CommonSettings(env="development", data_dir=tmp_path, jwt_secret=TEST_SECRET)
    return Settings(
        common=common,
        database_url=portal_database_url,
        public_url=PUBLIC_URL,
        SSI_API_URL="http://api.test",
        SSI_NOTIFIER_URL="http://notifier.test",
    )


@pytest.fixture
async def portal(
    harness: Harness, portal_settings: Settings, portal_database_url: str, clock: FrozenClock
) -> AsyncIterator[Portal]:
    engine = create_engine(portal_database_url)
    await empty_tables(engine, Table.metadata)
    await engine.dispose()
    app = create_app(
        portal_settings,
        clock=clock,
        api_transport=httpx.ASGITransport(app=harness.api.app),  # type: ignore[attr-defined]
        notifier_transport=httpx.ASGITransport(app=harness.app),
    )
    async with app.router.lifespan_context(app):
        yield Portal(app=app, harness=harness, clock=clock)
