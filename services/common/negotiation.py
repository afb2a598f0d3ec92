"""Small pieces of HTTP semantics: content negotiation, and the instants a service accepts."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Instants outside these are refused: no SLA clock runs there, and some would overflow (the
edges of the calendar with an offset cannot even be converted to UTC)."""


def in_range(instant: datetime) -> bool:
    return EARLIEST <= instant < LATEST


def _checked(instant: datetime) -> datetime:
    if not in_range(instant):
        raise ValueError("must lie in the years 2000 to 2099")
    return instant.astimezone(UTC)


def _clamped(instant: datetime) -> datetime:
    return min(max(instant, EARLIEST), LATEST).astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_checked)]
"""An instant the service records or computes with, in UTC: refused outside the years it keeps."""

InstantBound = Annotated[AwareDatetime, AfterValidator(_clamped)]
"""An instant that bounds a query, in UTC. Nothing is kept outside the years 2000 to 2099, so one
beyond them means what the nearest edge means (`updated_since=1970-01-01T00:00:00Z`: all)."""


def wants_csv(accept: str | None) -> bool:
    """Whether `Accept` prefers text/csv to application/json (q-values honoured; JSON wins
    ties, wildcards and absence)."""
    if not accept:
        return False
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[media.lower()] = max(q, quality.get(media.lower(), 0.0))
    csv = quality.get("text/csv", 0.0)
    json = max(
        quality.get("application/json", 0.0),
        quality.get("application/*", 0.0),
        quality.get("*/*", 0.0),
    )
    return csv > 0 and csv > json
