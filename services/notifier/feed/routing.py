"""Who hears of an event (DESIGN §5)."""

from collections.abc import Iterable
from typing import Any

from shared.schemas import EventType

ADDRESSEE = "addressee"
REQUESTER = "requester"
OPERATORS = "operators"

AUDIENCES: dict[EventType, tuple[str, ...]] = {
    EventType.incident_raised: (ADDRESSEE,),
    EventType.incident_reopened: (ADDRESSEE,),
    EventType.incident_readdressed: (ADDRESSEE,),
    EventType.incident_cancelled: (ADDRESSEE,),
    EventType.incident_closed: (ADDRESSEE,),
    EventType.incident_sla_warning: (ADDRESSEE,),
    EventType.incident_acknowledged: (REQUESTER,),
    EventType.incident_resolved: (REQUESTER,),
    EventType.incident_sla_breached: (REQUESTER, ADDRESSEE, OPERATORS),
    EventType.incident_sla_escalated: (ADDRESSEE, OPERATORS),
}


def recipients(type_: EventType, data: dict[str, Any], operators: Iterable[str]) -> list[str]:
    """Party ids to notify, each once, in a stable order; empty for events not delivered."""
    parties: list[str] = []
    for audience in AUDIENCES.get(type_, ()):
        if audience == ADDRESSEE:
            parties.append(str(data["addressed_party_id"]))
        elif audience == REQUESTER:
            parties.append(str(data["requesting_party_id"]))
        else:
            parties.extend(sorted(operators))
    return list(dict.fromkeys(parties))
