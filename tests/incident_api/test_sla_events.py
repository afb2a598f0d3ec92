"""`POST /v1/incidents/{id}/sla-events`: recorded once per (clock, kind, ordinal)."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.common.clock import FrozenClock
from tests.incident_api.world import (
    GAINING,
    INSTALLING,
    act,
    put_device,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.tokens import Tokens


async def post_sla(
    api: httpx.AsyncClient, tokens: Tokens, incident_id: str, **body: Any
) -> httpx.Response:
    return await api.post(
        f"/v1/incidents/{incident_id}/sla-events", headers=tokens.service(), json=body
    )


async def events_of(api: httpx.AsyncClient, tokens: Tokens, kind: str) -> list[dict[str, Any]]:
    response = await api.get("/v1/events?limit=1000", headers=tokens.service())
    return [e for e in response.json()["items"] if e["type"] == kind]


async def test_breach_recorded_once_and_announced(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    clock.set(datetime.fromisoformat(incident["due_at"]))
    body = {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]}
    first = await post_sla(api, tokens, incident["id"], **body)
    assert first.status_code == 201, first.text
    replay = await post_sla(api, tokens, incident["id"], **body)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    breaches = await events_of(api, tokens, "incident.sla_breached")
    assert len(breaches) == 1
    assert breaches[0]["data"]["incident_id"] == incident["id"]
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["sla_state"] == "breached"
    # A breached clock is missed even if answered a moment later.
    assert (await resolve_with_code(api, tokens, incident["id"])).json()["sla_state"] == "missed"


async def test_a_warning_marks_the_incident_at_risk(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    body = {"clock": 1, "kind": "warning", "ordinal": 1, "occurred_at": incident["warning_at"][0]}
    assert (await post_sla(api, tokens, incident["id"], **body)).status_code == 201
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["sla_state"] == "at_risk"
    assert len(await events_of(api, tokens, "incident.sla_warning")) == 1


async def test_refused_once_the_clock_has_ended(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await resolve_with_code(api, tokens, incident["id"])
    body = {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]}
    ended = await post_sla(api, tokens, incident["id"], **body)
    assert ended.status_code == 409
    assert ended.json()["type"].endswith("/clock-ended")
    assert await events_of(api, tokens, "incident.sla_breached") == []
    # After a reopen the old clock stays ended; the new one takes events.
    await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "did not work"})
    assert (await post_sla(api, tokens, incident["id"], **body)).status_code == 409
    body["clock"] = 2
    assert (await post_sla(api, tokens, incident["id"], **body)).status_code == 201


async def test_escalations_are_distinct_by_ordinal(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    for ordinal in (1, 2, 2, 1):
        await post_sla(
            api,
            tokens,
            incident["id"],
            clock=1,
            kind="escalation",
            ordinal=ordinal,
            occurred_at=incident["due_at"],
        )
    assert len(await events_of(api, tokens, "incident.sla_escalated")) == 2


async def test_concurrent_replicas_record_one_breach(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """Notifier replicas racing on the same breach: one records it, the others get it back."""
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    body = {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]}
    racing = [post_sla(api, tokens, incident["id"], **body) for _ in range(6)]
    racing.append(act(api, tokens, INSTALLING, incident["id"], "acknowledge"))
    *answers, ack = await asyncio.gather(*racing)
    assert ack.status_code == 200, ack.text
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["recorded_at"] for a in answers}) == 1
    assert len(await events_of(api, tokens, "incident.sla_breached")) == 1


async def test_a_breach_before_the_due_instant_is_refused(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    """A notifier whose clock runs ahead must not turn an answer in time into a missed one."""
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    early = datetime.fromisoformat(incident["due_at"]) - timedelta(seconds=1)
    for kind in ("breach", "escalation"):
        body = {"clock": 1, "kind": kind, "ordinal": 1, "occurred_at": early.isoformat()}
        response = await post_sla(api, tokens, incident["id"], **body)
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/sla-event-too-early")
    assert await events_of(api, tokens, "incident.sla_breached") == []
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["sla_state"] == "on_track"


async def test_a_breach_carries_the_cause_the_notifier_gives(
    api: httpx.AsyncClient, tokens: Tokens, clock: FrozenClock
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    # The addressee was reached, as far as the API knows; the notifier says otherwise.
    reached = await api.post(
        f"/v1/incidents/{incident['id']}/reached", headers=tokens.service(), json={"clock": 1}
    )
    assert reached.status_code == 204
    clock.set(datetime.fromisoformat(incident["due_at"]))
    warning = {"clock": 1, "kind": "warning", "ordinal": 1, "occurred_at": incident["due_at"]}
    refused = await post_sla(api, tokens, incident["id"], **warning, cause="not_acknowledged")
    assert refused.status_code == 422
    for bad in ("", "late", None, 1):
        body = {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]}
        if bad is not None:
            answer = await post_sla(api, tokens, incident["id"], **body, cause=bad)
            assert answer.status_code == 422, bad
    body = {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]}
    first = await post_sla(api, tokens, incident["id"], **body, cause="addressee_unreachable")
    assert first.status_code == 201, first.text
    [event] = await events_of(api, tokens, "incident.sla_breached")
    assert event["data"]["breach_cause"] == "addressee_unreachable"
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["breach_cause"] == "addressee_unreachable"
    # Without a cause, the API works it out: reached, not acknowledged.
    other = await raise_incident(
        api, tokens, party=GAINING, device_id=await second_device(api, tokens)
    )
    await api.post(
        f"/v1/incidents/{other['id']}/reached", headers=tokens.service(), json={"clock": 1}
    )
    clock.set(datetime.fromisoformat(other["due_at"]))
    body["occurred_at"] = other["due_at"]
    assert (await post_sla(api, tokens, other["id"], **body)).status_code == 201
    view = await api.get(f"/v1/incidents/{other['id']}", headers=tokens.party(GAINING))
    assert view.json()["breach_cause"] == "not_acknowledged"


async def second_device(api: httpx.AsyncClient, tokens: Tokens) -> str:
    device = "00-DB-12-34-56-78-90-B1"
    await put_device(api, tokens, device)
    return device
