"""Driving the notifier step by step: follow the feed, run the delivery worker, wait."""

from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.clock import FrozenClock
from services.common.db import transaction
from services.notifier.api_client import ApiClient
from services.notifier.delivery import service as delivery_service
from services.notifier.delivery.tasks import DeliveryWorker
from services.notifier.feed.tasks import Follower
from services.notifier.runtime import Runtime
from services.notifier.sla import tasks as sla_tasks
from tests.tokens import Tokens


@dataclass
class Harness:
    api: httpx.AsyncClient
    notifier: httpx.AsyncClient
    app: FastAPI
    feed: ApiClient
    tokens: Tokens
    clock: FrozenClock

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def worker(self) -> DeliveryWorker:
        worker: DeliveryWorker = self.app.state.worker
        return worker

    async def sync(self, handoff: bool = False) -> None:
        """Follow the feed until it has nothing more; with `handoff`, as a service does: the
        worker takes fresh deliveries claimed in the routing transaction."""
        follower = Follower(self.runtime, self.feed, self.worker if handoff else None)
        while await follower.once(wait=0):
            pass

    async def check_sla(self) -> int:
        """Follow the feed, record every SLA event due now, follow what that wrote."""
        await self.sync()
        recorded = await sla_tasks.check(self.runtime, self.feed)
        await self.sync()
        return recorded

    async def deliver(self) -> int:
        """Run every delivery due now, to completion; returns how many were attempted."""
        total = 0
        while True:
            claimed = await self.worker.run_once()
            await self.worker.settle()
            total += claimed
            if not claimed:
                return total

    async def add_endpoint(self, party: str, url: str, **body: Any) -> dict[str, Any]:
        response = await self.notifier.post(
            "/v1/endpoints", headers=self.tokens.party(party), json={"url": url, **body}
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def mails(self) -> list[EmailMessage]:
        """The messages the mailer wrote as `.eml` files (no SMTP server is configured), by
        file name."""
        folder = self.runtime.settings.common.data_dir / "mail"
        return [
            message_from_bytes(path.read_bytes(), policy=default)
            for path in sorted(folder.glob("*.eml"))
        ]

    def mailed(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each message written, sorted."""
        return sorted((str(m["To"]), str(m["Subject"])) for m in self.mails())

    async def deliveries(self, party: str, **filters: str) -> list[dict[str, Any]]:
        response = await self.notifier.get(
            "/v1/deliveries", headers=self.tokens.party(party), params=filters
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def claim(rt: Runtime, *args: Any) -> delivery_service.Claim:
    """`delivery_service.claim` in a transaction of its own, as the worker's loop runs it."""
    async with transaction(rt.sessions) as session:
        return await delivery_service.claim(session, rt, *args)


async def record_many(rt: Runtime, *args: Any) -> delivery_service.Recorded:
    """`delivery_service.record_many` in a transaction of its own, as the recorder runs it."""
    async with transaction(rt.sessions) as session:
        return await delivery_service.record_many(session, rt, *args)
