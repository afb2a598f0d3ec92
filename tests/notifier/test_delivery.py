"""Signed webhooks from the feed to a real receiver on loopback."""

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from standardwebhooks.webhooks import Webhook

from tests.incident_api.world import (
    CODE,
    GAINING,
    INSTALLING,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness
from tests.receiver import Receiver


async def test_raised_incident_reaches_the_addressee_signed(
    harness: Harness, receiver: Receiver
) -> None:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    endpoint = await harness.add_endpoint(INSTALLING, receiver.url)
    incident = await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    [hook] = receiver.wait_for(1)
    payload = Webhook(endpoint["secret"]).verify(hook.body, hook.headers)
    assert payload["type"] == "incident.raised"
    assert payload["data"]["incident_id"] == incident["id"]
    assert payload["data"]["device_id"] == incident["device_id"]
    assert hook.headers["webhook-id"].startswith("evt_")
    assert hook.headers["content-type"] == "application/json"
    assert hook.headers["user-agent"] == "ssi-notifier/1"
    [delivery] = await harness.deliveries(INSTALLING)
    assert delivery["status"] == "succeeded"
    assert delivery["webhook_id"] == hook.headers["webhook-id"]


async def test_resolution_goes_to_the_requester_only(harness: Harness, receiver: Receiver) -> None:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    gaining = await harness.add_endpoint(GAINING, receiver.url, event_types=["incident.resolved"])
    incident = await raise_incident(harness.api, harness.tokens)
    await resolve_with_code(harness.api, harness.tokens, incident["id"])
    await harness.sync()
    await harness.deliver()
    [hook] = receiver.wait_for(1)
    body = Webhook(gaining["secret"]).verify(hook.body, hook.headers)
    assert (body["type"], body["data"]["outcome"]) == ("incident.resolved", "install_code_provided")
    assert CODE not in hook.body.decode().upper()


async def test_metrics_count_deliveries(harness: Harness, receiver: Receiver) -> None:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    await harness.add_endpoint(INSTALLING, receiver.url)
    before = await delivery_count(harness, "succeeded")
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    await harness.deliver()
    assert await delivery_count(harness, "succeeded") == before + 1
    families = await metric_families(harness)
    assert {
        "ssi_webhook_deliveries",
        "ssi_webhook_delivery_seconds",
        "ssi_webhook_queue_depth",
        "ssi_webhook_dead_deliveries",
        "ssi_event_feed_lag_events",
    } <= set(families)


async def metric_families(harness: Harness) -> dict[str, Metric]:
    response = await harness.notifier.get("/metrics")
    assert response.status_code == 200
    return {family.name: family for family in text_string_to_metric_families(response.text)}


async def delivery_count(harness: Harness, result: str) -> float:
    family = (await metric_families(harness))["ssi_webhook_deliveries"]
    return sum(
        s.value
        for s in family.samples
        if s.name == "ssi_webhook_deliveries_total" and s.labels.get("result") == result
    )
