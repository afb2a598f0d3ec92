"""`/endpoints`: the signed-in party's own endpoints (operators too: their own party's).

The list, `/endpoints/new` (add one), and `/endpoints/{id}`: details, enable or disable, edit,
rotate the signing secret, recover (enable and re-deliver since a London time), remove (a
confirmation page, then its POST). The notifier decides what a party may see: another party's
endpoint is its 404, shown as a 404 page.

A signing secret is on one page only: the answer to the POST that created or rotated it, rendered
directly (never a redirect, which would put it in a URL or another request), kept out of htmx's
history, and blanked by `portal.js` when the page is left. The list and the endpoint's page never
have it: the notifier does not give it twice.

Only webhooks for now. The kind of an endpoint (email, inbox) is to come with the channels: what
is particular to a webhook is its URL, asked for by `_destination` and shown through `destination`
in the templates, so another kind adds its own field there rather than a new set of pages.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.notifier.api.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    recover_endpoint,
    rotate_endpoint_secret,
    update_endpoint,
)
from ssi_client.notifier.models import (
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointRead,
    EndpointUpdate,
    EventType,
    RecoverBody,
    Recovered,
    SecretRotated,
)
from ssi_client.notifier.types import UNSET

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.rendering import LONDON, render
from portal.runtime import Runtime
from portal.services import ServiceProblem, Services, ok, problem_of, refused

router = APIRouter()

EVENT_TYPES = tuple(t for t in EventType if t.value.startswith(("incident.", "endpoint.")))
"""The types the notifier delivers to endpoints (its documentation: `incident.*` and
`endpoint.*`); the feed's other types (`party.*`) are refused on an endpoint."""
DISABLED_BECAUSE = {
    "by_party": "turned off by your party",
    "gone": "the receiver answered 410 Gone",
    "failing": "it failed for too long without a success",
}
DONE = {
    "enabled": "Endpoint turned on: it receives the events that come next.",
    "disabled": "Endpoint turned off: what was waiting for it is skipped.",
    "edited": "Endpoint changed.",
    "recovered": "Endpoint turned on again.",
    "deleted": "Endpoint removed, with its deliveries.",
}
PROBLEM_FIELDS = {"invalid-endpoint-url": "url", "invalid-event-types": "event_types"}
"""Refusals about one field that the notifier names by their type rather than a field."""
PLAIN = {
    "url": "Give the whole address, starting with https://, with no spaces.",
    "description": "At most 200 characters, on one line.",
    "event_types": "Choose among the event types listed.",
}
RECOVER_DEFAULT = timedelta(days=1)


def checked_id(endpoint_id: str) -> str:
    """The endpoint's id as the notifier spells it; anything else is no endpoint at all."""
    try:
        return str(uuid.UUID(endpoint_id))
    except ValueError:
        raise ServiceProblem(404, "Not found", "There is no such endpoint.") from None


def field_messages(problem: ServiceProblem) -> dict[str, str]:
    """The refusal beside the fields it concerns, in plain words; `_` for the rest."""
    if problem.slug in PROBLEM_FIELDS:
        return {PROBLEM_FIELDS[problem.slug]: f"{problem.title}: {problem.detail}."}
    errors = {name: PLAIN[name] for name in problem.fields if name in PLAIN}
    if problem.fields.keys() - PLAIN.keys() and "event_types" not in errors:
        # A list item is named by its index alone: the event types are the only list sent.
        errors["event_types"] = PLAIN["event_types"]
    if not errors:
        errors["_"] = problem.detail
    return errors


def event_types(chosen: list[str], errors: dict[str, str]) -> list[EventType]:
    try:
        return sorted({EventType(value) for value in chosen})
    except ValueError:
        errors["event_types"] = PLAIN["event_types"]
        return []


def _destination(url: str) -> str:
    """A webhook's destination, as sent: its URL, without the spaces a paste brings."""
    return url.strip()


def destination(endpoint: EndpointRead) -> str:
    """Where the endpoint sends to, for a page."""
    return endpoint.url


def disabled_because(endpoint: EndpointRead) -> str:
    reason = endpoint.disabled_reason or ""
    return DISABLED_BECAUSE.get(reason, reason.replace("_", " "))


def london_input(instant: datetime) -> str:
    """An instant as a `datetime-local` input's value, in London time."""
    return instant.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def from_london_input(value: str) -> datetime:
    """A `datetime-local` value read as London time; ValueError if it is none, or if the clocks
    skipped it (the hour lost when summer time starts)."""
    local = datetime.fromisoformat(value.strip())
    if local.tzinfo is not None:
        raise ValueError("not a local time")
    instant = local.replace(tzinfo=LONDON)
    if instant.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local:
        raise ValueError("skipped by the clocks")
    return instant


def _context() -> dict[str, Any]:
    return {
        "event_types": [t.value for t in EVENT_TYPES],
        "destination": destination,
        "disabled_because": disabled_because,
    }


@router.get("/endpoints", name="endpoints")
async def endpoints(
    request: Request,
    me: Me,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    problem = None
    items: list[EndpointRead] = []
    next_cursor = None
    try:
        page = ok(
            await list_endpoints.asyncio_detailed(client=services.notifier, cursor=cursor or UNSET),
            EndpointList,
        )
    except ServiceProblem as exc:
        problem = refused(exc)
    else:
        items, next_cursor = page.items, page.next_cursor
    return render(
        request,
        "endpoints/list.html",
        problem.status if problem else 200,
        items=items,
        next_cursor=next_cursor,
        first_page=not cursor,
        problem=problem,
        done=DONE.get(request.query_params.get("done") or ""),
        **_context(),
    )


@router.get("/endpoints/new", name="new_endpoint")
async def new_endpoint(request: Request, me: Me) -> Response:
    return render(request, "endpoints/new.html", errors={}, values={}, **_context())


@router.post("/endpoints/new", name="add_endpoint")
async def add_endpoint(
    request: Request,
    me: Me,
    services: ServicesDep,
    url: Annotated[str, Form(max_length=2048)] = "",
    event_type: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006 - FastAPI copies it
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    values = {"url": url, "event_types": event_type, "description": description}
    errors: dict[str, str] = {}
    chosen = event_types(event_type, errors)
    problem = None
    if not errors:
        body = EndpointCreate(
            url=_destination(url), event_types=chosen, description=description.strip() or UNSET
        )
        try:
            created = ok(
                await create_endpoint.asyncio_detailed(client=services.notifier, body=body),
                EndpointCreated,
            )
        except ServiceProblem as exc:
            problem = refused(exc)
            errors = field_messages(problem)
        else:
            return render(
                request,
                "endpoints/secret.html",
                201,
                endpoint=created,
                secret=created.secret,
                rotated=None,
                **_context(),
            )
    return render(
        request,
        "endpoints/new.html",
        problem.status if problem else 422,
        errors=errors,
        values=values,
        problem=problem,
        **_context(),
    )


async def endpoint_page(
    request: Request,
    services: Services,
    endpoint_id: str,
    *,
    status_code: int = 200,
    problem: ServiceProblem | None = None,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
    runtime: Runtime,
) -> Response:
    """The endpoint's page; after a refused change, with the refusal beside its form."""
    endpoint = ok(
        await get_endpoint.asyncio_detailed(checked_id(endpoint_id), client=services.notifier),
        EndpointRead,
    )
    done = request.query_params.get("done") or ""
    message = DONE.get(done)
    if done == "recovered":
        queued = request.query_params.get("queued", "")
        if queued.isdecimal():
            count = int(queued)
            message = f"{message} {count} deliver{'y' if count == 1 else 'ies'} queued again."
    now = runtime.clock.now()
    shown: dict[str, object] = {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "description": endpoint.description or "",
        "since": london_input(now - RECOVER_DEFAULT),
    }
    return render(
        request,
        "endpoints/detail.html",
        status_code,
        e=endpoint,
        done=message,
        problem=problem,
        form=form,
        errors=errors or {},
        values=shown | (values or {}),
        in_grace=bool(
            endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
        ),
        **_context(),
    )


@router.get("/endpoints/{endpoint_id}", name="endpoint")
async def endpoint(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    return await endpoint_page(request, services, endpoint_id, runtime=runtime)


async def _change(
    request: Request,
    services: Services,
    runtime: RuntimeDep,
    endpoint_id: str,
    body: EndpointUpdate,
    form: str,
    done: str,
    values: dict[str, object] | None = None,
) -> Response:
    endpoint_id = checked_id(endpoint_id)
    answer = await update_endpoint.asyncio_detailed(
        endpoint_id, client=services.notifier, body=body
    )
    try:
        ok(answer, EndpointRead)
    except ServiceProblem as exc:
        problem = refused(exc)
        if problem.status == 404:
            raise
        return await endpoint_page(
            request,
            services,
            endpoint_id,
            status_code=problem.status,
            problem=problem,
            form=form,
            errors=field_messages(problem),
            values=values,
            runtime=runtime,
        )
    return RedirectResponse(f"/endpoints/{endpoint_id}?done={done}", status_code=303)


@router.post("/endpoints/{endpoint_id}/enable", name="enable_endpoint")
async def enable(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    body = EndpointUpdate(enabled=True)
    return await _change(request, services, runtime, endpoint_id, body, "enabled", "enabled")


@router.post("/endpoints/{endpoint_id}/disable", name="disable_endpoint")
async def disable(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    body = EndpointUpdate(enabled=False)
    return await _change(request, services, runtime, endpoint_id, body, "enabled", "disabled")


@router.post("/endpoints/{endpoint_id}/edit", name="edit_endpoint")
async def edit(
    request: Request,
    endpoint_id: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    url: Annotated[str, Form(max_length=2048)] = "",
    event_type: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006 - FastAPI copies it
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    values: dict[str, object] = {
        "url": url,
        "event_types": event_type,
        "description": description,
    }
    errors: dict[str, str] = {}
    chosen = event_types(event_type, errors)
    if errors:
        problem = ServiceProblem(422, "Check the form", "Some fields need changing.")
        return await endpoint_page(
            request,
            services,
            endpoint_id,
            status_code=422,
            problem=problem,
            form="edit",
            errors=errors,
            values=values,
            runtime=runtime,
        )
    body = EndpointUpdate(
        url=_destination(url), event_types=chosen, description=description.strip() or None
    )
    return await _change(request, services, runtime, endpoint_id, body, "edit", "edited", values)


@router.post("/endpoints/{endpoint_id}/rotate", name="rotate_endpoint_secret")
async def rotate(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    endpoint_id = checked_id(endpoint_id)
    rotated = ok(
        await rotate_endpoint_secret.asyncio_detailed(endpoint_id, client=services.notifier),
        SecretRotated,
    )
    endpoint = ok(
        await get_endpoint.asyncio_detailed(endpoint_id, client=services.notifier), EndpointRead
    )
    return render(
        request,
        "endpoints/secret.html",
        endpoint=endpoint,
        secret=rotated.secret,
        rotated=rotated,
        **_context(),
    )


@router.post("/endpoints/{endpoint_id}/recover", name="recover_endpoint")
async def recover(
    request: Request,
    endpoint_id: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    since: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    endpoint_id = checked_id(endpoint_id)
    try:
        instant = from_london_input(since)
    except ValueError:
        problem = ServiceProblem(
            422,
            "Check the time",
            "Give the London date and time to re-deliver from.",
            fields={"since": "Give a London date and time, such as 2027-01-04 09:00."},
        )
        return await endpoint_page(
            request,
            services,
            endpoint_id,
            status_code=422,
            problem=problem,
            form="recover",
            errors=problem.fields,
            values={"since": since},
            runtime=runtime,
        )
    answer = await recover_endpoint.asyncio_detailed(
        endpoint_id, client=services.notifier, body=RecoverBody(since=instant)
    )
    try:
        recovered = ok(answer, Recovered)
    except ServiceProblem as exc:
        problem = refused(exc)
        if problem.status == 404:
            raise
        return await endpoint_page(
            request,
            services,
            endpoint_id,
            status_code=problem.status,
            problem=problem,
            form="recover",
            errors={"since": problem.detail} if problem.fields else {},
            values={"since": since},
            runtime=runtime,
        )
    return RedirectResponse(
        f"/endpoints/{endpoint_id}?done=recovered&queued={recovered.requeued}", status_code=303
    )


@router.get("/endpoints/{endpoint_id}/delete", name="delete_endpoint_confirm")
async def delete_confirm(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep
) -> Response:
    endpoint = ok(
        await get_endpoint.asyncio_detailed(checked_id(endpoint_id), client=services.notifier),
        EndpointRead,
    )
    return render(request, "endpoints/delete.html", e=endpoint, **_context())


@router.post("/endpoints/{endpoint_id}/delete", name="delete_endpoint")
async def delete(request: Request, endpoint_id: str, me: Me, services: ServicesDep) -> Response:
    answer = await delete_endpoint.asyncio_detailed(
        checked_id(endpoint_id), client=services.notifier
    )
    if answer.status_code != 204:
        raise problem_of(answer.status_code, answer.content)
    return RedirectResponse("/endpoints?done=deleted", status_code=303)
