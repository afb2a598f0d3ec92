"""`addressee_reachable`: the notifier tells the API which parties have an enabled endpoint."""

from services.notifier.endpoints.tasks import ReachabilityReporter

from tests.incident_api.world import GAINING, INSTALLING, raise_incident, seed
from tests.notifier.harness import Harness


async def reachable(h: Harness, incident_id: str) -> bool:
    view = await h.api.get(f"/v1/incidents/{incident_id}", headers=h.tokens.party(GAINING))
    value: bool = view.json()["addressee_reachable"]
    return value


async def test_the_api_learns_when_an_addressee_can_be_reached(harness: Harness) -> None:
    h = harness
    await seed(h.api, h.tokens)
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    reporter = ReachabilityReporter(h.runtime, h.feed)
    await reporter.report()
    assert not await reachable(h, incident["id"])

    endpoint = await h.add_endpoint(INSTALLING, "http://127.0.0.1:9/hook")
    assert h.runtime.reachability_changed.is_set()  # the reporter is woken at once
    assert await reporter.report() == 1  # only what changed is sent
    assert await reachable(h, incident["id"])

    disabled = await h.notifier.patch(
        f"/v1/endpoints/{endpoint['id']}",
        headers=h.tokens.party(INSTALLING),
        json={"enabled": False},
    )
    assert disabled.status_code == 200
    assert await reporter.report() == 1
    assert not await reachable(h, incident["id"])
    assert await reporter.report() == 0
