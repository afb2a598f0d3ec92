from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from services.common.clock import FrozenClock
from services.incident_api.app import expire_resolved
from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
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


async def test_cancel_stops_an_open_incident(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    cancelled = await act(api, tokens, GAINING, incident["id"], "cancel", {"reason": "moved on"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_at"] is not None
    # A cancelled incident takes no answer.
    late = await resolve_with_code(api, tokens, incident["id"])
    assert late.status_code == 409
    assert late.json()["current_status"] == "cancelled"
    # ...and a new incident may now be raised for the same Device.
    again = await raise_incident(api, tokens)
    assert again["id"] != incident["id"]


async def test_reopen_destroys_the_code_and_starts_a_new_clock(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await resolve_with_code(api, tokens, incident["id"])
    clock.advance(days=2)
    reopened = await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "code failed"})
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["status"], body["outcome"], body["clock"], body["reopen_count"]) == (
        "raised",
        None,
        2,
        1,
    )
    assert body["due_at"] > incident["due_at"]
    destroyed = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert destroyed.status_code == 410
    # A new code can be provided and revealed on the new clock.
    second = "00112233445566778899AABBCCDDEEFF"
    assert (await resolve_with_code(api, tokens, incident["id"], second)).status_code == 200
    reveal = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert reveal.json() == {"install_code": second}


async def test_at_most_three_reopens(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    for _ in range(3):
        assert (await resolve_with_code(api, tokens, incident["id"])).status_code == 200
        response = await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "failed"})
        assert response.status_code == 200
    await resolve_with_code(api, tokens, incident["id"])
    fourth = await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "failed"})
    assert fourth.status_code == 409
    assert fourth.json()["type"].endswith("/reopen-limit")


async def test_not_installing_supplier_then_readdress(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    answer = {"outcome": "not_installing_supplier", "suggested_party_id": OTHER}
    resolved = await act(api, tokens, INSTALLING, incident["id"], "response", answer)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["suggested_party_id"] == OTHER
    # Reopen is only for a code that did not work.
    wrong = await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "x"})
    assert wrong.status_code == 409
    readdressed = await act(
        api, tokens, GAINING, incident["id"], "readdress", {"addressed_party_id": OTHER}
    )
    assert readdressed.status_code == 200, readdressed.text
    body = readdressed.json()
    assert (body["status"], body["addressed_party_id"], body["clock"]) == ("raised", OTHER, 2)
    # The old addressee no longer sees it; the new one does.
    old = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(INSTALLING))
    assert old.status_code == 404
    new = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(OTHER))
    assert new.status_code == 200


async def test_an_operator_may_readdress(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await act(
        api, tokens, INSTALLING, incident["id"], "response", {"outcome": "not_installing_supplier"}
    )
    response = await api.post(
        f"/v1/incidents/{incident['id']}/readdress",
        headers=tokens.operator(OPERATOR),
        json={"addressed_party_id": OTHER},
    )
    assert response.status_code == 200, response.text
    history = await api.get(
        f"/v1/incidents/{incident['id']}/history", headers=tokens.operator(OPERATOR)
    )
    actions = [(e["action"], e["actor"]) for e in history.json()["items"]]
    assert ("readdressed", OPERATOR) in actions


async def test_rejected_needs_a_reason_and_is_final_until_closed(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    answer = {"outcome": "rejected", "reason": "request not bona fide"}
    resolved = await act(api, tokens, INSTALLING, incident["id"], "response", answer)
    assert resolved.status_code == 200
    assert resolved.json()["reason"] == "request not bona fide"
    for action, body in (("reopen", {"reason": "x"}), ("readdress", {"addressed_party_id": OTHER})):
        refused = await act(api, tokens, GAINING, incident["id"], action, body)
        assert refused.status_code == 409, action
    assert (await act(api, tokens, GAINING, incident["id"], "close", {})).status_code == 200


async def test_history_records_every_step_newest_first(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await act(api, tokens, INSTALLING, incident["id"], "acknowledge")
    await resolve_with_code(api, tokens, incident["id"])
    await api.get(f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING))
    await act(api, tokens, GAINING, incident["id"], "close", {"note": "commissioned"})
    response = await api.get(
        f"/v1/incidents/{incident['id']}/history?limit=2", headers=tokens.party(INSTALLING)
    )
    page = response.json()
    assert [e["action"] for e in page["items"]] == ["closed", "install_code.revealed"]
    rest = await api.get(
        f"/v1/incidents/{incident['id']}/history?cursor={page['next_cursor']}",
        headers=tokens.party(INSTALLING),
    )
    assert [e["action"] for e in rest.json()["items"]] == ["resolved", "acknowledged", "raised"]
    assert rest.json()["next_cursor"] is None


async def test_resolution_after_the_deadline_is_missed(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    clock.set(datetime.fromisoformat(incident["due_at"]) + timedelta(minutes=1))
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["sla_state"] == "breached"
    resolved = await resolve_with_code(api, tokens, incident["id"])
    assert resolved.json()["sla_state"] == "missed"


async def test_sla_state_at_risk_after_the_first_warning_instant(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    first_warning = datetime.fromisoformat(incident["warning_at"][0])
    clock.set(first_warning - timedelta(seconds=1))
    before = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert before.json()["sla_state"] == "on_track"
    clock.set(first_warning)
    after = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert after.json()["sla_state"] == "at_risk"


async def test_resolved_incidents_expire_after_retention(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await resolve_with_code(api, tokens, incident["id"])
    app = api.app  # type: ignore[attr-defined]
    clock.advance(days=29)
    await _expire(app)
    still = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert still.json()["status"] == "resolved"
    clock.advance(days=1, seconds=1)
    await _expire(app)
    expired = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert (expired.json()["status"], expired.json()["close_reason"]) == ("closed", "expired")
    gone = await api.get(
        f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
    )
    assert gone.status_code == 410


async def _expire(app: FastAPI) -> None:
    await expire_resolved(app)


async def test_every_incident_route_takes_the_reference(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """`INC-000001` (in any case) names the incident wherever its id does, with the same
    visibility: another party gets the same 404 by reference as by id."""
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    reference = incident["reference"]
    lower = reference.lower()
    for path in (reference, lower, f"{reference}/history"):
        response = await api.get(f"/v1/incidents/{path}", headers=tokens.party(GAINING))
        assert response.status_code == 200, response.text
    shown = await api.get(f"/v1/incidents/{lower}", headers=tokens.party(GAINING))
    assert shown.json()["id"] == incident["id"]
    hidden = await api.get(f"/v1/incidents/{reference}", headers=tokens.party(OTHER))
    assert hidden.status_code == 404, hidden.text
    assert (await act(api, tokens, INSTALLING, reference, "acknowledge")).status_code == 200
    assert (await resolve_with_code(api, tokens, lower)).status_code == 200
    code = await api.get(f"/v1/incidents/{reference}/install-code", headers=tokens.party(GAINING))
    assert code.json() == {"install_code": CODE}
    closed = await act(api, tokens, GAINING, reference, "close")
    assert (closed.status_code, closed.json()["id"]) == (200, incident["id"])
