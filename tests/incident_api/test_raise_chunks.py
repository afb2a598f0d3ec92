"""Raising set-based (services/incident_api/incidents/raising.py): the rows of a chunk are checked
in DESIGN §4's order, each against what the rows before it did, and answer as the same request
sent alone would; SQLite's plain-SQL path (raise_store) stores what Core stores."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

import httpx
import pytest
from sqlalchemy import Connection, Table, insert, text

from services.common.clock import FrozenClock
from services.common.db import create_engine, run_unit, session_factory, transaction
from services.common.sqlite import raw_cursor
from services.incident_api import migrate
from services.incident_api.app import create_app
from services.incident_api.events import service as events_service
from services.incident_api.incidents import raise_store
from services.incident_api.settings import Settings
from shared.settings import CommonSettings
from tests.database import on_postgres
from tests.incident_api.world import (
    CODE_WITH_CRC,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    act,
    add_party,
    put_device,
    seed,
)
from tests.tokens import TEST_SECRET, Tokens

PROBLEM = "https://ssi.example/problems/"
IDLE, OTHER_CATEGORY = "IDLE", "OTHC"


def device(n: int) -> str:
    return f"00-DB-00-00-00-01-{n // 256:02X}-{n % 256:02X}"


def special(n: int) -> str:
    """Devices a test puts in the inventory one by one, apart from `device(n)`'s."""
    return f"00-DB-00-00-00-02-00-{n:02X}"


def unknown(n: int) -> str:
    """Devices the inventory does not know."""
    return f"00-DB-00-00-00-03-00-{n:02X}"


async def import_devices(api: httpx.AsyncClient, tokens: Tokens, count: int) -> None:
    rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
    rows += [f"{device(n)},ESME,installed_not_commissioned,ISUP,GSUP" for n in range(count)]
    response = await api.post(
        "/v1/devices/import",
        headers={**tokens.admin(), "Content-Type": "text/csv"},
        content="\n".join(rows),
    )
    assert response.json()["imported"] == count, response.text


async def raise_in_bulk(
    api: httpx.AsyncClient, headers: dict[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    response = await api.post("/v1/incidents/batch", headers=headers, json={"items": items})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["items"]
    assert [r["row"] for r in rows] == list(range(1, len(items) + 1))
    return rows


def outcome(row: dict[str, Any]) -> str:
    """The row's outcome: raised, replayed, or the refusal's problem type."""
    if row["ok"]:
        return "replayed" if row["replayed"] else "raised"
    return str(row["error"]["type"]).removeprefix(PROBLEM)


def raised_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["incident_id"] for r in rows if outcome(r) == "raised"]


async def feed(api: httpx.AsyncClient, tokens: Tokens) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await api.get(f"/v1/events?after={after}&limit=1000", headers=tokens.service())
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        if not items:
            return events
        events += items
        after = page.json()["next_after"]


async def raised_entries(url: str) -> dict[str, int]:
    """How many `raised` entries each incident's history holds, by incident id: read straight
    from the database, since a batch raises more incidents than is sensible to fetch one by
    one."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT i.id, count(h.id) FROM incidents i LEFT JOIN incident_history h"
                    " ON h.incident_pk = i.pk AND h.action = 'raised' GROUP BY i.id"
                )
            )
            return {incident_id: count for incident_id, count in rows}
    finally:
        await engine.dispose()


async def assert_announced_once_in_row_order(
    api: httpx.AsyncClient, tokens: Tokens, url: str, raised: list[str]
) -> None:
    """Every incident raised has one `raised` history entry and one `incident.raised` event,
    the events in the order of the rows that raised them; nothing else was raised."""
    events = [e for e in await feed(api, tokens) if e["type"] == "incident.raised"]
    assert [e["data"]["incident_id"] for e in events] == raised
    assert await raised_entries(url) == dict.fromkeys(raised, 1)


async def test_a_device_twice_in_one_batch_raises_once(
    api: httpx.AsyncClient, tokens: Tokens, api_database_url: str
) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 2)
    items = [
        {"device_id": device(0)},
        {"device_id": device(1)},
        {"device_id": device(0).lower().replace("-", "")},  # the same Device, spelled otherwise
        {"device_id": device(0), "note": "a second look"},
    ]
    rows = await raise_in_bulk(api, tokens.party(GAINING), items)
    assert [outcome(r) for r in rows] == [
        "raised",
        "raised",
        "duplicate-open-incident",
        "duplicate-open-incident",
    ]
    first = rows[0]["incident_id"]
    assert {r["error"]["detail"] for r in rows[2:]} == {f"Incident {first} is still open."}
    assert {r["error"]["status"] for r in rows[2:]} == {409}
    await assert_announced_once_in_row_order(api, tokens, api_database_url, raised_ids(rows))


async def test_a_client_ref_twice_in_one_batch(
    api: httpx.AsyncClient, tokens: Tokens, api_database_url: str
) -> None:
    """The second use of a row's client_ref replays the first's incident if the body is the
    same (once normalised), and is refused if it is not; a first use that was refused leaves
    the key unused, as for a request sent alone."""
    await seed(api, tokens)
    await import_devices(api, tokens, 4)
    await put_device(api, tokens, special(0), smi_status="commissioned")
    items = [
        {"device_id": device(0), "client_ref": "a", "group_ref": "g"},
        {"device_id": device(0), "client_ref": "a", "group_ref": "g"},
        {"device_id": device(0).replace("-", ":").lower(), "client_ref": "a", "group_ref": "g"},
        {"device_id": device(0), "client_ref": "a", "group_ref": "other"},
        {"device_id": device(1), "client_ref": "a", "group_ref": "g"},
        {"device_id": special(0), "client_ref": "b"},  # refused: records no key
        {"device_id": device(2), "client_ref": "b"},
        {"device_id": device(2), "client_ref": "b"},
        {"device_id": device(3), "client_ref": "c"},
    ]
    rows = await raise_in_bulk(api, tokens.party(GAINING), items)
    assert [outcome(r) for r in rows] == [
        "raised",
        "replayed",
        "replayed",
        "idempotency-key-reused",
        "idempotency-key-reused",
        "device-not-eligible",
        "raised",
        "replayed",
        "raised",
    ]
    for replay, original in ((1, 0), (2, 0), (7, 6)):
        assert rows[replay] == {**rows[original], "row": replay + 1, "replayed": True}
    assert rows[3]["error"]["status"] == 422
    assert "incident_id" not in rows[3]
    await assert_announced_once_in_row_order(api, tokens, api_database_url, raised_ids(rows))


async def test_a_second_chunk_sees_what_the_first_did(
    api: httpx.AsyncClient, tokens: Tokens, api_database_url: str
) -> None:
    """Rows 1-250 are one chunk and transaction, 251 on the next: a row of the second meets the
    first's incidents and keys as it meets those of the rows before it in its own chunk."""
    await seed(api, tokens)
    await import_devices(api, tokens, 262)
    items: list[dict[str, Any]] = [
        {"device_id": device(n), "client_ref": f"r{n}"} for n in range(255)
    ]
    items += [
        {"device_id": device(3)},  # row 256: row 4's Device
        {"device_id": device(5), "client_ref": "r5"},  # row 257: row 6 again
        {"device_id": device(6), "client_ref": "r7"},  # row 258: row 8's key, another body
        {"device_id": device(260)},
        {"device_id": device(261), "client_ref": "r260"},
        {"device_id": device(260)},  # row 261: row 259's Device, in the same chunk
        {"device_id": device(261), "client_ref": "r260"},
    ]
    rows = await raise_in_bulk(api, tokens.party(GAINING), items)
    assert [outcome(r) for r in rows[:255]] == ["raised"] * 255
    assert [outcome(r) for r in rows[255:]] == [
        "duplicate-open-incident",
        "replayed",
        "idempotency-key-reused",
        "raised",
        "raised",
        "duplicate-open-incident",
        "replayed",
    ]
    assert rows[255]["error"]["detail"] == f"Incident {rows[3]['incident_id']} is still open."
    assert rows[256] == {**rows[5], "row": 257, "replayed": True}
    assert rows[260]["error"]["detail"] == f"Incident {rows[258]['incident_id']} is still open."
    assert rows[261] == {**rows[259], "row": 262, "replayed": True}
    references = [r["reference"] for r in rows if outcome(r) == "raised"]
    assert references == [f"INC-{n:06d}" for n in range(1, 258)]
    await assert_announced_once_in_row_order(api, tokens, api_database_url, raised_ids(rows))


@pytest.mark.parametrize("ending", ["cancel", "close"])
async def test_an_expired_client_ref_is_used_afresh(
    api: httpx.AsyncClient,
    tokens: Tokens,
    api_settings: Settings,
    api_database_url: str,
    clock: FrozenClock,
    ending: str,
) -> None:
    """Within the key's lifetime a re-sent row replays its incident, open or ended; once the
    key has expired the row is new: raised once the first incident is closed or cancelled (the
    key then stands for the new one), refused while an incident is open."""
    await seed(api, tokens)
    await import_devices(api, tokens, 1)
    ttl = timedelta(hours=api_settings.idempotency_ttl_hours)
    row = {"device_id": device(0), "client_ref": "weekly-7"}
    gaining = tokens.party(GAINING)
    [first] = await raise_in_bulk(api, gaining, [row])
    incident = first["incident_id"]

    clock.advance(seconds=ttl.total_seconds() - 1)
    assert await raise_in_bulk(api, gaining, [row]) == [{**first, "replayed": True}]
    if ending == "cancel":
        ended = await act(api, tokens, GAINING, incident, "cancel", {"reason": "moved on"})
    else:
        answer = {"outcome": "install_code_provided", "install_code": CODE_WITH_CRC}
        resolved = await act(api, tokens, INSTALLING, incident, "response", answer)
        assert resolved.status_code == 200, resolved.text
        ended = await act(api, tokens, GAINING, incident, "close", {})
    assert ended.status_code == 200, ended.text
    assert await raise_in_bulk(api, gaining, [row]) == [{**first, "replayed": True}]

    clock.advance(seconds=1)
    [fresh] = await raise_in_bulk(api, gaining, [row])
    assert outcome(fresh) == "raised"
    assert fresh["incident_id"] != incident
    assert await raise_in_bulk(api, gaining, [row]) == [{**fresh, "replayed": True}]

    clock.advance(seconds=ttl.total_seconds())
    [other_body] = await raise_in_bulk(api, gaining, [{**row, "note": "another body"}])
    assert outcome(other_body) == "duplicate-open-incident"
    assert other_body["error"]["detail"] == f"Incident {fresh['incident_id']} is still open."
    await assert_announced_once_in_row_order(
        api, tokens, api_database_url, [incident, fresh["incident_id"]]
    )


async def world_for_every_refusal(api: httpx.AsyncClient, tokens: Tokens) -> list[str]:
    """The incidents it raises, in order."""
    await seed(api, tokens)
    await add_party(api, tokens, IDLE, "small_supplier")
    await import_devices(api, tokens, 8)
    await put_device(api, tokens, special(0), registered_supplier_party_id=OTHER)
    await put_device(
        api, tokens, special(1), registered_supplier_party_id=OTHER, smi_status="commissioned"
    )
    await put_device(api, tokens, special(2), installing_party_id=GAINING)
    await put_device(api, tokens, special(3), installing_party_id=GAINING, smi_status="pending")
    await put_device(api, tokens, special(4), smi_status="commissioned")
    await put_device(api, tokens, special(5), installing_party_id=None)
    await put_device(api, tokens, special(6), installing_party_id=IDLE)
    await put_device(api, tokens, special(7))
    await put_device(api, tokens, special(8))
    deactivated = await api.patch(
        f"/v1/parties/{IDLE}", headers=tokens.admin(), json={"active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    # Open incidents from an earlier batch: special(7)'s Device is then commissioned.
    earlier = [
        {"device_id": special(7)},
        {"device_id": special(8)},
        {"device_id": device(7), "client_ref": "k1"},
    ]
    rows = await raise_in_bulk(api, tokens.party(GAINING), earlier)
    assert [outcome(r) for r in rows] == ["raised"] * 3
    await put_device(api, tokens, special(7), smi_status="commissioned")
    return raised_ids(rows)


# Each row and what it meets: DESIGN §4's checks in order, interleaved with rows that raise.
EVERY_REFUSAL: list[tuple[dict[str, Any], str]] = [
    ({"device_id": device(0)}, "raised"),
    ({"device_id": special(0)}, "not-registered-supplier"),
    ({"device_id": special(1)}, "not-registered-supplier"),  # before its status
    ({"device_id": device(1), "client_ref": "x1"}, "raised"),
    ({"device_id": special(2)}, "requester-is-installer"),
    ({"device_id": special(3)}, "requester-is-installer"),  # before its status
    ({"device_id": special(4)}, "device-not-eligible"),
    ({"device_id": special(7)}, "device-not-eligible"),  # before its open incident
    ({"device_id": device(2), "group_ref": "g"}, "raised"),
    ({"device_id": device(3), "addressed_party_id": OTHER}, "unknown-party"),
    ({"device_id": special(6)}, "unknown-party"),  # its installer is inactive
    ({"device_id": special(5)}, "addressee-required"),
    ({"device_id": unknown(0)}, "addressee-required"),
    ({"device_id": unknown(0), "addressed_party_id": "ZZZZ"}, "unknown-party"),
    ({"device_id": unknown(0), "addressed_party_id": OPERATOR}, "unknown-party"),
    ({"device_id": unknown(0), "addressed_party_id": IDLE}, "unknown-party"),
    ({"device_id": unknown(0), "addressed_party_id": GAINING}, "requester-is-installer"),
    ({"device_id": unknown(0), "addressed_party_id": INSTALLING}, "raised"),
    ({"device_id": unknown(0), "addressed_party_id": "ZZZZ"}, "unknown-party"),  # before open
    ({"device_id": unknown(0), "addressed_party_id": INSTALLING}, "duplicate-open-incident"),
    ({"device_id": special(5), "addressed_party_id": INSTALLING}, "raised"),
    ({"device_id": special(8)}, "duplicate-open-incident"),
    ({"device_id": device(1)}, "duplicate-open-incident"),  # raised by a row above
    ({"device_id": "not-a-device"}, "validation"),
    ({"device_id": device(7), "client_ref": "k1"}, "replayed"),  # its incident is open
    ({"device_id": device(6), "client_ref": "k1"}, "idempotency-key-reused"),
    ({"device_id": special(0), "client_ref": "k1"}, "idempotency-key-reused"),  # before all
    ({"device_id": device(4), "note": "fitted in the loft"}, "raised"),
]


async def test_every_refusal_keeps_its_row_and_its_type(
    api: httpx.AsyncClient, tokens: Tokens, api_database_url: str
) -> None:
    before = await world_for_every_refusal(api, tokens)
    items = [item for item, _ in EVERY_REFUSAL]
    rows = await raise_in_bulk(api, tokens.party(GAINING), items)
    assert [outcome(r) for r in rows] == [expected for _, expected in EVERY_REFUSAL]
    assert [r.get("client_ref") for r in rows] == [i.get("client_ref") for i in items]
    assert all(("incident_id" in r) == r["ok"] for r in rows)
    unverified = await api.get(
        f"/v1/incidents/{rows[17]['incident_id']}", headers=tokens.party(GAINING)
    )
    assert (unverified.json()["addressed_party_id"], unverified.json()["unverified"]) == (
        INSTALLING,
        True,
    )
    await assert_announced_once_in_row_order(
        api, tokens, api_database_url, before + raised_ids(rows)
    )

    # Sent alone, each refused row (the keys aside: a batch row's key is its own) is refused
    # the same way, with the same status.
    for item, row in zip(items, rows, strict=True):
        if row["ok"] or "client_ref" in item or outcome(row) == "validation":
            continue
        alone = await api.post("/v1/incidents", headers=tokens.party(GAINING), json=item)
        assert alone.json()["type"] == row["error"]["type"], item
        assert alone.status_code == row["error"]["status"], item


@pytest.mark.parametrize("category", ["operator", "other"])
async def test_a_batch_from_a_party_that_is_not_a_supplier(
    api: httpx.AsyncClient, tokens: Tokens, category: str
) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 2)
    if category == "operator":
        headers = tokens.operator(OPERATOR)
    else:
        await add_party(api, tokens, OTHER_CATEGORY, "other")
        headers = tokens.party(OTHER_CATEGORY)
    items = [
        {"device_id": device(0)},
        {"device_id": device(0)},
        {"device_id": device(1), "client_ref": "a"},
        {"device_id": device(1), "client_ref": "a"},
        {"device_id": unknown(0), "addressed_party_id": INSTALLING},
    ]
    rows = await raise_in_bulk(api, headers, items)
    assert [outcome(r) for r in rows] == ["not-a-supplier"] * len(items)
    assert {r["error"]["status"] for r in rows} == {403}
    events = await feed(api, tokens)
    assert [e for e in events if e["type"].startswith("incident.")] == []


async def test_a_party_no_longer_a_supplier_still_has_its_raises_replayed_by_key(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """The key is looked up first, as it always was: a request retried after the party's
    category changed answers what it raised; a new one is refused."""
    await seed(api, tokens)
    await import_devices(api, tokens, 2)
    first = await api.post(
        "/v1/incidents",
        headers={**tokens.party(GAINING), "Idempotency-Key": "k-1"},
        json={"device_id": device(0)},
    )
    assert first.status_code == 201, first.text
    rows = await raise_in_bulk(
        api, tokens.party(GAINING), [{"device_id": device(1), "client_ref": "row-1"}]
    )
    assert rows[0]["ok"], rows
    changed = await api.patch(
        f"/v1/parties/{GAINING}", headers=tokens.admin(), json={"category": "other"}
    )
    assert changed.status_code == 200, changed.text
    again = await api.post(
        "/v1/incidents",
        headers={**tokens.party(GAINING), "Idempotency-Key": "k-1"},
        json={"device_id": device(0)},
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    retried = await raise_in_bulk(
        api,
        tokens.party(GAINING),
        [{"device_id": device(1), "client_ref": "row-1"}, {"device_id": device(1)}],
    )
    assert retried[0]["replayed"]
    assert retried[0]["incident_id"] == rows[0]["incident_id"]
    assert outcome(retried[1]) == "not-a-supplier"


SAME_FIELDS_EXCEPT = {"id", "reference", "device_id", "links"}


async def test_a_single_raise_and_a_batch_row_agree(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    """The same request raised alone and as a batch row: the same incident, history and event,
    but for its identity (the clock is frozen: the timestamps agree too)."""
    await seed(api, tokens)
    await import_devices(api, tokens, 2)
    gaining = tokens.party(GAINING)
    pairs = [
        ({"device_id": device(0), "note": "fitted in the loft", "group_ref": "g1"}, device(1)),
        ({"device_id": unknown(0), "addressed_party_id": OTHER}, unknown(1)),
    ]
    for body, twin in pairs:
        alone = await api.post(
            "/v1/incidents", headers={**gaining, "Idempotency-Key": twin}, json=body
        )
        assert alone.status_code == 201, alone.text
        [row] = await raise_in_bulk(api, gaining, [{**body, "device_id": twin, "client_ref": twin}])
        assert outcome(row) == "raised"
        views = []
        for incident_id in (alone.json()["id"], row["incident_id"]):
            view = await api.get(f"/v1/incidents/{incident_id}", headers=gaining)
            history = await api.get(f"/v1/incidents/{incident_id}/history", headers=gaining)
            views.append((view.json(), history.json()["items"]))
        (alone_view, alone_history), (row_view, row_history) = views
        assert alone.json() == alone_view
        assert {k: v for k, v in alone_view.items() if k not in SAME_FIELDS_EXCEPT} == {
            k: v for k, v in row_view.items() if k not in SAME_FIELDS_EXCEPT
        }
        assert (alone_view["device_id"], row_view["device_id"]) == (body["device_id"], twin)
        assert [strip(e, {"id"}) for e in alone_history] == [strip(e, {"id"}) for e in row_history]
        clock.advance(minutes=1)

    events = [e for e in await feed(api, tokens) if e["type"] == "incident.raised"]
    assert len(events) == 4
    identity = SAME_FIELDS_EXCEPT | {"incident_id"}
    for alone_event, row_event in (events[0:2], events[2:4]):
        assert strip(alone_event, {"seq", "data"}) == strip(row_event, {"seq", "data"})
        assert strip(alone_event["data"], identity) == strip(row_event["data"], identity)


def strip(mapping: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


# -- SQLite: the plain-SQL path ---------------------------------------------------------------

sqlite_only = pytest.mark.skipif(on_postgres(), reason="SQLite's own path (raise_store)")
START = datetime(2026, 6, 10, 9, 30, 1, 250_001, tzinfo=UTC)  # microseconds to encode


@pytest.fixture
def two_databases(tmp_path: Path) -> tuple[Path, Path]:
    paths = (tmp_path / "fast" / "api.db", tmp_path / "core" / "api.db")
    for path in paths:
        migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return paths


async def run_scenario(path: Path, tokens: Tokens) -> None:
    """Raises alone and in bulk, with and without keys, with refusals, replays and an expired
    key: rows with every column of the tables a raise writes set, and null where it may be."""
    clock = FrozenClock(START)
    common = CommonSettings(env="development", data_dir=path.parent, jwt_secret=TEST_SECRET)
    settings = Settings(common=common, database_url=f"sqlite+aiosqlite:///{path}")
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as api:
            await seed(api, tokens)
            await import_devices(api, tokens, 6)
            gaining = tokens.party(GAINING)
            alone = await api.post(
                "/v1/incidents",
                headers={**gaining, "Idempotency-Key": "k-1"},
                json={"device_id": device(0), "note": "Zähler im Keller", "group_ref": "g"},
            )
            assert alone.status_code == 201, alone.text
            clock.advance(seconds=1.000_001)
            unverified = await api.post(
                "/v1/incidents",
                headers=gaining,
                json={"device_id": unknown(0), "addressed_party_id": OTHER},
            )
            assert unverified.status_code == 201, unverified.text
            items: list[dict[str, Any]] = [
                {"device_id": device(1), "client_ref": "a"},
                {"device_id": device(1), "client_ref": "a"},
                {"device_id": device(2), "client_ref": "a"},
                {"device_id": device(2), "note": "ring first", "group_ref": "g"},
                {"device_id": device(2)},
                {"device_id": unknown(1), "addressed_party_id": INSTALLING, "client_ref": "b"},
                {"device_id": unknown(2)},
            ]
            rows = await raise_in_bulk(api, gaining, items)
            assert [outcome(r) for r in rows] == [
                "raised",
                "replayed",
                "idempotency-key-reused",
                "raised",
                "duplicate-open-incident",
                "raised",
                "addressee-required",
            ]
            cancelled = await act(api, tokens, GAINING, rows[0]["incident_id"], "cancel", {})
            assert cancelled.status_code == 200, cancelled.text
            clock.advance(hours=settings.idempotency_ttl_hours, seconds=1)
            [fresh] = await raise_in_bulk(
                api, gaining, [{"device_id": device(1), "client_ref": "a"}]
            )
            assert outcome(fresh) == "raised"


Stored = dict[str, list[dict[str, tuple[str, Any]]]]
TABLES = {"incidents": "pk", "incident_history": "id", "idempotency_keys": "key", "events": "seq"}


def stored_rows(path: Path) -> Stored:
    """The rows as SQLite holds them, each value with its storage class; incident ids (uuids)
    replaced by the incident's pk, the tables' own keys dropped."""
    connection = sqlite3.connect(path)
    try:
        uuids = dict(connection.execute("SELECT id, pk FROM incidents"))

        def plain(value: Any) -> tuple[str, Any]:
            if isinstance(value, str):
                for incident_id, pk in uuids.items():
                    value = value.replace(incident_id, f"<incident {pk}>")
            return type(value).__name__, value

        found: Stored = {}
        for table, order in TABLES.items():
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
            names = [d[0] for d in cursor.description]
            found[table] = [
                {n: plain(v) for n, v in zip(names, row, strict=True) if n not in {"pk", "seq"}}
                for row in cursor
            ]
            if table == "incident_history":
                for row in found[table]:
                    del row["id"]
        return found
    finally:
        connection.close()


def core_insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """`services.common.db.insert_rows` as it runs on PostgreSQL: Core's executemany."""
    if rows:
        conn.execute(insert(table), rows)


def plain_sql(*_: object) -> NoReturn:
    raise AssertionError("the Core run reached the plain-SQL path")


@sqlite_only
async def test_the_plain_sql_path_stores_what_core_stores(
    two_databases: tuple[Path, Path], tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same requests on two fresh databases: once as raising runs on SQLite, plain SQL with
    values encoded by `RawInsert`, once with raise_store's and the inserts' Core branches, which
    otherwise run only on PostgreSQL. That branch is chosen by the dialect's name, so it is
    forced here (monkeypatch) to compare the two encodings on one database: every datetime,
    enum, JSON document, boolean and null must be stored alike, or a row the plain SQL wrote
    would read back differently through the ORM."""
    fast, core = two_databases
    await run_scenario(fast, tokens)
    monkeypatch.setattr(raise_store, "_sqlite", lambda conn: False)
    monkeypatch.setattr(raise_store, "insert_rows", core_insert_rows)
    monkeypatch.setattr(events_service, "insert_rows", core_insert_rows)
    # Were a branch missed above, the Core run would fail here rather than compare alike.
    monkeypatch.setattr(raise_store, "sqlite", SimpleNamespace(raw_cursor=plain_sql))
    monkeypatch.setattr(raise_store, "raw_insert", plain_sql)
    await run_scenario(core, tokens)
    fast_rows, core_rows = stored_rows(fast), stored_rows(core)
    assert [len(fast_rows[t]) for t in TABLES] == [6, 7, 3, 12]
    for table in TABLES:
        for fast_row, core_row in zip(fast_rows[table], core_rows[table], strict=True):
            assert fast_row == core_row, table


@sqlite_only
async def test_the_reads_of_a_raise_search_their_indexes(api_database_url: str) -> None:
    """The open-incident read must search the open-incident index by Device (a raise must not
    scan every incident the requester ever raised), the Device read the Devices' primary key.
    The statements are taken as raise_store sends them (SQLite's trace, values inlined)."""

    def plans(conn: Connection) -> tuple[dict[str, list[str]], list[str]]:
        raw = raw_cursor(conn).connection
        statements: list[str] = []
        raw.set_trace_callback(statements.append)
        try:
            raise_store.open_incidents(conn, GAINING, [device(0), device(1)])
            raise_store.devices(conn, [device(0), device(1)])
        finally:
            raw.set_trace_callback(None)
        found = {s: [r[-1] for r in raw.execute(f"EXPLAIN QUERY PLAN {s}")] for s in statements}
        pk_index = [r[1] for r in raw.execute("PRAGMA index_list(devices)") if r[3] == "pk"]
        return found, pk_index

    engine = create_engine(api_database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            found, [pk_index] = await run_unit(session, plans)
    finally:
        await engine.dispose()
    [(incidents_read, incidents_plan), (devices_read, devices_plan)] = found.items()
    assert incidents_read.startswith("SELECT device_id, id FROM incidents")
    assert devices_read.startswith("SELECT device_id, device_type")
    assert (
        "SEARCH incidents USING INDEX uq_incidents_open_device_requester "
        "(device_id=? AND requesting_party_id=?)"
    ) in incidents_plan, incidents_plan
    assert f"SEARCH devices USING INDEX {pk_index} (device_id=?)" in devices_plan, devices_plan
    assert not any(step.startswith("SCAN incidents") for step in incidents_plan)
    assert not any(step.startswith("SCAN devices") for step in devices_plan)


async def test_concurrent_raises_of_one_device_raise_one_incident(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """On PostgreSQL both requests can pass the open-incident read before either inserts: the
    open-incident index refuses the second, answered as the duplicate it is."""
    await seed(api, tokens)
    await import_devices(api, tokens, 1)
    for _ in range(5):
        answers = await asyncio.gather(
            *(
                api.post(
                    "/v1/incidents", headers=tokens.party(GAINING), json={"device_id": device(0)}
                )
                for _ in range(4)
            )
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409, 409, 409], [a.text for a in answers]
        refused = [a.json() for a in answers if a.status_code == 409]
        assert {r["type"].rsplit("/", 1)[-1] for r in refused} == {"duplicate-open-incident"}
        raised = next(a.json() for a in answers if a.status_code == 201)
        cancelled = await act(api, tokens, GAINING, raised["id"], "cancel")
        assert cancelled.status_code == 200, cancelled.text
