"""Who is at the screen, and the services as them: the dependencies every page declares.

`Me` is the signed-in person (a page without one sends the browser to sign in); its access token
is refreshed here when it has less than a minute left, and a refresh that fails ends the session.
`ServicesDep` is the two services' clients carrying that token.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from portal.runtime import Runtime, get_runtime
from portal.services import Services
from portal.sessions import service as sessions
from portal.sessions.service import SignedIn
from portal.signin import development
from portal.signin.oidc import SignInFailed

REFRESH_AHEAD = timedelta(seconds=60)
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class SignInRequired(Exception):
    """No live session: the browser is sent to sign in, and back to `next` afterwards."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


def cookie_name(runtime: Runtime) -> str:
    return "__Host-ssi_session" if runtime.settings.secure_cookies else "ssi_session"


async def optional_person(request: Request, runtime: RuntimeDep) -> SignedIn | None:
    now = runtime.clock.now()
    raw = request.cookies.get(cookie_name(runtime))
    async with runtime.transaction() as db:
        me = await sessions.current(db, runtime.keys, runtime.settings, raw, now)
    if me is not None and me.tokens.expires_at - now < REFRESH_AHEAD:
        me = await _refreshed(runtime, me)
    request.state.me = me
    return me


async def _refreshed(runtime: Runtime, me: SignedIn) -> SignedIn | None:
    """New tokens, asked for outside any transaction; a failed refresh ends the session."""
    now = runtime.clock.now()
    try:
        if me.identity.via == "development":
            tokens = development.tokens(runtime.settings.common, me.identity, now)
        elif runtime.provider is not None and me.tokens.refresh_token:
            tokens = await runtime.provider.refresh(me.tokens.refresh_token)
        else:
            raise SignInFailed("no way to refresh")
    except SignInFailed:
        async with runtime.transaction() as db:
            await sessions.end(db, me.id_hash)
        return None
    async with runtime.transaction() as db:
        await sessions.store_tokens(db, runtime.keys, me.id_hash, tokens)
    return SignedIn(me.id_hash, me.identity, tokens, me.started_at)


async def person(me: Annotated[SignedIn | None, Depends(optional_person)]) -> SignedIn:
    if me is None:
        raise SignInRequired()
    return me


Me = Annotated[SignedIn, Depends(person)]


async def services_as(me: Me, runtime: RuntimeDep) -> Services:
    return runtime.connections.for_token(me.tokens.access_token)


ServicesDep = Annotated[Services, Depends(services_as)]
