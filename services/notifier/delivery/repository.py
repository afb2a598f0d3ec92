"""The delivery worker's statements on the deliveries table, each built once.

What varies (instants, endpoints, limits, tokens) is bound, never written into the statement, so
SQLAlchemy compiles each once and reuses it: the claim, the record and the release each cost one
round trip. They read plain rows (core selects), never ORM objects: this is the hot path.
"""

import functools
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    Integer,
    String,
    Text,
    Update,
    bindparam,
    case,
    cast,
    func,
    or_,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import col

from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.delivery.notices import SENT_WHILE_DISABLED
from services.notifier.endpoints.models import Endpoint, EndpointKind

# What a claim may send: not an inbox's items (they wait to be pulled), and on a disabled
# endpoint only what is sent whatever its state (a confirmation, a test).
SENDABLE = (
    col(Endpoint.kind) != EndpointKind.inbox,
    or_(col(Endpoint.enabled), col(Delivery.event_type).in_(SENT_WHILE_DISABLED)),
)

# Due first; among equals (a recover, a burst), the oldest event first.
DUE_ORDER = (col(Delivery.next_attempt_at), col(Delivery.created_at), col(Delivery.event_seq))


@functools.cache
def claim_statement(postgresql: bool) -> Update:
    """The claim as one statement, built once: what varies (the instant, the busy endpoints, the
    limits) is bound, so SQLAlchemy compiles it once and a claim costs one round trip."""
    now: BindParameter[datetime] = bindparam("now")
    candidates = (
        sa_select(
            col(Delivery.id),
            col(Delivery.endpoint_id),
            col(Delivery.next_attempt_at),
            col(Delivery.created_at),
        )
        .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
        .where(
            col(Delivery.status) == DeliveryStatus.pending,
            col(Delivery.next_attempt_at) <= now,
            or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
            *SENDABLE,
            col(Delivery.endpoint_id).not_in(bindparam("busy", expanding=True)),
        )
        .order_by(*DUE_ORDER)
        # A small window: enough to fill a batch, cheap to sort; busy endpoints are excluded,
        # so the next claim reaches the others.
        .limit(bindparam("window"))
    )
    if postgresql:
        candidates = candidates.with_for_update(skip_locked=True, of=Delivery)
    ranked = candidates.cte("candidates")
    numbered = sa_select(
        ranked.c.id,
        ranked.c.endpoint_id,
        func.row_number()
        .over(
            partition_by=ranked.c.endpoint_id,
            order_by=(ranked.c.next_attempt_at, ranked.c.created_at),
        )
        .label("n"),
    ).subquery()
    chosen = (
        sa_select(numbered.c.id)
        .where(
            numbered.c.n
            <= case(
                (
                    numbered.c.endpoint_id.in_(bindparam("deep", expanding=True)),
                    bindparam("deep_limit", type_=Integer),
                ),
                else_=bindparam("per_endpoint", type_=Integer),
            )
        )
        .limit(bindparam("limit"))
    )
    # The claimed rows come back with what sending needs, so no second read of them. The body
    # is the stored JSON text as it is, cast so that no driver parses it (parsing it only to
    # serialise it again cost ~18 µs a webhook). The due order's two instants come back
    # unconverted, only to sort by: on PostgreSQL the driver's datetimes, on SQLite the stored
    # fixed-width text, which sorts in time order.
    return (
        update(Delivery)
        .where(col(Delivery.id).in_(chosen))
        .values(claimed_until=bindparam("lease_until"), claim_token=bindparam("token"))
        .returning(
            col(Delivery.id),
            col(Delivery.webhook_id),
            col(Delivery.endpoint_id),
            cast(col(Delivery.payload), Text).label("body"),
            col(Delivery.attempt_count),
            col(Delivery.schedule_start),
            col(Delivery.event_type),
            col(Delivery.incident_id),
            col(Delivery.party_id),
            type_coerce(col(Delivery.next_attempt_at), String).label("due"),
            type_coerce(col(Delivery.created_at), String).label("created"),
            col(Delivery.event_seq),
        )
    )


# Only the columns sending needs, as plain rows: no ORM objects on the hot path.
CLAIMED_ENDPOINTS = sa_select(
    col(Endpoint.id),
    col(Endpoint.kind),
    col(Endpoint.url),
    col(Endpoint.address),
    col(Endpoint.failing_since),
    col(Endpoint.secret_key_id),
    col(Endpoint.secret_nonce),
    col(Endpoint.secret_ciphertext),
    col(Endpoint.previous_key_id),
    col(Endpoint.previous_nonce),
    col(Endpoint.previous_ciphertext),
    col(Endpoint.previous_expires_at),
).where(col(Endpoint.id).in_(bindparam("ids", expanding=True)))


NEXT_DUE = (
    sa_select(func.min(Delivery.next_attempt_at))
    .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
    .where(
        col(Delivery.status) == DeliveryStatus.pending,
        or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < bindparam("now")),
        *SENDABLE,
        col(Delivery.endpoint_id).not_in(bindparam("busy", expanding=True)),
    )
)
"""The earliest due instant among pending deliveries a claim could take: unleased (or leased
and expired), `SENDABLE`, none of `busy`."""

_RECORD_VALUES = {
    "status": bindparam("b_status"),
    # Only the claim's holder writes here, so the count read at the claim is still the count.
    "attempt_count": col(Delivery.attempt_count) + 1,
    "next_attempt_at": bindparam("b_next"),
    "delivered_at": bindparam("b_delivered"),
    "last_status_code": bindparam("b_code"),
    "last_error": bindparam("b_error"),
    "claimed_until": None,
    "claim_token": None,
    "updated_at": bindparam("b_now"),
}
RECORD_ONE = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("b_id"),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(_RECORD_VALUES)
)
RECORD_ALIKE = (
    update(Delivery)
    .where(
        col(Delivery.id).in_(bindparam("b_ids", expanding=True)),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(_RECORD_VALUES)
)


EXISTING = sa_select(col(Delivery.id)).where(col(Delivery.id).in_(bindparam("ids", expanding=True)))

RELEASE = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("b_id"),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(claimed_until=None, claim_token=None)
)
