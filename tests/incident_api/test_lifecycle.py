import httpx

from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    act,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.tokens import Tokens


async def test_raise_answer_reveal_close(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    assert incident["status"] == "raised"
    assert incident["addressed_party_id"] == INSTALLING
    assert incident["requesting_party_id"] == GAINING
    assert incident["device_id"] == DEVICE
    assert incident["reference"] == "INC-000001"
    assert incident["unverified"] is False
    assert incident["sla_state"] == "on_track"
    # Raised Wednesday 2026-06-10: five Working Days later is Wednesday 17th, due at its end.
    assert incident["due_at"] == "2026-06-17T23:00:00Z"

    ack = await act(api, tokens, INSTALLING, incident["id"], "acknowledge")
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "acknowledged"

    resolved = await resolve_with_code(api, tokens, incident["id"])
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["outcome"], body["sla_state"]) == (
        "resolved",
        "install_code_provided",
        "met",
    )
    assert CODE not in resolved.text

    reveal = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert reveal.status_code == 200, reveal.text
    assert reveal.json() == {"install_code": CODE}
    assert reveal.headers["cache-control"] == "no-store"

    closed = await act(api, tokens, GAINING, incident["id"], "close", {})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"

    gone = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
