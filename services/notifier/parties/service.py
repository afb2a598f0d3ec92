"""The notifier's copy of the party list, and how a token's party is found in it.

The feed is the authority: its `party.created` / `party.updated` events write a party's row, in
feed order (`remember`). A party created at the API a moment ago may not have reached this
replica's follower yet, and must still be able to use the notifier at once (DESIGN §7): for a
party id the table does not hold, `PartyDirectory` asks the API (`GET /v1/parties/{id}` as
`svc:notifier`) and keeps the answer with the same `remember`, but only where the table still
holds nothing for it. An answer never writes over what the feed brought, since the event may be
the newer of the two (a deactivation recorded while the answer was on its way); the feed's own
events for the party later write over the answer, as they write over each other.

A valid token of any well-formed party id could otherwise make the notifier ask the API about
each of 36^4 ids, so what it asks is bounded, per replica:
- one question at a time per party id: concurrent requests wait for the same answer;
- each answer, yes or no, is kept for `forget_after` (at most `max_answers` ids, the oldest
  dropped), for the requests that come before the first one's transaction has committed the
  party, or after it failed and rolled it back; it is used only while the table holds nothing;
- at most `burst` questions at once, refilled at `per_second`.

A party the API does not know is refused as before (403). When the API cannot be asked (down,
slower than `timeout`, refusing the notifier's token, or the budget spent) the answer is 503: the
notifier cannot tell whether the party exists, and a 403 would tell a party created a moment ago
that it is not registered. Either way the client may try again, and the feed usually brings the
party within milliseconds.
"""

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import KnownParty as AuthParty
from services.common.clock import Clock
from services.common.errors import ProblemError
from services.notifier.api_client import ApiClient
from services.notifier.metrics import PARTY_LOOKUPS
from services.notifier.parties.models import KnownParty
from shared.identifiers import is_party_id
from shared.schemas import PartyEventData

log = logging.getLogger("ssi.notifier.parties")


class PartyCheckUnavailable(ProblemError):
    status, slug, title = 503, "party-check-unavailable", "The token's party cannot be checked now"


async def remember(session: AsyncSession, party: PartyEventData, *, overwrite: bool = True) -> None:
    """Keep `party` in the party table, as a `party.created` / `party.updated` event says.

    `overwrite=False` keeps it only where the table holds no row for the party yet: how an
    answer from the API is kept, never over what the feed brought."""
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(KnownParty).values(
        party_id=party.party_id, category=party.category, active=party.active
    )
    # An upsert either way: the feed and an answer from the API may insert the same new party at
    # once (on PostgreSQL), and neither may fail for it.
    if overwrite:
        statement = statement.on_conflict_do_update(
            index_elements=["party_id"],
            set_={"category": statement.excluded.category, "active": statement.excluded.active},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["party_id"])
    await conn.execute(statement)


@dataclass(frozen=True)
class _Answer:
    party: PartyEventData | None
    """None: the API has no such party."""
    until: datetime


class PartyDirectory:
    """The notifier's `PartyLookup` (services/common/auth.py): the party table, then the API."""

    def __init__(
        self,
        api: ApiClient,
        clock: Clock,
        *,
        timeout: float = 3.0,
        forget_after: timedelta = timedelta(seconds=30),
        max_answers: int = 10_000,
        burst: int = 10,
        per_second: float = 1.0,
    ) -> None:
        # `timeout` is short: the request waiting for the answer holds its database session.
        self._api = api
        self._clock = clock
        self._timeout = timeout
        self._forget_after = forget_after
        self._max_answers = max_answers
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        """The API's recent answers by party id, oldest first."""
        self._asking: dict[str, asyncio.Future[PartyEventData | None]] = {}
        self._budget = _Budget(clock, burst, per_second)

    async def __call__(self, session: AsyncSession, party_id: str) -> AuthParty | None:
        party = await session.get(KnownParty, party_id)
        if party is None and is_party_id(party_id):
            recent = self._recent(party_id)
            answer = recent.party if recent else await self._ask(party_id)
            if answer is None or answer.party_id != party_id:
                return None
            # In the request's transaction: committed with it (a request that fails rolls it
            # back; the next one finds the answer kept, or asks again once it has expired).
            await remember(session, answer, overwrite=False)
            # What the table holds now: the answer, or what the feed wrote in the meantime.
            party = await session.get(KnownParty, party_id, populate_existing=True)
        return None if party is None else AuthParty(party.party_id, party.category, party.active)

    async def _ask(self, party_id: str) -> PartyEventData | None:
        asking = self._asking.get(party_id)
        if asking is None:
            if not self._budget.take():
                PARTY_LOOKUPS.labels("limited").inc()
                raise PartyCheckUnavailable(
                    "The token's party is not known here yet and cannot be checked now; "
                    "try again in a few seconds."
                )
            asking = asyncio.ensure_future(self._fetch(party_id))
            self._asking[party_id] = asking
            asking.add_done_callback(lambda _: self._asking.pop(party_id, None))
        # Shielded: a request that goes away leaves the answer to the others waiting for it.
        return await asyncio.shield(asking)

    async def _fetch(self, party_id: str) -> PartyEventData | None:
        try:
            async with asyncio.timeout(self._timeout):
                answer = await self._api.party(party_id)
        except (httpx.HTTPError, TimeoutError, ValidationError) as exc:
            PARTY_LOOKUPS.labels("unavailable").inc()
            log.warning(
                "the incident API could not be asked about a party",
                extra={"party_id": party_id, "error": type(exc).__name__},
            )
            raise PartyCheckUnavailable(
                "The token's party is not known here yet and the incident API cannot be asked "
                "about it now; try again in a few seconds."
            ) from exc
        PARTY_LOOKUPS.labels("not_found" if answer is None else "found").inc()
        self._answers[party_id] = _Answer(answer, self._clock.now() + self._forget_after)
        self._answers.move_to_end(party_id)
        while len(self._answers) > self._max_answers:
            self._answers.popitem(last=False)
        return answer

    def _recent(self, party_id: str) -> _Answer | None:
        """What the API answered about the party lately, if it did."""
        answer = self._answers.get(party_id)
        if answer is None or self._clock.now() < answer.until:
            return answer
        del self._answers[party_id]
        return None


class _Budget:
    """A token bucket on the injected clock: `burst` at once, refilled at `per_second`."""

    def __init__(self, clock: Clock, burst: int, per_second: float) -> None:
        self._clock = clock
        self._burst = float(burst)
        self._per_second = per_second
        self._tokens = float(burst)
        self._at = clock.now()

    def take(self) -> bool:
        now = self._clock.now()
        # Wall-clock time may step back: that refills nothing, and takes nothing away.
        elapsed = max(0.0, (now - self._at).total_seconds())
        self._tokens = min(self._burst, self._tokens + elapsed * self._per_second)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
