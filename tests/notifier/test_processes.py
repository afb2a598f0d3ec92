"""The notifier as real processes: killed mid-delivery, and two replicas side by side."""

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from tests.database import fresh_database, on_postgres
from tests.incident_api.world import INSTALLING
from tests.processes import API_APP, NOTIFIER_APP, base_env, running, start
from tests.receiver import Answer, running_receiver
from tests.tokens import Tokens

GAINING_DEVICE = "00-DB-00-00-00-00-{:02X}-{:02X}"


def seed(api: str, tokens: Tokens, devices: int) -> None:
    with httpx.Client(base_url=api, headers=tokens.admin()) as client:
        for party, category in (
            ("GSUP", "large_supplier"),
            (INSTALLING, "small_supplier"),
        ):
            client.post(
                "/v1/parties",
                json={
                    "party_id": party,
                    "name": party,
                    "category": category,
                    "ops_contact_email": f"ops@{party.lower()}.example",
                    "escalation_contact_email": f"esc@{party.lower()}.example",
                },
            ).raise_for_status()
        rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
        rows += [
            f"{GAINING_DEVICE.format(n // 256, n % 256)},ESME,installed_not_commissioned,ISUP,GSUP"
            for n in range(devices)
        ]
        client.post(
            "/v1/devices/import", content="\n".join(rows), headers={"Content-Type": "text/csv"}
        ).raise_for_status()


def add_endpoint(notifier: str, tokens: Tokens, url: str) -> None:
    # The notifier learns parties from the feed: retry until it has seen ISUP.
    deadline = time.monotonic() + 10
    while True:
        response = httpx.post(
            f"{notifier}/v1/endpoints", headers=tokens.party(INSTALLING), json={"url": url}
        )
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert response.status_code == 201, response.text


def raise_incidents(api: str, tokens: Tokens, count: int) -> None:
    with httpx.Client(base_url=api, headers=tokens.party("GSUP")) as client:
        for n in range(count):
            device = GAINING_DEVICE.format(n // 256, n % 256)
            client.post("/v1/incidents", json={"device_id": device}).raise_for_status()


def test_sigkill_during_delivery_loses_nothing(tmp_path: Path, tokens: Tokens) -> None:
    with (
        fresh_database(tmp_path, "papi") as api_db,
        fresh_database(tmp_path, "pnotifier") as notifier_db,
        running_receiver() as receiver,
    ):
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        log = tmp_path / "services.log"
        api_env = base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db)
        with running(API_APP, api_env, log) as api:
            notifier_env = base_env(
                tmp_path,
                NOTIFIER_DATABASE_URL=notifier_db,
                NOTIFIER_INCIDENT_API_URL=api.url,
                NOTIFIER_CLAIM_LEASE_SECONDS="1",
                NOTIFIER_ATTEMPT_TIMEOUT_SECONDS="0.8",
            )
            seed(api.url, tokens, 1)
            notifier = start(NOTIFIER_APP, notifier_env, log)
            add_endpoint(notifier.url, tokens, receiver.url)
            # The receiver holds the first request open; the notifier dies while waiting.
            receiver.answers.append(Answer(status=204, delay=3))
            raise_incidents(api.url, tokens, 1)
            [inflight] = receiver.wait_for(1)
            notifier.kill()
            with running(NOTIFIER_APP, notifier_env, log):
                received = receiver.wait_for(2, timeout=20)
        assert received[1].headers["webhook-id"] == inflight.headers["webhook-id"]


@pytest.mark.skipif(not on_postgres(), reason="replicas share work through PostgreSQL")
def test_two_notifiers_deliver_each_event_once(tmp_path: Path, tokens: Tokens) -> None:
    count = 60
    with (
        fresh_database(tmp_path, "papi") as api_db,
        fresh_database(tmp_path, "pnotifier") as notifier_db,
        running_receiver() as receiver,
    ):
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        log = tmp_path / "services.log"
        with running(API_APP, base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db), log) as api:
            env = base_env(
                tmp_path, NOTIFIER_DATABASE_URL=notifier_db, NOTIFIER_INCIDENT_API_URL=api.url
            )
            seed(api.url, tokens, count)
            with running(NOTIFIER_APP, env, log) as one, running(NOTIFIER_APP, env, log):
                add_endpoint(one.url, tokens, receiver.url)
                raise_incidents(api.url, tokens, count)
                received = receiver.wait_for(count, timeout=30)
                time.sleep(1)  # anything sent twice would arrive by now
                received = list(receiver.received)
    ids = Counter(r.headers["webhook-id"] for r in received)
    assert len(ids) == count
    assert max(ids.values()) == 1
