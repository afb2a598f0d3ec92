"""`authenticate`: a token becomes a principal. Persons' tokens (`ssi_party`, DESIGN §4) act for
their party, with a party's scopes, and are recorded by the person (`actor`).

A small app of its own: the verifier of the suite's development secret, and a contact list in a
dict, so each rule is seen apart from any service's routes.
"""

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from jose import jwt
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Kind, KnownParty, Principal, authenticate
from services.common.db import create_engine, session_factory
from services.common.errors import install_problem_handlers
from shared.schemas import PartyCategory
from shared.tokens import (
    ADMIN_SCOPE,
    MAX_PERSON_LENGTH,
    OPERATOR_SCOPES,
    PARTY_SCOPES,
    SERVICE_SCOPES,
    TokenVerifier,
)
from tests.tokens import TEST_SECRET, Tokens

PARTIES = {
    "GSUP": KnownParty("GSUP", PartyCategory.large_supplier, active=True),
    "ISUP": KnownParty("ISUP", PartyCategory.small_supplier, active=True),
    "DCCO": KnownParty("DCCO", PartyCategory.operator, active=True),
    "GONE": KnownParty("GONE", PartyCategory.large_supplier, active=False),
}
PROBLEM = "https://ssi.example/problems/"


async def lookup(session: AsyncSession, party_id: str) -> KnownParty | None:
    return PARTIES.get(party_id)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    app.state.sessions = session_factory(engine)
    app.state.verifier = TokenVerifier(audience="ssi", issuer="ssi-dev", hs256_secret=TEST_SECRET)
    app.state.party_lookup = lookup

    @app.get("/whoami")
    async def whoami(principal: Annotated[Principal, Depends(authenticate)]) -> dict[str, Any]:
        return {
            "subject": principal.subject,
            "kind": principal.kind.value,
            "scopes": sorted(principal.scopes),
            "party_id": principal.party_id,
            "category": principal.category,
            "person": principal.person,
            "actor": principal.actor,
        }

    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth.test") as client:
            yield client
    finally:
        await engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refused(app: httpx.AsyncClient, token: str, status: int) -> str:
    response = await app.get("/whoami", headers=bearer(token))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail: str = response.json()["detail"]
    return detail


def test_the_actor_is_the_person_where_there_is_one() -> None:
    party = Principal("GSUP", Kind.supplier, frozenset(), "GSUP")
    assert party.actor == "GSUP"
    assert party.person is None
    person = Principal("jane.doe", Kind.supplier, frozenset(), "GSUP", person="jane.doe")
    assert person.actor == "jane.doe"
    assert Principal("svc:notifier", Kind.service, frozenset()).actor == "svc:notifier"


async def test_a_persons_token_acts_for_its_party(app: httpx.AsyncClient, tokens: Tokens) -> None:
    response = await app.get("/whoami", headers=tokens.person("Jane Doe", "GSUP"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "Jane Doe",
        "kind": "supplier",
        "scopes": sorted(PARTY_SCOPES),
        "party_id": "GSUP",
        "category": "large_supplier",
        "person": "Jane Doe",
        "actor": "Jane Doe",
    }


async def test_a_person_of_an_operator_is_an_operator(
    app: httpx.AsyncClient, tokens: Tokens
) -> None:
    response = await app.get("/whoami", headers=tokens.person("desk-7", "DCCO", OPERATOR_SCOPES))
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "operator"
    assert response.json()["party_id"] == "DCCO"
    assert response.json()["actor"] == "desk-7"


async def test_a_persons_token_never_holds_service_only_scopes(
    app: httpx.AsyncClient, tokens: Tokens
) -> None:
    greedy = (*PARTY_SCOPES, *SERVICE_SCOPES, ADMIN_SCOPE)
    response = await app.get("/whoami", headers=tokens.person("jane.doe", "GSUP", greedy))
    assert response.status_code == 200, response.text
    scopes = set(response.json()["scopes"])
    assert not scopes & {"events:read", "sla:write"}
    assert response.json()["kind"] == "supplier"  # `admin` in a person's scope is just a word


async def test_a_party_token_is_as_before(app: httpx.AsyncClient, tokens: Tokens) -> None:
    response = await app.get("/whoami", headers=tokens.party("GSUP"))
    assert response.status_code == 200, response.text
    assert response.json()["person"] is None
    assert response.json()["actor"] == "GSUP"


@pytest.mark.parametrize("party", ["NOPE", "GONE"])
async def test_a_person_of_an_unknown_or_inactive_party_is_forbidden(
    app: httpx.AsyncClient, tokens: Tokens, party: str
) -> None:
    detail = await refused(app, tokens.mint("jane.doe", PARTY_SCOPES, party=party), 403)
    assert detail == "The token's party is not registered or is inactive."


@pytest.mark.parametrize(
    ("subject", "why"),
    [
        ("admin", "may not be admin or a svc: subject"),
        ("svc:notifier", "may not be admin or a svc: subject"),
        ("svc:portal", "may not be admin or a svc: subject"),
        ("", "is empty"),
        (" \t", "is empty"),
        ("x" * (MAX_PERSON_LENGTH + 1), f"is longer than {MAX_PERSON_LENGTH} characters"),
        ("jane\r\nX-Injected: 1", "contains control or other non-printable characters"),
        ("jane\x1b[31m", "contains control or other non-printable characters"),
    ],
    ids=["admin", "notifier", "other-service", "empty", "blank", "too-long", "crlf", "escape"],
)
async def test_a_persons_subject_must_name_a_person(
    app: httpx.AsyncClient, tokens: Tokens, subject: str, why: str
) -> None:
    scopes = (*PARTY_SCOPES, ADMIN_SCOPE, *SERVICE_SCOPES)
    detail = await refused(app, tokens.mint(subject, scopes, party="GSUP"), 401)
    assert detail == f"The token's subject (the person, with ssi_party) {why}."


async def test_the_longest_person_is_accepted(app: httpx.AsyncClient, tokens: Tokens) -> None:
    person = "p" * MAX_PERSON_LENGTH
    response = await app.get("/whoami", headers=tokens.person(person, "ISUP"))
    assert response.status_code == 200, response.text
    assert response.json()["actor"] == person


@pytest.mark.parametrize("party", ["gsup", "GSUPX", "", 7, None])
async def test_a_malformed_ssi_party_is_unauthorised_naming_the_claim(
    app: httpx.AsyncClient, party: object
) -> None:
    now = int(time.time())
    claims = {
        "sub": "jane.doe",
        "scope": " ".join(PARTY_SCOPES),
        "aud": "ssi",
        "iss": "ssi-dev",
        "iat": now,
        "exp": now + 600,
        "ssi_party": party,
    }
    detail = await refused(app, jwt.encode(claims, TEST_SECRET, algorithm="HS256"), 401)
    assert detail == (
        "The bearer token is not valid here: a claim of the token has the wrong type or form: "
        "ssi_party."
    )
