"""The contact list's defects: contact addresses the notifier cannot deliver to.

A contact endpoint (kept from a party's contact emails) whose latest attempt failed keeps a
failing streak (`failing_since`) and, unlike a party's own endpoints, is never disabled: it is the
last resort. A relay's 5xx for the address kills that delivery at once; either way operators see
the address here until a message to it succeeds, and correct the contact list at the API.
"""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.openapi import examples
from services.notifier.delivery.models import Delivery
from services.notifier.endpoints.models import ContactRole, Endpoint


class ContactDefect(BaseModel):
    party_id: str
    contact_role: ContactRole
    address: str
    failing_since: datetime
    last_status_code: int | None
    """The SMTP reply code of the latest failed attempt, if the server answered."""
    last_error: str | None


class ContactDefects(BaseModel):
    model_config = examples(
        {
            "items": [
                {
                    "party_id": "ISUP",
                    "contact_role": "ops",
                    "address": "ops@installing.example",
                    "failing_since": "2026-11-30T09:12:00Z",
                    "last_status_code": 550,
                    "last_error": "recipient refused",
                }
            ]
        }
    )

    items: list[ContactDefect]


async def defects(session: AsyncSession, party_id: str | None) -> list[ContactDefect]:
    """Failing contact endpoints, oldest streak first; one party's only, if given."""
    query = select(Endpoint).where(
        col(Endpoint.contact_role).is_not(None), col(Endpoint.failing_since).is_not(None)
    )
    if party_id is not None:
        query = query.where(col(Endpoint.party_id) == party_id)
    failing = (await session.exec(query.order_by(col(Endpoint.failing_since)))).all()
    found = []
    for endpoint in failing:
        latest = (
            await session.exec(
                select(Delivery)
                .where(col(Delivery.endpoint_id) == endpoint.id)
                .where(col(Delivery.attempt_count) > 0)
                .order_by(col(Delivery.updated_at).desc())
                .limit(1)
            )
        ).first()
        assert endpoint.contact_role is not None
        assert endpoint.failing_since is not None
        found.append(
            ContactDefect(
                party_id=endpoint.party_id,
                contact_role=endpoint.contact_role,
                address=endpoint.address or "",
                failing_since=endpoint.failing_since,
                last_status_code=latest.last_status_code if latest else None,
                last_error=latest.last_error if latest else None,
            )
        )
    return found
