"""The auth matrix: every route of the incident API, every way a bearer token can be wrong.

The routes come from the app's OpenAPI document, so a route added without a row in `ROUTES` fails
`test_matrix_covers_every_route`. Each row names the principal that may make the call, the scope it
needs, the incident state it needs and a minimal valid body; the tests check that the same call is
refused (401, 403 or 404 as DESIGN §4-§5 say) when anything about the caller is wrong, that the
refusal changes nothing, and that the call does succeed for the right caller.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.incident_api.app import create_app
from services.incident_api.models import metadata
from services.incident_api.settings import Settings
from shared.tokens import ADMIN_SCOPE, OPERATOR_SCOPES, PARTY_SCOPES, SERVICE_SCOPES, TokenVerifier
from tests.database import empty_tables
from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    OTHER_OPERATOR,
    act,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.tokens import TEST_SECRET, Tokens

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}
ADMIN_ONLY_PATHS = {"/v1/test-clock"}
"""Development-only admin routes, with tests of their own (tests/test_test_clock.py)."""
SERVICE = "svc:notifier"
NEW_DEVICE = "00-DB-12-34-56-78-90-B1"
IMPORTED_DEVICE = "00-DB-12-34-56-78-90-C2"
MISSING_INCIDENT = "00000000-0000-4000-8000-000000000000"
PROBLEM = "https://ssi.example/problems/"

Headers = dict[str, str]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """The OpenAPI path template."""
    caller: str
    """The party id or service that may make this call (never `admin`: see the scope test)."""
    scope: str
    ok: int
    """The status the caller gets with a good token."""
    state: str = "raised"
    """The incident the call needs: none, raised, resolved_code or resolved_nis."""
    url: str | None = None
    """The concrete URL, `{incident_id}` filled in at run time; `path` if unset."""
    json: Any = None
    csv: str | None = None
    mutates: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def incident_route(self) -> bool:
        return self.path.startswith("/v1/incidents/{incident_id}")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route(
        "POST",
        "/v1/parties",
        OPERATOR,
        "parties:write",
        201,
        state="none",
        json={
            "party_id": "NEWP",
            "name": "New Party",
            "category": "small_supplier",
            "ops_contact_email": "ops@newp.example",
            "escalation_contact_email": "esc@newp.example",
        },
    ),
    Route("GET", "/v1/parties", OPERATOR, "parties:read", 200, state="none", mutates=False),
    Route(
        "GET",
        "/v1/parties/{party_id}",
        OPERATOR,
        "parties:read",
        200,
        state="none",
        url=f"/v1/parties/{GAINING}",
        mutates=False,
    ),
    Route(
        "PATCH",
        "/v1/parties/{party_id}",
        OPERATOR,
        "parties:write",
        200,
        state="none",
        url=f"/v1/parties/{OTHER}",
        json={"name": "Renamed Supplier"},
    ),
    Route(
        "PUT",
        "/v1/devices/{device_id}",
        OPERATOR,
        "inventory:write",
        201,
        state="none",
        url=f"/v1/devices/{NEW_DEVICE}",
        json={
            "device_type": "GSME",
            "smi_status": "whitelisted",
            "installing_party_id": INSTALLING,
            "registered_supplier_party_id": GAINING,
        },
    ),
    Route(
        "GET",
        "/v1/devices/{device_id}",
        GAINING,
        "incidents:read",
        200,
        state="none",
        url=f"/v1/devices/{DEVICE}",
        mutates=False,
    ),
    Route(
        "POST",
        "/v1/devices/import",
        OPERATOR,
        "inventory:write",
        200,
        state="none",
        csv=(
            "device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id\n"
            f"{IMPORTED_DEVICE},GSME,whitelisted,{INSTALLING},{GAINING}\n"
        ),
    ),
    Route(
        "POST", "/v1/incidents", GAINING, "incidents:raise", 201, "none", json={"device_id": DEVICE}
    ),
    Route("GET", "/v1/incidents", GAINING, "incidents:read", 200, mutates=False),
    Route("GET", "/v1/incidents/{incident_id}", GAINING, "incidents:read", 200, mutates=False),
    Route(
        "GET", "/v1/incidents/{incident_id}/history", GAINING, "incidents:read", 200, mutates=False
    ),
    Route("POST", "/v1/incidents/{incident_id}/acknowledge", INSTALLING, "incidents:respond", 200),
    Route(
        "POST",
        "/v1/incidents/{incident_id}/response",
        INSTALLING,
        "incidents:respond",
        200,
        json={"outcome": "install_code_provided", "install_code": CODE},
    ),
    Route(
        "POST",
        "/v1/incidents/{incident_id}/close",
        GAINING,
        "incidents:raise",
        200,
        "resolved_code",
        json={},
    ),
    Route("POST", "/v1/incidents/{incident_id}/cancel", GAINING, "incidents:raise", 200, json={}),
    Route(
        "POST",
        "/v1/incidents/{incident_id}/reopen",
        GAINING,
        "incidents:raise",
        200,
        "resolved_code",
        json={"reason": "The code did not work"},
    ),
    Route(
        "POST",
        "/v1/incidents/{incident_id}/readdress",
        GAINING,
        "incidents:raise",
        200,
        "resolved_nis",
        json={"addressed_party_id": OTHER},
    ),
    # A reveal is audited in the history: it "mutates" what the snapshot sees.
    Route(
        "GET",
        "/v1/incidents/{incident_id}/install-code",
        GAINING,
        "incidents:read",
        200,
        "resolved_code",
    ),
    Route(
        "POST",
        "/v1/incidents/{incident_id}/sla-events",
        SERVICE,
        "sla:write",
        201,
        json={"clock": 1, "kind": "warning", "ordinal": 1, "occurred_at": "2026-06-15T23:00:00Z"},
    ),
    Route("GET", "/v1/events", SERVICE, "events:read", 200, state="none", mutates=False),
    # Seen in the incidents' `addressee_reachable`.
    Route(
        "POST", "/v1/incidents/{incident_id}/reached", SERVICE, "sla:write", 204, json={"clock": 1}
    ),
    Route(
        "POST",
        "/v1/incidents/reached",
        SERVICE,
        "sla:write",
        204,
        state="none",
        json={"items": [{"incident_id": "00000000-0000-4000-8000-000000000000", "clock": 1}]},
        mutates=False,  # an unknown incident is passed over
    ),
    # Seen in the contact list (`admin` sees the addresses) and the feed's `party.updated`.
    Route(
        "PATCH",
        "/v1/parties/{party_id}/contacts",
        GAINING,
        "incidents:raise",
        200,
        state="none",
        url=f"/v1/parties/{GAINING}/contacts",
        json={"ops_contact_email": "ssi-desk@gsup.example"},
    ),
    Route(
        "GET",
        "/v1/parties/{party_id}/history",
        OPERATOR,
        "parties:read",
        200,
        state="none",
        url=f"/v1/parties/{GAINING}/history",
        mutates=False,
    ),
    Route(
        "POST",
        "/v1/incidents/batch",
        GAINING,
        "incidents:raise",
        200,
        state="none",
        json={"items": [{"device_id": DEVICE}]},
    ),
    Route(
        "POST",
        "/v1/incidents/responses/batch",
        INSTALLING,
        "incidents:respond",
        200,
        csv="incident_id,outcome,reason\n{incident_id},rejected,not a request we recognise\n",
    ),
]
BY_KEY = {route.key: route for route in ROUTES}
INCIDENT_ROUTES = [route for route in ROUTES if route.incident_route]


# -- tokens -------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def unsigned_token(claims: dict[str, Any], alg: str = "none", **header: Any) -> str:
    """`alg: none`, crafted by hand: header.payload. with an empty signature."""
    return _signing_input({"alg": alg, "typ": "JWT", **header}, claims) + "."


def hs256_token(secret: bytes, claims: dict[str, Any], **header: Any) -> str:
    """HS256 by hand (python-jose refuses to HMAC with a PEM, which is the attack below)."""
    signing_input = _signing_input({"alg": "HS256", "typ": "JWT", **header}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims_for(
    subject: str, scopes: tuple[str, ...], audience: str = "ssi", issuer: str = "ssi-dev"
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": subject,
        "scope": " ".join(scopes),
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + 3600,
    }


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def scopes_of(subject: str) -> tuple[str, ...]:
    if subject.startswith("svc:"):
        return SERVICE_SCOPES
    return OPERATOR_SCOPES if subject in (OPERATOR, OTHER_OPERATOR) else PARTY_SCOPES


def bad_credentials(subject: str, scopes: tuple[str, ...]) -> list[tuple[str, Headers]]:
    """Every way the caller's otherwise good development token can be wrong."""
    secret = TEST_SECRET.encode()
    good = claims_for(subject, scopes)

    def without(claim: str) -> dict[str, Any]:
        return {k: v for k, v in good.items() if k != claim}

    # Sanity: the same claims, correctly signed, are accepted (checked by the route tests).
    return [
        ("no token", {}),
        ("expired", bearer(hs256_token(secret, {**good, "exp": good["iat"] - 60}))),
        ("no exp", bearer(hs256_token(secret, without("exp")))),
        ("no aud", bearer(hs256_token(secret, without("aud")))),
        ("no iss", bearer(hs256_token(secret, without("iss")))),
        # Signed, but with claims of the wrong type: still 401, never a 500.
        ("exp null", bearer(hs256_token(secret, {**good, "exp": None}))),
        ("exp a list", bearer(hs256_token(secret, {**good, "exp": [good["exp"]]}))),
        ("iat an object", bearer(hs256_token(secret, {**good, "iat": {}}))),
        ("nbf null", bearer(hs256_token(secret, {**good, "nbf": None}))),
        ("wrong audience", bearer(hs256_token(secret, {**good, "aud": "another-service"}))),
        ("wrong issuer", bearer(hs256_token(secret, {**good, "iss": "someone-else"}))),
        ("alg none", bearer(unsigned_token(good))),
        ("alg None", bearer(unsigned_token(good, alg="None"))),
        ("wrong secret", bearer(hs256_token(b"not-the-secret-of-this-deployment", good))),
        ("garbage", bearer("this.is-not-a.jwt")),
        ("empty bearer", {"Authorization": "Bearer "}),
        ("basic scheme", {"Authorization": "Basic " + b64url(f"{subject}:x".encode())}),
    ]


def good_headers(subject: str, scopes: tuple[str, ...]) -> Headers:
    return bearer(hs256_token(TEST_SECRET.encode(), claims_for(subject, scopes)))


# -- the world ----------------------------------------------------------------------------------


async def prepare(api: httpx.AsyncClient, tokens: Tokens, state: str) -> str | None:
    """Seed the parties and Device and leave one GSUP -> ISUP incident in `state`."""
    await seed(api, tokens)
    if state == "none":
        return None
    incident_id: str = (await raise_incident(api, tokens))["id"]
    if state == "resolved_code":
        response = await resolve_with_code(api, tokens, incident_id)
    elif state == "resolved_nis":
        body = {"outcome": "not_installing_supplier"}
        response = await act(api, tokens, INSTALLING, incident_id, "response", body)
    else:
        assert state == "raised", state
        return incident_id
    assert response.status_code == 200, response.text
    return incident_id


async def call(
    api: httpx.AsyncClient, route: Route, headers: Headers, incident_id: str | None
) -> httpx.Response:
    url = (route.url or route.path).replace("{incident_id}", incident_id or MISSING_INCIDENT)
    if route.csv is not None:
        headers = {**headers, "Content-Type": "text/csv"}
        content = route.csv.replace("{incident_id}", incident_id or MISSING_INCIDENT)
        return await api.request(route.method, url, headers=headers, content=content)
    return await api.request(route.method, url, headers=headers, json=route.json)


async def snapshot(
    api: httpx.AsyncClient, tokens: Tokens, operator: str = OPERATOR
) -> dict[str, Any]:
    """Everything a call could change: the event feed, parties, Devices, incidents, histories."""
    events = await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service())
    parties = await api.get("/v1/parties", headers=tokens.admin())
    incidents = await api.get("/v1/incidents", headers=tokens.operator(operator))
    for response in (events, parties, incidents):
        assert response.status_code == 200, response.text
    state: dict[str, Any] = {
        "events": events.json(),
        "parties": parties.json(),
        "incidents": incidents.json(),
    }
    for device in (DEVICE, NEW_DEVICE, IMPORTED_DEVICE):
        response = await api.get(f"/v1/devices/{device}", headers=tokens.admin())
        state[device] = (response.status_code, response.json())
    for incident in incidents.json()["items"]:
        history = await api.get(
            f"/v1/incidents/{incident['id']}/history", headers=tokens.operator(operator)
        )
        assert history.status_code == 200, history.text
        state[incident["id"]] = history.json()
    return state


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == PROBLEM + slug, body


def assert_unauthorized(response: httpx.Response, what: str) -> None:
    assert response.status_code == 401, f"{what}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/problem+json", what
    assert response.headers["www-authenticate"] == "Bearer", what
    body = response.json()
    assert (body["status"], body["type"]) == (401, PROBLEM + "unauthorized"), what


# -- the matrix ---------------------------------------------------------------------------------


def test_matrix_covers_every_route(api_settings: Settings) -> None:
    paths = create_app(api_settings).openapi()["paths"]
    served = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path not in PUBLIC_PATHS and path not in ADMIN_ONLY_PATHS
        for method in operations
    }
    assert served == set(BY_KEY), (
        f"routes without a matrix row: {sorted(served - set(BY_KEY))}; "
        f"rows for no route: {sorted(set(BY_KEY) - served)}"
    )
    assert set(paths) >= PUBLIC_PATHS
    assert len(BY_KEY) == len(ROUTES)


async def test_public_routes_answer_without_a_token(api: httpx.AsyncClient) -> None:
    for path in sorted(PUBLIC_PATHS):
        response = await api.get(path)
        assert response.status_code == 200, (path, response.text)
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json() == {"status": "ready"}
    assert "ssi_incidents_raised_total" in (await api.get("/metrics")).text


WHY = {
    "no token": "Send Authorization: Bearer <token>.",
    "expired": "the token has expired",
    "no exp": "the token lacks a required claim: exp",
    "no aud": "the token lacks a required claim: aud",
    "no iss": "the token lacks a required claim: iss",
    "exp null": "a claim of the token has the wrong type or form: exp",
    "exp a list": "a claim of the token has the wrong type or form: exp",
    "iat an object": "a claim of the token has the wrong type or form: iat",
    "nbf null": "a claim of the token has the wrong type or form: nbf",
    "wrong audience": "the token's audience (aud) is not accepted here",
    "wrong issuer": "the token's issuer (iss) is not accepted here",
    "alg none": "the token's signing algorithm is not allowed here",
    "alg None": "the token's signing algorithm is not allowed here",
    "wrong secret": "the token's signature does not verify",
    "garbage": "the token is not a well-formed JWT",
    "empty bearer": "Send Authorization: Bearer <token>.",
    "basic scheme": "Send Authorization: Bearer <token>.",
}
"""Each way `bad_credentials` spoils a token, and the words the 401 uses for it."""


async def test_every_401_says_why_and_echoes_nothing(
    api: httpx.AsyncClient, tokens: Tokens, api_settings: Settings
) -> None:
    await seed(api, tokens)
    credentials = bad_credentials(GAINING, PARTY_SCOPES)
    assert {what for what, _ in credentials} == set(WHY)
    for what, headers in credentials:
        response = await api.get("/v1/incidents", headers=headers)
        assert_unauthorized(response, what)
        why = WHY[what]
        expected = why if why.startswith("Send") else f"The bearer token is not valid here: {why}."
        assert response.json()["detail"] == expected, what
        # Neither what the token said nor what this deployment expects instead.
        for value in ("another-service", "someone-else", api_settings.common.jwt_issuer):
            assert value not in response.text, (what, value)
        token = headers.get("Authorization", "")[7:]
        for part in token.split("."):
            assert len(part) < 8 or part not in response.text, what


@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_route_refuses_bad_tokens_and_missing_scope(
    api: httpx.AsyncClient, tokens: Tokens, route: Route
) -> None:
    incident_id = await prepare(api, tokens, route.state)
    scopes = scopes_of(route.caller)
    before = await snapshot(api, tokens)

    for what, headers in bad_credentials(route.caller, scopes):
        response = await call(api, route, headers, incident_id)
        assert_unauthorized(response, f"{route} with {what}")
        if "Authorization" in headers and len(headers["Authorization"]) > 20:
            assert headers["Authorization"][7:] not in response.text

    assert route.scope in scopes
    lacking = tuple(s for s in scopes if s != route.scope)
    response = await call(api, route, good_headers(route.caller, lacking), incident_id)
    assert_problem(response, 403, "missing-scope")
    assert response.json()["required_scope"] == route.scope

    assert await snapshot(api, tokens) == before, f"a refused {route} changed something"

    # The very same call with a good token works, and the snapshot would have seen its effect.
    response = await call(api, route, good_headers(route.caller, scopes), incident_id)
    assert response.status_code == route.ok, response.text
    after = await snapshot(api, tokens)
    assert (after != before) is route.mutates, f"{route}: mutates={route.mutates}"


async def test_service_only_scopes_are_refused_on_party_tokens(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    incident_id = await prepare(api, tokens, "raised")
    before = await snapshot(api, tokens)
    events = BY_KEY[("GET", "/v1/events")]
    sla = BY_KEY[("POST", "/v1/incidents/{incident_id}/sla-events")]
    reached = BY_KEY[("POST", "/v1/incidents/{incident_id}/reached")]
    for party in (GAINING, INSTALLING, OPERATOR):
        greedy = (*scopes_of(party), "events:read", "sla:write")
        for route in (events, sla, reached):
            response = await call(api, route, good_headers(party, greedy), incident_id)
            assert_problem(response, 403, "missing-scope")
    assert await snapshot(api, tokens) == before
    # The service itself is let in.
    response = await call(api, sla, tokens.service(), incident_id)
    assert response.status_code == 201, response.text
    response = await call(api, reached, tokens.service(), incident_id)
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("subject", ["svc:evil", "svc:notifier2", "svc:sla-monitor"])
async def test_only_the_deployments_services_are_services(
    api: httpx.AsyncClient, tokens: Tokens, subject: str
) -> None:
    """A well-formed `svc:` subject is not enough: only the services this deployment runs."""
    incident_id = await prepare(api, tokens, "raised")
    before = await snapshot(api, tokens)
    for route in (
        BY_KEY[("GET", "/v1/events")],
        BY_KEY[("POST", "/v1/incidents/{incident_id}/sla-events")],
        BY_KEY[("POST", "/v1/incidents/{incident_id}/reached")],
    ):
        response = await call(api, route, tokens.headers(subject, SERVICE_SCOPES), incident_id)
        assert_problem(response, 401, "unauthorized")
    assert await snapshot(api, tokens) == before


async def test_another_partys_incident_is_not_found_on_every_route(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    resolved = await prepare(api, tokens, "resolved_code")
    assert resolved is not None
    # An open incident on the same Device beside the resolved one (the resolved one is not open).
    raised: str = (await raise_incident(api, tokens))["id"]
    before = await snapshot(api, tokens)
    outsider = tokens.party(OTHER)
    for route in INCIDENT_ROUTES:
        unknown = await call(api, route, outsider, MISSING_INCIDENT)
        for incident_id in (raised, resolved):
            response = await call(api, route, outsider, incident_id)
            # Exactly what a non-existent id gets: the answer reveals nothing.
            assert (response.status_code, response.json()) == (
                unknown.status_code,
                unknown.json(),
            ), route
            if route.scope == "sla:write":
                # Service-only: a party is refused by scope whatever the incident, before lookup.
                assert_problem(response, 403, "missing-scope")
            else:
                assert_problem(response, 404, "incident-not-found")
    listed = await api.get("/v1/incidents", headers=outsider)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert await snapshot(api, tokens) == before


async def test_operators_read_incidents_but_never_see_the_install_code(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    incident_id = await prepare(api, tokens, "resolved_code")
    reveal_url = f"/v1/incidents/{incident_id}/install-code"
    for operator in (OPERATOR, OTHER_OPERATOR):
        headers = tokens.operator(operator)
        incident = await api.get(f"/v1/incidents/{incident_id}", headers=headers)
        assert incident.status_code == 200, incident.text
        assert incident.json()["status"] == "resolved"
        assert CODE not in incident.text
        history = await api.get(f"/v1/incidents/{incident_id}/history", headers=headers)
        assert history.status_code == 200, history.text
        assert [e["action"] for e in history.json()["items"]] == ["resolved", "raised"]
        listed = await api.get("/v1/incidents", headers=headers)
        assert [i["id"] for i in listed.json()["items"]] == [incident_id]
        reveal = await api.get(reveal_url, headers=headers)
        assert_problem(reveal, 403, "wrong-role")
        assert CODE not in reveal.text
    # Nothing was revealed, so nothing was audited; the requester still gets the code.
    history = await api.get(f"/v1/incidents/{incident_id}/history", headers=tokens.operator())
    assert "install_code.revealed" not in [e["action"] for e in history.json()["items"]]
    reveal = await api.get(reveal_url, headers=tokens.party(GAINING))
    assert reveal.status_code == 200
    assert reveal.json() == {"install_code": CODE}
    # The addressee who supplied it does not get it back either.
    assert_problem(await api.get(reveal_url, headers=tokens.party(INSTALLING)), 403, "wrong-role")


@pytest.mark.parametrize("party", [GAINING, OPERATOR])
async def test_a_deactivated_partys_token_is_refused_everywhere(
    api: httpx.AsyncClient, tokens: Tokens, party: str
) -> None:
    incident_id = await prepare(api, tokens, "resolved_code")
    response = await api.patch(
        f"/v1/parties/{party}", headers=tokens.admin(), json={"active": False}
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    snapshot_operator = OTHER_OPERATOR
    before = await snapshot(api, tokens, snapshot_operator)
    for route in ROUTES:
        # Whatever scopes the token claims, including the one the route needs.
        scopes = tuple(dict.fromkeys((*scopes_of(party), route.scope)))
        response = await call(api, route, good_headers(party, scopes), incident_id)
        assert_problem(response, 403, "forbidden")
    assert await snapshot(api, tokens, snapshot_operator) == before

    response = await api.patch(
        f"/v1/parties/{party}", headers=tokens.admin(), json={"active": True}
    )
    assert response.status_code == 200, response.text
    again = await api.get(
        f"/v1/incidents/{incident_id}", headers=good_headers(party, scopes_of(party))
    )
    assert again.status_code == 200, again.text


async def test_admin_bootstraps_but_never_acts_on_an_incident(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    incident_id = await prepare(api, tokens, "resolved_code")
    admin = tokens.admin()
    before = await snapshot(api, tokens)
    raised = await api.post("/v1/incidents", headers=admin, json={"device_id": DEVICE})
    assert_problem(raised, 403)
    reveal = await api.get(f"/v1/incidents/{incident_id}/install-code", headers=admin)
    assert_problem(reveal, 403)
    assert CODE not in reveal.text
    for route in INCIDENT_ROUTES:
        if route.method == "POST":
            assert_problem(await call(api, route, admin, incident_id), 403)
    assert_problem(await api.get("/v1/events", headers=admin), 403)
    # `admin` is not a scope that stands in for others, even when a token carries many.
    everything = (ADMIN_SCOPE, *OPERATOR_SCOPES, *SERVICE_SCOPES)
    response = await api.post(
        "/v1/incidents", headers=good_headers("admin", everything), json={"device_id": DEVICE}
    )
    assert_problem(response, 403)
    assert await snapshot(api, tokens) == before

    parties = BY_KEY[("POST", "/v1/parties")]
    assert (await call(api, parties, admin, None)).status_code == 201
    device = BY_KEY[("PUT", "/v1/devices/{device_id}")]
    assert (await call(api, device, admin, None)).status_code == 201
    after = await snapshot(api, tokens)
    assert after[NEW_DEVICE][0] == 200
    assert "NEWP" in [p["party_id"] for p in after["parties"]["items"]]


# -- production mode: RS256 from a JWKS ---------------------------------------------------------

PROD_AUDIENCE, PROD_ISSUER, KID = "ssi-prod", "https://idp.example/", "idp-2026-01"


@dataclass(frozen=True)
class SigningKey:
    private_pem: bytes
    public_pem: bytes

    @classmethod
    def generate(cls) -> "SigningKey":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private, public)

    def jwk(self, kid: str) -> dict[str, Any]:
        return {**jwk.construct(self.public_pem, "RS256").to_dict(), "kid": kid, "use": "sig"}

    def sign(self, claims: dict[str, Any], kid: str | None = KID) -> str:
        headers = {"kid": kid} if kid is not None else None
        return jwt.encode(claims, self.private_pem.decode(), algorithm="RS256", headers=headers)


@pytest.fixture(scope="module")
def idp_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
async def prod_api(
    api_settings: Settings, api_database_url: str, clock: FrozenClock, idp_key: SigningKey
) -> AsyncIterator[httpx.AsyncClient]:
    """The incident API verifying asymmetric tokens from a JWKS, as in production."""
    engine = create_engine(api_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    verifier = TokenVerifier(audience=PROD_AUDIENCE, issuer=PROD_ISSUER, jwks=[idp_key.jwk(KID)])
    app = create_app(api_settings, clock=clock, verifier=verifier)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


def ec_private_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def prod_claims(subject: str, scopes: tuple[str, ...]) -> dict[str, Any]:
    return claims_for(subject, scopes, audience=PROD_AUDIENCE, issuer=PROD_ISSUER)


async def test_production_accepts_rs256_by_kid_and_refuses_algorithm_confusion(
    prod_api: httpx.AsyncClient, idp_key: SigningKey
) -> None:
    admin = prod_claims("admin", (ADMIN_SCOPE,))
    party = {
        "party_id": GAINING,
        "name": "Gaining",
        "category": "large_supplier",
        "ops_contact_email": "ops@gsup.example",
        "escalation_contact_email": "esc@gsup.example",
    }
    impostor = SigningKey.generate()
    public_pem = idp_key.public_pem
    refused = {
        "HS256 keyed with the public PEM": hs256_token(public_pem, admin, kid=KID),
        "HS256 keyed with the stripped PEM": hs256_token(public_pem.strip(), admin, kid=KID),
        "HS256 keyed with the JWK's n": hs256_token(idp_key.jwk(KID)["n"].encode(), admin, kid=KID),
        "HS256 with the development secret": hs256_token(TEST_SECRET.encode(), admin, kid=KID),
        "alg none": unsigned_token(admin, kid=KID),
        "ES256 under the RSA key's kid": unsigned_token(admin, alg="ES256", kid=KID) + "AAAA",
        "ES256 by an EC key under the RSA key's kid": jwt.encode(
            admin, ec_private_pem(), algorithm="ES256", headers={"kid": KID}
        ),
        "RS256 with exp null": idp_key.sign({**admin, "exp": None}),
        "alg none without kid": unsigned_token(admin),
        "RS256 with an unknown kid": idp_key.sign(admin, kid="another-key"),
        "RS256 without kid": idp_key.sign(admin, kid=None),
        "RS256 by another key under our kid": impostor.sign(admin),
        "RS256 for the development audience": idp_key.sign(claims_for("admin", (ADMIN_SCOPE,))),
        "RS256 expired": idp_key.sign({**admin, "exp": admin["iat"] - 60}),
        "RS256 without aud": idp_key.sign({k: v for k, v in admin.items() if k != "aud"}),
    }
    for what, token in refused.items():
        created = await prod_api.post("/v1/parties", headers=bearer(token), json=party)
        assert_unauthorized(created, what)
        listed = await prod_api.get("/v1/parties", headers=bearer(token))
        assert_unauthorized(listed, what)

    good = bearer(idp_key.sign(admin))
    listed = await prod_api.get("/v1/parties", headers=good)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    created = await prod_api.post("/v1/parties", headers=good, json=party)
    assert created.status_code == 201, created.text
    supplier = bearer(idp_key.sign(prod_claims(GAINING, PARTY_SCOPES)))
    incidents = await prod_api.get("/v1/incidents", headers=supplier)
    assert incidents.status_code == 200, incidents.text
    # The development scheme is not accepted in production, even for a real party.
    dev = bearer(hs256_token(TEST_SECRET.encode(), claims_for(GAINING, PARTY_SCOPES)))
    assert_unauthorized(await prod_api.get("/v1/incidents", headers=dev), "development token")
