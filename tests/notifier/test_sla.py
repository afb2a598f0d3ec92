"""SLA enforcement: warnings, the breach and escalations, each recorded once, when it falls due.

Time is a FrozenClock shared by the API and the notifier: tests move it, never sleep.
"""

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from services.common.db import transaction
from services.notifier.sla import service as sla_service
from services.notifier.sla.models import SlaClock
from services.notifier.sla.tasks import SlaScheduler
from shared.calendar import LONDON
from tests.incident_api.world import (
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    OTHER_OPERATOR,
    act,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness
from tests.receiver import Receiver

SlaEvent = tuple[int, str, int]


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


async def sla_events(h: Harness, incident_id: str) -> list[SlaEvent]:
    """(clock, kind, ordinal) of every SLA event the API recorded for the incident, in order."""
    response = await h.api.get("/v1/events", params={"limit": 1000}, headers=h.tokens.service())
    return [
        (e["data"]["clock"], e["data"]["sla_kind"], e["data"]["sla_ordinal"])
        for e in response.json()["items"]
        if e["data"].get("incident_id") == incident_id and e["type"].startswith("incident.sla_")
    ]


async def view(h: Harness, incident_id: str) -> dict[str, Any]:
    response = await h.api.get(f"/v1/incidents/{incident_id}", headers=h.tokens.party(GAINING))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def started(h: Harness) -> dict[str, Any]:
    await seed(h.api, h.tokens)
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    return incident


async def claim_due(h: Harness) -> list[sla_service.Claim]:
    """What one replica's check claims, committed, before it records anything."""
    async with transaction(h.runtime.sessions) as session:
        return await sla_service.claim_due(session, h.runtime, 10)


async def settle(h: Harness, claim: sla_service.Claim, outcome: str) -> None:
    async with transaction(h.runtime.sessions) as session:
        await sla_service.settle(session, h.runtime, claim, outcome)


async def next_due(h: Harness) -> datetime | None:
    async with h.runtime.sessions() as session:
        return await sla_service.next_due(session, h.runtime)


async def test_warnings_breach_and_escalations_fall_due_in_turn(harness: Harness) -> None:
    h = harness
    incident = await started(h)  # Wednesday 2026-06-10, 10:30 London
    assert incident["due_at"] == "2026-06-17T23:00:00Z"  # 00:00 London, Thursday 18 June
    first, second = (at(w) for w in incident["warning_at"])
    assert (first, second) == (at("2026-06-15T23:00:00Z"), at("2026-06-16T23:00:00Z"))
    due = at(incident["due_at"])

    assert await h.check_sla() == 0
    h.clock.set(first - timedelta(microseconds=1))
    assert await h.check_sla() == 0
    assert (await view(h, incident["id"]))["sla_state"] == "on_track"

    h.clock.set(first)
    assert await h.check_sla() == 1
    assert await h.check_sla() == 0
    assert (await view(h, incident["id"]))["sla_state"] == "at_risk"
    h.clock.set(second)
    assert await h.check_sla() == 1
    h.clock.set(due - timedelta(microseconds=1))
    assert await h.check_sla() == 0
    h.clock.set(due)
    assert await h.check_sla() == 1
    assert (await view(h, incident["id"]))["sla_state"] == "breached"

    # Overdue: an escalation every 5 Working Days past due (Thursday 25 June, 2 July, ...).
    h.clock.set(at("2026-06-24T22:59:59Z"))
    assert await h.check_sla() == 0
    h.clock.set(at("2026-06-24T23:00:00Z"))
    assert await h.check_sla() == 1
    h.clock.set(at("2026-07-01T23:00:00Z"))
    assert await h.check_sla() == 1
    assert await sla_events(h, incident["id"]) == [
        (1, "warning", 1),
        (1, "warning", 2),
        (1, "breach", 1),
        (1, "escalation", 1),
        (1, "escalation", 2),
    ]
    assert (await view(h, incident["id"]))["working_days_overdue"] == 10


async def test_a_late_check_records_the_breach_and_skips_overtaken_warnings(
    harness: Harness,
) -> None:
    """Down over the warnings and the deadline: the breach is recorded, stale warnings are not
    fired in a burst; twelve Working Days overdue, only the latest escalation is."""
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]) + timedelta(hours=5))
    assert await h.check_sla() == 1
    assert await sla_events(h, incident["id"]) == [(1, "breach", 1)]
    h.clock.set(at("2026-07-06T12:00:00Z"))  # 12 Working Days past due
    assert await h.check_sla() == 1
    assert await sla_events(h, incident["id"]) == [(1, "breach", 1), (1, "escalation", 2)]


# Raised at `raised_at`, due at `due_at` (00:00 London at the end of the 5th Working Day).
CALENDAR_CASES = {
    # Saturday counts from Monday 15 June.
    "raised on a Saturday": ("2026-06-13T10:00:00+01:00", "2026-06-23T00:00:00+01:00"),
    "raised at 23:59 London": ("2026-06-10T23:59:00+01:00", "2026-06-18T00:00:00+01:00"),
    "raised a minute later": ("2026-06-11T00:00:30+01:00", "2026-06-19T00:00:00+01:00"),
    # Clocks go forward on Sunday 29 March 2026: due at 00:00 BST (23:00 UTC).
    "across the spring clock change": ("2026-03-25T12:00:00Z", "2026-04-02T00:00:00+01:00"),
    # Clocks go back on Sunday 25 October 2026: due at 00:00 GMT.
    "across the autumn clock change": ("2026-10-21T12:00:00+01:00", "2026-10-29T00:00:00Z"),
    # Christmas Friday, Boxing Day Saturday -> substitute Monday 28 December; New Year's Day.
    "across Christmas substitute days": ("2026-12-23T09:00:00Z", "2027-01-05T00:00:00Z"),
    # The Queen's state funeral, Monday 19 September 2022 (DESIGN §4's own example).
    "across the state funeral": ("2022-09-14T12:00:00+01:00", "2022-09-23T00:00:00+01:00"),
    # The coronation bank holiday, Monday 8 May 2023.
    "across the coronation": ("2023-05-03T12:00:00+01:00", "2023-05-12T00:00:00+01:00"),
}


@pytest.mark.parametrize(("raised_at", "due_at"), CALENDAR_CASES.values(), ids=CALENDAR_CASES)
async def test_the_breach_falls_exactly_on_the_working_day_deadline(
    harness: Harness, raised_at: str, due_at: str
) -> None:
    h = harness
    h.clock.set(at(raised_at))
    incident = await started(h)
    due = at(due_at)
    assert at(incident["due_at"]) == due
    # Two warnings, each at 00:00 London at the start of one of the last two Working Days.
    warnings = [at(w).astimezone(LONDON) for w in incident["warning_at"]]
    assert len(warnings) == 2
    assert all(w.time() == time(0) for w in warnings)
    assert warnings[1] < due
    h.clock.set(due - timedelta(seconds=1))
    await h.check_sla()
    assert [kind for _, kind, _ in await sla_events(h, incident["id"])] == ["warning"]
    h.clock.set(due)
    assert await h.check_sla() == 1
    assert (await sla_events(h, incident["id"]))[-1] == (1, "breach", 1)


async def test_reopen_restarts_the_clock(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    h.clock.advance(days=1)
    await resolve_with_code(h.api, h.tokens, incident["id"])
    h.clock.advance(days=1)  # Friday 12 June
    reopened = await act(h.api, h.tokens, GAINING, incident["id"], "reopen", {"reason": "wrong"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["clock"] == 2
    new_due = at(reopened.json()["due_at"])
    assert new_due == at("2026-06-20T00:00:00+01:00")  # at the end of Friday 19th
    await h.sync()

    # The first clock's deadline passes without a breach: that clock was met.
    h.clock.set(at(incident["due_at"]) + timedelta(minutes=1))
    await h.check_sla()
    assert [e for e in await sla_events(h, incident["id"]) if e[1] == "breach"] == []
    h.clock.set(new_due)
    await h.check_sla()
    assert (await sla_events(h, incident["id"]))[-1] == (2, "breach", 1)
    assert {e[0] for e in await sla_events(h, incident["id"])} == {2}


async def test_cancel_stops_the_clock(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    cancelled = await act(h.api, h.tokens, GAINING, incident["id"], "cancel", {})
    assert cancelled.status_code == 200, cancelled.text
    h.clock.set(at(incident["due_at"]) + timedelta(days=30))
    assert await h.check_sla() == 0
    assert await sla_events(h, incident["id"]) == []


async def test_a_clock_ended_between_claim_and_record_records_nothing(harness: Harness) -> None:
    """A replica claims a due breach; the answer lands before it posts: the API refuses with 409
    and the clock is closed here without an event."""
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]))
    [claim] = await claim_due(h)
    await resolve_with_code(h.api, h.tokens, incident["id"])
    response = await h.feed.post(
        f"/v1/incidents/{incident['id']}/sla-events",
        {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]},
    )
    assert response.status_code == 409
    await settle(h, claim, sla_service.Outcome.ended)
    h.clock.advance(days=30)
    assert await h.check_sla() == 0
    assert await sla_events(h, incident["id"]) == []


async def test_resolution_after_the_deadline_is_missed(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    # Nobody checked in time (no breach recorded): answered after due_at is still missed.
    h.clock.set(at(incident["due_at"]) + timedelta(minutes=1))
    resolved = await resolve_with_code(h.api, h.tokens, incident["id"])
    assert resolved.json()["sla_state"] == "missed"
    await h.sync()
    assert await h.check_sla() == 0
    assert await sla_events(h, incident["id"]) == []


async def test_answered_in_time_is_met(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]) - timedelta(minutes=1))
    resolved = await resolve_with_code(h.api, h.tokens, incident["id"])
    assert resolved.json()["sla_state"] == "met"


async def test_a_replica_that_dies_holding_a_claim_loses_nothing(harness: Harness) -> None:
    """Claimed and never settled (SIGKILL): nobody else may take it until the lease runs out,
    then another replica records it, once."""
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]))
    [claim] = await claim_due(h)  # ...and the replica dies
    assert await h.check_sla() == 0
    h.clock.advance(seconds=h.runtime.settings.sla_lease_seconds + 1)
    assert await h.check_sla() == 1
    assert await sla_events(h, incident["id"]) == [(1, "breach", 1)]
    del claim


async def test_a_replica_that_dies_after_recording_is_not_recorded_twice(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]))
    [claim] = await claim_due(h)
    posted = await h.feed.post(
        f"/v1/incidents/{incident['id']}/sla-events",
        {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": incident["due_at"]},
    )
    assert posted.status_code == 201  # ...and the replica dies before moving the clock on
    h.clock.advance(seconds=h.runtime.settings.sla_lease_seconds + 1)
    await h.check_sla()
    assert await sla_events(h, incident["id"]) == [(1, "breach", 1)]
    del claim


async def test_the_api_down_retries_later(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]))
    real_post = h.feed.post

    async def unavailable(path: str, body: dict[str, Any]) -> Any:
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(h.feed, "post", unavailable)
    assert await h.check_sla() == 0
    monkeypatch.setattr(h.feed, "post", real_post)
    assert await h.check_sla() == 0  # waits out the retry interval, no hot loop
    h.clock.advance(seconds=h.runtime.settings.sla_retry_seconds + 1)
    assert await h.check_sla() == 1


async def test_breach_reaches_both_parties_and_operators(
    harness: Harness, receiver: Receiver
) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    secrets = {}
    for party in (GAINING, INSTALLING, OPERATOR, OTHER_OPERATOR, OTHER):
        endpoint = await h.add_endpoint(party, f"{receiver.url}?to={party}")
        secrets[party] = endpoint["secret"]
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    receiver.wait_for(1)
    receiver.received.clear()

    h.clock.set(at(incident["warning_at"][0]))
    await h.check_sla()
    await h.deliver()
    h.clock.set(at(incident["due_at"]))
    await h.check_sla()
    await h.deliver()
    h.clock.set(at("2026-06-24T23:00:00Z"))
    await h.check_sla()
    await h.deliver()
    got = sorted(
        (r.query.removeprefix("to="), json.loads(r.body)["type"]) for r in receiver.wait_for(8)
    )
    assert got == sorted(
        [
            (INSTALLING, "incident.sla_warning"),
            (GAINING, "incident.sla_breached"),
            (INSTALLING, "incident.sla_breached"),
            (OPERATOR, "incident.sla_breached"),
            (OTHER_OPERATOR, "incident.sla_breached"),
            (INSTALLING, "incident.sla_escalated"),
            (OPERATOR, "incident.sla_escalated"),
            (OTHER_OPERATOR, "incident.sla_escalated"),
        ]
    )


async def test_readdress_starts_a_clock_for_the_new_addressee(
    harness: Harness, receiver: Receiver
) -> None:
    h = harness
    incident = await started(h)
    await h.add_endpoint(OTHER, f"{receiver.url}?to={OTHER}", event_types=["incident.sla_breached"])
    answer = {"outcome": "not_installing_supplier", "suggested_party_id": OTHER}
    assert (await act(h.api, h.tokens, INSTALLING, incident["id"], "response", answer)).is_success
    h.clock.advance(days=1)
    readdressed = await act(
        h.api, h.tokens, GAINING, incident["id"], "readdress", {"addressed_party_id": OTHER}
    )
    assert readdressed.status_code == 200, readdressed.text
    h.clock.set(at(readdressed.json()["due_at"]))
    assert await h.check_sla() == 1
    assert await sla_events(h, incident["id"]) == [(2, "breach", 1)]
    await h.deliver()
    [hook] = receiver.wait_for(1)
    assert (hook.query, json.loads(hook.body)["data"]["addressed_party_id"]) == (
        f"to={OTHER}",
        OTHER,
    )
    rows = (await h.notifier.get("/v1/reports/sla", headers=h.tokens.operator(OPERATOR))).json()[
        "items"
    ]
    assert [(r["addressed_party_id"], r["received"], r["breached"]) for r in rows] == [
        (INSTALLING, 1, 0),
        (OTHER, 1, 1),
    ]


async def clock_row(h: Harness, incident_id: str, clock: int = 1) -> SlaClock:
    async with h.runtime.sessions() as session:
        row = await session.get(SlaClock, (incident_id, clock))
        assert row is not None
        return row


@pytest.mark.parametrize("outcome", [sla_service.Outcome.recorded, sla_service.Outcome.ended])
async def test_a_stale_claim_never_overwrites_a_resolution(harness: Harness, outcome: str) -> None:
    """A replica posts the first warning; the answer lands and the feed stops the clock before
    the replica settles its claim. The clock stays resolved: never due again, never counted as
    anything else, and the scheduler is not kept busy by it."""
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["warning_at"][0]))
    [claim] = await claim_due(h)
    await resolve_with_code(h.api, h.tokens, incident["id"])
    await h.sync()
    await settle(h, claim, outcome)
    row = await clock_row(h, incident["id"])
    assert (row.state, row.next_at, row.next_kind, row.sla_outcome) == (
        "resolved",
        None,
        None,
        "met",
    )
    assert await next_due(h) is None
    h.clock.advance(days=30)
    assert await h.check_sla() == 0


async def test_only_the_apis_own_answer_ends_a_clock(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 404 or 409 from something in front of the API (a proxy, a default backend) is a
    failure to retry, not the end of the clock."""
    h = harness
    incident = await started(h)
    h.clock.set(at(incident["due_at"]))
    real_post = h.feed.post
    for answer in (
        httpx.Response(404, text="Not Found"),
        httpx.Response(409, json={"type": "about:blank", "title": "Conflict"}),
        httpx.Response(503, text="upstream unavailable"),
    ):

        async def proxied(path: str, body: dict[str, Any], answer: httpx.Response = answer) -> Any:
            return answer

        monkeypatch.setattr(h.feed, "post", proxied)
        assert await h.check_sla() == 0
        row = await clock_row(h, incident["id"])
        assert (row.state, row.next_at is not None) == ("running", True)
        h.clock.advance(seconds=h.runtime.settings.sla_retry_seconds + 1)
    monkeypatch.setattr(h.feed, "post", real_post)
    assert await h.check_sla() == 1


async def test_next_due_moves_sla_time_to_real_time(harness: Harness) -> None:
    h = harness
    incident = await started(h)
    first_warning = at(incident["warning_at"][0])
    assert await next_due(h) == first_warning
    h.runtime.sla_clock.offset = timedelta(days=2)  # the test clock set two days ahead
    assert await next_due(h) == first_warning - timedelta(days=2)
    # A claimed clock is looked at again when its lease runs out, in real time.
    h.clock.set(first_warning)
    await claim_due(h)
    lease = timedelta(seconds=h.runtime.settings.sla_lease_seconds)
    assert await next_due(h) == h.clock.now() + lease


async def test_the_scheduler_looks_when_the_next_event_falls_due(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime.now(UTC))  # APScheduler keeps real time
    incident = await started(h)
    first_warning = at(incident["warning_at"][0])
    scheduler = SlaScheduler(h.runtime, h.feed)
    scheduler.start()
    scheduler._scheduler.pause()  # the test runs the job itself
    try:
        [job] = scheduler._scheduler.get_jobs()
        job.modify(next_run_time=datetime.now(UTC) + timedelta(days=30))
        await scheduler.run()
        # Pulled forward from the interval to the first warning.
        assert abs(job.next_run_time - first_warning) < timedelta(seconds=1)
        # A test clock a day ahead: that instant comes a day sooner in real time.
        h.runtime.sla_clock.offset = timedelta(days=1)
        scheduler.due_at(first_warning)
        assert job.next_run_time == first_warning - timedelta(days=1)
        scheduler.due_at(None)  # what a test-clock change does: look now
        assert job.next_run_time - datetime.now(UTC) < timedelta(seconds=1)
    finally:
        await scheduler.shutdown(grace_seconds=1)
