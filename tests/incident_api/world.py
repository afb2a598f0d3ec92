"""A small world for incident tests: four parties and one eligible Device."""

from typing import Any

import httpx

from tests.tokens import Tokens

GAINING, INSTALLING, OTHER, OPERATOR, OTHER_OPERATOR = "GSUP", "ISUP", "OSUP", "DCCO", "SECA"
DEVICE = "00-DB-12-34-56-78-90-A0"
CODE = "83FED3407A939723A5C639B26916D505"
CODE_WITH_CRC = CODE + "C3B5"


async def add_party(api: httpx.AsyncClient, tokens: Tokens, party_id: str, category: str) -> None:
    response = await api.post(
        "/v1/parties",
        headers=tokens.admin(),
        json={
            "party_id": party_id,
            "name": f"Party {party_id}",
            "category": category,
            "ops_contact_email": f"ops@{party_id.lower()}.example",
            "escalation_contact_email": f"esc@{party_id.lower()}.example",
        },
    )
    assert response.status_code == 201, response.text


async def put_device(
    api: httpx.AsyncClient, tokens: Tokens, device_id: str = DEVICE, **fields: Any
) -> httpx.Response:
    body = {
        "device_type": "ESME",
        "smi_status": "installed_not_commissioned",
        "installing_party_id": INSTALLING,
        "registered_supplier_party_id": GAINING,
        **fields,
    }
    response = await api.put(f"/v1/devices/{device_id}", headers=tokens.admin(), json=body)
    assert response.status_code in (200, 201), response.text
    return response


async def seed(api: httpx.AsyncClient, tokens: Tokens) -> None:
    for party_id, category in (
        (GAINING, "large_supplier"),
        (INSTALLING, "small_supplier"),
        (OTHER, "large_supplier"),
        (OPERATOR, "operator"),
        (OTHER_OPERATOR, "operator"),
    ):
        await add_party(api, tokens, party_id, category)
    await put_device(api, tokens)


async def raise_incident(
    api: httpx.AsyncClient, tokens: Tokens, party: str = GAINING, **body: Any
) -> dict[str, Any]:
    response = await api.post(
        "/v1/incidents", headers=tokens.party(party), json={"device_id": DEVICE, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def act(
    api: httpx.AsyncClient,
    tokens: Tokens,
    party: str,
    incident_id: str,
    action: str,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await api.post(
        f"/v1/incidents/{incident_id}/{action}", headers=tokens.party(party), json=body
    )


async def resolve_with_code(
    api: httpx.AsyncClient, tokens: Tokens, incident_id: str, code: str = CODE_WITH_CRC
) -> httpx.Response:
    body = {"outcome": "install_code_provided", "install_code": code}
    return await act(api, tokens, INSTALLING, incident_id, "response", body)
