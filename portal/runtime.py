"""What the portal's process holds for its lifetime, one typed object on `app.state.runtime`."""

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


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
