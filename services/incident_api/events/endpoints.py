"""The event log, for the deployment's services: the notifier follows it to send webhooks and
watch SLA clocks. Suppliers do not read it: they receive its incident events as signed webhooks
from the notifier.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.auth import Kind, Principal, require
from services.common.db import SessionFactoryDep
from services.incident_api.events.service import last_seq, read_feed
from services.incident_api.runtime import RuntimeDep
from shared.schemas import EventPage, FeedPage

router = APIRouter(prefix="/v1/events", tags=["events"])

Reader = Annotated[Principal, Depends(require("events:read", Kind.service))]


@router.get("", response_model=EventPage, summary="Read the event log")
async def read_events(
    request: Request,
    sessions: SessionFactoryDep,
    rt: RuntimeDep,
    _principal: Reader,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> Response:
    """Events after `after`, in `seq` order, at most `limit`. Scope `events:read`; the
    deployment's services only. Pass `next_after` as `after` for the next page; `last_seq` is the
    newest `seq` in the log when the page was read (a follower's lag is the difference). With
    `wait` (seconds, at most 30), a page that would be empty waits for an event instead
    (long-poll). A type the reader does not know (written by a newer API) is to be skipped, not
    treated as an error.
    \f
    No database connection is held while waiting: each look opens and closes its own session.
    When the server stops, a wait ends at once with what there is (`FeedSignal.drain`).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        armed = rt.signal.arm()
        async with sessions() as session:
            items = await read_feed(session, after, limit)
            remaining = 0.0 if rt.signal.draining else deadline - loop.time()
            if items or remaining <= 0:
                # A page short of `limit` ends at the newest event: no need to ask for it.
                head = items[-1].seq if 0 < len(items) < limit else await last_seq(session)
                # Documented as `EventPage`, served as `FeedPage`: the log as written (see
                # `read_feed`), a type from a newer replica included.
                page = FeedPage(
                    items=items, next_after=items[-1].seq if items else after, last_seq=head
                )
                # Serialised once, here: returning the model would have FastAPI validate it
                # against `response_model` again, which costs more than the read on a full page.
                return Response(page.model_dump_json(), media_type="application/json")
        await rt.signal.wait(armed, remaining)
        if await request.is_disconnected():  # the follower went away: stop waiting for it
            page = FeedPage(items=[], next_after=after)
            return Response(page.model_dump_json(), media_type="application/json")
