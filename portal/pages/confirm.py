"""`/endpoints/confirm?token=`: the page the link mailed to a new email endpoint opens.

Whoever reads that mailbox follows it, and may have no portal account: neither the page nor its
POST asks anyone to sign in. Opening the link confirms nothing (mail scanners fetch the links in
a message before anyone reads it); the page's button posts the token to the notifier, which turns
the endpoint on, once, within 24 hours of adding it.

The token is a credential for that one step: the pages are `no-store` (as every page) and
`Referrer-Policy: no-referrer`, so neither a cache nor a request the page makes carries the URL
onwards; the portal's access log line for the link leaves the query out (`portal.logs`). The POST
carries it in its body and answers on a URL without it. It is an unsafe method like any other:
the portal's origin checks (`portal.security`) refuse one sent from another site's page.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from ssi_client.notifier.api.endpoints import confirm_endpoint
from ssi_client.notifier.models import ConfirmBody, EndpointConfirmed

from portal.dependencies import RuntimeDep, optional_person
from portal.rendering import render
from portal.services import ServiceProblem, ok, refused
from portal.sessions.service import SignedIn

router = APIRouter()
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
"""The shape of the notifier's tokens: anything else was cut short or changed on the way."""
Someone = Annotated[SignedIn | None, Depends(optional_person)]
NOT_VALID = ServiceProblem(
    422,
    "This confirmation link is not valid",
    "It may have been cut short on the way: open the whole link from the message.",
)


def _page(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
    response = render(request, name, status_code, **context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/endpoints/confirm", name="confirm_endpoint_page")
async def confirm_page(request: Request, someone: Someone) -> Response:
    # Read from the query by hand: a token FastAPI refused would be named in a validation page.
    token = request.query_params.get("token", "")
    if not TOKEN.fullmatch(token):
        return _page(request, "endpoints/confirmed.html", 422, confirmed=None, problem=NOT_VALID)
    return _page(request, "endpoints/confirm.html", token=token)


@router.post("/endpoints/confirm", name="confirm_endpoint")
async def confirm(
    request: Request,
    someone: Someone,
    runtime: RuntimeDep,
    token: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if not TOKEN.fullmatch(token):
        return _page(request, "endpoints/confirmed.html", 422, confirmed=None, problem=NOT_VALID)
    async with runtime.connections.notifier_without_token() as notifier:
        answer = await confirm_endpoint.asyncio_detailed(
            client=notifier, body=ConfirmBody(token=token)
        )
    try:
        confirmed = ok(answer, EndpointConfirmed)
    except ServiceProblem as exc:
        problem = refused(exc)
        return _page(
            request, "endpoints/confirmed.html", problem.status, confirmed=None, problem=problem
        )
    return _page(request, "endpoints/confirmed.html", confirmed=confirmed, problem=None)
