"""Telling the incident API which parties can be reached by webhook (`addressee_reachable`).

A party is reachable while it has an enabled endpoint. Each replica reports what changed since
its last pass, woken by endpoint changes here and every `PASS_SECONDS` (an automatic disable
after failures happens in the delivery worker). Two replicas may report the same change, and a
slower one could overwrite a newer answer with an older one: every `RESYNC_SECONDS` each replica
reports every party afresh, so the API is never wrong for longer than that.
"""

import asyncio
import contextlib
import logging
import time

import httpx
from sqlalchemy import exists
from sqlmodel import col, select

from services.notifier.api_client import ApiClient
from services.notifier.endpoints.models import Endpoint
from services.notifier.parties.models import KnownParty
from services.notifier.runtime import Runtime

log = logging.getLogger("ssi.notifier.reachability")

PASS_SECONDS = 15.0
RESYNC_SECONDS = 300.0


class ReachabilityReporter:
    def __init__(self, rt: Runtime, api: ApiClient) -> None:
        self.rt = rt
        self.api = api
        self.reported: dict[str, bool] = {}
        self._resynced_at = float("-inf")

    async def report(self) -> int:
        """Report what changed (everything, when a resync is due); returns how many were sent."""
        if time.monotonic() - self._resynced_at >= RESYNC_SECONDS:
            self.reported.clear()
            self._resynced_at = time.monotonic()
        enabled = exists().where(
            col(Endpoint.party_id) == col(KnownParty.party_id), col(Endpoint.enabled)
        )
        async with self.rt.sessions() as session:
            rows = (await session.exec(select(KnownParty.party_id, enabled))).all()
        sent = 0
        for party_id, reachable in rows:
            if self.reported.get(party_id) == reachable:
                continue
            response = await self.api.put(
                f"/v1/parties/{party_id}/webhook-reachability", {"webhook_reachable": reachable}
            )
            if response.status_code != 204:
                log.warning(
                    "reporting reachability failed",
                    extra={"party_id": party_id, "status_code": response.status_code},
                )
                continue
            self.reported[party_id] = bool(reachable)
            sent += 1
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.rt.reachability_changed.clear()
            try:
                await self.report()
            except httpx.HTTPError as exc:
                log.warning("the API is unavailable", extra={"error": type(exc).__name__})
            except Exception:
                log.exception("reporting reachability failed")
            waiters = [
                asyncio.ensure_future(self.rt.reachability_changed.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, timeout=PASS_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
