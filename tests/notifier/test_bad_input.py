"""Bad input to the notifier: a clear problem response, never a 500, and nothing changed."""

import base64

import httpx
import pytest

from tests.incident_api.world import INSTALLING, seed
from tests.notifier.harness import Harness

PROBLEM = "https://ssi.example/problems/"
CALENDAR_EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
"""Instants that cannot be converted to UTC at all."""


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + slug


@pytest.mark.parametrize("since", CALENDAR_EDGES)
async def test_recover_since_the_edges_of_the_calendar(world: Harness, since: str) -> None:
    """A bound beyond the years kept means the nearest edge: everything, or nothing."""
    endpoint = await world.add_endpoint(INSTALLING, "http://127.0.0.1:9/hook")
    response = await world.notifier.post(
        f"/v1/endpoints/{endpoint['id']}/recover",
        headers=world.tokens.party(INSTALLING),
        json={"since": since},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"requeued": 0}


@pytest.mark.parametrize("path", ["/v1/endpoints", "/v1/deliveries"])
@pytest.mark.parametrize("instant", [*CALENDAR_EDGES, "1970-01-01T00:00:00+00:00"])
async def test_time_cursor_at_the_edges_of_the_calendar(
    world: Harness, path: str, instant: str
) -> None:
    """A cursor holding an instant this service never issued is not one of its cursors."""
    cursor = base64.urlsafe_b64encode(f"{instant}|x".encode()).decode().rstrip("=")
    response = await world.notifier.get(
        path, params={"cursor": cursor}, headers=world.tokens.party(INSTALLING)
    )
    problem(response, 422, "bad-cursor")
