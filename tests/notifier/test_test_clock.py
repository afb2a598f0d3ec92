"""The development test clock, on both services (DESIGN §5)."""

import base64
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.common.test_clock import AdjustableClock, TestClock
from services.incident_api.app import create_app as create_api
from services.incident_api.settings import Settings as ApiSettings
from services.notifier import models
from services.notifier.app import create_app as create_notifier
from services.notifier.settings import Settings as NotifierSettings
from shared.settings import CommonSettings
from tests.incident_api.world import INSTALLING, raise_incident, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver

PROBLEM = "https://ssi.example/problems/"
KEYS = "k1:" + base64.b64encode(bytes(32)).decode()


def clients(harness: Harness) -> dict[str, httpx.AsyncClient]:
    return {"api": harness.api, "notifier": harness.notifier}


@pytest.mark.parametrize("service", ["api", "notifier"])
async def test_forward_only_and_reset(harness: Harness, service: str) -> None:
    client, admin = clients(harness)[service], harness.tokens.admin()
    real = harness.clock.now()
    assert (await client.get("/v1/test-clock", headers=admin)).json()["offset_seconds"] == 0

    later = real + timedelta(days=9, hours=3)
    moved = await client.post("/v1/test-clock", headers=admin, json={"now": later.isoformat()})
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["now"]) == later
    assert datetime.fromisoformat(moved.json()["real_now"]) == real
    assert moved.json()["offset_seconds"] == timedelta(days=9, hours=3).total_seconds()

    back = await client.post(
        "/v1/test-clock", headers=admin, json={"now": (later - timedelta(seconds=1)).isoformat()}
    )
    assert back.status_code == 409
    assert back.headers["content-type"] == "application/problem+json"
    assert back.json()["type"] == PROBLEM + "test-clock-backwards"
    assert (await client.get("/v1/test-clock", headers=admin)).json()["now"] == moved.json()["now"]

    reset = await client.delete("/v1/test-clock", headers=admin)
    assert reset.status_code == 200
    assert datetime.fromisoformat(reset.json()["now"]) == real


@pytest.mark.parametrize("service", ["api", "notifier"])
async def test_only_admin_may_move_it_and_bad_input_changes_nothing(
    harness: Harness, service: str
) -> None:
    client, tokens = clients(harness)[service], harness.tokens
    body = {"now": "2030-01-01T00:00:00Z"}
    assert (await client.post("/v1/test-clock", json=body)).status_code == 401
    for headers in (tokens.party(INSTALLING), tokens.operator(), tokens.service()):
        response = await client.post("/v1/test-clock", headers=headers, json=body)
        assert response.status_code == 403, response.text
        assert (await client.delete("/v1/test-clock", headers=headers)).status_code == 403
    for bad in (
        {"now": "2030-01-01T00:00:00"},
        {"now": "tomorrow"},
        {},
        {"now": None},
        {"now": "9999-12-31T23:59:59-12:00"},
        {"now": "2100-01-01T00:00:00Z"},
    ):
        response = await client.post("/v1/test-clock", headers=tokens.admin(), json=bad)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    state = await client.get("/v1/test-clock", headers=tokens.admin())
    assert state.json()["offset_seconds"] == 0


async def test_the_api_raises_on_the_test_clock(harness: Harness) -> None:
    h = harness
    await seed(h.api, h.tokens)
    moved = h.clock.now() + timedelta(days=40)
    await h.api.post("/v1/test-clock", headers=h.tokens.admin(), json={"now": moved.isoformat()})
    incident = await raise_incident(h.api, h.tokens)
    assert datetime.fromisoformat(incident["raised_at"]) == moved


async def test_the_notifier_moves_sla_time_but_signs_with_real_time(
    harness: Harness, receiver: Receiver
) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    await h.add_endpoint(INSTALLING, receiver.url)
    incident = await raise_incident(h.api, h.tokens)
    due = datetime.fromisoformat(incident["due_at"])
    assert await h.check_sla() == 0
    moved = await h.notifier.post(
        "/v1/test-clock", headers=h.tokens.admin(), json={"now": due.isoformat()}
    )
    assert moved.status_code == 200
    assert await h.check_sla() == 1  # the breach, on the notifier's SLA clock alone
    await h.deliver()
    hooks = receiver.wait_for(2)
    # Webhook timestamps are the wall clock's, whatever the SLA clock (or the test's) says.
    for hook in hooks:
        assert abs(int(hook.headers["webhook-timestamp"]) - time.time()) < 60


async def test_replicas_share_the_offset_through_the_database(harness: Harness) -> None:
    h = harness
    target = h.clock.now() + timedelta(days=3)
    await h.notifier.post(
        "/v1/test-clock", headers=h.tokens.admin(), json={"now": target.isoformat()}
    )
    other = AdjustableClock(h.clock)
    replica = TestClock(other, models.test_clock, h.app.state.engine)
    assert other.now() == h.clock.now()
    await replica.load()
    assert other.now() == target


def production_apps(tmp_path: Path) -> list[FastAPI]:
    common = CommonSettings(env="production", data_dir=tmp_path)
    url = "postgresql+asyncpg://127.0.0.1:1/none"
    return [
        create_api(ApiSettings(common=common, database_url=url)),
        create_notifier(
            NotifierSettings(common=common, database_url=url, secret_keys=KEYS, api_token="t")
        ),
    ]


async def test_outside_development_there_is_no_test_clock(tmp_path: Path) -> None:
    for app in production_apps(tmp_path):
        assert not [p for p in app.openapi()["paths"] if "test-clock" in p]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
            response = await client.post(
                "/v1/test-clock", json={"now": datetime.now(UTC).isoformat()}
            )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
