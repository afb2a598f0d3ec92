"""Driving real service processes over HTTP: seeding, endpoints, raising in bulk."""

import asyncio
import time
from collections import Counter

import httpx

from tests.incident_api.world import INSTALLING
from tests.tokens import Tokens

GAINING_DEVICE = "00-DB-00-00-00-00-{:02X}-{:02X}"
SlaKey = tuple[str, int, str, int]
"""(incident id, clock, kind, ordinal)"""


def add_parties(client: httpx.Client) -> None:
    """GSUP (gaining) and ISUP (installing), through a client holding an admin token."""
    for party, category in (("GSUP", "large_supplier"), (INSTALLING, "small_supplier")):
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


def seed(api: str, tokens: Tokens, devices: int) -> None:
    with httpx.Client(base_url=api, headers=tokens.admin()) as client:
        add_parties(client)
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


def raise_incidents(
    api: str | list[str], tokens: Tokens, count: int, concurrency: int = 1, first: int = 0
) -> list[str]:
    """Raise one incident on each of `count` Devices from the `first`, spread over the APIs
    given; returns their ids."""
    apis = [api] if isinstance(api, str) else api

    async def run() -> list[str]:
        slots = asyncio.Semaphore(concurrency)
        headers = tokens.party("GSUP")
        clients = [httpx.AsyncClient(base_url=a, headers=headers, timeout=30) for a in apis]

        async def one(n: int) -> str:
            async with slots:
                device = GAINING_DEVICE.format(n // 256, n % 256)
                client = clients[n % len(clients)]
                response = await client.post("/v1/incidents", json={"device_id": device})
                response.raise_for_status()
                incident_id: str = response.json()["id"]
                return incident_id

        try:
            return list(await asyncio.gather(*(one(n) for n in range(first, first + count))))
        finally:
            for client in clients:
                await client.aclose()

    return asyncio.run(run())


def sla_events(api: str, tokens: Tokens) -> Counter[SlaKey]:
    seen: Counter[SlaKey] = Counter()
    after = 0
    with httpx.Client(base_url=api, headers=tokens.service()) as client:
        while True:
            page = client.get("/v1/events", params={"after": after, "limit": 1000}).json()
            for event in page["items"]:
                if event["type"].startswith("incident.sla_"):
                    data = event["data"]
                    key = (
                        data["incident_id"],
                        data["clock"],
                        data["sla_kind"],
                        data["sla_ordinal"],
                    )
                    seen[key] += 1
            if not page["items"]:
                return seen
            after = page["next_after"]
