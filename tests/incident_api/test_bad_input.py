"""Bad input: each refusal is a clear RFC 9457 problem, never a 500, never echoes what was sent
(an install code above all), and changes nothing: no incident moves, no event is appended.
"""

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.common.clock import FrozenClock
from services.incident_api.app import create_app
from services.incident_api.settings import Settings
from tests.incident_api.world import (
    CODE,
    CODE_WITH_CRC,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    act,
    put_device,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.tokens import Tokens

PROBLEM = "https://ssi.example/problems/"
PROBLEM_JSON = "application/problem+json"
UNKNOWN_DEVICE = "00-DB-12-34-56-78-90-A9"
# Values that must never come back in a response body, whatever was sent.
NEVER_ECHOED = (CODE, CODE_WITH_CRC)


def assert_problem(
    response: httpx.Response,
    status: int,
    slug: str,
    *,
    field: str | None = None,
    not_echoed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A problem+json with this status and type; `field` among its `errors`; nothing echoed."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + slug, body
    assert body["status"] == status
    assert body["title"]
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body
    text = response.text.upper()
    for value in (*NEVER_ECHOED, *not_echoed):
        if value.strip():
            assert value.upper() not in text, f"{value!r} echoed in {response.text}"
    return body


def messages(body: dict[str, Any]) -> str:
    return " ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))


async def world_state(api: httpx.AsyncClient, tokens: Tokens) -> dict[str, Any]:
    """Everything a refused call could have changed: incidents, their history, the event feed."""
    events = await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service())
    assert events.status_code == 200, events.text
    listing = await api.get("/v1/incidents", params={"limit": 500}, headers=tokens.operator())
    assert listing.status_code == 200, listing.text
    incidents = {}
    for item in listing.json()["items"]:
        history = await api.get(f"/v1/incidents/{item['id']}/history", headers=tokens.operator())
        assert history.status_code == 200, history.text
        incidents[item["id"]] = (
            item["status"],
            item["outcome"],
            item["version"],
            item["addressed_party_id"],
            len(history.json()["items"]),
        )
    return {"events": [e["seq"] for e in events.json()["items"]], "incidents": incidents}


@pytest.fixture
async def incident(api: httpx.AsyncClient, tokens: Tokens) -> dict[str, Any]:
    """The seeded world with one open incident, GSUP asking ISUP."""
    await seed(api, tokens)
    return await raise_incident(api, tokens)


async def resolved_not_installer(api: httpx.AsyncClient, tokens: Tokens, incident_id: str) -> None:
    response = await act(
        api, tokens, INSTALLING, incident_id, "response", {"outcome": "not_installing_supplier"}
    )
    assert response.status_code == 200, response.text


# -- Device IDs -------------------------------------------------------------------------------

BAD_DEVICE_IDS = [
    "00-DB-12-34-56-78-90",  # 14 digits
    "00DB1234567890A",  # 15 digits
    "00DB1234567890A0FF",  # 18 digits
    "00-DB-12-34-56-78-90-AG",  # not hex
    "00-DB:12-34-56-78-90-A0",  # mixed separators
    "00 DB 12 34 56 78 90 A0",  # spaces
    "0x00DB1234567890A0",
    "00-DB-12-34-56-78-90-A0-",
    "",
]


@pytest.mark.parametrize("device_id", [*BAD_DEVICE_IDS, 1234, None, ["00DB1234567890A0"]])
async def test_malformed_device_id_on_raise(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], device_id: Any
) -> None:
    before = await world_state(api, tokens)
    response = await api.post(
        "/v1/incidents", headers=tokens.party(GAINING), json={"device_id": device_id}
    )
    body = assert_problem(response, 422, "validation", field="device_id")
    assert "input" not in json.dumps(body["errors"])
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize("device_id", [d for d in BAD_DEVICE_IDS if d])
async def test_malformed_device_id_on_put_device(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], device_id: str
) -> None:
    before = await world_state(api, tokens)
    response = await api.put(
        f"/v1/devices/{device_id}",
        headers=tokens.admin(),
        json={"device_type": "GSME", "smi_status": "commissioned"},
    )
    assert_problem(response, 422, "validation", field="device_id")
    device = await api.get(f"/v1/devices/{DEVICE}", headers=tokens.admin())
    assert (device.json()["device_type"], device.json()["smi_status"]) == (
        "ESME",
        "installed_not_commissioned",
    )
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"device_type": "TOASTER", "smi_status": "commissioned"}, "device_type"),
        ({"device_type": "ESME", "smi_status": "lost"}, "smi_status"),
        ({"smi_status": "commissioned"}, "device_type"),
        ({"device_type": "ESME", "smi_status": "pending", "installing_party_id": "isup"}, None),
        ({"device_type": "ESME", "smi_status": "pending", "colour": "red"}, "body"),
    ],
)
async def test_bad_device_body(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    body: dict[str, Any],
    field: str | None,
) -> None:
    before = await world_state(api, tokens)
    response = await api.put(f"/v1/devices/{DEVICE}", headers=tokens.admin(), json=body)
    assert_problem(
        response, 422, "validation", field=field or "installing_party_id", not_echoed=("colour",)
    )
    device = await api.get(f"/v1/devices/{DEVICE}", headers=tokens.admin())
    assert device.json()["smi_status"] == "installed_not_commissioned"
    assert await world_state(api, tokens) == before


# -- install codes ----------------------------------------------------------------------------

BAD_CODES = {
    "30 digits": CODE[:30],
    "31 digits": CODE[:31],
    "33 digits": CODE + "C",
    "34 digits": CODE + "C3",
    "35 digits": CODE + "C3B",
    "37 digits": CODE_WITH_CRC + "0",
    "64 digits": CODE + CODE,
    "empty": "",
    "wrong CRC": CODE + "C3B6",
    "CRC high byte first": CODE + "B5C3",
    "another code's CRC": CODE + "528F",
    "not hex": CODE[:31] + "G",
    "not hex, with CRC": CODE_WITH_CRC[:35] + "Z",
    "inner spaces": " ".join(CODE[i : i + 4] for i in range(0, 32, 4)),
    "hyphens": "-".join(CODE[i : i + 4] for i in range(0, 32, 4)),
    "0x prefix": "0x" + CODE,
    "non-ASCII digits": CODE[:31] + "\u0661",
}


@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
async def test_bad_install_code(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], code: str
) -> None:
    before = await world_state(api, tokens)
    response = await resolve_with_code(api, tokens, incident["id"], code)
    assert_problem(response, 422, "validation", field="install_code", not_echoed=(code,))
    assert await world_state(api, tokens) == before
    reveal = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert_problem(reveal, 409, "no-install-code")


@pytest.mark.parametrize("code", [1234, 1.5, True, [CODE], {"code": CODE}])
async def test_install_code_not_a_string(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], code: Any
) -> None:
    before = await world_state(api, tokens)
    body = {"outcome": "install_code_provided", "install_code": code}
    response = await act(api, tokens, INSTALLING, incident["id"], "response", body)
    assert_problem(response, 422, "validation", field="install_code")
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "not_installing_supplier", "install_code": CODE},
        {"outcome": "rejected", "reason": "Not a genuine change of supply", "install_code": CODE},
        {"outcome": "not_installing_supplier", "install_code": CODE_WITH_CRC},
        {"outcome": "install_code_provided"},
        {"outcome": "install_code_provided", "install_code": None},
    ],
)
async def test_install_code_only_with_its_outcome(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], body: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    response = await act(api, tokens, INSTALLING, incident["id"], "response", body)
    problem = assert_problem(response, 422, "validation")
    assert "install_code" in messages(problem)
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "rejected"}, None),
        ({"outcome": "rejected", "reason": None}, None),
        ({"outcome": "rejected", "reason": ""}, "reason"),
        ({"outcome": "rejected", "reason": "   "}, "reason"),
        ({"outcome": "shrug"}, "outcome"),
        ({}, "outcome"),
        (
            {"outcome": "install_code_provided", "install_code": CODE, "suggested_party_id": OTHER},
            None,
        ),
    ],
)
async def test_bad_response_body(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    body: dict[str, Any],
    field: str | None,
) -> None:
    before = await world_state(api, tokens)
    response = await act(api, tokens, INSTALLING, incident["id"], "response", body)
    problem = assert_problem(response, 422, "validation", field=field)
    if field is None:  # a rule across fields: its message names them
        assert "reason" in messages(problem) or "suggested_party_id" in messages(problem)
    assert await world_state(api, tokens) == before


# -- parties named in a request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "slug", "field"),
    [
        # The inventory does not know the Device: the requester names the addressee.
        ({"device_id": UNKNOWN_DEVICE, "addressed_party_id": "ZZZZ"}, 422, "unknown-party", None),
        ({"device_id": UNKNOWN_DEVICE, "addressed_party_id": OPERATOR}, 422, "unknown-party", None),
        ({"device_id": UNKNOWN_DEVICE}, 422, "addressee-required", None),
        (
            {"device_id": UNKNOWN_DEVICE, "addressed_party_id": "zzzz"},
            422,
            "validation",
            "addressed_party_id",
        ),
        (
            {"device_id": UNKNOWN_DEVICE, "addressed_party_id": "ZZZZZ"},
            422,
            "validation",
            "addressed_party_id",
        ),
        (
            {"device_id": UNKNOWN_DEVICE, "addressed_party_id": 1234},
            422,
            "validation",
            "addressed_party_id",
        ),
        # The inventory knows the installer: naming another is refused, never a silent re-route.
        ({"device_id": DEVICE, "addressed_party_id": OTHER}, 422, "unknown-party", None),
    ],
)
async def test_bad_addressee_on_raise(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    body: dict[str, Any],
    status: int,
    slug: str,
    field: str | None,
) -> None:
    before = await world_state(api, tokens)
    response = await api.post("/v1/incidents", headers=tokens.party(GAINING), json=body)
    assert_problem(response, status, slug, field=field)
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("party", "status", "slug"),
    [("ZZZZ", 422, "unknown-party"), (OPERATOR, 422, "unknown-party"), ("zz", 422, "validation")],
)
async def test_bad_addressee_on_readdress(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    party: str,
    status: int,
    slug: str,
) -> None:
    await resolved_not_installer(api, tokens, incident["id"])
    before = await world_state(api, tokens)
    body = {"addressed_party_id": party}
    response = await act(api, tokens, GAINING, incident["id"], "readdress", body)
    assert_problem(response, status, slug)
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize("party", ["ZZZZ", INSTALLING])
async def test_unknown_suggested_party(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], party: str
) -> None:
    before = await world_state(api, tokens)
    body = {"outcome": "not_installing_supplier", "suggested_party_id": party}
    response = await act(api, tokens, INSTALLING, incident["id"], "response", body)
    assert_problem(response, 422, "unknown-party")
    assert await world_state(api, tokens) == before


# -- free text --------------------------------------------------------------------------------

PERSONAL = {
    "MPAN": "Meter at 1200023456789, please",
    "MPAN in groups": "MPAN 12 0002 3456 789",
    "21-digit MPAN": "Full MPAN 001801121200023456789",
    "MPRN": "Gas MPRN 1234567",
    "postcode": "Property at SW1A 1AA",
    "postcode, no space": "near ec1a1bb",
}


@pytest.mark.parametrize("text", PERSONAL.values(), ids=PERSONAL.keys())
async def test_personal_data_in_free_text(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], text: str
) -> None:
    await put_device(api, tokens, "00-DB-12-34-56-78-90-A1")
    before = await world_state(api, tokens)
    calls = [
        (GAINING, "/v1/incidents", {"device_id": "00-DB-12-34-56-78-90-A1", "note": text}, "note"),
        (GAINING, f"/v1/incidents/{incident['id']}/cancel", {"reason": text}, "reason"),
        (
            INSTALLING,
            f"/v1/incidents/{incident['id']}/response",
            {"outcome": "rejected", "reason": text},
            "reason",
        ),
    ]
    for party, path, body, field in calls:
        response = await api.post(path, headers=tokens.party(party), json=body)
        problem = assert_problem(response, 422, "validation", field=field, not_echoed=(text,))
        assert "MPAN" in messages(problem) or "postcode" in messages(problem)
    assert await world_state(api, tokens) == before


async def test_free_text_over_500_characters(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    await resolve_with_code(api, tokens, incident["id"])
    before = await world_state(api, tokens)
    for path, field in (("close", "note"), ("reopen", "reason")):
        response = await act(api, tokens, GAINING, incident["id"], path, {field: "x" * 501})
        assert_problem(response, 422, "validation", field=field)
    assert await world_state(api, tokens) == before
    # 500 is the limit itself, not past it.
    closed = await act(api, tokens, GAINING, incident["id"], "close", {"note": "y" * 500})
    assert closed.status_code == 200, closed.text


@pytest.mark.parametrize("text", ["nul \x00 byte", "bell \x07", "escape \x1b[31m"])
async def test_control_characters_in_free_text(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], text: str
) -> None:
    before = await world_state(api, tokens)
    response = await act(api, tokens, GAINING, incident["id"], "cancel", {"reason": text})
    assert_problem(response, 422, "validation", field="reason")
    assert await world_state(api, tokens) == before


# -- bodies: size, media type, syntax, unknown fields -----------------------------------------


def oversized_raise() -> bytes:
    return json.dumps({"device_id": UNKNOWN_DEVICE, "note": "x" * 70_000}).encode()


async def test_body_over_the_limit_with_content_length(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    body = oversized_raise()
    headers = {**tokens.party(GAINING), "Content-Type": "application/json"}
    response = await api.post("/v1/incidents", headers=headers, content=body)
    assert_problem(response, 413, "payload-too-large")
    assert response.request.headers["content-length"] == str(len(body))
    assert await world_state(api, tokens) == before


async def test_body_over_the_limit_streamed_without_length(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    body = oversized_raise()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    headers = {**tokens.party(GAINING), "Content-Type": "application/json"}
    response = await api.post("/v1/incidents", headers=headers, content=chunks())
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "payload-too-large")
    assert await world_state(api, tokens) == before


async def test_declared_length_that_is_not_a_number(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    headers = {**tokens.party(GAINING), "Content-Type": "application/json"}
    request = api.build_request(
        "POST", "/v1/incidents", headers=headers, content=b'{"device_id": "00DB1234567890A9"}'
    )
    request.headers["Content-Length"] = "-1"
    response = await api.send(request)
    assert_problem(response, 413, "payload-too-large")
    assert await world_state(api, tokens) == before


async def test_import_over_its_own_limit_streamed(
    api: httpx.AsyncClient,
    tokens: Tokens,
    api_settings: Settings,
    clock: FrozenClock,
) -> None:
    """The import takes large bodies, but it has a limit too, enforced while streaming."""
    await seed(api, tokens)
    app = create_app(api_settings.model_copy(update={"max_import_bytes": 2000}), clock=clock)
    rows = [
        f"00-DB-12-34-56-78-{n // 256:02X}-{n % 256:02X},ESME,whitelisted,{INSTALLING},{GAINING}"
        for n in range(60)
    ]
    data = (
        "device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id\n"
        + "\n".join(rows)
    ).encode()
    assert len(data) > 2000

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 500):
            yield data[start : start + 500]

    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with client:
            headers = {**tokens.admin(), "Content-Type": "text/csv"}
            response = await client.post("/v1/devices/import", headers=headers, content=chunks())
    assert_problem(response, 413, "payload-too-large")
    first = await api.get("/v1/devices/00-DB-12-34-56-78-00-00", headers=tokens.admin())
    assert first.status_code == 404


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "content": b'{"device_id": "00DB1234567890A9"}',
            "headers": {"Content-Type": "text/plain"},
        },
        {"data": {"device_id": "00DB1234567890A9"}},
        {"files": {"device_id": (None, "00DB1234567890A9")}},
        {"content": b'{"device_id": "00DB1234567890A9"}', "headers": {"Content-Type": ""}},
        {
            "content": b"<device_id>00DB1234567890A9</device_id>",
            "headers": {"Content-Type": "application/xml"},
        },
    ],
    ids=["text/plain", "form", "multipart", "no type", "xml"],
)
async def test_wrong_content_type(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    headers = {**tokens.party(GAINING), **kwargs.pop("headers", {})}
    response = await api.post("/v1/incidents", headers=headers, **kwargs)
    assert_problem(response, 415, "unsupported-media-type")
    assert await world_state(api, tokens) == before


async def test_wrong_content_type_on_a_transition_and_on_import(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    body = json.dumps({"outcome": "install_code_provided", "install_code": CODE}).encode()
    headers = {**tokens.party(INSTALLING), "Content-Type": "text/plain"}
    response = await api.post(
        f"/v1/incidents/{incident['id']}/response", headers=headers, content=body
    )
    assert_problem(response, 415, "unsupported-media-type")
    imported = await api.post(
        "/v1/devices/import",
        headers={**tokens.admin(), "Content-Type": "application/json"},
        content=json.dumps({"device_id": UNKNOWN_DEVICE}).encode(),
    )
    assert_problem(imported, 415, "unsupported-media-type")
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("content", "status", "slug"),
    [
        (b'{"device_id": ', 422, "validation"),
        (b"{device_id: '00DB1234567890A9'}", 422, "validation"),
        (b'{"device_id": "00DB1234567890A9",}', 422, "validation"),
        (b"[]", 422, "validation"),
        (b'"00DB1234567890A9"', 422, "validation"),
        (b"null", 422, "validation"),
        (b"", 422, "validation"),
        (b'{"device_id": "00DB1234567890A9"} trailing', 422, "validation"),
        (b"\xff\xfe{}", 422, "validation"),
        (b'{"device_id": "\x80"}', 400, "http-error"),  # not UTF-8
    ],
)
async def test_invalid_json(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    content: bytes,
    status: int,
    slug: str,
) -> None:
    before = await world_state(api, tokens)
    headers = {**tokens.party(GAINING), "Content-Type": "application/json"}
    response = await api.post("/v1/incidents", headers=headers, content=content)
    assert_problem(response, status, slug)
    assert await world_state(api, tokens) == before


async def test_invalid_json_never_echoes_an_install_code(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    before = await world_state(api, tokens)
    headers = {**tokens.party(INSTALLING), "Content-Type": "application/json"}
    content = b'{"outcome": "install_code_provided", "install_code": "' + CODE.encode() + b'"'
    response = await api.post(
        f"/v1/incidents/{incident['id']}/response", headers=headers, content=content
    )
    assert_problem(response, 422, "validation")
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("party", "path", "body", "field"),
    [
        (GAINING, "", {"device_id": UNKNOWN_DEVICE, "colour": "red"}, "colour"),
        (GAINING, "", {"device_id": UNKNOWN_DEVICE, "install_code": CODE}, "install_code"),
        (
            INSTALLING,
            "response",
            {"outcome": "install_code_provided", "install_code": CODE, "crc": "C3B5"},
            "crc",
        ),
        (INSTALLING, "response", {"outcome": "rejected", "reason": "No", "Reason": "No"}, "Reason"),
        (GAINING, "close", {"note": "Thanks", "status": "closed"}, "status"),
        (GAINING, "cancel", {"reason": "Not needed", "force": True}, "force"),
    ],
)
async def test_unknown_fields(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    party: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """Named as unknown where they stand, never by the caller's own name for them: a key may be
    an install code (see test_secrecy)."""
    before = await world_state(api, tokens)
    url = f"/v1/incidents/{incident['id']}/{path}" if path else "/v1/incidents"
    response = await api.post(url, headers=tokens.party(party), json=body)
    problem = assert_problem(response, 422, "validation", field="body")
    assert "Extra inputs are not permitted" in messages(problem)
    assert field not in messages(problem)
    assert await world_state(api, tokens) == before


async def test_unknown_fields_on_parties(api: httpx.AsyncClient, tokens: Tokens) -> None:
    body = {
        "party_id": "NEWP",
        "name": "New",
        "category": "other",
        "ops_contact_email": "ops@newp.example",
        "escalation_contact_email": "esc@newp.example",
        "webhook_reachable": True,
    }
    response = await api.post("/v1/parties", headers=tokens.admin(), json=body)
    problem = assert_problem(
        response, 422, "validation", field="body", not_echoed=("webhook_reachable",)
    )
    assert "unknown field" in messages(problem)
    missing = await api.get("/v1/parties/NEWP", headers=tokens.admin())
    assert missing.status_code == 404


# -- transitions ------------------------------------------------------------------------------


async def test_acknowledge_twice(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    first = await act(api, tokens, INSTALLING, incident["id"], "acknowledge")
    assert first.status_code == 200, first.text
    before = await world_state(api, tokens)
    again = await act(api, tokens, INSTALLING, incident["id"], "acknowledge")
    body = assert_problem(again, 409, "invalid-transition")
    assert body["current_status"] == "acknowledged"
    assert "acknowledged" in body["detail"]
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("setup", "party", "action", "body", "status"),
    [
        ([], GAINING, "close", {}, "raised"),
        ([], GAINING, "reopen", {"reason": "It did not work"}, "raised"),
        ([], GAINING, "readdress", {"addressed_party_id": OTHER}, "raised"),
        (["not_installer"], GAINING, "reopen", {"reason": "It did not work"}, "resolved"),
        (["not_installer"], GAINING, "cancel", {}, "resolved"),
        (["not_installer"], INSTALLING, "acknowledge", None, "resolved"),
        (["code"], GAINING, "readdress", {"addressed_party_id": OTHER}, "resolved"),
        (["code"], INSTALLING, "response", {"outcome": "not_installing_supplier"}, "resolved"),
        (
            ["cancel"],
            INSTALLING,
            "response",
            {"outcome": "install_code_provided", "install_code": CODE},
            "cancelled",
        ),
        (["cancel"], INSTALLING, "acknowledge", None, "cancelled"),
        (["cancel"], GAINING, "cancel", {}, "cancelled"),
        (["cancel"], GAINING, "close", {}, "cancelled"),
        (["code", "close"], GAINING, "reopen", {"reason": "It did not work"}, "closed"),
        (["code", "close"], GAINING, "close", {}, "closed"),
    ],
)
async def test_invalid_transition(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    setup: list[str],
    party: str,
    action: str,
    body: dict[str, Any] | None,
    status: str,
) -> None:
    incident_id = incident["id"]
    for step in setup:
        if step == "not_installer":
            await resolved_not_installer(api, tokens, incident_id)
        elif step == "code":
            assert (await resolve_with_code(api, tokens, incident_id)).status_code == 200
        else:
            done = await act(api, tokens, GAINING, incident_id, step, {})
            assert done.status_code == 200, done.text
    before = await world_state(api, tokens)
    response = await act(api, tokens, party, incident_id, action, body)
    problem = assert_problem(response, 409, "invalid-transition")
    assert problem["current_status"] == status
    assert status in problem["detail"]
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize(
    ("party", "action", "body"),
    [
        (GAINING, "acknowledge", None),
        (GAINING, "response", {"outcome": "install_code_provided", "install_code": CODE}),
        (INSTALLING, "cancel", {}),
        (INSTALLING, "close", {}),
        (INSTALLING, "reopen", {"reason": "It did not work"}),
        (INSTALLING, "readdress", {"addressed_party_id": OTHER}),
        (OPERATOR, "acknowledge", None),
        (OPERATOR, "response", {"outcome": "not_installing_supplier"}),
        (OPERATOR, "cancel", {}),
    ],
)
async def test_wrong_role_on_a_visible_incident(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    party: str,
    action: str,
    body: dict[str, Any] | None,
) -> None:
    before = await world_state(api, tokens)
    response = await act(api, tokens, party, incident["id"], action, body)
    assert_problem(response, 403, "wrong-role")
    assert await world_state(api, tokens) == before
    # A party that may not see the incident learns nothing about it.
    hidden = await act(api, tokens, OTHER, incident["id"], action, body)
    assert_problem(hidden, 404, "incident-not-found")
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize("party", [INSTALLING, OPERATOR])
async def test_only_the_requester_sees_the_code(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], party: str
) -> None:
    assert (await resolve_with_code(api, tokens, incident["id"])).status_code == 200
    before = await world_state(api, tokens)
    headers = tokens.party(party) if party != OPERATOR else tokens.operator(OPERATOR)
    response = await api.get(f"/v1/incidents/{incident['id']}/install-code", headers=headers)
    assert_problem(response, 403, "wrong-role")
    assert await world_state(api, tokens) == before


# -- Idempotency-Key --------------------------------------------------------------------------


async def test_idempotency_key_reused(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    headers = {**tokens.party(GAINING), "Idempotency-Key": "order-7f3a"}
    first = await api.post("/v1/incidents", headers=headers, json={"device_id": DEVICE})
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    before = await world_state(api, tokens)

    other = await api.post(
        "/v1/incidents", headers=headers, json={"device_id": DEVICE, "note": "Second thoughts"}
    )
    assert_problem(other, 422, "idempotency-key-reused")
    assert await world_state(api, tokens) == before

    # The same request, the Device ID spelt differently: the normalised body is the same.
    for device_id in (DEVICE, "00db1234567890a0"):
        replay = await api.post("/v1/incidents", headers=headers, json={"device_id": device_id})
        assert replay.status_code == 201, replay.text
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == first.json()["id"]
        assert replay.json()["reference"] == first.json()["reference"]
        assert replay.headers["location"] == f"/v1/incidents/{first.json()['id']}"
    assert await world_state(api, tokens) == before

    # The key is the party's own: another party's same key is a different request.
    await put_device(api, tokens, UNKNOWN_DEVICE, registered_supplier_party_id=OTHER)
    theirs = await api.post(
        "/v1/incidents",
        headers={**tokens.party(OTHER), "Idempotency-Key": "order-7f3a"},
        json={"device_id": UNKNOWN_DEVICE},
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "caf\u00e9"])
async def test_malformed_idempotency_key(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], key: str
) -> None:
    before = await world_state(api, tokens)
    response = await api.post(
        "/v1/incidents",
        headers=[
            *((name.encode(), value.encode()) for name, value in tokens.party(GAINING).items()),
            (b"Idempotency-Key", key.encode()),
        ],
        json={"device_id": UNKNOWN_DEVICE, "addressed_party_id": INSTALLING},
    )
    assert_problem(response, 422, "validation", field="header.Idempotency-Key")
    assert await world_state(api, tokens) == before


# -- lists: cursors and limits ----------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = {
    "punctuation": "!!!!",
    "not UTF-8": "zzzz",
    "letters": b64("abc"),
    "negative": b64("-1"),
    "superscript digit": b64("\u00b2"),
    "beyond INTEGER": b64("2147483648"),
    "huge": b64("9" * 40),
    "NUL": b64("\x00"),
    "empty key": b64(" "),
}


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
async def test_bad_cursor(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], cursor: str
) -> None:
    history = f"/v1/incidents/{incident['id']}/history"
    for path in ("/v1/incidents", history):
        response = await api.get(path, params={"cursor": cursor}, headers=tokens.party(GAINING))
        assert_problem(response, 422, "bad-cursor")


async def test_bad_party_cursor(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    for cursor in (b64("\x00"), "zzzz"):
        response = await api.get(
            "/v1/parties", params={"cursor": cursor}, headers=tokens.operator()
        )
        assert_problem(response, 422, "bad-cursor")


async def test_cursor_too_long(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    response = await api.get(
        "/v1/incidents", params={"cursor": "A" * 201}, headers=tokens.party(GAINING)
    )
    assert_problem(response, 422, "validation", field="cursor")


async def test_the_largest_valid_cursor_is_fine(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    response = await api.get(
        "/v1/incidents", params={"cursor": b64("2147483647")}, headers=tokens.party(GAINING)
    )
    assert response.status_code == 200, response.text
    assert [i["id"] for i in response.json()["items"]] == [incident["id"]]


@pytest.mark.parametrize(
    ("path", "limit", "who"),
    [
        ("/v1/incidents", "0", "party"),
        ("/v1/incidents", "501", "party"),
        ("/v1/incidents", "-1", "party"),
        ("/v1/incidents", "ten", "party"),
        ("/v1/incidents", "1e3", "party"),
        ("history", "0", "party"),
        ("history", "501", "party"),
        ("/v1/parties", "0", "operator"),
        ("/v1/parties", "501", "operator"),
        ("/v1/events", "0", "service"),
        ("/v1/events", "1001", "service"),
    ],
)
async def test_limit_out_of_range(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    path: str,
    limit: str,
    who: str,
) -> None:
    if path == "history":
        path = f"/v1/incidents/{incident['id']}/history"
    headers = {
        "party": tokens.party(GAINING),
        "operator": tokens.operator(),
        "service": tokens.service(),
    }[who]
    response = await api.get(path, params={"limit": limit}, headers=headers)
    assert_problem(response, 422, "validation", field="limit")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": str(2**63)}, "after"),
        ({"after": "9" * 30}, "after"),
        ({"wait": "31"}, "wait"),
        ({"wait": "-1"}, "wait"),
    ],
)
async def test_bad_event_feed_parameters(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    params: dict[str, str],
    field: str,
) -> None:
    response = await api.get("/v1/events", params=params, headers=tokens.service())
    assert_problem(response, 422, "validation", field=field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_since": "2026-06-01T00:00:00"}, "updated_since"),  # no offset: ambiguous
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"group_ref": "has\x00nul"}, "group_ref"),
        ({"group_ref": "x" * 65}, "group_ref"),
        ({"device_id": "00DB"}, "device_id"),
        ({"status": "lost"}, "status"),
        ({"role": "bystander"}, "role"),
        ({"sla_state": "late"}, "sla_state"),
    ],
)
async def test_bad_list_filters(
    api: httpx.AsyncClient,
    tokens: Tokens,
    incident: dict[str, Any],
    params: dict[str, str],
    field: str,
) -> None:
    response = await api.get("/v1/incidents", params=params, headers=tokens.party(GAINING))
    assert_problem(response, 422, "validation", field=field)


async def test_odd_incident_ids_are_not_found(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any]
) -> None:
    for incident_id in ("a%00b", "%ED%A0%80", "x" * 64, "INC-000999", "INC-2147483648", "INC-1"):
        response = await api.get(f"/v1/incidents/{incident_id}", headers=tokens.party(GAINING))
        assert_problem(response, 404, "incident-not-found")
    too_long = await api.get(f"/v1/incidents/{'x' * 65}", headers=tokens.party(GAINING))
    assert_problem(too_long, 422, "validation", field="incident_id")


@pytest.mark.parametrize("clock_value", [0, 2**31, 10**30])
async def test_sla_event_clock_out_of_range(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], clock_value: int
) -> None:
    before = await world_state(api, tokens)
    response = await api.post(
        f"/v1/incidents/{incident['id']}/sla-events",
        headers=tokens.service(),
        json={
            "clock": clock_value,
            "kind": "warning",
            "ordinal": 1,
            "occurred_at": "2026-06-15T23:00:00Z",
        },
    )
    assert_problem(response, 422, "validation", field="clock")
    assert await world_state(api, tokens) == before


CALENDAR_EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
"""Instants that cannot be converted to UTC at all."""


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
async def test_updated_since_at_the_edges_of_the_calendar(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], edge: str
) -> None:
    """A bound beyond the years kept means the nearest edge: every incident, or none."""
    response = await api.get(
        "/v1/incidents", params={"updated_since": edge}, headers=tokens.party(GAINING)
    )
    assert response.status_code == 200, response.text
    found = [item["id"] for item in response.json()["items"]]
    assert found == ([incident["id"]] if edge.startswith("0001") else [])


@pytest.mark.parametrize(
    "occurred_at", [*CALENDAR_EDGES, "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]
)
async def test_sla_event_at_the_edges_of_the_calendar(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], occurred_at: str
) -> None:
    before = await world_state(api, tokens)
    response = await api.post(
        f"/v1/incidents/{incident['id']}/sla-events",
        headers=tokens.service(),
        json={"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": occurred_at},
    )
    assert_problem(response, 422, "validation", field="occurred_at")
    assert await world_state(api, tokens) == before


@pytest.mark.parametrize("reference", ["INC-2147483648", "INC-999999999999"])
async def test_batch_reference_beyond_any_incident(
    api: httpx.AsyncClient, tokens: Tokens, incident: dict[str, Any], reference: str
) -> None:
    """PostgreSQL's integer ends at 2**31 - 1: a larger reference names no incident."""
    before = await world_state(api, tokens)
    response = await api.post(
        "/v1/incidents/responses/batch",
        headers=tokens.party(INSTALLING),
        json={"items": [{"reference": reference, "outcome": "not_installing_supplier"}]},
    )
    assert response.status_code == 200, response.text
    (row,) = response.json()["items"]
    assert not row["ok"]
    assert row["error"]["type"] == PROBLEM + "incident-not-found"
    assert await world_state(api, tokens) == before


# -- device import ----------------------------------------------------------------------------

HEADER = "device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"


async def import_file(
    api: httpx.AsyncClient, tokens: Tokens, content: bytes, content_type: str
) -> httpx.Response:
    return await api.post(
        "/v1/devices/import",
        headers={**tokens.admin(), "Content-Type": content_type},
        content=content,
    )


async def device_status(api: httpx.AsyncClient, tokens: Tokens, device_id: str) -> str | None:
    response = await api.get(f"/v1/devices/{device_id}", headers=tokens.admin())
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    status: str = response.json()["smi_status"]
    return status


def row_errors(result: dict[str, Any]) -> list[tuple[int, str | None]]:
    return sorted({(e["row"], e["field"]) for e in result["errors"]}, key=lambda e: e[0])


async def test_csv_import_keeps_good_rows_and_numbers_bad_ones(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    lines = [
        HEADER,
        "00-DB-12-34-56-78-90-B1,ESME,whitelisted,ISUP,GSUP",  # 1 good
        "00-DB-12-34-56-78-90-ZZ,ESME,whitelisted,ISUP,GSUP",  # 2 bad Device ID
        "00db1234567890b3,GSME,pending,,",  # 3 good, optional columns empty
        "00-DB-12-34-56-78-90-B4,TOASTER,whitelisted,ISUP,GSUP",  # 4 bad device type
        "00-DB-12-34-56-78-90-B5,ESME",  # 5 too few columns
        "00:DB:12:34:56:78:90:B6,CHF,commissioned,ISUP,gsup",  # 6 bad party id
        '"00-DB-12-34-56-78-90-B7",ESME,installed_not_commissioned,ISUP,GSUP',  # 7 good, quoted
        "00-DB-12-34-56-78-90-B8,ESME,unheard_of,ISUP,GSUP",  # 8 bad SMI status
    ]
    content = "\ufeff".encode() + "\r\n".join(lines).encode()  # BOM, CRLF, no final newline
    response = await import_file(api, tokens, content, "text/csv; charset=utf-8")
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["imported"], result["failed"]) == (8, 3, 5)
    assert row_errors(result) == [
        (2, "device_id"),
        (4, "device_type"),
        (5, None),
        (6, "registered_supplier_party_id"),
        (8, "smi_status"),
    ]
    assert result["errors_truncated"] is False
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-B1") == "whitelisted"
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-B3") == "pending"
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-B7") == (
        "installed_not_commissioned"
    )
    for bad in ("B4", "B5", "B6", "B8"):
        assert await device_status(api, tokens, f"00-DB-12-34-56-78-90-{bad}") is None


async def test_ndjson_import_keeps_good_rows_and_numbers_bad_ones(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    good = {"device_type": "PPMID", "smi_status": "whitelisted", "installing_party_id": "ISUP"}
    lines = [
        json.dumps({"device_id": "00-DB-12-34-56-78-90-C1", **good}),  # 1 good
        "{not json",  # 2
        json.dumps(["00-DB-12-34-56-78-90-C3", "ESME"]),  # 3 not an object
        json.dumps({"device_id": "00db1234567890c4", **good}),  # 4 good
        json.dumps({"device_id": 1234, **good}),  # 5 not a string
        json.dumps({"device_id": "00-DB-12-34-56-78-90-C6", "device_type": "ESME"}),  # 6 no status
        json.dumps({"device_id": "00-DB-12-34-56-78-90-C7", **good, "device_type": None}),  # 7
    ]
    content = "\ufeff".encode() + "\r\n".join(lines).encode() + b"\r\n"
    response = await import_file(api, tokens, content, "application/x-ndjson")
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["imported"], result["failed"]) == (7, 2, 5)
    assert row_errors(result) == [
        (2, None),
        (3, None),
        (5, "device_id"),
        (6, "smi_status"),
        (7, "device_type"),
    ]
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-C1") == "whitelisted"
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-C4") == "whitelisted"
    for bad in ("C3", "C6", "C7"):
        assert await device_status(api, tokens, f"00-DB-12-34-56-78-90-{bad}") is None


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"", "empty"),
        ("\ufeff".encode(), "empty"),
        (b"\r\n\r\n", "empty"),
        (b"device_id,device_type\n00-DB-12-34-56-78-90-D1,ESME\n", "smi_status"),
        (b"device_id,smi_status\r\n00-DB-12-34-56-78-90-D1,pending\r\n", "device_type"),
        (b"00-DB-12-34-56-78-90-D1,ESME,pending,ISUP,GSUP\n", "device_id"),
    ],
    ids=["empty", "BOM only", "blank lines", "no smi_status", "no device_type", "no header"],
)
async def test_unreadable_csv(
    api: httpx.AsyncClient, tokens: Tokens, content: bytes, detail: str
) -> None:
    await seed(api, tokens)
    response = await import_file(api, tokens, content, "text/csv")
    problem = assert_problem(response, 422, "bad-import-file")
    assert detail in problem["detail"]
    assert await device_status(api, tokens, "00-DB-12-34-56-78-90-D1") is None


async def test_undecodable_import_keeps_nothing_even_after_a_full_batch(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """A file refused whole is refused whole: the batches written before the bad line roll back."""
    await seed(api, tokens)
    rows = [
        f"00-DB-12-34-56-{n // 65536:02X}-{n // 256 % 256:02X}-{n % 256:02X},ESME,pending,,"
        for n in range(1100)
    ]
    content = (HEADER + "\n" + "\n".join(rows) + "\n").encode() + b"\xff\xfe,ESME,pending,,\n"
    response = await import_file(api, tokens, content, "text/csv")
    assert_problem(response, 422, "bad-import-file")
    assert await device_status(api, tokens, "00-DB-12-34-56-00-00-00") is None
