"""`/deliveries`: every event sent to the signed-in party's endpoints, and `/deliveries/{id}`: one
delivery with each of its attempts, and a retry for a dead one.

Filters are the notifier's (`endpoint_id`, `status`, `incident_id`, by id: it takes no incident
reference), checked here first so that a bad one is a message beside its field. What a receiver
answered is remote content: it is shown as text, cut short, never as markup.

The retry is a plain POST answered with a 303 back to the delivery; with htmx it swaps the
delivery's status section alone (htmx follows the redirect and keeps `#delivery-status` of the
page). A refusal is the page with the notifier's words in that section, with its status (409);
to an htmx request with 200, since htmx swaps no 4xx answer into the page.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.notifier.api.deliveries import get_delivery, list_deliveries, retry_delivery
from ssi_client.notifier.api.endpoints import get_endpoint, list_endpoints
from ssi_client.notifier.models import (
    DeliveryDetail,
    DeliveryList,
    DeliveryRead,
    DeliveryStatus,
    EndpointList,
    EndpointRead,
)
from ssi_client.notifier.types import UNSET

from portal.dependencies import Me, ServicesDep
from portal.pages.common import destination
from portal.rendering import LONDON, is_htmx, render
from portal.services import ServiceProblem, Services, ok, refused

router = APIRouter()

STATUS_WORDS = {
    DeliveryStatus.PENDING: "waiting for its next attempt",
    DeliveryStatus.SUCCEEDED: "delivered",
    DeliveryStatus.DEAD: "every attempt failed",
    DeliveryStatus.SKIPPED: "not sent: its endpoint was turned off",
}
RETRYABLE = frozenset({DeliveryStatus.DEAD})
"""What the notifier retries (anything else is its 409 `not-retryable`)."""
DONE = {"retried": "Queued again: it is sent at once, with a fresh retry schedule."}
ENDPOINTS_LISTED = 500
"""The endpoints fetched to name them in the list and its filter: the notifier's largest page."""
EXCERPT = 300
"""Characters of a receiver's answer shown in the table (the notifier keeps 1 KiB)."""


@dataclass(frozen=True)
class Row:
    delivery: DeliveryRead
    endpoint: EndpointRead | None

    @property
    def last_result(self) -> str:
        d = self.delivery
        if d.last_status_code is not None:
            return f"HTTP {d.last_status_code}"
        return d.last_error or ""


def _uuid(value: str | None, name: str, message: str, errors: dict[str, str]) -> Any:
    if not value:
        return UNSET
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        errors[name] = message
        return UNSET


def checked_id(delivery_id: str) -> str:
    try:
        return str(uuid.UUID(delivery_id))
    except ValueError:
        raise ServiceProblem(404, "Not found", "There is no such delivery.") from None


def london_seconds(instant: datetime | None) -> str:
    """An attempt's instant in London, to the second: retries can be seconds apart."""
    if instant is None:
        return ""
    return instant.astimezone(LONDON).strftime("%a %d %b %Y %H:%M:%S")


def _words(status: DeliveryStatus) -> str:
    return STATUS_WORDS.get(status, str(status))


async def _own_endpoints(services: Services) -> dict[str, EndpointRead]:
    try:
        page = ok(
            await list_endpoints.asyncio_detailed(
                client=services.notifier, limit=ENDPOINTS_LISTED, contacts=True
            ),
            EndpointList,
        )
    except ServiceProblem as problem:
        refused(problem)
        return {}
    return {e.id: e for e in page.items}


@router.get("/deliveries", name="deliveries")
async def deliveries(
    request: Request,
    me: Me,
    services: ServicesDep,
    endpoint_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    incident_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    errors: dict[str, str] = {}
    filters: dict[str, Any] = {
        "endpoint_id": _uuid(endpoint_id, "endpoint_id", "Choose one of your endpoints.", errors),
        "incident_id": _uuid(
            incident_id,
            "incident_id",
            "Give the incident's id, as in the address of its page "
            "(such as 3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61); a reference such as INC-000123 "
            "is not accepted here.",
            errors,
        ),
        "status": UNSET,
    }
    if status:
        try:
            filters["status"] = DeliveryStatus(status)
        except ValueError:
            errors["status"] = f"Choose one of: {', '.join(s.value for s in DeliveryStatus)}."
    endpoints = await _own_endpoints(services)
    rows: list[Row] = []
    next_cursor = None
    if not errors:
        try:
            page = ok(
                await list_deliveries.asyncio_detailed(
                    client=services.notifier, cursor=cursor or UNSET, **filters
                ),
                DeliveryList,
            )
        except ServiceProblem as problem:
            refused(problem)
            errors.update(problem.fields or {"_": problem.detail})
        else:
            rows = [Row(d, endpoints.get(d.endpoint_id)) for d in page.items]
            next_cursor = page.next_cursor
    query = {
        k: v
        for k, v in {
            "endpoint_id": endpoint_id,
            "status": status,
            "incident_id": incident_id,
        }.items()
        if v
    }
    return render(
        request,
        "deliveries/list.html",
        422 if errors else 200,
        rows=rows,
        next_cursor=next_cursor,
        errors=errors,
        query=query,
        endpoints=list(endpoints.values()),
        statuses=[s.value for s in DeliveryStatus],
        words=_words,
        destination=destination,
        first_page=not cursor,
    )


async def delivery_page(
    request: Request,
    services: Services,
    delivery_id: str,
    *,
    status_code: int = 200,
    problem: ServiceProblem | None = None,
) -> Response:
    delivery = ok(
        await get_delivery.asyncio_detailed(checked_id(delivery_id), client=services.notifier),
        DeliveryDetail,
    )
    endpoint = None
    answer = await get_endpoint.asyncio_detailed(delivery.endpoint_id, client=services.notifier)
    if isinstance(answer.parsed, EndpointRead):
        endpoint = answer.parsed
    return render(
        request,
        "deliveries/detail.html",
        status_code,
        d=delivery,
        endpoint=endpoint,
        destination=destination,
        retryable=delivery.status in RETRYABLE,
        words=_words,
        seconds=london_seconds,
        excerpt=EXCERPT,
        done=DONE.get(request.query_params.get("done") or ""),
        problem=problem,
    )


@router.get("/deliveries/{delivery_id}", name="delivery")
async def delivery(request: Request, delivery_id: str, me: Me, services: ServicesDep) -> Response:
    return await delivery_page(request, services, delivery_id)


@router.post("/deliveries/{delivery_id}/retry", name="retry_delivery")
async def retry(request: Request, delivery_id: str, me: Me, services: ServicesDep) -> Response:
    delivery_id = checked_id(delivery_id)
    answer = await retry_delivery.asyncio_detailed(delivery_id, client=services.notifier)
    try:
        ok(answer, DeliveryRead)
    except ServiceProblem as problem:
        if problem.status >= 500 or problem.status in (401, 404):
            raise
        status_code = 200 if is_htmx(request) else problem.status
        return await delivery_page(
            request, services, delivery_id, status_code=status_code, problem=problem
        )
    return RedirectResponse(f"/deliveries/{delivery_id}?done=retried", status_code=303)
