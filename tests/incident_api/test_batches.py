"""Bulk raises and responses: each row succeeds or fails on its own, with its reason."""

from typing import Any

import httpx
import pytest

from tests.incident_api.world import (
    CODE,
    CODE_WITH_CRC,
    DEVICE,
    GAINING,
    INSTALLING,
    OTHER,
    put_device,
    seed,
)
from tests.tokens import Tokens

PROBLEM = "https://ssi.example/problems/"
COMMISSIONED = "00-DB-12-34-56-78-90-C1"


def device(n: int) -> str:
    return f"00-DB-00-00-00-00-{n // 256:02X}-{n % 256:02X}"


async def import_devices(api: httpx.AsyncClient, tokens: Tokens, count: int) -> None:
    rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
    rows += [f"{device(n)},ESME,installed_not_commissioned,ISUP,GSUP" for n in range(count)]
    response = await api.post(
        "/v1/devices/import",
        headers={**tokens.admin(), "Content-Type": "text/csv"},
        content="\n".join(rows),
    )
    assert response.json()["imported"] == count, response.text


async def post_batch(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    path: str = "/v1/incidents/batch",
    *,
    json: Any = None,
    csv: str | bytes | None = None,
    accept: str | None = None,
) -> httpx.Response:
    extra = {"Accept": accept} if accept else {}
    if csv is not None:
        extra["Content-Type"] = "text/csv"
        return await api.post(path, headers={**headers, **extra}, content=csv)
    return await api.post(path, headers={**headers, **extra}, json=json)


async def incident_count(api: httpx.AsyncClient, tokens: Tokens) -> int:
    response = await api.get("/v1/incidents?limit=200", headers=tokens.party(GAINING))
    return len(response.json()["items"])


def errors_of(result: list[dict[str, Any]]) -> list[str | None]:
    return [r["error"]["type"].removeprefix(PROBLEM) if "error" in r else None for r in result]


async def test_rows_succeed_or_fail_on_their_own(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    await put_device(api, tokens, COMMISSIONED, smi_status="commissioned")
    items = [
        {"device_id": DEVICE.lower(), "client_ref": "r1", "group_ref": "nov"},
        {"device_id": "not-a-device", "client_ref": "r2"},
        {"device_id": COMMISSIONED, "client_ref": "r3"},
        {"device_id": device(7), "addressed_party_id": OTHER},  # unknown to the inventory
        "not an object",
    ]
    response = await post_batch(api, tokens.party(GAINING), json={"items": items})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["succeeded"], result["failed"]) == (2, 3)
    rows = result["items"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["ok"] for r in rows] == [True, False, False, True, False]
    assert errors_of(rows) == [None, "validation", "device-not-eligible", None, "validation"]
    assert rows[1]["error"]["errors"][0]["field"] == "device_id"
    assert rows[0]["client_ref"] == "r1"
    assert rows[0]["reference"].startswith("INC-")
    view = await api.get(f"/v1/incidents/{rows[3]['incident_id']}", headers=tokens.party(GAINING))
    assert (view.json()["addressed_party_id"], view.json()["unverified"]) == (OTHER, True)


async def test_a_resent_batch_changes_nothing(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 2)
    items = [{"device_id": device(0), "client_ref": "a"}, {"device_id": device(1)}]
    first = (await post_batch(api, tokens.party(GAINING), json={"items": items})).json()
    events = (await api.get("/v1/events?limit=1000", headers=tokens.service())).json()["items"]
    again = (await post_batch(api, tokens.party(GAINING), json={"items": items})).json()
    assert again["items"][0] == {**first["items"][0], "replayed": True}
    # Without a client_ref the open incident it raised before refuses a second, naming it.
    assert again["items"][1]["error"]["type"] == PROBLEM + "duplicate-open-incident"
    assert again["items"][1]["error"]["detail"] == (
        f"Incident {first['items'][1]['incident_id']} is still open."
    )
    after = (await api.get("/v1/events?limit=1000", headers=tokens.service())).json()["items"]
    assert after == events
    # The same client_ref with another body is refused, not replayed.
    other = [{"device_id": device(1), "client_ref": "a"}]
    reused = (await post_batch(api, tokens.party(GAINING), json={"items": other})).json()
    assert errors_of(reused["items"]) == ["idempotency-key-reused"]


async def test_csv_in_and_out(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 3)
    body = (
        "\ufeffClient_Ref,device_id,group_ref\r\n"
        f"-cmd,{device(0)},g1\r\n"
        f"c2,{device(1)}\r\n"  # too few fields
        "c3,00-DB-XX,g1\r\n"
        "\r\n"
        f"c4,{device(2)},g1\r\n"
    ).encode()
    response = await post_batch(api, tokens.party(GAINING), csv=body, accept="text/csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "row,client_ref,ok,incident_id,reference,replayed,error_type,error_detail"
    cells = [line.split(",") for line in lines[1:]]
    assert [(c[0], c[1], c[2], c[6]) for c in cells] == [
        ("1", "'-cmd", "true", ""),  # neutralised: a spreadsheet would run "-cmd"
        ("2", "", "false", "validation"),
        ("3", "c3", "false", "validation"),
        ("4", "c4", "true", ""),
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        (b"", "text/csv", 422, "bad-batch"),
        (b"client_ref,note\r\nx,y\r\n", "text/csv", 422, "bad-batch"),  # no device_id
        (b"device_id,colour\r\n00DB1234567890A0,red\r\n", "text/csv", 422, "bad-batch"),
        (b"device_id\r\n", "text/csv", 422, "bad-batch"),  # a header, no rows
        (b"\xff\xfe\x00d", "text/csv", 422, "bad-batch"),
        (b'{"items": {}}', "application/json", 422, "bad-batch"),
        (b"[1, 2]", "application/json", 422, "bad-batch"),
        (b"{", "application/json", 422, "bad-batch"),
        (b"device_id\n00DB1234567890A0\n", "text/plain", 415, "unsupported-media-type"),
        (
            b"device_id\n" + b"00DB1234567890A0\n" * 10_001,
            "text/csv",
            422,
            "too-many-rows",
        ),
        (b"device_id\n" + b"x" * (17 * 1024**2), "text/csv", 413, "payload-too-large"),
    ],
    ids=[
        "empty",
        "missing column",
        "unknown column",
        "no rows",
        "not utf-8",
        "items not a list",
        "not an object",
        "not json",
        "wrong type",
        "10,001 rows",
        "17 MB",
    ],
)
async def test_whole_request_problems_change_nothing(
    api: httpx.AsyncClient, tokens: Tokens, body: bytes, content_type: str, status: int, slug: str
) -> None:
    await seed(api, tokens)
    response = await api.post(
        "/v1/incidents/batch",
        headers={**tokens.party(GAINING), "Content-Type": content_type},
        content=body,
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + slug
    assert await incident_count(api, tokens) == 0


async def test_large_batches_run_in_chunks(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 600)
    items = [{"device_id": device(n), "client_ref": f"n{n}"} for n in range(600)]
    result = (await post_batch(api, tokens.party(GAINING), json={"items": items})).json()
    assert (result["succeeded"], result["failed"]) == (600, 0)
    assert len({r["incident_id"] for r in result["items"]}) == 600


async def raise_three(api: httpx.AsyncClient, tokens: Tokens) -> list[dict[str, Any]]:
    await seed(api, tokens)
    await import_devices(api, tokens, 3)
    await put_device(api, tokens, COMMISSIONED, installing_party_id=OTHER)
    items = [{"device_id": device(n)} for n in range(3)]
    result = (await post_batch(api, tokens.party(GAINING), json={"items": items})).json()
    rows: list[dict[str, Any]] = result["items"]
    return rows


async def test_responses_by_id_or_reference(api: httpx.AsyncClient, tokens: Tokens) -> None:
    raised = await raise_three(api, tokens)
    body = (
        "client_ref,incident_id,reference,outcome,install_code,reason\r\n"
        f"a,{raised[0]['incident_id']},,install_code_provided,{CODE_WITH_CRC},\r\n"
        f"b,,{raised[1]['reference']},rejected,,Not a request we recognise\r\n"
        f"c,,{raised[2]['reference']},install_code_provided,{CODE[:-1]}7C3B5,\r\n"  # bad CRC
        "d,,INC-999999,not_installing_supplier,,\r\n"
        f"e,{raised[0]['incident_id']},{raised[0]['reference']},rejected,,why\r\n"  # both named
    )
    response = await post_batch(
        api, tokens.party(INSTALLING), "/v1/incidents/responses/batch", csv=body
    )
    assert response.status_code == 200, response.text
    rows = response.json()["items"]
    assert errors_of(rows) == [None, None, "validation", "incident-not-found", "validation"]
    assert rows[2]["error"]["errors"][0]["field"] == "install_code"
    assert CODE not in response.text
    assert CODE[:-1] not in response.text
    code = await api.get(
        f"/v1/incidents/{raised[0]['incident_id']}/install-code", headers=tokens.party(GAINING)
    )
    assert code.json() == {"install_code": CODE}

    # Re-sent: the answered rows replay, nothing is written twice.
    events = (await api.get("/v1/events?limit=1000", headers=tokens.service())).json()["items"]
    again = await post_batch(
        api, tokens.party(INSTALLING), "/v1/incidents/responses/batch", csv=body
    )
    assert [r.get("replayed", False) for r in again.json()["items"][:2]] == [True, True]
    after = (await api.get("/v1/events?limit=1000", headers=tokens.service())).json()["items"]
    assert after == events


async def test_other_parties_incidents_are_not_found(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    raised = await raise_three(api, tokens)
    items = [
        {"incident_id": raised[0]["incident_id"], "outcome": "rejected", "reason": "no"},
        {"reference": raised[1]["reference"], "outcome": "rejected", "reason": "no"},
    ]
    for party in (OTHER, GAINING):
        result = await post_batch(
            api, tokens.party(party), "/v1/incidents/responses/batch", json={"items": items}
        )
        expected = "incident-not-found" if party == OTHER else "wrong-role"
        assert errors_of(result.json()["items"]) == [expected, expected]


async def test_a_row_for_an_earlier_clock_never_answers_a_later_one(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    [first, *_] = await raise_three(api, tokens)
    row = {
        "incident_id": first["incident_id"],
        "clock": 1,
        "outcome": "install_code_provided",
        "install_code": CODE,
    }
    path = "/v1/incidents/responses/batch"
    assert (await post_batch(api, tokens.party(INSTALLING), path, json={"items": [row]})).json()[
        "succeeded"
    ] == 1
    reopened = await api.post(
        f"/v1/incidents/{first['incident_id']}/reopen",
        headers=tokens.party(GAINING),
        json={"reason": "the code did not work"},
    )
    assert reopened.json()["clock"] == 2
    resent = (await post_batch(api, tokens.party(INSTALLING), path, json={"items": [row]})).json()
    assert resent["items"][0]["replayed"] is True
    view = await api.get(f"/v1/incidents/{first['incident_id']}", headers=tokens.party(GAINING))
    assert view.json()["status"] == "raised"


async def test_callers_need_their_scope(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    body = {"items": [{"device_id": DEVICE}]}
    assert (await post_batch(api, {}, json=body)).status_code == 401
    for headers in (tokens.admin(), tokens.service()):
        assert (await post_batch(api, headers, json=body)).status_code == 403
    narrow = tokens.headers(GAINING, ["incidents:read"])
    assert (await post_batch(api, narrow, json=body)).status_code == 403
    assert await incident_count(api, tokens) == 0


async def test_two_rows_for_one_incident(api: httpx.AsyncClient, tokens: Tokens) -> None:
    """Rows are checked in turn: the second sees what the first did."""
    [first, second, *_] = await raise_three(api, tokens)
    items = [
        {
            "incident_id": first["incident_id"],
            "outcome": "install_code_provided",
            "install_code": CODE,
        },
        {"reference": first["reference"], "outcome": "install_code_provided", "install_code": CODE},
        {"incident_id": second["incident_id"], "outcome": "not_installing_supplier"},
        {"incident_id": second["incident_id"], "outcome": "rejected", "reason": "changed my mind"},
    ]
    result = await post_batch(
        api, tokens.party(INSTALLING), "/v1/incidents/responses/batch", json={"items": items}
    )
    rows = result.json()["items"]
    assert [(r["ok"], r.get("replayed", False)) for r in rows] == [
        (True, False),
        (True, True),
        (True, False),
        (False, False),
    ]
    assert rows[3]["error"]["type"] == PROBLEM + "conflict"
    events = (await api.get("/v1/events?limit=1000", headers=tokens.service())).json()["items"]
    resolved = [e["data"]["incident_id"] for e in events if e["type"] == "incident.resolved"]
    assert sorted(resolved) == sorted([first["incident_id"], second["incident_id"]])
    view = await api.get(f"/v1/incidents/{first['incident_id']}", headers=tokens.party(GAINING))
    assert (view.json()["version"], view.json()["sla_state"]) == (2, "met")


async def test_an_answer_that_differs_from_the_recorded_one_is_a_conflict(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """A corrected code sent in bulk is refused row by row, never reported as done while the
    first code stands; only the very same answer replays."""
    [first, *_] = await raise_three(api, tokens)
    codes = [f"{n:02X}" * 16 for n in range(10)]
    rows = [
        {"incident_id": first["incident_id"], "outcome": "install_code_provided", "install_code": c}
        for c in codes
    ]
    installing = tokens.party(INSTALLING)
    path = "/v1/incidents/responses/batch"
    result = (await post_batch(api, installing, path, json={"items": rows})).json()
    assert [r["ok"] for r in result["items"]] == [True] + [False] * 9
    assert {r["error"]["type"] for r in result["items"][1:]} == {PROBLEM + "conflict"}
    assert all(c not in str(result) for c in codes)

    # In a later batch the recorded code is read back to compare: the same code replays, another
    # conflicts, and so does another outcome.
    again = [
        rows[0],
        rows[1],
        {"incident_id": first["incident_id"], "outcome": "not_installing_supplier"},
    ]
    result = (await post_batch(api, installing, path, json={"items": again})).json()
    assert [(r["ok"], r.get("replayed", False)) for r in result["items"]] == [
        (True, True),
        (False, False),
        (False, False),
    ]
    assert result["items"][1]["error"]["type"] == PROBLEM + "conflict"
    revealed = await api.get(
        f"/v1/incidents/{first['incident_id']}/install-code", headers=tokens.party(GAINING)
    )
    assert revealed.json() == {"install_code": codes[0]}


BATCH_ROUTES = {
    "/v1/incidents/batch": (GAINING, "device_id"),
    "/v1/incidents/responses/batch": (INSTALLING, "outcome"),
}
TOO_LONG = "x" * (128 * 1024 + 1)  # one past the csv module's field limit


@pytest.mark.parametrize("path", list(BATCH_ROUTES))
@pytest.mark.parametrize(
    ("content_type", "body", "detail"),
    [
        ("application/json", '{"items": [' + "[" * 5000 + "]" * 5000 + "]}", "nested"),
        ("application/json", "[" * 100_000, "nested"),
        (
            "application/json",
            '{"items": [{"note": ' + '{"a": ' * 3000 + "1" + "}" * 3001 + "]}",
            "nested",
        ),
        ("text/csv", "{column}\r\n" + TOO_LONG + "\r\n", "line 2"),
        ("text/csv", "{column}," + TOO_LONG + "\r\nx\r\n", "line 1"),
        ("text/csv", '{column}\r\n"' + "x\r\n" * 50_000, "quote left open"),
    ],
    ids=[
        "nested items",
        "nested document",
        "nested field",
        "long field",
        "long header",
        "open quote",
    ],
)
async def test_unparseable_bodies_are_refused_on_both_routes(
    api: httpx.AsyncClient, tokens: Tokens, path: str, content_type: str, body: str, detail: str
) -> None:
    """Deep JSON and CSV fields past the csv module's limit are the caller's fault: a 422."""
    raised = await raise_three(api, tokens)
    party, column = BATCH_ROUTES[path]
    response = await api.post(
        path,
        headers={**tokens.party(party), "Content-Type": content_type},
        content=body.replace("{column}", column).encode(),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + "bad-batch"
    assert detail in response.json()["detail"]
    assert await incident_count(api, tokens) == len(raised)
    view = await api.get(f"/v1/incidents/{raised[0]['incident_id']}", headers=tokens.party(party))
    assert view.json()["status"] == "raised"


async def test_csv_rows_may_end_in_cr_alone(api: httpx.AsyncClient, tokens: Tokens) -> None:
    """Old Mac line endings: a lone CR ends a row as LF and CRLF do."""
    await seed(api, tokens)
    await import_devices(api, tokens, 3)
    body = f"client_ref,device_id\ra,{device(0)}\rb,{device(1)}\n\rc,{device(2)}\r\n"
    result = (await post_batch(api, tokens.party(GAINING), csv=body)).json()
    assert [(r["row"], r["client_ref"], r["ok"]) for r in result["items"]] == [
        (1, "a", True),
        (2, "b", True),
        (3, "c", True),
    ]


async def test_refused_csv_columns_are_named_by_position_not_echoed(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """A header cell may hold anything a caller pasted, an install code included."""
    await seed(api, tokens)
    body = f"device_id,{CODE},client_ref,Device_ID\r\n{DEVICE},x,r1,{DEVICE}\r\n"
    response = await post_batch(api, tokens.party(GAINING), csv=body)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == PROBLEM + "bad-batch"
    detail = response.json()["detail"]
    assert "columns 2, 4 are unknown or repeated" in detail
    assert "client_ref, device_id, group_ref, note" in detail  # what the route accepts
    assert CODE.lower() not in response.text.lower()
    assert await incident_count(api, tokens) == 0
