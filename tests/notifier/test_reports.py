"""The SLA compliance report and the SLA metrics, over one small history."""

import csv
import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.notifier.app import refresh_gauges
from services.notifier.sla.tasks import SlaScheduler
from tests.incident_api.world import (
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    act,
    put_device,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness

DEVICES = {
    "met": ("00-DB-12-34-56-78-90-A0", INSTALLING),
    "missed": ("00-DB-12-34-56-78-90-A1", OTHER),
    "open": ("00-DB-12-34-56-78-90-A2", INSTALLING),
    "cancelled": ("00-DB-12-34-56-78-90-A3", INSTALLING),
}


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


async def history(h: Harness) -> dict[str, str]:
    """Four incidents raised Wednesday 2026-06-10 10:30 London, due 18 June 00:00 London:
    answered in time (2 Working Days), answered late after a breach (6), breached and still
    open, cancelled."""
    await seed(h.api, h.tokens)
    ids = {}
    for name, (device, installer) in DEVICES.items():
        await put_device(h.api, h.tokens, device, installing_party_id=installer)
        response = await h.api.post(
            "/v1/incidents", headers=h.tokens.party(GAINING), json={"device_id": device}
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    await h.sync()
    assert (await act(h.api, h.tokens, GAINING, ids["cancelled"], "cancel", {})).status_code == 200
    h.clock.set(at("2026-06-15T10:00:00+01:00"))
    assert (await resolve_with_code(h.api, h.tokens, ids["met"])).json()["sla_state"] == "met"
    h.clock.set(at("2026-06-18T00:00:00+01:00"))
    assert await h.check_sla() == 2
    h.clock.set(at("2026-06-19T12:00:00+01:00"))
    body = {"outcome": "install_code_provided", "install_code": "83FED3407A939723A5C639B26916D505"}
    late = await act(h.api, h.tokens, OTHER, ids["missed"], "response", body)
    assert late.json()["sla_state"] == "missed"
    await h.sync()
    return ids


async def report(h: Harness, headers: dict[str, str], **params: str) -> Any:
    response = await h.notifier.get("/v1/reports/sla", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response


ISUP_ROW = {
    "addressed_party_id": INSTALLING,
    "received": 3,
    "resolved": 1,
    "resolved_within_sla": 1,
    "breached": 1,
    "open": 1,
    "cancelled": 1,
    "median_working_days_to_resolve": 2.0,
}
OSUP_ROW = {
    "addressed_party_id": OTHER,
    "received": 1,
    "resolved": 1,
    "resolved_within_sla": 0,
    "breached": 1,
    "open": 0,
    "cancelled": 0,
    "median_working_days_to_resolve": 6.0,
}


async def test_operators_see_every_party_suppliers_their_own(harness: Harness) -> None:
    h = harness
    await history(h)
    everyone = (await report(h, h.tokens.operator(OPERATOR))).json()
    assert everyone["items"] == [ISUP_ROW, OSUP_ROW]
    assert everyone["from"] is None
    assert at(everyone["to"]) == h.clock.now()
    assert (await report(h, h.tokens.party(INSTALLING))).json()["items"] == [ISUP_ROW]
    # A supplier with nothing addressed to it sees its own row, all zeros.
    [own] = (await report(h, h.tokens.party(GAINING))).json()["items"]
    assert own["addressed_party_id"] == GAINING
    assert (own["received"], own["median_working_days_to_resolve"]) == (0, None)


async def test_the_period_is_by_clock_start(harness: Harness) -> None:
    h = harness
    await history(h)
    operator = h.tokens.operator(OPERATOR)
    within = await report(h, operator, **{"from": "2026-06-10", "to": "2026-06-11"})
    assert [r["received"] for r in within.json()["items"]] == [3, 1]
    assert at(within.json()["from"]) == at("2026-06-10T00:00:00+01:00")
    after = await report(h, operator, **{"from": "2026-06-10T10:31:00+01:00"})
    assert after.json()["items"] == []


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        ("text/csv", True),
        ("text/csv, application/json;q=0.5", True),
        ("text/csv;q=0, application/json", False),
        ("application/json, text/csv;q=0.9", False),
        ("*/*", False),
        ("text/csv;q=0.5, */*;q=0.1", True),
    ],
)
async def test_csv_is_negotiated(harness: Harness, accept: str, csv: bool) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    response = await h.notifier.get(
        "/v1/reports/sla", headers={**h.tokens.operator(OPERATOR), "Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv" if csv else "application/json")


async def test_csv_on_request(harness: Harness) -> None:
    h = harness
    await history(h)
    response = await h.notifier.get(
        "/v1/reports/sla", headers={**h.tokens.operator(OPERATOR), "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["addressed_party_id"] for r in rows] == [INSTALLING, OTHER]
    assert rows[0] == {k: str(v) for k, v in ISUP_ROW.items()}


async def test_bad_periods_and_callers_are_refused(harness: Harness) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    operator = h.tokens.operator(OPERATOR)
    for params in (
        {"from": "last week"},
        {"to": "2026-06-10T10:00:00"},  # no offset
        {"from": "2026-06-11", "to": "2026-06-10"},
        {"from": "2026-06-10", "to": "2026-06-10"},
        {"from": "2026-13-01"},
        {"from": "x" * 41},
        {"from": "0001-01-01T00:00:00+01:00"},
        {"to": "9999-12-31T23:59:59-01:00"},
        {"from": "1999-12-31"},
    ):
        response = await h.notifier.get("/v1/reports/sla", headers=operator, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await h.notifier.get("/v1/reports/sla")).status_code == 401
    for headers in (h.tokens.admin(), h.tokens.service()):
        assert (await h.notifier.get("/v1/reports/sla", headers=headers)).status_code == 403


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_sla_metrics(harness: Harness) -> None:
    h = harness
    before = samples((await h.notifier.get("/metrics")).text)
    await history(h)
    scheduler = SlaScheduler(h.runtime, h.feed)
    await scheduler.run()
    await refresh_gauges(h.runtime)
    after = samples((await h.notifier.get("/metrics")).text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert after[("ssi_incidents_open", (("sla_state", "breached"),))] == 1
    assert after[("ssi_incidents_open", (("sla_state", "on_track"),))] == 0
    assert after[("ssi_incidents_open", (("sla_state", "at_risk"),))] == 0
    assert after[("ssi_unreachable_addressees", ())] == 1  # ISUP has no endpoint
    assert delta("ssi_sla_breaches_total", addressed_party=INSTALLING) == 1
    assert delta("ssi_sla_breaches_total", addressed_party=OTHER) == 1
    assert delta("ssi_sla_warnings_total", addressed_party=INSTALLING) == 0
    assert delta("ssi_sla_resolution_working_days_count") == 2
    assert delta("ssi_sla_resolution_working_days_sum") == 8
    heartbeat = after[("ssi_sla_scheduler_heartbeat_timestamp_seconds", ())]
    assert abs(heartbeat - time.time()) < 60
