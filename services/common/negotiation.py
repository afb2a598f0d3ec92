"""Small pieces of HTTP semantics: content negotiation, and the instants a service accepts."""

from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Instants outside these are refused: no SLA clock runs there, and some would overflow."""


def in_range(instant: datetime) -> bool:
    return EARLIEST <= instant < LATEST


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
