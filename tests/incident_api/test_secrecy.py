"""Install codes are key material (DESIGN §4): shown to the requester through the reveal only.

A whole flow (bad attempts, an answer, views, a reopen, a second answer, the close) runs with every
logger at DEBUG; then the logs, the event feed, every response but the reveal, and the database
itself (the SQLite file and its WAL, or every PostgreSQL row as text) are searched for the codes
as hex (either case), base64 and raw bytes.
"""

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.common.db import create_engine
from services.common.errors import UNKNOWN_FIELD, WITHHELD
from shared.identifiers import install_code_with_crc
from tests.database import on_postgres
from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    act,
    raise_incident,
    seed,
)
from tests.tokens import Tokens

# Distinctive values, so that a hit can only be a leak.
FIRST = "0BADC0DE5EC2E7F00D1CE5ACE0FF1CE5"
SECOND = "FEEDFACECAFEBEEF0DDBA11C0FFEE123"
CODES = (FIRST, SECOND)


def forms(code: str) -> Iterator[bytes]:
    """Every spelling of a code that would be a plaintext copy of it."""
    raw = bytes.fromhex(code)
    yield code.encode()
    yield code.lower().encode()
    yield install_code_with_crc(raw).encode()
    yield base64.b64encode(raw)
    yield base64.urlsafe_b64encode(raw)
    yield raw
    yield repr(raw)[2:-1].encode()  # as a log line or a repr shows bytes: b'\x0b\xad...'


def assert_absent(haystack: str | bytes, where: str) -> None:
    data = haystack.encode("utf-8", "backslashreplace") if isinstance(haystack, str) else haystack
    for code in CODES:
        for form in forms(code):
            assert form not in data, f"install code {code[:4]}... found in {where}"
    # The CRC-suffixed form sent in a request, upper or lower case.
    upper = data.upper()
    for code in CODES:
        assert code.encode() not in upper, f"install code {code[:4]}... found in {where}"


def check(response: httpx.Response, status: int | None = None) -> httpx.Response:
    if status is not None:
        assert response.status_code == status, response.text
    assert response.status_code < 500
    assert_absent(response.content, f"{response.request.method} {response.request.url}")
    assert_absent(repr(list(response.headers.items())), "response headers")
    return response


def wrong_crc(code: str) -> str:
    good = install_code_with_crc(bytes.fromhex(code))
    crc = int(good[32:], 16) ^ 0x0001
    return code + f"{crc:04X}"


async def dump_database(url: str) -> tuple[str, list[bytes]]:
    """Every row of every table: as text, and every binary cell."""
    engine = create_engine(url)
    texts: list[str] = []
    blobs: list[bytes] = []
    try:
        async with engine.connect() as conn:
            if on_postgres():
                tables = (
                    await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                ).scalars()
            else:
                tables = (
                    await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
                ).scalars()
            names = list(tables)
            assert "install_codes" in names
            assert "incidents" in names
            for name in names:
                if on_postgres():
                    query = f'SELECT t::text FROM "{name}" t'  # noqa: S608 - catalogue names
                    texts += [str(v) for v in (await conn.execute(text(query))).scalars()]
                rows = await conn.execute(text(f'SELECT * FROM "{name}"'))  # noqa: S608
                for row in rows:
                    texts.append(repr(tuple(row)))
                    blobs += [bytes(v) for v in row if isinstance(v, bytes | memoryview)]
    finally:
        await engine.dispose()
    return "\n".join(texts), blobs


async def install_code_rows(url: str, incident_id: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                text(
                    "SELECT count(*) FROM install_codes c JOIN incidents i ON i.pk = c.incident_pk "
                    "WHERE i.id = :id"
                ),
                {"id": incident_id},
            )
    finally:
        await engine.dispose()
    return int(count or 0)


async def assert_not_stored(url: str) -> None:
    everything, blobs = await dump_database(url)
    assert_absent(everything, "a database row")
    for blob in blobs:
        assert_absent(blob, "a binary column")
    if not on_postgres():
        path = Path(make_url(url).database or "")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
        present = [f for f in files if f.exists()]
        assert path in present
        for file in present:
            assert_absent(file.read_bytes(), file.name)


async def test_install_codes_never_leak(
    api: httpx.AsyncClient,
    tokens: Tokens,
    api_database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING unless told: its statements and their
    # parameters are searched too.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    await seed(api, tokens)
    incident = await raise_incident(api, tokens, note="Change of supply on 10 June")
    incident_id = incident["id"]
    path = f"/v1/incidents/{incident_id}"
    requester, addressee = tokens.party(GAINING), tokens.party(INSTALLING)
    check(await act(api, tokens, INSTALLING, incident_id, "acknowledge"), 200)

    # Wrong answers: each is refused without the value coming back.
    attempts: list[Any] = [
        wrong_crc(FIRST),  # differs from the right answer only in the CRC
        FIRST[:30],
        FIRST + "0",
        FIRST[:31] + "G",
        " ".join(FIRST[i : i + 8] for i in range(0, 32, 8)),
        [FIRST],
    ]
    for attempt in attempts:
        body = {"outcome": "install_code_provided", "install_code": attempt}
        refused = check(await api.post(f"{path}/response", headers=addressee, json=body), 422)
        assert refused.headers["content-type"] == "application/problem+json"
        assert "install_code" in [e["field"] for e in refused.json()["errors"]]
    other_outcome = {"outcome": "not_installing_supplier", "install_code": FIRST}
    check(await api.post(f"{path}/response", headers=addressee, json=other_outcome), 422)
    smuggled = {"device_id": incident["device_id"], "install_code": FIRST}
    check(await api.post("/v1/incidents", headers=requester, json=smuggled), 422)
    truncated_json = b'{"outcome": "install_code_provided", "install_code": "' + FIRST.encode()
    check(
        await api.post(
            f"{path}/response",
            headers={**addressee, "Content-Type": "application/json"},
            content=truncated_json,
        ),
        422,
    )
    check(
        await api.post(
            f"{path}/response",
            headers={**addressee, "Content-Type": "text/plain"},
            content=b'{"outcome": "install_code_provided", "install_code": "' + FIRST.encode(),
        ),
        415,
    )
    await assert_not_stored(api_database_url)
    assert await install_code_rows(api_database_url, incident_id) == 0

    # The right answer, with its CRC and in lower case: stored sealed, shown to no one else.
    answer = {
        "outcome": "install_code_provided",
        "install_code": install_code_with_crc(bytes.fromhex(FIRST)).lower(),
    }
    resolved = check(await api.post(f"{path}/response", headers=addressee, json=answer), 200)
    assert resolved.json()["install_code_available"] is True
    assert await install_code_rows(api_database_url, incident_id) == 1
    await assert_not_stored(api_database_url)
    for headers in (requester, addressee, tokens.operator(OPERATOR)):
        check(await api.get(path, headers=headers), 200)
        check(await api.get(f"{path}/history", headers=headers), 200)
        check(await api.get("/v1/incidents", headers=headers), 200)
    for headers in (addressee, tokens.operator(OPERATOR)):
        check(await api.get(f"{path}/install-code", headers=headers), 403)
    # A second answer is refused without the stored code (or the new one) coming back.
    again = {"outcome": "install_code_provided", "install_code": SECOND}
    check(await api.post(f"{path}/response", headers=addressee, json=again), 409)

    # The requester's reveal is the one place the code appears: proof the search can find it.
    reveal = await api.get(f"{path}/install-code", headers=requester)
    assert reveal.status_code == 200, reveal.text
    assert reveal.json() == {"install_code": FIRST}
    assert reveal.headers["cache-control"] == "no-store"

    # The code did not work: reopening destroys it; a second code is given, revealed, closed.
    reopened = check(
        await act(api, tokens, GAINING, incident_id, "reopen", {"reason": "Rejected by the hub"}),
        200,
    )
    assert reopened.json()["status"] == "raised"
    assert await install_code_rows(api_database_url, incident_id) == 0
    check(await api.get(f"{path}/install-code", headers=requester), 410)
    second = {"outcome": "install_code_provided", "install_code": SECOND}
    check(await api.post(f"{path}/response", headers=addressee, json=second), 200)
    assert await install_code_rows(api_database_url, incident_id) == 1
    revealed = await api.get(f"{path}/install-code", headers=requester)
    assert revealed.json() == {"install_code": SECOND}
    check(await act(api, tokens, GAINING, incident_id, "close", {"note": "Installed, thanks"}), 200)

    # After the close the ciphertext row is gone and the reveal says so.
    assert await install_code_rows(api_database_url, incident_id) == 0
    check(await api.get(f"{path}/install-code", headers=requester), 410)

    # Everything readable afterwards.
    history = check(await api.get(f"{path}/history", headers=requester), 200).json()["items"]
    actions = [entry["action"] for entry in history]
    assert actions.count("install_code.revealed") == 2
    assert {"raised", "acknowledged", "resolved", "reopened", "closed"} <= set(actions)
    check(await api.get(f"{path}/history", headers=tokens.operator(OPERATOR)), 200)
    check(await api.get(path, headers=requester), 200)
    events = check(await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service()))
    types = [event["type"] for event in events.json()["items"]]
    assert types.count("incident.resolved") == 2
    assert "incident.closed" in types
    check(await api.get("/metrics"), 200)

    # The logs of the whole flow, every field of every record, at DEBUG.
    assert any(r.name.startswith("ssi.") for r in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert any("INSERT INTO install_codes" in r.getMessage() for r in caplog.records)
    assert_absent(caplog.text, "the captured log text")
    for record in caplog.records:
        assert_absent(record.getMessage(), f"a {record.name} log message")
        for value in (*vars(record).values(), *(record.args or ())):
            where = f"a {record.name} log record"
            assert_absent(
                bytes(value) if isinstance(value, bytes | bytearray) else repr(value), where
            )

    await assert_not_stored(api_database_url)


async def test_cancelled_and_rejected_incidents_hold_no_code(
    api: httpx.AsyncClient, tokens: Tokens, api_database_url: str
) -> None:
    """A refused answer stores nothing, whatever happens to the incident afterwards."""
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    path = f"/v1/incidents/{incident['id']}"
    addressee = tokens.party(INSTALLING)
    bad = {"outcome": "install_code_provided", "install_code": wrong_crc(FIRST)}
    check(await api.post(f"{path}/response", headers=addressee, json=bad), 422)
    rejected = {"outcome": "rejected", "reason": "Not a genuine change of supply"}
    check(await api.post(f"{path}/response", headers=addressee, json=rejected), 200)
    assert await install_code_rows(api_database_url, incident["id"]) == 0
    check(await api.get(f"{path}/install-code", headers=tokens.party(GAINING)), 409)
    await assert_not_stored(api_database_url)


# -- what a refusal names: never the caller's own text, whether a key or a value ---------------


def assert_not_repeated(response: httpx.Response, sent: str, size: int = 5) -> None:
    """No `size` characters in a row of what was sent come back, in any case."""
    body = response.text.casefold()
    pieces = {sent[i : i + size].casefold() for i in range(len(sent) - size + 1)}
    assert not [p for p in pieces if p in body], f"part of {sent!r} in {response.text}"


# Keys a caller might send by mistake: an install code (as the raise was once asked to echo),
# a meter number, a postcode, an email address.
UNKNOWN_KEYS = [
    CODE,
    install_code_with_crc(bytes.fromhex(CODE)).lower(),
    "1200023456789",
    "SW1A 1AA",
    "jo.bloggs@bloggs-family.net",
]


@pytest.mark.parametrize("key", UNKNOWN_KEYS)
async def test_an_unknown_key_is_refused_without_being_repeated(
    api: httpx.AsyncClient, tokens: Tokens, key: str
) -> None:
    await seed(api, tokens)
    gaining = tokens.party(GAINING)
    raised = check(
        await api.post("/v1/incidents", headers=gaining, json={"device_id": DEVICE, key: 1}), 422
    )
    assert raised.json()["errors"] == [{"field": "body", "message": UNKNOWN_FIELD}]
    assert_not_repeated(raised, key)

    device = {"device_type": "ESME", "smi_status": "whitelisted", key: "x"}
    put = check(await api.put(f"/v1/devices/{DEVICE}", headers=tokens.admin(), json=device), 422)
    assert put.json()["errors"] == [{"field": "body", "message": UNKNOWN_FIELD}]
    assert_not_repeated(put, key)

    # A batch row is checked on its own: the problem is that row's, named the same way.
    batch = {"items": [{"device_id": DEVICE, key: 1}]}
    rows = check(await api.post("/v1/incidents/batch", headers=gaining, json=batch), 200)
    (row,) = rows.json()["items"]
    assert row["ok"] is False
    assert row["error"]["errors"] == [{"field": "body", "message": UNKNOWN_FIELD}]
    assert_not_repeated(rows, key)


async def test_a_reason_that_would_quote_the_value_is_withheld(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    # The email validator's reason for a bad address literal quotes the literal.
    body = {
        "party_id": "NEWP",
        "name": "New",
        "category": "other",
        "ops_contact_email": f"ops@[IPv6:{CODE}]",
        "escalation_contact_email": "esc@newp.example",
    }
    refused = check(await api.post("/v1/parties", headers=tokens.admin(), json=body), 422)
    assert refused.json()["errors"] == [{"field": "ops_contact_email", "message": WITHHELD}]
    assert_not_repeated(refused, CODE)


REFUSED_NOTES = [
    "1234-5678",
    "gas point 1234.5678",
    "12-3456-7890-123",
    "00-801-100-12-3456-7890-123",
    "1200\u00a00234\u00a05678\u00a09",
    "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12\uff13",
    "sw1a-1aa",
    "SW1A  1AA",
    "jo.bloggs@bloggs-family.net",
]


@pytest.mark.parametrize("note", REFUSED_NOTES)
async def test_a_refused_note_is_not_repeated(
    api: httpx.AsyncClient, tokens: Tokens, note: str
) -> None:
    await seed(api, tokens)
    gaining = tokens.party(GAINING)
    body = {"device_id": DEVICE, "note": note}
    raised = check(await api.post("/v1/incidents", headers=gaining, json=body), 422)
    assert [e["field"] for e in raised.json()["errors"]] == ["note"]
    assert_not_repeated(raised, note)
    assert not any(char.isdigit() for char in raised.json()["errors"][0]["message"])

    incident = await raise_incident(api, tokens, note="see INC-000123 of 2026-11-22")
    cancel = await act(api, tokens, GAINING, incident["id"], "cancel", {"reason": note})
    check(cancel, 422)
    assert [e["field"] for e in cancel.json()["errors"]] == ["reason"]
    assert_not_repeated(cancel, note)
