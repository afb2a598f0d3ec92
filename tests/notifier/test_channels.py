"""Every channel is an endpoint: the contact list as the fallback per event, email endpoints and
their confirmation, testing an endpoint, and reaching the addressee, all through the HTTP APIs.

No SMTP server is configured here (the embedded default), so every message is an `.eml` file
under the notifier's data directory: `Harness.mails` reads them back. The SMTP transport itself
is tested against a real server in tests/notifier/transports/.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import select
from standardwebhooks.webhooks import Webhook

from services.common.db import transaction
from services.notifier.delivery.models import Delivery
from services.notifier.delivery.tasks import FallbackSweeper
from services.notifier.endpoints.models import Endpoint
from services.notifier.parties.tasks import ContactBackfill
from services.notifier.sla import reached
from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    act,
    put_device,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness
from tests.receiver import Answer, Receiver

LONG_AGO = "2026-01-01T00:00:00Z"
OPS = f"ops@{INSTALLING.lower()}.example"
ESCALATION = f"esc@{INSTALLING.lower()}.example"


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


async def create(h: Harness, party: str, **body: Any) -> httpx.Response:
    return await h.notifier.post("/v1/endpoints", headers=h.tokens.party(party), json=body)


async def view(h: Harness, incident_id: str) -> dict[str, Any]:
    response = await h.api.get(f"/v1/incidents/{incident_id}", headers=h.tokens.party(GAINING))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- the contact list as the fallback ----------------------------------------------------------


async def test_a_party_without_endpoints_is_mailed_the_raise_at_its_ops_contact(
    world: Harness,
) -> None:
    h = world
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    [message] = h.mails()
    assert message["To"] == OPS
    assert message["Subject"] == (
        f"[SSI] {incident['reference']} raised: Device {incident['device_id']}"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    [delivery] = await h.deliveries(INSTALLING)
    assert message["Message-ID"] == f"<{delivery['webhook_id']}@localhost>"
    # One thread per incident: every message about it refers to the same root.
    root = f"<incident.{incident['id']}@localhost>"
    assert (message["In-Reply-To"], message["References"]) == (root, root)
    text = message.get_content()
    assert f"/incidents/{incident['reference']}" in text
    assert incident["device_id"] in text
    assert delivery["status"] == "succeeded"
    listed = await h.notifier.get("/v1/endpoints", headers=h.tokens.party(INSTALLING))
    assert listed.json()["items"] == []  # the contact list's endpoints are listed on request
    contacts = await h.notifier.get(
        "/v1/endpoints", headers=h.tokens.party(INSTALLING), params={"contacts": "true"}
    )
    assert sorted((e["contact_role"], e["address"]) for e in contacts.json()["items"]) == [
        ("escalation", ESCALATION),
        ("ops", OPS),
    ]
    assert delivery["endpoint_id"] in {e["id"] for e in contacts.json()["items"]}

    # Later messages about the incident join the same thread.
    assert (await act(h.api, h.tokens, GAINING, incident["id"], "cancel", {})).status_code == 200
    await h.sync()
    assert await h.deliver() == 1
    later = h.mails()[-1] if h.mails()[-1]["Message-ID"] != message["Message-ID"] else None
    assert later is not None
    assert later["References"] == root
    assert "cancelled" in later["Subject"]


async def test_a_party_whose_only_webhook_filters_out_the_raise_still_gets_it_by_mail(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url, event_types=["incident.cancelled"])
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    assert h.mailed() == [
        (OPS, f"[SSI] {incident['reference']} raised: Device {incident['device_id']}")
    ]
    assert receiver.received == []


async def test_an_endpoint_that_takes_the_event_means_no_mail(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    receiver.wait_for(1)
    assert h.mails() == []


async def test_a_webhook_failing_for_four_hours_falls_back_to_mail_once(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.extend(Answer(503) for _ in range(20))
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    sweeper = FallbackSweeper(h.runtime)
    h.clock.advance(hours=3, minutes=59)
    assert await sweeper.sweep() == 0
    assert h.mails() == []
    h.clock.advance(minutes=1)
    assert await sweeper.sweep() == 1
    assert await h.deliver() >= 1
    assert [to for to, _ in h.mailed()] == [OPS]
    # Swept again, or by another replica: nothing more.
    assert await sweeper.sweep() == 0
    assert await FallbackSweeper(h.runtime).sweep() == 0
    assert [to for to, _ in h.mailed()] == [OPS]
    assert "raised" in h.mailed()[0][1]
    assert incident["reference"] in h.mailed()[0][1]


async def test_a_dead_start_delivery_falls_back_at_once(world: Harness, receiver: Receiver) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(410))
    await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()  # the 410 (dead, the endpoint disabled) and the disabled notice
    assert [s for _, s in h.mailed()] == ["[SSI] Endpoint disabled"]
    assert await FallbackSweeper(h.runtime).sweep() == 1
    await h.deliver()
    assert sorted(s.split(":")[0] for _, s in h.mailed()) == sorted(
        ["[SSI] Endpoint disabled", f"[SSI] {(await only_incident(h))['reference']} raised"]
    )


async def only_incident(h: Harness) -> dict[str, Any]:
    listed = await h.api.get("/v1/incidents", headers=h.tokens.party(GAINING))
    [item] = listed.json()["items"]
    result: dict[str, Any] = item
    return result


async def test_a_fetched_inbox_item_is_not_mailed(world: Harness) -> None:
    h = world
    assert (await create(h, INSTALLING, kind="inbox")).status_code == 201
    await raise_incident(h.api, h.tokens)
    await h.sync()
    fetched = await h.notifier.get("/v1/inbox", headers=h.tokens.party(INSTALLING))
    assert [i["type"] for i in fetched.json()["items"]] == ["incident.raised"]
    h.clock.advance(hours=5)
    assert await FallbackSweeper(h.runtime).sweep() == 0
    await h.deliver()
    assert h.mails() == []


async def test_an_inbox_item_nobody_fetches_is_mailed_after_four_hours(world: Harness) -> None:
    h = world
    assert (await create(h, INSTALLING, kind="inbox")).status_code == 201
    await raise_incident(h.api, h.tokens)
    await h.sync()
    h.clock.advance(hours=5)
    # Never fetched: the clock's addressee was not reached, so its ops contact is mailed.
    assert await FallbackSweeper(h.runtime).sweep() == 1
    await h.deliver()
    assert [to for to, _ in h.mailed()] == [OPS]


async def test_a_resolved_incident_does_not_fall_back(world: Harness, receiver: Receiver) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.extend(Answer(503) for _ in range(20))
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    assert (await resolve_with_code(h.api, h.tokens, incident["id"])).status_code == 200
    await h.sync()
    h.clock.advance(hours=5)
    assert await FallbackSweeper(h.runtime).sweep() == 0


async def test_skipped_deliveries_of_open_incidents_are_mailed_at_auto_disable(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.extend(Answer(500) for _ in range(50))
    first = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    limit = h.runtime.settings.disable_after_failing_seconds
    # Half the failing period: the ops contact is warned, once.
    h.clock.advance(seconds=limit / 2 + 1)
    await h.deliver()
    warned = [s for _, s in h.mailed()]
    assert warned.count("[SSI] Endpoint failing") == 1
    await h.deliver()
    assert [s for _, s in h.mailed()].count("[SSI] Endpoint failing") == 1
    # Past the period: disabled, announced, and the raise it held mailed to the ops contact.
    h.clock.advance(seconds=limit)
    await h.deliver()
    await h.deliver()
    subjects = [s for to, s in h.mailed() if to == OPS]
    assert "[SSI] Endpoint disabled" in subjects
    assert f"[SSI] {first['reference']} raised: Device {first['device_id']}" in subjects


async def test_contact_endpoints_are_not_the_partys_to_change(world: Harness) -> None:
    h = world
    listed = await h.notifier.get(
        "/v1/endpoints", headers=h.tokens.party(INSTALLING), params={"contacts": "true"}
    )
    contact = listed.json()["items"][0]
    path = f"/v1/endpoints/{contact['id']}"
    headers = h.tokens.party(INSTALLING)
    # Nor to test or recover: their addresses were never confirmed, so nothing but the
    # fallback may mail them.
    for answer in (
        await h.notifier.patch(path, headers=headers, json={"enabled": False}),
        await h.notifier.delete(path, headers=headers),
        await h.notifier.post(f"{path}/rotate-secret", headers=headers),
        await h.notifier.post(f"{path}/test", headers=headers),
        await h.notifier.post(f"{path}/recover", headers=headers, json={"since": LONG_AGO}),
    ):
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    # Another party's contact endpoint is not found at all.
    other = await h.notifier.get(path, headers=h.tokens.party(GAINING))
    assert other.status_code == 404


async def test_a_contact_email_changed_at_the_api_moves_the_contact_endpoint(
    world: Harness,
) -> None:
    h = world
    changed = await h.api.patch(
        f"/v1/parties/{INSTALLING}",
        headers=h.tokens.operator(),
        json={"ops_contact_email": "new-ops@installing.example"},
    )
    assert changed.status_code == 200, changed.text
    await h.sync()
    await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    assert [to for to, _ in h.mailed()] == ["new-ops@installing.example"]


async def test_a_breach_reaches_the_escalation_contact_and_operators(world: Harness) -> None:
    h = world
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    h.clock.set(at(incident["due_at"]))
    await h.check_sla()
    await h.deliver()
    breached = [
        to for to, subject in h.mailed() if subject.startswith(f"[SSI] {incident['reference']}")
    ]
    # Raised and warnings to the ops contact; the breach to the addressee's ops and escalation
    # contacts, the requester's ops contact and each operator's.
    assert ESCALATION in breached
    assert f"ops@{GAINING.lower()}.example" in breached
    assert f"ops@{OPERATOR.lower()}.example" in breached
    h.clock.set(at("2026-06-24T23:00:00Z"))
    await h.check_sla()
    await h.deliver()
    escalated = [to for to, subject in h.mailed() if "escalated" in subject]
    assert ESCALATION in escalated
    assert f"ops@{OPERATOR.lower()}.example" in escalated
    assert f"ops@{GAINING.lower()}.example" not in escalated


async def test_no_message_carries_the_install_code_or_free_text(world: Harness) -> None:
    h = world
    note = "Meter cupboard behind the blue door"
    raised = await h.api.post(
        "/v1/incidents",
        headers=h.tokens.party(GAINING),
        json={"device_id": DEVICE, "note": note},
    )
    assert raised.status_code == 201, raised.text
    incident = raised.json()
    assert (await resolve_with_code(h.api, h.tokens, incident["id"])).status_code == 200
    await h.sync()
    await h.deliver()
    folder = h.runtime.settings.common.data_dir / "mail"
    files = list(folder.glob("*.eml"))
    assert len(files) == 2  # raised to the addressee, resolved to the requester
    for path in files:
        content = path.read_text()
        assert CODE.upper() not in content.upper()
        assert "blue door" not in content


# --- email endpoints ---------------------------------------------------------------------------


def confirmation_token(h: Harness) -> str:
    [message] = [m for m in h.mails() if "Confirm" in str(m["Subject"])]
    found = re.search(r"/endpoints/confirm\?token=([\w-]+)", message.get_content())
    assert found is not None
    return found.group(1)


async def test_an_email_endpoint_sends_nothing_but_its_confirmation_until_confirmed(
    world: Harness,
) -> None:
    h = world
    created = await create(h, INSTALLING, kind="email", address="queue@installing.example")
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert (endpoint["kind"], endpoint["address"], endpoint["url"]) == (
        "email",
        "queue@installing.example",
        None,
    )
    assert (endpoint["enabled"], endpoint["disabled_reason"]) == (False, "unconfirmed")
    assert endpoint["secret"] is None
    await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    # The confirmation to the new address; the raise to the ops contact, not to the new address.
    assert sorted(to for to, _ in h.mailed()) == sorted(["queue@installing.example", OPS])
    path = f"/v1/endpoints/{endpoint['id']}"
    headers = h.tokens.party(INSTALLING)
    for refused in (
        await h.notifier.patch(path, headers=headers, json={"enabled": True}),
        await h.notifier.post(f"{path}/recover", headers=headers, json={"since": LONG_AGO}),
        await h.notifier.post(f"{path}/test", headers=headers),
    ):
        assert refused.status_code == 409, refused.text

    token = confirmation_token(h)
    confirmed = await h.notifier.post("/v1/endpoints/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["enabled"] is True
    again = await h.notifier.post("/v1/endpoints/confirm", json={"token": token})
    assert again.status_code == 422
    assert token not in again.text
    # The delivery log keeps the confirmation message, not the token.
    async with h.runtime.sessions() as session:
        payloads = (await session.exec(select(Delivery.payload))).all()
    assert token not in json.dumps(payloads)

    await put_device(h.api, h.tokens, "00-DB-12-34-56-78-90-A1")
    second = await raise_incident(h.api, h.tokens, device_id="00-DB-12-34-56-78-90-A1")
    await h.sync()
    await h.deliver()
    assert (
        "queue@installing.example",
        f"[SSI] {second['reference']} raised: Device {second['device_id']}",
    ) in h.mailed()


async def test_a_confirmation_link_expires_after_24_hours(world: Harness) -> None:
    h = world
    created = await create(h, INSTALLING, kind="email", address="queue@installing.example")
    await h.deliver()
    token = confirmation_token(h)
    h.clock.advance(hours=24, seconds=1)
    late = await h.notifier.post("/v1/endpoints/confirm", json={"token": token})
    assert late.status_code == 422
    endpoint = await h.notifier.get(
        f"/v1/endpoints/{created.json()['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert endpoint.json()["enabled"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "email"},
        {"kind": "email", "address": "not an address"},
        {"kind": "email", "address": "a@b.example\r\nBcc: victim@else.example"},
        {"kind": "email", "address": "a@b.example", "url": "https://x.example/hook"},
        {"kind": "email", "address": "üser@exämple.example"},
        {"kind": "inbox", "url": "https://x.example/hook"},
        {"kind": "webhook"},
        {"kind": "fax", "url": "https://x.example/hook"},
    ],
)
async def test_malformed_endpoints_are_refused(world: Harness, body: dict[str, Any]) -> None:
    h = world
    answer = await create(h, INSTALLING, **body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "victim" not in answer.text
    listed = await h.notifier.get("/v1/endpoints", headers=h.tokens.party(INSTALLING))
    assert listed.json()["items"] == []


async def test_confirmations_a_party_can_have_mailed_are_bounded(world: Harness) -> None:
    h = world
    first = await create(h, INSTALLING, kind="email", address="queue@installing.example")
    assert first.status_code == 201
    again = await create(h, INSTALLING, kind="email", address="Queue@installing.example")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/too-many-unconfirmed")
    for n in range(1, 5):
        made = await create(h, INSTALLING, kind="email", address=f"q{n}@installing.example")
        assert made.status_code == 201
    sixth = await create(h, INSTALLING, kind="email", address="q5@installing.example")
    assert sixth.status_code == 409
    await h.deliver()
    assert len(h.mails()) == 5
    # A day later the links have expired: new ones may be asked for.
    h.clock.advance(hours=24, seconds=1)
    assert (
        await create(h, INSTALLING, kind="email", address="q5@installing.example")
    ).status_code == 201


async def test_a_second_inbox_is_refused(world: Harness) -> None:
    h = world
    assert (await create(h, INSTALLING, kind="inbox")).status_code == 201
    second = await create(h, INSTALLING, kind="inbox")
    assert second.status_code == 409
    assert second.json()["type"].endswith("/inbox-exists")
    assert (await create(h, GAINING, kind="inbox")).status_code == 201


# --- testing an endpoint -----------------------------------------------------------------------


async def test_a_test_event_goes_to_that_endpoint_alone_signed(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    tested = await h.add_endpoint(INSTALLING, f"{receiver.url}?n=1")
    await h.add_endpoint(INSTALLING, f"{receiver.url}?n=2")
    answer = await h.notifier.post(
        f"/v1/endpoints/{tested['id']}/test", headers=h.tokens.party(INSTALLING)
    )
    assert answer.status_code == 202, answer.text
    delivery = answer.json()
    assert (delivery["event_type"], delivery["endpoint_id"]) == ("endpoint.test", tested["id"])
    assert await h.deliver() == 1
    [hook] = receiver.wait_for(1)
    assert hook.query == "n=1"
    body = Webhook(tested["secret"]).verify(hook.body, hook.headers)
    assert body["type"] == "endpoint.test"
    assert body["data"]["endpoint_id"] == tested["id"]
    after = await h.notifier.get(
        f"/v1/deliveries/{delivery['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert after.json()["status"] == "succeeded"
    assert after.json()["attempts"][0]["status_code"] == 204
    other = await h.notifier.post(
        f"/v1/endpoints/{tested['id']}/test", headers=h.tokens.party(GAINING)
    )
    assert other.status_code == 404


async def test_a_disabled_endpoint_can_be_tested(world: Harness, receiver: Receiver) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    off = await h.notifier.patch(
        f"/v1/endpoints/{endpoint['id']}",
        headers=h.tokens.party(INSTALLING),
        json={"enabled": False},
    )
    assert off.status_code == 200
    answer = await h.notifier.post(
        f"/v1/endpoints/{endpoint['id']}/test", headers=h.tokens.party(INSTALLING)
    )
    assert answer.status_code == 202
    assert await h.deliver() == 1
    [hook] = receiver.wait_for(1)
    assert json.loads(hook.body)["type"] == "endpoint.test"


# --- reached -----------------------------------------------------------------------------------


async def reachable(h: Harness, incident_id: str) -> bool:
    value: bool = (await view(h, incident_id))["addressee_reachable"]
    return value


async def unreached(h: Harness) -> int:
    async with h.runtime.sessions() as session:
        return await reached.unreachable_addressees(session)


async def test_the_addressee_is_reached_when_the_start_event_is_delivered(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    reporter = reached.ReachedReporter(h.runtime, h.feed)
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(503))
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1  # failed: not reached
    assert await reporter.report() == 0
    assert not await reachable(h, incident["id"])
    assert await unreached(h) == 1
    operators = await h.api.get(
        "/v1/incidents", headers=h.tokens.operator(), params={"addressee_reachable": "false"}
    )
    assert [i["id"] for i in operators.json()["items"]] == [incident["id"]]

    h.clock.advance(minutes=1)
    assert await h.deliver() == 1  # the retry lands
    assert h.runtime.reached.is_set()  # the reporter is woken at once
    assert await unreached(h) == 0
    assert await reporter.report() == 1
    assert await reporter.report() == 0  # told once
    assert await reachable(h, incident["id"])

    # A reopened incident's new clock is not reached until its own start event is delivered.
    assert (await act(h.api, h.tokens, INSTALLING, incident["id"], "acknowledge")).status_code
    assert (await resolve_with_code(h.api, h.tokens, incident["id"])).status_code == 200
    reopened = await act(
        h.api, h.tokens, GAINING, incident["id"], "reopen", {"reason": "Code rejected"}
    )
    assert reopened.status_code == 200, reopened.text
    assert not await reachable(h, incident["id"])
    await h.sync()
    await h.deliver()
    await reporter.report()
    assert await reachable(h, incident["id"])


async def test_a_mail_to_the_ops_contact_reaches_the_addressee(world: Harness) -> None:
    h = world
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    assert await reached.ReachedReporter(h.runtime, h.feed).report() == 1
    assert await reachable(h, incident["id"])


async def test_only_services_may_report_reached(world: Harness) -> None:
    h = world
    incident = await raise_incident(h.api, h.tokens)
    path = f"/v1/incidents/{incident['id']}/reached"
    for headers in (h.tokens.party(INSTALLING), h.tokens.operator(), h.tokens.admin()):
        answer = await h.api.post(path, headers=headers, json={"clock": 1})
        assert answer.status_code == 403
    assert not await reachable(h, incident["id"])


async def test_parties_known_without_contacts_get_them_from_the_api(world: Harness) -> None:
    """As after an upgrade: the feed told of the parties before it carried contact emails."""
    h = world
    async with transaction(h.runtime.sessions) as session:
        await session.exec(delete(Endpoint))
    backfill = ContactBackfill(h.runtime, h.feed)
    assert await backfill.fill() == 5
    assert await backfill.fill() == 0
    await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    assert [to for to, _ in h.mailed()] == [OPS]


# --- breach causes -----------------------------------------------------------------------------


async def breach(h: Harness, incident: dict[str, Any]) -> dict[str, Any]:
    h.clock.set(at(incident["due_at"]))
    await h.check_sla()
    return await view(h, incident["id"])


async def breach_events(h: Harness, incident_id: str) -> list[str | None]:
    response = await h.api.get("/v1/events", params={"limit": 1000}, headers=h.tokens.service())
    return [
        e["data"].get("breach_cause")
        for e in response.json()["items"]
        if e["type"] == "incident.sla_breached" and e["data"]["incident_id"] == incident_id
    ]


async def test_a_breach_the_addressee_was_never_told_of_is_addressee_unreachable(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.extend(Answer(503) for _ in range(50))
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    breached = await breach(h, incident)
    assert (breached["sla_state"], breached["breach_cause"]) == (
        "breached",
        "addressee_unreachable",
    )
    assert await breach_events(h, incident["id"]) == ["addressee_unreachable"]


@pytest.mark.parametrize(
    ("acknowledged", "cause"),
    [(False, "not_acknowledged"), (True, "acknowledged_not_answered")],
)
async def test_a_breach_of_a_reached_addressee_says_whether_it_acknowledged(
    world: Harness, receiver: Receiver, acknowledged: bool, cause: str
) -> None:
    h = world
    await h.add_endpoint(INSTALLING, receiver.url)
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    await reached.ReachedReporter(h.runtime, h.feed).report()
    if acknowledged:
        answer = await act(h.api, h.tokens, INSTALLING, incident["id"], "acknowledge")
        assert answer.status_code == 200
    breached = await breach(h, incident)
    assert breached["breach_cause"] == cause
    assert await breach_events(h, incident["id"]) == [cause]
    # A new clock starts without a cause.
    assert (await resolve_with_code(h.api, h.tokens, incident["id"])).status_code == 200
    reopened = await act(h.api, h.tokens, GAINING, incident["id"], "reopen", {"reason": "No"})
    assert reopened.json()["breach_cause"] is None
