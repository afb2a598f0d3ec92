"""`POST /endpoints/contacts`: the party's own contact emails, from the form beside the contact
list's endpoints on `/endpoints`.

The incident API keeps them (`PATCH /v1/parties/{id}/contacts`, audited there: who and which
fields, never the addresses); the notifier's contact endpoints follow them from the event feed,
a moment later. Only the addresses that differ from the ones shown are sent, so saving an
untouched form changes nothing and announces nothing.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.incident_api.api.parties import update_party_contacts
from ssi_client.incident_api.models import ContactsUpdate, PartyRead

from portal.dependencies import Me, ServicesDep
from portal.pages.endpoints import contact_endpoints, endpoints_page
from portal.services import ServiceProblem, ok, refused

router = APIRouter()
Address = Annotated[str, Form(max_length=1000)]


@router.post("/endpoints/contacts", name="change_contacts")
async def change_contacts(
    request: Request,
    me: Me,
    services: ServicesDep,
    ops_contact_email: Address = "",
    escalation_contact_email: Address = "",
) -> Response:
    values = {
        "ops_contact_email": ops_contact_email,
        "escalation_contact_email": escalation_contact_email,
    }
    blank = {
        name: "Give an address: the contact list is never empty."
        for name, value in values.items()
        if not value.strip()
    }
    if blank:
        problem = ServiceProblem(
            422, "Check the addresses", "Both contacts need an address.", fields=blank
        )
        return await endpoints_page(
            request, services, status_code=422, contacts_problem=problem, contacts_values=values
        )
    current = {
        f"{e.contact_role}_contact_email": e.address for e in await contact_endpoints(services)
    }
    body = ContactsUpdate()
    for name, value in values.items():
        if value.strip() != current.get(name):
            setattr(body, name, value.strip())
    if not body.to_dict():
        return RedirectResponse("/endpoints?done=contacts_unchanged", status_code=303)
    answer = await update_party_contacts.asyncio_detailed(
        me.party_id, client=services.api, body=body
    )
    try:
        ok(answer, PartyRead)
    except ServiceProblem as exc:
        problem = refused(exc)
        return await endpoints_page(
            request,
            services,
            status_code=problem.status,
            contacts_problem=problem,
            contacts_values=values,
        )
    return RedirectResponse("/endpoints?done=contacts", status_code=303)
