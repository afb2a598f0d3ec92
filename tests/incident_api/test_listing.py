"""`GET /v1/incidents`: visibility, filters and newest-first cursor pages."""

from datetime import datetime, timedelta
from typing import Any

import httpx

from services.common.clock import FrozenClock
from tests.incident_api.test_events_feed import device, import_devices
from tests.incident_api.world import GAINING, INSTALLING, OPERATOR, OTHER, act, seed
from tests.tokens import Tokens


async def list_ids(api: httpx.AsyncClient, headers: dict[str, str], query: str = "") -> list[str]:
    response = await api.get(f"/v1/incidents?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["items"]]


async def raise_many(api: httpx.AsyncClient, tokens: Tokens, count: int) -> list[dict[str, Any]]:
    await import_devices(api, tokens, count)
    raised = []
    for n in range(count):
        response = await api.post(
            "/v1/incidents",
            headers=tokens.party(GAINING),
            json={"device_id": device(n), "group_ref": "odd" if n % 2 else "even"},
        )
        raised.append(response.json())
    return raised


async def test_pages_newest_first_without_gaps(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    raised = await raise_many(api, tokens, 7)
    seen: list[str] = []
    cursor = ""
    while True:
        response = await api.get(f"/v1/incidents?limit=3{cursor}", headers=tokens.party(GAINING))
        page = response.json()
        seen += [i["id"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [i["id"] for i in reversed(raised)]


async def test_each_party_sees_only_its_own(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    raised = await raise_many(api, tokens, 3)
    ids = {i["id"] for i in raised}
    assert set(await list_ids(api, tokens.party(GAINING))) == ids
    assert set(await list_ids(api, tokens.party(INSTALLING))) == ids
    assert await list_ids(api, tokens.party(OTHER)) == []
    assert set(await list_ids(api, tokens.operator(OPERATOR))) == ids
    assert await list_ids(api, tokens.party(GAINING), "role=addressee") == []
    assert set(await list_ids(api, tokens.party(INSTALLING), "role=addressee")) == ids


async def test_filters(api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock) -> None:
    await seed(api, tokens)
    raised = await raise_many(api, tokens, 4)
    clock.advance(hours=1)
    await act(api, tokens, INSTALLING, raised[0]["id"], "acknowledge")
    gaining = tokens.party(GAINING)
    assert await list_ids(api, gaining, "status=acknowledged") == [raised[0]["id"]]
    assert await list_ids(api, gaining, f"device_id={device(2).replace('-', '')}") == [
        raised[2]["id"]
    ]
    assert set(await list_ids(api, gaining, "group_ref=odd")) == {raised[1]["id"], raised[3]["id"]}
    since = (clock.now() - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert await list_ids(api, gaining, f"updated_since={since}") == [raised[0]["id"]]
    clock.set(datetime.fromisoformat(raised[0]["due_at"]))
    assert len(await list_ids(api, gaining, "sla_state=breached")) == 4
    assert await list_ids(api, gaining, "sla_state=on_track") == []


async def test_a_party_raising_and_addressed_pages_through_both_in_order(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """Raised by the party and addressed to it, interleaved: the default list merges the two in
    pk order, page by page, none missed or repeated, filters applied to both."""
    await seed(api, tokens)
    await import_devices(api, tokens, 8)
    rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
    rows += [f"{device(100 + n)},ESME,whitelisted,GSUP,ISUP" for n in range(6)]
    imported = await api.post(
        "/v1/devices/import",
        content="\n".join(rows),
        headers={**tokens.admin(), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    order: list[str] = []  # raise order, alternating: GSUP raises, then ISUP raises to GSUP
    for n in range(6):
        for party, number in ((GAINING, n), (INSTALLING, 100 + n)):
            response = await api.post(
                "/v1/incidents", headers=tokens.party(party), json={"device_id": device(number)}
            )
            assert response.status_code == 201, response.text
            order.append(response.json()["id"])
    await act(api, tokens, GAINING, order[2], "cancel")  # one GSUP raised
    await act(api, tokens, INSTALLING, order[5], "cancel")  # one raised to GSUP
    for query, expected in (
        ("", order[::-1]),
        ("status=raised&", [i for i in order[::-1] if i not in (order[2], order[5])]),
        ("status=cancelled&", [order[5], order[2]]),
    ):
        seen: list[str] = []
        cursor = ""
        while True:
            response = await api.get(
                f"/v1/incidents?{query}limit=5{cursor}", headers=tokens.party(GAINING)
            )
            page = response.json()
            seen += [i["id"] for i in page["items"]]
            if page["next_cursor"] is None:
                break
            cursor = f"&cursor={page['next_cursor']}"
        assert seen == expected, query
