"""Who is calling: bearer token -> principal, and the scope checks every route declares.

Principals (DESIGN §4): a party (its category decides whether it is a supplier or an operator),
a person acting for a party (a token with `ssi_party`: `sub` is the person, the principal is that
party's, and the person is recorded as the actor in the audit trail), one of the deployment's
services `svc:<name>`, or an `admin` bootstrap token whose subject is none of these. Scopes that
only services may use (`events:read`, `sla:write`) are refused on a party's or a person's token
whatever it claims.

What means "the party" reads `Principal.party_id`; what means "who did it" reads
`Principal.actor`.

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
    person_problem,
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
    """The token's `sub`: a party id, a service, `admin`, or (with `person`) the person."""
    kind: Kind
    scopes: frozenset[str]
    party_id: str | None = None
    """The party the caller is or acts for: what the caller may see and do is this party's."""
    category: PartyCategory | None = None
    person: str | None = None
    """Set on a person's token only (the portal's): the person acting for `party_id`."""

    @property
    def is_operator(self) -> bool:
        return self.kind is Kind.operator

    @property
    def actor(self) -> str:
        """Who did it, for the audit trail: the person where there is one, else the subject."""
        return self.person if self.person is not None else self.subject


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
    if claims.party is not None:
        _check_person(subject)
        party = await _active_party(request, session, claims.party)
        return Principal(
            subject,
            _kind_of(party),
            claims.scopes - SERVICE_ONLY_SCOPES,
            party.party_id,
            party.category,
            person=subject,
        )
    if is_party_id(subject):
        party = await _active_party(request, session, subject)
        scopes = claims.scopes - SERVICE_ONLY_SCOPES
        return Principal(subject, _kind_of(party), scopes, party.party_id, party.category)
    if is_service_principal(subject):
        if subject not in SERVICE_PRINCIPALS:
            raise Unauthorized("The token's service is not one of this deployment's.")
        return Principal(subject, Kind.service, claims.scopes)
    if ADMIN_SCOPE in claims.scopes:
        return Principal(subject, Kind.admin, frozenset({ADMIN_SCOPE}))
    raise Unauthorized("The token's subject is neither a party, a service nor an admin.")


def _check_person(subject: str) -> None:
    """The `sub` of a person's token names the person (see `shared.tokens.person_problem`)."""
    problem = person_problem(subject)
    if problem is not None:
        raise Unauthorized(f"The token's subject (the person, with ssi_party) {problem}.")


async def _active_party(request: Request, session: AsyncSession, party_id: str) -> KnownParty:
    lookup: PartyLookup = request.app.state.party_lookup
    party = await lookup(session, party_id)
    if party is None or not party.active:
        raise Forbidden("The token's party is not registered or is inactive.")
    return party


def _kind_of(party: KnownParty) -> Kind:
    return Kind.operator if party.category == PartyCategory.operator else Kind.supplier


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
