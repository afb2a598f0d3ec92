"""Who is calling: bearer token -> principal, and the scope checks every route declares.

Principals (DESIGN §4): a party (its category decides whether it is a supplier or an operator),
one of the deployment's services `svc:<name>`, or an `admin` bootstrap token whose subject is
neither. Scopes that only
services may use (`events:read`, `sla:write`) are refused on a party's token whatever it claims.

Each service says how it knows parties by putting a `PartyLookup` on `app.state.party_lookup`:
the incident API reads its contact list, the notifier its copy fed from the event feed.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import SessionDep
from services.common.errors import Forbidden, MissingScope, Unauthorized
from shared.identifiers import is_party_id, is_service_principal
from shared.schemas import PartyCategory
from shared.tokens import (
    ADMIN_SCOPE,
    SERVICE_ONLY_SCOPES,
    SERVICE_PRINCIPALS,
    InvalidToken,
    TokenVerifier,
)


class Kind(StrEnum):
    supplier = "supplier"
    operator = "operator"
    service = "service"
    admin = "admin"


@dataclass(frozen=True)
class KnownParty:
    party_id: str
    category: PartyCategory
    active: bool


PartyLookup = Callable[[AsyncSession, str], Awaitable[KnownParty | None]]


@dataclass(frozen=True)
class Principal:
    subject: str
    kind: Kind
    scopes: frozenset[str]
    party_id: str | None = None
    category: PartyCategory | None = None

    @property
    def is_operator(self) -> bool:
        return self.kind is Kind.operator


_bearer = HTTPBearer(auto_error=False, description="A JWT issued for this deployment")


async def authenticate(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send Authorization: Bearer <token>.")
    verifier: TokenVerifier = request.app.state.verifier
    try:
        claims = verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        # The reason is fixed text naming at most a claim (see shared.tokens): never the token,
        # its values, or the audience and issuer that would have been accepted.
        raise Unauthorized(f"The bearer token is not valid here: {exc}.") from exc
    subject = claims.subject
    if is_party_id(subject):
        lookup: PartyLookup = request.app.state.party_lookup
        party = await lookup(session, subject)
        if party is None or not party.active:
            raise Forbidden("The token's party is not registered or is inactive.")
        kind = Kind.operator if party.category == PartyCategory.operator else Kind.supplier
        scopes = claims.scopes - SERVICE_ONLY_SCOPES
        return Principal(subject, kind, scopes, party.party_id, party.category)
    if is_service_principal(subject):
        if subject not in SERVICE_PRINCIPALS:
            raise Unauthorized("The token's service is not one of this deployment's.")
        return Principal(subject, Kind.service, claims.scopes)
    if ADMIN_SCOPE in claims.scopes:
        return Principal(subject, Kind.admin, frozenset({ADMIN_SCOPE}))
    raise Unauthorized("The token's subject is neither a party, a service nor an admin.")


def require(scope: str, *kinds: Kind, admin: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller holds `scope` (or `admin`, where allowed) and is of `kinds`."""
    allowed = set(kinds) | ({Kind.admin} if admin else set())

    async def dependency(
        principal: Annotated[Principal, Depends(authenticate)],
    ) -> Principal:
        if principal.kind is Kind.admin and admin:
            return principal
        if scope not in principal.scopes:
            raise MissingScope(f"This call needs the {scope!r} scope.", required_scope=scope)
        if principal.kind not in allowed:
            raise Forbidden(f"A {principal.kind} principal may not make this call.")
        return principal

    return dependency


PARTIES = (Kind.supplier, Kind.operator)
