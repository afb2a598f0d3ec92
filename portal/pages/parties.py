"""`/parties`: the contact list, for operators, with its defects (contact addresses the notifier
could not deliver to, from its report); `/parties/{party_id}`: one party and its changes, which
an operator with `parties:write` may edit, deactivate or reactivate; `/parties/new`: add one.

Suppliers' tokens carry no `parties:read`: the API refuses them, and the page says so in plain
words (403). A path whose party id is not 4 upper-case letters or digits is a 404 here, before
any service is asked. Only the fields a person changed are sent, so saving an untouched form
changes nothing and announces nothing on the feed.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.incident_api.api.parties import (
    create_party,
    get_party,
    get_party_history,
    list_parties,
    update_party,
)
from ssi_client.incident_api.models import (
    PartyCategory,
    PartyChangeList,
    PartyCreate,
    PartyList,
    PartyRead,
    PartyUpdate,
)
from ssi_client.incident_api.types import UNSET
from ssi_client.notifier.api.reports import get_contact_defects
from ssi_client.notifier.models import ContactDefect, ContactDefects

from portal.dependencies import Me, ServicesDep
from portal.rendering import render
from portal.services import Answer, ServiceProblem, Services, ok, refused
from portal.sessions.service import SignedIn

router = APIRouter()
PARTY_ID = re.compile(r"[A-Z0-9]{4}")
PAGE_SIZES = (25, 50, 100, 200)
EDITABLE = ("name", "ops_contact_email", "escalation_contact_email")
DONE = {
    "created": "Party added to the contact list.",
    "updated": "Changes saved.",
    "unchanged": "Nothing was changed.",
    "deactivated": "Party deactivated: its tokens are refused and nothing new can be addressed "
    "to it.",
    "reactivated": "Party reactivated.",
}
Text = Annotated[str, Form(max_length=1000)]
HISTORY = 50
"""The party's latest changes shown on its page."""


def checked(party_id: str) -> str:
    if not PARTY_ID.fullmatch(party_id):
        raise ServiceProblem(404, "Not found", "There is no such party.")
    return party_id


def operators_only() -> ServiceProblem:
    return ServiceProblem(
        403,
        "Operators only",
        "The contact list is kept by the DCC service desk and SECAS: your account may not read "
        "or change it.",
    )


def _shown(problem: ServiceProblem) -> ServiceProblem:
    """A refusal of the whole page, in words for a person."""
    return operators_only() if problem.slug == "missing-scope" else problem


def _read(answer: Answer[Any], expected: type[Any]) -> Any:
    try:
        return ok(answer, expected)
    except ServiceProblem as problem:
        raise _shown(problem) from None


@router.get("/parties", name="parties")
async def parties(
    request: Request,
    me: Me,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: int = 100,
) -> Response:
    if limit not in PAGE_SIZES:
        limit = 100
    errors: dict[str, str] = {}
    page = PartyList(items=[], next_cursor=None)
    try:
        page = ok(
            await list_parties.asyncio_detailed(
                client=services.api, cursor=cursor or UNSET, limit=limit
            ),
            PartyList,
        )
    except ServiceProblem as problem:
        if problem.status != 422:
            raise _shown(problem) from None
        errors["_"] = problem.detail  # a cursor that is not the API's
    defects: list[ContactDefect] = []
    defects_problem = None
    try:
        defects = ok(
            await get_contact_defects.asyncio_detailed(client=services.notifier), ContactDefects
        ).items
    except ServiceProblem as problem:
        # The contact list stands without its defects: the notifier's part is said to be missing.
        defects_problem = problem
    query = {"limit": str(limit)} if limit != 100 else {}
    return render(
        request,
        "parties/list.html",
        422 if errors else 200,
        defects=defects,
        failing={(d.party_id, str(d.contact_role)): d for d in defects},
        defects_problem=defects_problem,
        parties=page.items,
        next_cursor=page.next_cursor,
        first_page=not cursor,
        query=query,
        errors=errors,
        can_write=me.can("parties:write"),
    )


@router.get("/parties/new", name="new_party")
async def new_party(request: Request, me: Me) -> Response:
    if not me.can("parties:write"):
        raise operators_only()
    return render(request, "parties/new.html", errors={}, values={}, categories=_categories())


def _categories() -> list[str]:
    return [c.value for c in PartyCategory]


@router.post("/parties/new", name="create_party")
async def add_party(
    request: Request,
    me: Me,
    services: ServicesDep,
    party_id: Annotated[str, Form(max_length=16)] = "",
    name: Text = "",
    category: Annotated[str, Form(max_length=32)] = "",
    ops_contact_email: Text = "",
    escalation_contact_email: Text = "",
) -> Response:
    values = {
        "party_id": party_id,
        "name": name,
        "category": category,
        "ops_contact_email": ops_contact_email,
        "escalation_contact_email": escalation_contact_email,
    }
    try:
        if category not in _categories():
            raise ServiceProblem(
                422,
                "Choose a category",
                "Choose the party's category.",
                fields={"category": "Choose a category."},
            )
        body = PartyCreate(
            party_id=party_id.strip().upper(),
            name=name.strip(),
            category=PartyCategory(category),
            ops_contact_email=ops_contact_email.strip(),
            escalation_contact_email=escalation_contact_email.strip(),
        )
        party = ok(await create_party.asyncio_detailed(client=services.api, body=body), PartyRead)
    except ServiceProblem as problem:
        refused(problem)
        return render(
            request,
            "parties/new.html",
            problem.status,
            errors=problem.fields,
            problem=problem,
            values=values,
            categories=_categories(),
        )
    return RedirectResponse(f"/parties/{party.party_id}?done=created", status_code=303)


async def _party(services: Services, party_id: str) -> PartyRead:
    party: PartyRead = _read(
        await get_party.asyncio_detailed(checked(party_id), client=services.api), PartyRead
    )
    return party


async def _history(services: Services, party_id: str) -> PartyChangeList | None:
    """The party's latest changes, for whoever may read them (operators); None otherwise."""
    answer = await get_party_history.asyncio_detailed(party_id, client=services.api, limit=HISTORY)
    return answer.parsed if isinstance(answer.parsed, PartyChangeList) else None


def _page(
    request: Request,
    me: SignedIn,
    party: PartyRead,
    *,
    history: PartyChangeList | None = None,
    status_code: int = 200,
    problem: ServiceProblem | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    done = request.query_params.get("done")
    return render(
        request,
        "parties/detail.html",
        status_code,
        party=party,
        history=history,
        can_write=me.can("parties:write"),
        own=party.party_id == me.party_id,
        done=DONE.get(done or ""),
        problem=problem,
        form=form,
        errors=problem.fields if problem else {},
        values=values or {f: getattr(party, f) or "" for f in EDITABLE},
    )


@router.get("/parties/{party_id}", name="party")
async def party_page(request: Request, party_id: str, me: Me, services: ServicesDep) -> Response:
    party = await _party(services, party_id)
    return _page(request, me, party, history=await _history(services, party.party_id))


async def _patch(
    request: Request,
    me: SignedIn,
    services: Services,
    party: PartyRead,
    body: PartyUpdate,
    form: str,
    done: str,
    values: dict[str, str] | None = None,
) -> Response:
    try:
        ok(
            await update_party.asyncio_detailed(party.party_id, client=services.api, body=body),
            PartyRead,
        )
    except ServiceProblem as problem:
        refused(problem)
        return _page(
            request,
            me,
            party,
            status_code=problem.status,
            problem=problem,
            form=form,
            values=values,
        )
    return RedirectResponse(f"/parties/{party.party_id}?done={done}", status_code=303)


@router.post("/parties/{party_id}", name="update_party")
async def edit_party(
    request: Request,
    party_id: str,
    me: Me,
    services: ServicesDep,
    name: Text = "",
    ops_contact_email: Text = "",
    escalation_contact_email: Text = "",
) -> Response:
    party = await _party(services, party_id)
    values = {
        "name": name,
        "ops_contact_email": ops_contact_email,
        "escalation_contact_email": escalation_contact_email,
    }
    body = PartyUpdate()
    for name, value in values.items():
        if value.strip() != (getattr(party, name) or ""):
            setattr(body, name, value.strip())
    if not body.to_dict():
        return RedirectResponse(f"/parties/{party.party_id}?done=unchanged", status_code=303)
    return await _patch(request, me, services, party, body, "edit", "updated", values)


@router.post("/parties/{party_id}/active", name="party_active")
async def set_active(
    request: Request,
    party_id: str,
    me: Me,
    services: ServicesDep,
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    party = await _party(services, party_id)
    if active not in ("true", "false"):
        raise ServiceProblem(422, "Refused", "Choose to deactivate or reactivate the party.")
    if active == "false" and party.party_id == me.party_id:
        # The API would allow it, and every token of the party, this person's included, would
        # be refused from then on: nobody left at this desk could undo it.
        problem = ServiceProblem(
            409,
            "Not your own party",
            "You act for this party: another operator's party must deactivate it.",
        )
        return _page(request, me, party, status_code=409, problem=problem, form="active")
    done = "reactivated" if active == "true" else "deactivated"
    body = PartyUpdate(active=active == "true")
    return await _patch(request, me, services, party, body, "active", done)
