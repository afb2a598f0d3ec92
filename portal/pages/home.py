"""`/`: my queue. What is addressed to me by due date, what I raised; for operators what is at
risk or breached, and the unreached addressees: open incidents whose addressee no channel has
reached on the running clock (no delivery of its start event succeeded), to chase by phone."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from ssi_client.incident_api.api.incidents import list_incidents
from ssi_client.incident_api.models import (
    IncidentList,
    IncidentRead,
    IncidentStatus,
    ListIncidentsRoleType0,
    SlaState,
)

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.pages.common import row
from portal.rendering import render
from portal.services import Services, ok
from shared.calendar import WorkingDayCalendar

router = APIRouter()
QUEUE_LIMIT = 1000
"""Open incidents addressed to one party: the queue sorts at most this many by due date."""
PAGE = 200
RECENT = 20


async def _all(
    services: Services, limit: int, **filters: object
) -> tuple[list[IncidentRead], bool]:
    """Up to `limit` incidents matching `filters`, and whether there were more."""
    found: list[IncidentRead] = []
    cursor: str | None = None
    while len(found) < limit:
        page = ok(
            await list_incidents.asyncio_detailed(
                client=services.api,
                cursor=cursor,
                limit=min(PAGE, limit - len(found)),
                **filters,  # type: ignore[arg-type]
            ),
            IncidentList,
        )
        found += page.items
        cursor = page.next_cursor
        if not cursor:
            return found, False
    return found, True


@router.get("/", name="home")
async def home(request: Request, me: Me, services: ServicesDep, runtime: RuntimeDep) -> Response:
    now = runtime.clock.now()
    calendar = WorkingDayCalendar(runtime.settings.common.extra_non_working_days)
    context: dict[str, Any] = {}
    if me.operator:
        at_risk, more_at_risk = await _all(services, RECENT, sla_state=SlaState.AT_RISK)
        breached, more_breached = await _all(services, RECENT, sla_state=SlaState.BREACHED)
        unreached: list[IncidentRead] = []
        more_unreached = False
        for status in (IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED):
            found, more = await _all(services, RECENT, addressee_reachable=False, status=status)
            unreached += found
            more_unreached = more_unreached or more
        unreached.sort(key=lambda i: (i.due_at, i.reference))
        context.update(
            unreached=[row(i, calendar, now) for i in unreached],
            more_unreached=more_unreached,
            at_risk=[row(i, calendar, now) for i in at_risk],
            more_at_risk=more_at_risk,
            breached=[row(i, calendar, now) for i in breached],
            more_breached=more_breached,
        )
    else:
        queue: list[IncidentRead] = []
        truncated = False
        for status in (IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED):
            found, more = await _all(
                services, QUEUE_LIMIT, role=ListIncidentsRoleType0.ADDRESSEE, status=status
            )
            queue += found
            truncated = truncated or more
        queue.sort(key=lambda i: (i.due_at, i.reference))
        mine, more_mine = await _all(services, RECENT, role=ListIncidentsRoleType0.REQUESTER)
        context.update(
            queue=[row(i, calendar, now) for i in queue],
            truncated=truncated,
            queue_limit=QUEUE_LIMIT,
            mine=[row(i, calendar, now) for i in mine],
            more_mine=more_mine,
        )
    return render(request, "home.html", **context)
