"""Your inbox: the events routed to your party, held for you to pull, for a party without a
webhook receiver. Read them in order with `GET /v1/inbox` (it can wait for the next one), handle
them, then acknowledge with `POST /v1/inbox/ack`; the next read without `after` resumes after
what you acknowledged, so a consumer that restarts neither loses nor repeats anything. Items are
the webhook bodies (`type`, `timestamp`, `data`) with their `webhook_id` and a `cursor`. An item
is never retried; one not acknowledged within 35 days expires. Add the inbox with
`POST /v1/endpoints {"kind": "inbox"}`: one per party.
"""

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.common.auth import PARTIES, Principal, require
from services.common.db import WRITES, SessionDep, end_transaction
from services.common.openapi import problems
from services.notifier.inbox import service
from services.notifier.inbox.errors import InvalidCursor, NoInbox
from services.notifier.inbox.schemas import MAX_CURSOR, InboxAck, InboxAcknowledged, InboxPage
from services.notifier.runtime import RuntimeDep

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

Reader = Annotated[Principal, Depends(require("webhooks:read", *PARTIES))]
Writer = Annotated[Principal, Depends(require("webhooks:write", *PARTIES))]
After = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR,
        description="An item's cursor, or a page's `next_cursor`: read what comes after it",
    ),
]

RELOOK_SECONDS = 1.0
"""A waiting read looks again this often: another replica's items wake nobody here."""


def _party(principal: Principal) -> str:
    assert principal.party_id is not None
    return principal.party_id


@router.get(
    "",
    dependencies=[WRITES],  # a fetched clock start is noted as delivered (reached)
    response_model=InboxPage,
    summary="Read your inbox",
    responses=problems(NoInbox, InvalidCursor),
)
async def read_inbox(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Reader,
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> InboxPage:
    """Your inbox's items after `after`, oldest first, at most `limit` (default 100). Scope
    `webhooks:read`. Without `after`, it resumes after the last item acknowledged. Pass
    `next_cursor` as `after` for the next page; reading acknowledges nothing, and anyone
    reading your inbox sees the same items. With `wait` (seconds, at most 30), a read that would
    find nothing waits for the next item instead (long-poll).

    A cursor is yours alone: another party's, an altered one, or one beyond your newest item is
    422 `invalid-cursor`. No inbox: 404 `no-inbox`. A disabled inbox still serves what it holds.
    \f
    No database connection is held while waiting: each look is a short transaction of its own.
    """
    party = _party(principal)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        remaining = deadline - loop.time()
        woken = None
        if remaining > 0 and not rt.draining:
            # Listening before looking: an item committed after the look wakes this wait.
            woken = asyncio.ensure_future(rt.inbox_changed.wait(min(remaining, RELOOK_SECONDS)))
            await asyncio.sleep(0)
        try:
            page = await service.read(session, rt, party, after, limit)
            if page.items or woken is None:
                return page
            await end_transaction(session)
            await woken
        finally:
            if woken is not None:
                await _cancel(woken)
        if await request.is_disconnected():
            return page


async def _cancel(task: asyncio.Future[bool]) -> None:
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@router.post(
    "/ack",
    response_model=InboxAcknowledged,
    summary="Acknowledge your inbox up to an item",
    responses=problems(NoInbox, InvalidCursor),
)
async def acknowledge_inbox(
    body: InboxAck, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> InboxAcknowledged:
    """The item `cursor` names and every one before it are delivered: the next read without
    `after` resumes after it. Scope `webhooks:write`. Acknowledging never moves back: an older
    cursor than one already acknowledged is accepted and changes nothing, so acknowledging twice
    is harmless. A cursor of another party, altered, or beyond your newest item is 422
    `invalid-cursor`."""
    return await service.acknowledge(session, rt, _party(principal), body.cursor)
