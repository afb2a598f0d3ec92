"""Faults that must not stop the notifier: odd answers, deleted endpoints, a broken feed page."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from services.notifier.delivery import schedule
from services.notifier.delivery import service as delivery_service
from services.notifier.feed import tasks as feed_tasks
from tests import late_database as late
from tests.database import fresh_database
from tests.incident_api.world import INSTALLING, put_device, raise_incident, seed
from tests.notifier import fleet
from tests.notifier.harness import Harness, claim, record_many
from tests.processes import API_APP, NOTIFIER_APP, base_env, running
from tests.receiver import Answer, Receiver, running_receiver
from tests.tokens import Tokens


@pytest.mark.parametrize("value", ["²", "٣", "9" * 400, "-1", "1.5", "soon"])
def test_unreadable_retry_after_is_ignored(value: str) -> None:
    assert schedule.parse_retry_after(value, datetime.now(UTC)) is None


async def raise_two(harness: Harness) -> None:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    for n in range(2):
        device = f"00-DB-12-34-56-78-93-{n:02X}"
        await put_device(harness.api, harness.tokens, device)
        await raise_incident(harness.api, harness.tokens, device_id=device)


async def test_an_odd_retry_after_does_not_sink_the_batch(
    harness: Harness, receiver: Receiver
) -> None:
    await raise_two(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await harness.sync()
    receiver.answers.extend([Answer(503, headers={"Retry-After": "²"}), Answer(204)])
    jobs = (await claim(harness.runtime, 10, set(), 10)).jobs
    results = [await delivery_service.send(harness.runtime, job) for job in jobs]
    recorded = await record_many(harness.runtime, list(zip(jobs, results, strict=True)))
    assert sorted(recorded.outcomes) == ["failed", "succeeded"]
    statuses = sorted(
        (d["status"], d["attempt_count"]) for d in await harness.deliveries(INSTALLING)
    )
    assert statuses == [("pending", 1), ("succeeded", 1)]


async def test_deleting_an_endpoint_mid_send_keeps_the_others_records(
    harness: Harness, receiver: Receiver
) -> None:
    await raise_two(harness)
    doomed = await harness.add_endpoint(INSTALLING, receiver.url)
    await harness.sync()
    kept = await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_incident(harness.api, harness.tokens, device_id=(await _third_device(harness)))
    await harness.sync()
    jobs = (await claim(harness.runtime, 10, set(), 10)).jobs
    assert {j.endpoint_id for j in jobs} == {doomed["id"], kept["id"]}
    results = [await delivery_service.send(harness.runtime, job) for job in jobs]
    deleted = await harness.notifier.delete(
        f"/v1/endpoints/{doomed['id']}", headers=harness.tokens.party(INSTALLING)
    )
    assert deleted.status_code == 204
    await record_many(harness.runtime, list(zip(jobs, results, strict=True)))
    remaining = await harness.deliveries(INSTALLING)
    assert {d["endpoint_id"] for d in remaining} == {kept["id"]}
    assert all(d["status"] == "succeeded" for d in remaining)


async def _third_device(harness: Harness) -> str:
    device = "00-DB-12-34-56-78-93-FF"
    await put_device(harness.api, harness.tokens, device)
    return device


async def test_the_feed_follower_survives_an_unexpected_error(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    stop = asyncio.Event()

    async def flaky(*_args: object, **_kwargs: object) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a database failover, say")
        stop.set()
        return 0

    monkeypatch.setattr(feed_tasks.Follower, "once", flaky)
    follower = feed_tasks.Follower(harness.runtime, harness.feed)
    await asyncio.wait_for(follower.run(stop), timeout=10)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "url",
    ["https://2130706433/hook", "https://127.1/hook", "https://0x7f.1/hook", "https://8.8.8.8./h"],
)
def test_numeric_hosts_must_be_canonical_addresses(url: str) -> None:
    from services.notifier.transports.addresses import AddressPolicy, AddressRefused

    with pytest.raises(AddressRefused, match="canonical"):
        AddressPolicy(allow_loopback_http=True).check_url(url)


async def test_a_follower_whose_cursor_another_replica_moved_reads_it_again(
    harness: Harness, receiver: Receiver
) -> None:
    """Each follower keeps its cursor between pages; the compare-and-set catches a stale copy."""
    await seed(harness.api, harness.tokens)
    one = feed_tasks.Follower(harness.runtime, harness.feed)
    other = feed_tasks.Follower(harness.runtime, harness.feed)
    while await one.once(wait=0):
        pass
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_incident(harness.api, harness.tokens)
    assert await other.once(wait=0) == 1
    assert await one.once(wait=0) is None  # its copy is behind: the page is not recorded twice
    assert await one.once(wait=0) == 0  # read again: nothing new
    assert len(await harness.deliveries(INSTALLING)) == 1


def test_a_notifier_started_before_its_database_waits_for_it(
    tmp_path: Path, tokens: Tokens
) -> None:
    """The process stays up (`/healthz` 200, `/readyz` 503) and tries again with growing pauses;
    once the database arrives it follows the feed and delivers."""
    log = tmp_path / "notifier.log"
    with (
        fresh_database(tmp_path, "api") as api_db,
        late.late_database(tmp_path, "notifier", notifier_migrate.upgrade) as notifier_db,
        running_receiver() as receiver,
    ):
        api_migrate.upgrade(api_db)
        api_env = base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db)
        with running(API_APP, api_env, tmp_path / "api.log") as api:
            fleet.seed(api.url, tokens, 1)
            env = base_env(
                tmp_path, NOTIFIER_DATABASE_URL=notifier_db.url, NOTIFIER_INCIDENT_API_URL=api.url
            )
            notifier = late.start_live(NOTIFIER_APP, env, log)
            try:
                assert httpx.get(f"{notifier.url}/healthz").status_code == 200
                assert httpx.get(f"{notifier.url}/readyz").status_code == 503
                late.until(lambda: len(late.retry_delays(log)) >= 2, "a second try")
                notifier_db.arrive()
                late.until(lambda: "work starts" in log.read_text(), "the database to be ready")
                assert httpx.get(f"{notifier.url}/readyz").status_code == 200
                fleet.add_endpoint(notifier.url, tokens, receiver.url)  # parties from the feed
                fleet.raise_incidents(api.url, tokens, 1)
                [webhook] = receiver.wait_for(1, timeout=late.PATIENCE)
                assert notifier.process.poll() is None
            finally:
                notifier.stop()
    assert json.loads(webhook.body)["type"] == "incident.raised"
    delays = late.retry_delays(log)
    assert delays[0] == 0.5
    assert delays == sorted(delays), "it backs off, never busy-loops"
