"""The device inventory: upserts, visibility, and the streamed import."""

import httpx

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
