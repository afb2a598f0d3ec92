"""Asking the incident API for the contact emails of parties the feed told of without them."""

import asyncio
import contextlib
import logging

import httpx

from services.common.db import transaction
from services.notifier.api_client import ApiClient
from services.notifier.parties import contacts
from services.notifier.runtime import Runtime

log = logging.getLogger("ssi.notifier.parties")


class ContactBackfill:
    """Every `every_seconds`: the parties with no contact endpoint, asked of the API one by one
    (`GET /v1/parties/{id}` as `svc:notifier`, which sees contact emails). Usually there are
    none: parties come from the feed with their contacts."""

    def __init__(self, rt: Runtime, api: ApiClient, every_seconds: float = 600.0) -> None:
        self.rt = rt
        self.api = api
        self.every_seconds = every_seconds

    async def fill(self) -> int:
        """Returns how many parties got their contact endpoints."""
        async with self.rt.sessions() as session:
            parties = await contacts.missing(session)
        filled = 0
        for party_id in parties:
            party = await self.api.party(party_id)
            if party is None or not party.ops_contact_email:
                continue
            async with transaction(self.rt.sessions) as session:
                await contacts.keep(session, self.rt, party, self.rt.clock.now(), overwrite=False)
            filled += 1
        return filled

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.fill()
            except httpx.HTTPError as exc:
                log.warning("the API is unavailable", extra={"error": type(exc).__name__})
            except Exception:
                log.exception("filling in contact endpoints failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every_seconds)
