"""What the portal's process holds for its lifetime, one typed object on `app.state.runtime`.

The portal's database is touched in short transactions of its own (`transaction()`), never held
while a service or the identity provider is asked something: on SQLite a transaction holds the
only connection and the write lock, which would queue every other page behind one slow call.
"""

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.services import Connections
from portal.settings import Settings
from portal.signin.oidc import Provider
from services.common.clock import Clock
from services.common.crypto import KeyRing
from services.common.db import transaction


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    keys: KeyRing
    connections: Connections
    templates: Jinja2Templates
    database: async_sessionmaker[AsyncSession]
    provider: Provider | None
    """None where no identity provider is configured (development's "sign in as" only)."""

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One unit of work on the portal's own tables: committed at the end, or rolled back."""
        return transaction(self.database)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
