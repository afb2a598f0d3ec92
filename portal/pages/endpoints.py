"""`/endpoints`: the signed-in party's own endpoints (operators too: their own party's), of
each kind: a webhook (a URL), an email address, or the party's inbox.

The list (with the contact list's endpoints, read-only, and the form for the party's contact
emails: `portal.pages.contacts`), `/endpoints/new?kind=` (add one: the fields of that kind), and
`/endpoints/{id}`: details, send a test event, enable or disable, edit, rotate the signing secret
(webhooks only), recover (enable and re-deliver since a London time), remove (a confirmation
page, then its POST). The notifier decides what a party may see: another party's endpoint is its
404, shown as a 404 page. A contact endpoint follows the party's contact emails: its page offers
a test and nothing that would change it.

A signing secret is on one page only: the answer to the POST that created or rotated it, rendered
directly (never a redirect, which would put it in a URL or another request), kept out of htmx's
history, and blanked by `portal.js` when the page is left. The list and the endpoint's page never
have it: the notifier does not give it twice.

An email endpoint starts off, awaiting confirmation: the notifier mails its address a link to
`/endpoints/confirm` (`portal.pages.confirm`), and only following it turns the endpoint on.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.notifier.api.deliveries import get_delivery
from ssi_client.notifier.api.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    recover_endpoint,
    rotate_endpoint_secret,
    test_endpoint,
    update_endpoint,
)
from ssi_client.notifier.models import (
    DeliveryDetail,
    DeliveryRead,
    DisabledReason,
    EndpointCreate,
    EndpointCreated,
    EndpointKind,
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
from portal.pages.common import destination
from portal.pages.deliveries import STATUS_WORDS
from portal.rendering import LONDON, render
from portal.runtime import Runtime
from portal.services import ServiceProblem, Services, ok, problem_of, refused

router = APIRouter()

EVENT_TYPES = tuple(t for t in EventType if t.value.startswith(("incident.", "endpoint.")))
"""The types the notifier delivers to endpoints (its documentation: `incident.*` and
`endpoint.*`); the feed's other types (`party.*`) are refused on an endpoint."""
KINDS = {
    EndpointKind.WEBHOOK: "Webhook",
    EndpointKind.EMAIL: "Email address",
    EndpointKind.INBOX: "Inbox",
}
DISABLED_BECAUSE = {
    "by_party": "turned off by your party",
    "gone": "the receiver answered 410 Gone",
    "failing": "it failed for too long without a success",
    "unconfirmed": "awaiting confirmation: follow the link mailed to the address",
}
CONTACT_ROLES = {"ops": "ops contact", "escalation": "escalation contact"}
DONE = {
    "enabled": "Endpoint turned on: it receives the events that come next.",
    "disabled": "Endpoint turned off: what was waiting for it is skipped.",
    "edited": "Endpoint changed.",
    "recovered": "Endpoint turned on again.",
    "deleted": "Endpoint removed, with its deliveries.",
    "added_email": "Email endpoint added. A confirmation link has been mailed to the address: "
    "the endpoint is turned on when someone follows it, within 24 hours.",
    "added_inbox": "Inbox added: your party's events are held in it until you fetch them.",
    "tested": "Test event sent.",
    "contacts": "Contact emails saved. The contact list's endpoints follow them within a few "
    "seconds.",
    "contacts_unchanged": "Nothing was changed.",
}
PROBLEM_FIELDS = {"invalid-endpoint-url": "url", "invalid-event-types": "event_types"}
"""Refusals about one field that the notifier names by their type rather than a field."""
PLAIN = {
    "url": "Give the whole address, starting with https://, with no spaces.",
    "address": "Give one email address, such as ssi-queue@example.co.uk, on one line.",
    "description": "At most 200 characters, on one line.",
    "event_types": "Choose among the event types listed.",
}
RECOVER_DEFAULT = timedelta(days=1)
CONTACT_PAGES = 10
"""Pages of 100 looked through for the contact list's endpoints (one per role): the notifier
lists them among the party's own, newest first."""


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
    if any(part.isdigit() for name in problem.fields for part in name.split(".")):
        # A list item is named by its index alone: the event types are the only list sent.
        errors.setdefault("event_types", PLAIN["event_types"])
    if not errors:
        errors["_"] = problem.detail
    return errors


def event_types(chosen: list[str], errors: dict[str, str]) -> list[EventType]:
    try:
        return sorted({EventType(value) for value in chosen})
    except ValueError:
        errors["event_types"] = PLAIN["event_types"]
        return []


def kind_of(value: str) -> EndpointKind | None:
    try:
        return EndpointKind(value or EndpointKind.WEBHOOK.value)
    except ValueError:
        return None


def _destination(url: str) -> str:
    """A webhook's destination, as sent: its URL, without the spaces a paste brings."""
    return url.strip()


def awaiting_confirmation(endpoint: EndpointRead) -> bool:
    return endpoint.disabled_reason == DisabledReason.UNCONFIRMED


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
        "kinds": {k.value: words for k, words in KINDS.items()},
        "destination": destination,
        "disabled_because": disabled_because,
        "awaiting_confirmation": awaiting_confirmation,
        "contact_roles": CONTACT_ROLES,
    }


async def contact_endpoints(services: Services) -> list[EndpointRead]:
    """The endpoints the notifier keeps from the party's contact list, ops contact first."""
    found: list[EndpointRead] = []
    cursor: str | None = None
    for _ in range(CONTACT_PAGES):
        page = ok(
            await list_endpoints.asyncio_detailed(
                client=services.notifier, cursor=cursor or UNSET, contacts=True
            ),
            EndpointList,
        )
        found += [e for e in page.items if e.contact_role is not None]
        cursor = page.next_cursor
        if not cursor or len(found) >= len(CONTACT_ROLES):
            break
    order = list(CONTACT_ROLES)
    return sorted(found, key=lambda e: order.index(e.contact_role or "ops"))


def contact_field_messages(problem: ServiceProblem | None) -> dict[str, str]:
    """A refused change of the contact emails beside the address at fault; `_` for the rest."""
    if problem is None:
        return {}
    names = ("ops_contact_email", "escalation_contact_email")
    errors = {n: problem.fields[n] for n in names if n in problem.fields}
    return errors or {"_": problem.detail}


async def endpoints_page(
    request: Request,
    services: Services,
    *,
    cursor: str | None = None,
    status_code: int = 200,
    contacts_problem: ServiceProblem | None = None,
    contacts_values: dict[str, str] | None = None,
) -> Response:
    """The list; after a refused change of the contact emails, with the refusal beside them."""
    problem = None
    items: list[EndpointRead] = []
    contacts: list[EndpointRead] = []
    next_cursor = None
    try:
        page = ok(
            await list_endpoints.asyncio_detailed(client=services.notifier, cursor=cursor or UNSET),
            EndpointList,
        )
        contacts = await contact_endpoints(services)
    except ServiceProblem as exc:
        problem = refused(exc)
    else:
        items, next_cursor = page.items, page.next_cursor
    current = {str(e.contact_role): e.address or "" for e in contacts}
    values = {
        "ops_contact_email": current.get("ops", ""),
        "escalation_contact_email": current.get("escalation", ""),
    }
    return render(
        request,
        "endpoints/list.html",
        problem.status if problem else status_code,
        items=items,
        contacts=contacts,
        next_cursor=next_cursor,
        first_page=not cursor,
        problem=problem,
        done=DONE.get(request.query_params.get("done") or ""),
        contacts_problem=contacts_problem,
        contacts_errors=contact_field_messages(contacts_problem),
        contacts_values=values | (contacts_values or {}),
        **_context(),
    )


@router.get("/endpoints", name="endpoints")
async def endpoints(
    request: Request,
    me: Me,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    return await endpoints_page(request, services, cursor=cursor)


def _new_page(
    request: Request,
    kind: EndpointKind,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
    problem: ServiceProblem | None = None,
    inbox_id: str | None = None,
) -> Response:
    return render(
        request,
        "endpoints/new.html",
        status_code,
        kind=kind.value,
        errors=errors or {},
        values=values or {},
        problem=problem,
        inbox_id=inbox_id,
        **_context(),
    )


@router.get("/endpoints/new", name="new_endpoint")
async def new_endpoint(
    request: Request, me: Me, kind: Annotated[str, Query(max_length=16)] = ""
) -> Response:
    chosen = kind_of(kind)
    if chosen is None:
        raise ServiceProblem(404, "Not found", "There is no such kind of endpoint.")
    return _new_page(request, chosen)


async def _inbox_id(services: Services) -> str | None:
    """The party's inbox, to point to when a second one is refused."""
    answer = await list_endpoints.asyncio_detailed(client=services.notifier)
    if isinstance(answer.parsed, EndpointList):
        for endpoint in answer.parsed.items:
            if endpoint.kind == EndpointKind.INBOX:
                return endpoint.id
    return None


@router.post("/endpoints/new", name="add_endpoint")
async def add_endpoint(
    request: Request,
    me: Me,
    services: ServicesDep,
    kind: Annotated[str, Form(max_length=16)] = "",
    url: Annotated[str, Form(max_length=2048)] = "",
    address: Annotated[str, Form(max_length=1000)] = "",
    event_type: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006 - FastAPI copies it
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    chosen_kind = kind_of(kind)
    if chosen_kind is None:
        raise ServiceProblem(
            422, "Choose a kind", "Choose a webhook, an email address or the inbox."
        )
    values: dict[str, object] = {
        "url": url,
        "address": address,
        "event_types": event_type,
        "description": description,
    }
    errors: dict[str, str] = {}
    chosen = event_types(event_type, errors)
    body = EndpointCreate(
        kind=chosen_kind, event_types=chosen, description=description.strip() or UNSET
    )
    if chosen_kind == EndpointKind.WEBHOOK:
        body.url = _destination(url)
    elif chosen_kind == EndpointKind.EMAIL:
        # Only the spaces a paste brings: a line break inside is the notifier's to refuse.
        body.address = address.strip(" \t")
        if not body.address:
            errors["address"] = "Give the email address to send to."
    problem = None
    inbox_id = None
    if not errors:
        try:
            created = ok(
                await create_endpoint.asyncio_detailed(client=services.notifier, body=body),
                EndpointCreated,
            )
        except ServiceProblem as exc:
            problem = refused(exc)
            if problem.slug == "inbox-exists":
                errors = {"_": "A party has one inbox at most, and yours already has it."}
                inbox_id = await _inbox_id(services)
            else:
                errors = field_messages(problem)
        else:
            if chosen_kind == EndpointKind.WEBHOOK:
                return render(
                    request,
                    "endpoints/secret.html",
                    201,
                    endpoint=created,
                    secret=created.secret,
                    rotated=None,
                    **_context(),
                )
            done = "added_email" if chosen_kind == EndpointKind.EMAIL else "added_inbox"
            return RedirectResponse(f"/endpoints/{created.id}?done={done}", status_code=303)
    return _new_page(
        request,
        chosen_kind,
        status_code=problem.status if problem else 422,
        errors=errors,
        values=values,
        problem=problem,
        inbox_id=inbox_id,
    )


async def _endpoint(services: Services, endpoint_id: str) -> EndpointRead:
    return ok(
        await get_endpoint.asyncio_detailed(checked_id(endpoint_id), client=services.notifier),
        EndpointRead,
    )


async def _tested(request: Request, services: Services) -> DeliveryDetail | None:
    """The test delivery named in the address, as it stands now (None if it is not one)."""
    wanted = request.query_params.get("delivery") or ""
    try:
        delivery_id = str(uuid.UUID(wanted))
    except ValueError:
        return None
    answer = await get_delivery.asyncio_detailed(delivery_id, client=services.notifier)
    return answer.parsed if isinstance(answer.parsed, DeliveryDetail) else None


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
    endpoint = await _endpoint(services, endpoint_id)
    done = request.query_params.get("done") or ""
    message = DONE.get(done)
    if done == "recovered":
        queued = request.query_params.get("queued", "")
        if queued.isdecimal():
            count = int(queued)
            message = f"{message} {count} deliver{'y' if count == 1 else 'ies'} queued again."
    tested = await _tested(request, services) if done == "tested" else None
    now = runtime.clock.now()
    shown: dict[str, object] = {
        "url": endpoint.url or "",
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
        tested=tested,
        status_words=STATUS_WORDS,
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


async def _refused_on_page(
    request: Request,
    services: Services,
    runtime: Runtime,
    endpoint_id: str,
    exc: ServiceProblem,
    form: str,
    errors: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    """The endpoint's page with a refusal beside `form`; a missing endpoint is the 404 page."""
    problem = refused(exc)
    if problem.status == 404:
        raise problem
    return await endpoint_page(
        request,
        services,
        endpoint_id,
        status_code=problem.status,
        problem=problem,
        form=form,
        errors=field_messages(problem) if errors is None else errors,
        values=values,
        runtime=runtime,
    )


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
        return await _refused_on_page(
            request, services, runtime, endpoint_id, exc, form, values=values
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
    endpoint = await _endpoint(services, endpoint_id)
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
            endpoint.id,
            status_code=422,
            problem=problem,
            form="edit",
            errors=errors,
            values=values,
            runtime=runtime,
        )
    body = EndpointUpdate(event_types=chosen, description=description.strip() or None)
    if endpoint.kind == EndpointKind.WEBHOOK:
        body.url = _destination(url)
    return await _change(request, services, runtime, endpoint.id, body, "edit", "edited", values)


@router.post("/endpoints/{endpoint_id}/test", name="test_endpoint")
async def test(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    endpoint_id = checked_id(endpoint_id)
    answer = await test_endpoint.asyncio_detailed(endpoint_id, client=services.notifier)
    try:
        delivery = ok(answer, DeliveryRead)
    except ServiceProblem as exc:
        return await _refused_on_page(request, services, runtime, endpoint_id, exc, "test", {})
    return RedirectResponse(
        f"/endpoints/{endpoint_id}?done=tested&delivery={delivery.id}", status_code=303
    )


@router.post("/endpoints/{endpoint_id}/rotate", name="rotate_endpoint_secret")
async def rotate(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    endpoint_id = checked_id(endpoint_id)
    answer = await rotate_endpoint_secret.asyncio_detailed(endpoint_id, client=services.notifier)
    try:
        rotated = ok(answer, SecretRotated)
    except ServiceProblem as exc:
        return await _refused_on_page(request, services, runtime, endpoint_id, exc, "rotate", {})
    endpoint = await _endpoint(services, endpoint_id)
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
        errors = {"since": exc.detail} if exc.fields else {}
        return await _refused_on_page(
            request, services, runtime, endpoint_id, exc, "recover", errors, {"since": since}
        )
    return RedirectResponse(
        f"/endpoints/{endpoint_id}?done=recovered&queued={recovered.requeued}", status_code=303
    )


@router.get("/endpoints/{endpoint_id}/delete", name="delete_endpoint_confirm")
async def delete_confirm(
    request: Request, endpoint_id: str, me: Me, services: ServicesDep
) -> Response:
    endpoint = await _endpoint(services, endpoint_id)
    return render(request, "endpoints/delete.html", e=endpoint, **_context())


@router.post("/endpoints/{endpoint_id}/delete", name="delete_endpoint")
async def delete(request: Request, endpoint_id: str, me: Me, services: ServicesDep) -> Response:
    answer = await delete_endpoint.asyncio_detailed(
        checked_id(endpoint_id), client=services.notifier
    )
    if answer.status_code != 204:
        raise problem_of(answer.status_code, answer.content)
    return RedirectResponse("/endpoints?done=deleted", status_code=303)
