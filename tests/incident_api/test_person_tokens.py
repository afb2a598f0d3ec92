"""A person's token, as the portal presents (DESIGN §4, §8): `sub` the person, `ssi_party` the
party. The API acts for the party, and its audit trail names the person who did each thing."""

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt

from services.common.clock import FrozenClock
from services.common.config import build_verifier
from services.common.db import create_engine
from services.incident_api.app import create_app
from services.incident_api.models import metadata
from services.incident_api.settings import Settings
from shared.settings import CommonSettings
from shared.tokens import ADMIN_SCOPE, MAX_PERSON_LENGTH, OPERATOR_SCOPES, PARTY_SCOPES
from tests.database import empty_tables
from tests.incident_api.world import (
    CODE,
    CODE_WITH_CRC,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    seed,
)
from tests.tokens import TEST_SECRET, IdpKey, Tokens

PROBLEM = "https://ssi.example/problems/"
JANE, RAJ = "jane.doe@gsup.example", "raj.patel@isup.example"
"""A person of the gaining supplier and one of the installing supplier."""


async def history(api: httpx.AsyncClient, tokens: Tokens, incident_id: str) -> list[Any]:
    response = await api.get(f"/v1/incidents/{incident_id}/history", headers=tokens.operator())
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return [(e["action"], e["actor"]) for e in reversed(items)]


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + slug, body
    return body


async def test_persons_raise_answer_and_reveal_and_the_history_names_them(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    jane, raj = tokens.person(JANE, GAINING), tokens.person(RAJ, INSTALLING)
    raised = await api.post("/v1/incidents", headers=jane, json={"device_id": DEVICE})
    assert raised.status_code == 201, raised.text
    incident = raised.json()
    # The incident is the party's: requested by GSUP, addressed to ISUP.
    assert (incident["requesting_party_id"], incident["addressed_party_id"]) == (
        GAINING,
        INSTALLING,
    )
    url = f"/v1/incidents/{incident['id']}"

    acknowledged = await api.post(f"{url}/acknowledge", headers=raj)
    assert acknowledged.status_code == 200, acknowledged.text
    body = {"outcome": "install_code_provided", "install_code": CODE_WITH_CRC}
    answered = await api.post(f"{url}/response", headers=raj, json=body)
    assert answered.status_code == 200, answered.text
    revealed = await api.get(f"{url}/install-code", headers=jane)
    assert revealed.status_code == 200, revealed.text
    assert revealed.json() == {"install_code": CODE}
    # Another person of the same party: the party's incident, the other person's act.
    colleague = tokens.person("sam.lee@gsup.example", GAINING)
    closed = await api.post(f"{url}/close", headers=colleague, json={})
    assert closed.status_code == 200, closed.text

    assert await history(api, tokens, incident["id"]) == [
        ("raised", JANE),
        ("acknowledged", RAJ),
        ("resolved", RAJ),
        ("install_code.revealed", JANE),
        ("closed", "sam.lee@gsup.example"),
    ]
    # The party's own token sees the same trail; a party's token is still recorded as the party.
    as_party = await api.get(f"{url}/history", headers=tokens.party(GAINING))
    assert [e["actor"] for e in as_party.json()["items"]][-1] == JANE


async def test_a_person_acts_for_the_party_in_everything_else(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    jane = tokens.person(JANE, GAINING)
    keyed = {**jane, "Idempotency-Key": "raise-once"}
    first = await api.post("/v1/incidents", headers=keyed, json={"device_id": DEVICE})
    assert first.status_code == 201, first.text
    # The key is the party's: the party's own token, replaying it, gets the same incident.
    replay = await api.post(
        "/v1/incidents",
        headers={**tokens.party(GAINING), "Idempotency-Key": "raise-once"},
        json={"device_id": DEVICE},
    )
    assert replay.status_code in (200, 201), replay.text
    assert replay.json()["id"] == first.json()["id"]
    # The open-incident rule is the party's too.
    again = await api.post(
        "/v1/incidents", headers=tokens.person("sam", GAINING), json={"device_id": DEVICE}
    )
    assert_problem(again, 409, "duplicate-open-incident")
    # Lists and visibility are the party's: ISUP's person sees it addressed to ISUP, OSUP's not.
    raj_list = await api.get("/v1/incidents", headers=tokens.person(RAJ, INSTALLING))
    assert [i["id"] for i in raj_list.json()["items"]] == [first.json()["id"]]
    outsider = tokens.person("olga", OTHER)
    assert (await api.get("/v1/incidents", headers=outsider)).json()["items"] == []
    hidden = await api.get(f"/v1/incidents/{first.json()['id']}", headers=outsider)
    assert_problem(hidden, 404, "incident-not-found")
    # A person's token holds no service-only scope, whatever it claims.
    greedy = tokens.person(JANE, GAINING, (*PARTY_SCOPES, "events:read", "sla:write"))
    assert_problem(await api.get("/v1/events", headers=greedy), 403, "missing-scope")


async def test_an_operators_person_is_an_operator_and_is_named_on_inventory_changes(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    raised = await api.post(
        "/v1/incidents", headers=tokens.person(JANE, GAINING), json={"device_id": DEVICE}
    )
    assert raised.status_code == 201, raised.text
    incident_id = raised.json()["id"]
    desk = tokens.person("service.desk.7", OPERATOR, OPERATOR_SCOPES)
    seen = await api.get(f"/v1/incidents/{incident_id}", headers=desk)
    assert seen.status_code == 200, seen.text
    # An operator never raises, whoever its person is.
    refused = await api.post("/v1/incidents", headers=desk, json={"device_id": DEVICE})
    assert refused.status_code == 403, refused.text
    device = {
        "device_type": "ESME",
        "smi_status": "whitelisted",
        "installing_party_id": INSTALLING,
        "registered_supplier_party_id": GAINING,
    }
    updated = await api.put(f"/v1/devices/{DEVICE}", headers=desk, json=device)
    assert updated.status_code == 200, updated.text
    assert await history(api, tokens, incident_id) == [
        ("raised", JANE),
        ("device.updated", "service.desk.7"),
    ]


async def test_the_longest_person_is_recorded_whole(api: httpx.AsyncClient, tokens: Tokens) -> None:
    """The history's actor column takes MAX_PERSON_LENGTH characters (PostgreSQL checks)."""
    await seed(api, tokens)
    person = "p" * (MAX_PERSON_LENGTH - 1) + "é"
    raised = await api.post(
        "/v1/incidents", headers=tokens.person(person, GAINING), json={"device_id": DEVICE}
    )
    assert raised.status_code == 201, raised.text
    assert await history(api, tokens, raised.json()["id"]) == [("raised", person)]


@pytest.mark.parametrize("party", ["NOPE", OTHER], ids=["unknown", "inactive"])
async def test_a_person_of_an_unknown_or_inactive_party_is_forbidden(
    api: httpx.AsyncClient, tokens: Tokens, party: str
) -> None:
    await seed(api, tokens)
    response = await api.patch(
        f"/v1/parties/{OTHER}", headers=tokens.admin(), json={"active": False}
    )
    assert response.status_code == 200, response.text
    headers = tokens.person(JANE, party)
    for response in (
        await api.get("/v1/incidents", headers=headers),
        await api.post("/v1/incidents", headers=headers, json={"device_id": DEVICE}),
    ):
        body = assert_problem(response, 403, "forbidden")
        assert body["detail"] == "The token's party is not registered or is inactive."
    listed = await api.get("/v1/incidents", headers=tokens.operator())
    assert listed.json()["items"] == []


def hs256(claims: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(claims, TEST_SECRET, algorithm='HS256')}"}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": JANE,
        "scope": " ".join(PARTY_SCOPES),
        "aud": "ssi",
        "iss": "ssi-dev",
        "iat": now,
        "exp": now + 600,
        "ssi_party": GAINING,
        **overrides,
    }


@pytest.mark.parametrize("party", ["gsup", "GSUPX", "", 1234, None, ["GSUP"]], ids=repr)
async def test_a_malformed_ssi_party_is_unauthorised_naming_the_claim(
    api: httpx.AsyncClient, tokens: Tokens, party: object
) -> None:
    await seed(api, tokens)
    response = await api.get("/v1/incidents", headers=hs256(claims(ssi_party=party)))
    body = assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["detail"].endswith("has the wrong type or form: ssi_party.")


@pytest.mark.parametrize(
    "subject",
    ["admin", "svc:notifier", "", "x" * (MAX_PERSON_LENGTH + 1), "jane\ndoe"],
    ids=["admin", "service", "empty", "too-long", "newline"],
)
async def test_a_persons_subject_that_names_no_person_is_unauthorised(
    api: httpx.AsyncClient, tokens: Tokens, subject: str
) -> None:
    await seed(api, tokens)
    scopes = (*OPERATOR_SCOPES, ADMIN_SCOPE, "events:read", "sla:write")
    for party in (GAINING, OPERATOR):
        headers = tokens.person(subject, party, scopes)
        for response in (
            await api.get("/v1/incidents", headers=headers),
            await api.get("/v1/events", headers=headers),
            await api.post("/v1/parties", headers=headers, json={"party_id": "NEWP"}),
        ):
            body = assert_problem(response, 401, "unauthorized")
            assert body["detail"].startswith("The token's subject (the person, with ssi_party) ")
            if subject not in ("admin", "svc:notifier", ""):  # the rule names those itself
                assert subject[:4] not in body["detail"]


# -- development with an identity provider: the JWKS beside the development secret -------------

IDP_ISSUER = "https://idp.example/"


@pytest.fixture(scope="module")
def idp() -> IdpKey:
    return IdpKey("ES256", "idp-ec-1")


@pytest.fixture
async def idp_api(
    api_database_url: str, tmp_path: Path, clock: FrozenClock, idp: IdpKey
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in development with SSI_JWT_JWKS_FILE set and SSI_JWT_ISSUER the provider's."""
    common = CommonSettings(
        env="development",
        data_dir=tmp_path,
        jwt_secret=TEST_SECRET,
        jwt_issuer=IDP_ISSUER,
        jwt_jwks_file=idp.write_jwks(tmp_path / "jwks.json"),
    )
    engine = create_engine(api_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    app = create_app(Settings(common=common, database_url=api_database_url), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


class IdpTokens(Tokens):
    """Development tokens minted for the provider's issuer, as `ssi token` would with
    SSI_JWT_ISSUER set to it."""

    def mint(self, subject: str, scopes: tuple[str, ...] | list[str], **kwargs: object) -> str:
        return super().mint(subject, scopes, issuer=IDP_ISSUER, **kwargs)


async def test_development_takes_the_providers_es256_tokens_and_its_own_hs256_ones(
    idp_api: httpx.AsyncClient, idp: IdpKey
) -> None:
    dev = IdpTokens()
    await seed(idp_api, dev)  # HS256 admin tokens, signed with the development secret
    person = idp.sign(claims(iss=IDP_ISSUER))
    raised = await idp_api.post(
        "/v1/incidents", headers={"Authorization": f"Bearer {person}"}, json={"device_id": DEVICE}
    )
    assert raised.status_code == 201, raised.text
    listed = await idp_api.get("/v1/incidents", headers=dev.person(RAJ, INSTALLING))
    assert [i["id"] for i in listed.json()["items"]] == [raised.json()["id"]]
    assert await history(idp_api, dev, raised.json()["id"]) == [("raised", JANE)]
    # The provider's key signs only ES256 under its kid; the one issuer is required of both.
    for what, token in {
        "unknown kid": idp.sign(claims(iss=IDP_ISSUER), kid="idp-ec-2"),
        "another issuer": idp.sign(claims(iss="ssi-dev")),
        "HS256 for another issuer": Tokens().mint(JANE, PARTY_SCOPES, party=GAINING),
    }.items():
        refused = await idp_api.get("/v1/incidents", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401, what


async def test_production_takes_the_providers_tokens_and_refuses_hs256(
    api_settings: Settings, api_database_url: str, clock: FrozenClock, idp: IdpKey, tmp_path: Path
) -> None:
    production = CommonSettings(
        env="production",
        jwt_secret=None,
        jwt_issuer=IDP_ISSUER,
        jwt_jwks_file=idp.write_jwks(tmp_path / "jwks.json"),
        jwt_jwks_url=None,
    )
    engine = create_engine(api_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    app = create_app(api_settings, clock=clock, verifier=build_verifier(production))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as api:
            admin = claims(sub="admin", scope=ADMIN_SCOPE, iss=IDP_ISSUER)
            del admin["ssi_party"]
            created = await api.post(
                "/v1/parties",
                headers={"Authorization": f"Bearer {idp.sign(admin)}"},
                json={
                    "party_id": GAINING,
                    "name": "Gaining",
                    "category": "large_supplier",
                    "ops_contact_email": "ops@gsup.example",
                    "escalation_contact_email": "esc@gsup.example",
                },
            )
            assert created.status_code == 201, created.text
            person = idp.sign(claims(iss=IDP_ISSUER))
            ok = await api.get("/v1/incidents", headers={"Authorization": f"Bearer {person}"})
            assert ok.status_code == 200, ok.text
            dev = IdpTokens().person(JANE, GAINING)
            refused = await api.get("/v1/incidents", headers=dev)
            assert_problem(refused, 401, "unauthorized")
