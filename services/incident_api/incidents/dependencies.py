"""`CurrentIncident`: the incident named in the path, if the caller may see it (else 404)."""

import re
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import select

from services.common.auth import Kind, Principal
from services.common.db import SessionDep
from services.common.pagination import MAX_INT_KEY
from services.incident_api.incidents.errors import IncidentNotFound
from services.incident_api.incidents.models import Incident


def may_see(principal: Principal, incident: Incident) -> bool:
    if principal.kind in (Kind.operator, Kind.service):
        return True
    return principal.party_id in (incident.requesting_party_id, incident.addressed_party_id)


async def load_visible(session: SessionDep, principal: Principal, incident_id: str) -> Incident:
    """By id or by reference (`INC-000123`), with the same visibility either way."""
    incident: Incident | None = None
    if _REFERENCE.fullmatch(incident_id):
        pk = pk_of_reference(incident_id)
        incident = await session.get(Incident, pk) if pk is not None else None
    elif "\x00" not in incident_id:  # no id holds one, and PostgreSQL refuses NUL in text
        incident = (await session.exec(select(Incident).where(Incident.id == incident_id))).first()
    if incident is None or not may_see(principal, incident):
        raise IncidentNotFound()
    return incident


_REFERENCE = re.compile(r"INC-([0-9]{6,12})", re.IGNORECASE)


def pk_of_reference(reference: str) -> int | None:
    """The pk a reference names; None past the column's range (PostgreSQL's integer), where no
    incident can be, rather than a query the database refuses."""
    pk = int(reference[4:])
    return pk if pk <= MAX_INT_KEY else None


IncidentId = Annotated[
    str,
    Path(
        max_length=64,
        description="The incident's id, or its reference",
        examples=["INC-000123"],
    ),
]


def incident_for(principal_dependency: object) -> object:
    """A dependency loading the path's incident for the principal `principal_dependency` returns.

    FastAPI caches a dependency per request, so a route that also asks for the same principal
    dependency gets the same principal, authenticated once.
    """

    async def dependency(
        session: SessionDep,
        incident_id: IncidentId,
        principal: Annotated[Principal, Depends(principal_dependency)],
    ) -> Incident:
        return await load_visible(session, principal, incident_id)

    return dependency
