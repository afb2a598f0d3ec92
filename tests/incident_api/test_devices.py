"""The device inventory: upserts, visibility, and the streamed import."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import event

from services.incident_api.devices.service import BATCH_ROWS, MAX_LINE_BYTES
from tests.incident_api.world import DEVICE, GAINING, INSTALLING, OPERATOR, OTHER, put_device, seed
from tests.tokens import Tokens


async def test_put_creates_then_updates(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    created = await put_device(api, tokens, "01-02-03-04-05-06-07-08")
    assert created.status_code == 201
    updated = await put_device(api, tokens, "0102030405060708", smi_status="commissioned")
    assert updated.status_code == 200
    assert updated.json()["device_id"] == "01-02-03-04-05-06-07-08"
    assert updated.json()["smi_status"] == "commissioned"


async def test_a_device_is_visible_to_its_suppliers_and_operators(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    for headers, status in (
        (tokens.party(GAINING), 200),
        (tokens.party(INSTALLING), 200),
        (tokens.operator(OPERATOR), 200),
        (tokens.party(OTHER), 404),
    ):
        response = await api.get(f"/v1/devices/{DEVICE}", headers=headers)
        assert response.status_code == status
    missing = await api.get("/v1/devices/FF-FF-FF-FF-FF-FF-FF-FF", headers=tokens.party(GAINING))
    assert missing.status_code == 404
    assert (
        missing.json()
        == (await api.get(f"/v1/devices/{DEVICE}", headers=tokens.party(OTHER))).json()
    )


async def test_suppliers_cannot_write_the_inventory(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    response = await api.put(
        f"/v1/devices/{DEVICE}",
        headers=tokens.party(GAINING),
        json={"device_type": "ESME", "smi_status": "commissioned"},
    )
    assert response.status_code == 403


async def test_import_ndjson_keeps_good_rows_and_reports_bad_ones(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    rows = [
        '{"device_id": "10-00-00-00-00-00-00-01", "device_type": "GSME", "smi_status": "pending"}',
        '{"device_id": "nope", "device_type": "GSME", "smi_status": "pending"}',
        "not json",
        '{"device_id": "10-00-00-00-00-00-00-02", "device_type": "XXX", "smi_status": "pending"}',
        '{"device_id": "1000000000000003", "device_type": "CHF", "smi_status": "whitelisted",'
        ' "installing_party_id": "ISUP"}',
    ]
    response = await api.post(
        "/v1/devices/import",
        headers={**tokens.operator(OPERATOR), "Content-Type": "application/x-ndjson"},
        content="\n".join(rows) + "\n",
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["imported"], result["failed"]) == (5, 2, 3)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (2, "device_id"),
        (3, None),
        (4, "device_type"),
    ]
    stored = await api.get("/v1/devices/10-00-00-00-00-00-00-03", headers=tokens.admin())
    assert stored.json()["installing_party_id"] == "ISUP"


HEADER = "device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"


def device(n: int) -> str:
    return f"10-00-00-00-00-00-{n // 256:02X}-{n % 256:02X}"


async def import_file(
    api: httpx.AsyncClient, tokens: Tokens, content: bytes | AsyncIterator[bytes], csv: bool = True
) -> httpx.Response:
    content_type = "text/csv" if csv else "application/x-ndjson"
    return await api.post(
        "/v1/devices/import",
        headers={**tokens.operator(OPERATOR), "Content-Type": content_type},
        content=content,
    )


async def stored(api: httpx.AsyncClient, tokens: Tokens, device_id: str) -> bool:
    response = await api.get(f"/v1/devices/{device_id}", headers=tokens.admin())
    return response.status_code == 200


async def test_import_ndjson_nested_too_deeply_is_that_rows_error(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """A row the json module cannot recurse into fails alone; the rows around it are kept."""
    await seed(api, tokens)
    good = '"device_type": "GSME", "smi_status": "pending"'
    rows = [
        f'{{"device_id": "{device(1)}", {good}}}',
        '{"device_id": ' + '{"a": ' * 5000 + "1" + "}" * 5001,
        "[" * 3000 + "]" * 3000,
        f'{{"device_id": "{device(4)}", {good}}}',
    ]
    response = await import_file(api, tokens, "\n".join(rows).encode(), csv=False)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["imported"], result["failed"]) == (4, 2, 2)
    assert [(e["row"], e["field"], e["message"]) for e in result["errors"]] == [
        (2, None, "the row is nested too deeply"),
        (3, None, "the row is nested too deeply"),
    ]
    assert await stored(api, tokens, device(4))


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (f"device_id,device_type,smi_status,{'x' * 200_000}\n".encode(), 1),
        (f"{HEADER}\n{device(1)},ESME,pending,,\n{device(2)},ESME,{'x' * 140_000},,\n".encode(), 3),
        (f"{HEADER}\n{device(1)},ESME,pending,,\n".encode() + b"x" * (MAX_LINE_BYTES + 1), 3),
        (b"x" * (32 * 1024**2), 1),
        (f'{{"device_id": "{device(1)}"}}\n{{"x": "{"x" * 70_000}"}}\n'.encode(), 2),
    ],
    ids=["long header", "long field", "just over", "32 MB, no line break", "long NDJSON row"],
)
async def test_an_over_long_line_refuses_the_import(
    api: httpx.AsyncClient, tokens: Tokens, content: bytes, line: int
) -> None:
    """No row is that long: the file is malformed, so none of it is kept."""
    await seed(api, tokens)
    response = await import_file(api, tokens, content, csv=not content.startswith(b"{"))
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "https://ssi.example/problems/bad-import-file"
    assert f"Line {line} is longer than {MAX_LINE_BYTES:,} bytes" in response.json()["detail"]
    assert not await stored(api, tokens, device(1))


async def test_import_stops_reading_at_an_over_long_line(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """The refusal comes once the cap is passed, however much of the body is still to come."""
    await seed(api, tokens)
    chunk, sent = b"y" * 64 * 1024, 0

    async def unending_line() -> AsyncIterator[bytes]:
        nonlocal sent
        yield f"{HEADER}\r\n{device(1)},ESME,pending,,\r\n".encode()
        for _ in range(256):
            sent += len(chunk)
            yield chunk

    response = await import_file(api, tokens, unending_line())
    assert response.status_code == 422, response.text
    assert "Line 3 " in response.json()["detail"]
    assert sent <= MAX_LINE_BYTES + len(chunk)
    assert not await stored(api, tokens, device(1))


async def test_import_lines_may_end_in_lf_crlf_or_cr_split_anywhere(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """Sent a byte at a time, a BOM and a CRLF split across chunks read as in one piece."""
    await seed(api, tokens)
    rows = [f"{device(n)},ESME,pending,,".encode() for n in range(1, 6)]
    body = b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n" + rows[0] + b"\r" + rows[1] + b"\n"
    body += rows[2] + b"\r\n\r\n" + rows[3] + b"\r" + rows[4] + b"\r"
    for rest in (b"", b"x" * (MAX_LINE_BYTES + 1)):

        async def bytewise(rest: bytes = rest) -> AsyncIterator[bytes]:
            for i in range(len(body)):
                yield body[i : i + 1]
            yield rest

        response = await import_file(api, tokens, bytewise())
        if not rest:
            assert response.status_code == 200, response.text
            assert response.json() == {
                "rows": 5,
                "imported": 5,
                "failed": 0,
                "errors": [],
                "errors_truncated": False,
            }
        else:  # the line count proves that no CRLF was read as two line ends
            assert response.status_code == 422, response.text
            assert "Line 8 " in response.json()["detail"]
    assert all([await stored(api, tokens, device(n)) for n in range(1, 6)])


async def test_import_errors_never_echo_unknown_columns_or_keys(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """Unknown CSV columns and NDJSON keys are skipped, so no error can name them."""
    await seed(api, tokens)
    code = "83FED3407A939723A5C639B26916D505"
    csv_file = f"{HEADER},{code}\n{device(1)},ESME,{code},,,1\n{device(2)},ESME,pending,,,1\n"
    ndjson_file = (
        f'{{"device_id": "{device(3)}", "device_type": "{code}", "{code}": 1}}\n'
        f'{{"device_id": "{device(4)}", "device_type": "ESME", "smi_status": "pending",'
        f' "{code}": {{"{code}": 1}}}}\n'
    )
    for content, csv in ((csv_file, True), (ndjson_file, False)):
        response = await import_file(api, tokens, content.encode(), csv=csv)
        assert response.status_code == 200, response.text
        assert (response.json()["imported"], response.json()["failed"]) == (1, 1)
        assert code.lower() not in response.text.lower()


async def test_put_refuses_a_party_that_is_not_registered(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """The inventory routes incidents to its parties: a typo would route one to nobody."""
    await seed(api, tokens)
    for fields, named in (
        ({"installing_party_id": "NOPE"}, ["installing_party_id"]),
        ({"registered_supplier_party_id": "NOPE"}, ["registered_supplier_party_id"]),
        (
            {"installing_party_id": "NOPE", "registered_supplier_party_id": "NAH1"},
            ["installing_party_id", "registered_supplier_party_id"],
        ),
    ):
        body = {"device_type": "ESME", "smi_status": "pending", **fields}
        response = await api.put(f"/v1/devices/{device(1)}", headers=tokens.admin(), json=body)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"] == "https://ssi.example/problems/unregistered-party"
        assert [e["field"] for e in problem["errors"]] == named
        assert "NOPE" not in response.text
    assert not await stored(api, tokens, device(1))
    # Registered parties, or none at all, are accepted as before.
    assert (await put_device(api, tokens, device(1))).status_code == 201
    response = await put_device(
        api, tokens, device(2), installing_party_id=None, registered_supplier_party_id=None
    )
    assert response.status_code == 201


async def test_import_refuses_each_row_naming_an_unregistered_party(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    rows = [
        f"{device(1)},ESME,pending,{INSTALLING},{GAINING}",
        f"{device(2)},ESME,pending,NOPE,{GAINING}",
        f"{device(3)},ESME,pending,{INSTALLING},NOPE",
        "not-a-device,ESME,pending,,",
        f"{device(4)},ESME,pending,NAH1,NOPE",
        f"{device(5)},ESME,pending,,",
        f"{device(1)},ESME,commissioned,NOPE,{GAINING}",  # a later row for device 1, refused
    ]
    response = await import_file(api, tokens, (f"{HEADER}\n" + "\n".join(rows) + "\n").encode())
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["imported"], result["failed"]) == (7, 2, 5)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (2, "installing_party_id"),
        (3, "registered_supplier_party_id"),
        (4, "device_id"),
        (5, "installing_party_id"),
        (5, "registered_supplier_party_id"),
        (7, "installing_party_id"),
    ]
    assert "register the party first" in result["errors"][0]["message"]
    assert "NOPE" not in response.text
    kept = await api.get(f"/v1/devices/{device(1)}", headers=tokens.admin())
    assert kept.json()["smi_status"] == "pending"  # the refused later row changed nothing
    assert [await stored(api, tokens, device(n)) for n in range(2, 6)] == [
        False,
        False,
        False,
        True,
    ]


async def test_import_looks_parties_up_once_per_batch(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    lookups: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # The import's checks, not the caller's own party read by authentication (which names
        # its category: a plain SQL read on SQLite, Core elsewhere).
        if "FROM parties" in statement and " IN (" in statement and "category" not in statement:
            lookups.append(statement)

    engine = api.app.state.engine.sync_engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = "".join(
            f"{device(n)},ESME,pending,{INSTALLING},{GAINING if n % 7 else 'NOPE'}\n"
            for n in range(1, BATCH_ROWS * 2 + 501)
        )
        response = await import_file(api, tokens, f"{HEADER}\n{rows}".encode())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    assert response.json()["failed"] == (BATCH_ROWS * 2 + 500) // 7
    assert len(lookups) == 3
