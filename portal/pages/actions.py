"""What a person does to an incident: acknowledge, answer, close, cancel, reopen, readdress.

Each is a form posted to `/incidents/{reference}/{action}`; success goes back to the incident's
page with a message (303, so a reload does not post again), a refusal shows the incident's page
with the service's words beside the form. A form sent twice meets the API's conditional update
the second time and is refused with the current status: nothing happens twice.

The install code typed into the answer form is passed to the API once and never kept, logged or
put back into a page, even when the API refuses it.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.incident_api.api.incidents import (
    acknowledge_incident,
    cancel_incident,
    close_incident,
    readdress_incident,
    reopen_incident,
    respond_to_incident,
)
from ssi_client.incident_api.models import (
    CancelBody,
    CloseBody,
    IncidentRead,
    Outcome,
    ReaddressBody,
    ReopenBody,
    ResponseCreate,
)
from ssi_client.incident_api.types import UNSET

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.pages.incidents import checked_key, incident_page
from portal.services import Answer, ServiceProblem, ok, refused

router = APIRouter()
Text = Annotated[str, Form(max_length=2000)]


async def _after(
    request: Request,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    key: str,
    form: str,
    answer: Answer[IncidentRead],
    done: str,
    values: dict[str, str] | None = None,
) -> Response:
    try:
        incident = ok(answer, IncidentRead)
    except ServiceProblem as problem:
        refused(problem)
        return await incident_page(
            request,
            me,
            services,
            runtime,
            key,
            status_code=problem.status,
            problem=problem,
            form=form,
            values=values,
        )
    return RedirectResponse(f"/incidents/{incident.reference}?done={done}", status_code=303)


@router.post("/incidents/{key}/acknowledge", name="acknowledge")
async def acknowledge(
    request: Request, key: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    answer = await acknowledge_incident.asyncio_detailed(checked_key(key), client=services.api)
    return await _after(request, me, services, runtime, key, "acknowledge", answer, "acknowledged")


@router.post("/incidents/{key}/respond", name="respond")
async def respond(
    request: Request,
    key: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    outcome: Annotated[str, Form(max_length=32)] = "",
    install_code: Annotated[str, Form(max_length=128)] = "",
    reason: Text = "",
    suggested_party_id: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    values = {"outcome": outcome, "reason": reason, "suggested_party_id": suggested_party_id}
    try:
        chosen = Outcome(outcome)
    except ValueError:
        problem = ServiceProblem(
            422,
            "Choose an answer",
            "Choose one of the three answers.",
            fields={"outcome": "Choose an answer."},
        )
        return await incident_page(
            request,
            me,
            services,
            runtime,
            key,
            status_code=422,
            problem=problem,
            form="respond",
            values=values,
        )
    body = ResponseCreate(outcome=chosen)
    if chosen == Outcome.INSTALL_CODE_PROVIDED:
        body.install_code = install_code.strip()
    elif chosen == Outcome.NOT_INSTALLING_SUPPLIER:
        body.suggested_party_id = suggested_party_id.strip().upper() or UNSET
    else:
        body.reason = reason.strip()
    answer = await respond_to_incident.asyncio_detailed(
        checked_key(key), client=services.api, body=body
    )
    return await _after(request, me, services, runtime, key, "respond", answer, "responded", values)


@router.post("/incidents/{key}/close", name="close")
async def close(
    request: Request, key: str, me: Me, services: ServicesDep, runtime: RuntimeDep, note: Text = ""
) -> Response:
    body = CloseBody(note=note.strip()) if note.strip() else None
    answer = await close_incident.asyncio_detailed(checked_key(key), client=services.api, body=body)
    return await _after(
        request, me, services, runtime, key, "close", answer, "closed", {"note": note}
    )


@router.post("/incidents/{key}/cancel", name="cancel")
async def cancel(
    request: Request,
    key: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    reason: Text = "",
) -> Response:
    body = CancelBody(reason=reason.strip()) if reason.strip() else None
    answer = await cancel_incident.asyncio_detailed(
        checked_key(key), client=services.api, body=body
    )
    return await _after(
        request, me, services, runtime, key, "cancel", answer, "cancelled", {"reason": reason}
    )


@router.post("/incidents/{key}/reopen", name="reopen")
async def reopen(
    request: Request,
    key: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    reason: Text = "",
) -> Response:
    answer = await reopen_incident.asyncio_detailed(
        checked_key(key), client=services.api, body=ReopenBody(reason=reason.strip())
    )
    return await _after(
        request, me, services, runtime, key, "reopen", answer, "reopened", {"reason": reason}
    )


@router.post("/incidents/{key}/readdress", name="readdress")
async def readdress(
    request: Request,
    key: str,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    addressed_party_id: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    answer = await readdress_incident.asyncio_detailed(
        checked_key(key),
        client=services.api,
        body=ReaddressBody(addressed_party_id=addressed_party_id.strip().upper()),
    )
    return await _after(
        request,
        me,
        services,
        runtime,
        key,
        "readdress",
        answer,
        "readdressed",
        {"addressed_party_id": addressed_party_id},
    )
