"""Bulk raises and responses: each row succeeds or fails on its own, with its reason.

Rows run in chunks, each chunk one transaction and each row a savepoint in it: a failing row
rolls back alone, and a long batch never holds the feed's lock (PostgreSQL) for more than a
chunk. A batch cut short (a crash, a dropped connection) leaves whole chunks done; re-sending it
is safe, since every row is idempotent (see `raise_row` and `respond_row`).
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal
from services.common.errors import PROBLEM_BASE, ProblemError, field_errors
from services.incident_api.batches.parsing import Row
from services.incident_api.batches.schemas import (
    BatchResult,
    RaiseRow,
    ResponseRow,
    RowProblem,
    RowResult,
)
from services.incident_api.incidents import errors, service
from services.incident_api.incidents.dependencies import load_visible
from services.incident_api.incidents.models import Incident
from services.incident_api.runtime import Runtime
from shared.schemas import IncidentStatus

CHUNK_ROWS = 250
ROW_KEY_PREFIX = "batch-row:"

Model = TypeVar("Model", bound=BaseModel)
Step = Callable[[AsyncSession, Model], Awaitable[tuple[Incident, bool]]]
"""Does one row in its savepoint; returns (incident, replayed)."""


def _problem(exc: ProblemError) -> RowProblem:
    extensions = {k: v for k, v in exc.extensions.items() if k == "errors"}
    return RowProblem(
        type=PROBLEM_BASE + exc.slug,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        **extensions,
    )


def _invalid(exc: ValidationError | None) -> RowProblem:
    return RowProblem(
        type=PROBLEM_BASE + "validation",
        title="Row validation failed",
        status=422,
        detail="The row cannot be read." if exc is None else "One or more fields are invalid.",
        errors=field_errors(exc.errors()) if exc is not None else None,
    )


async def run(
    session: AsyncSession,
    rows: list[Row],
    model: type[Model],
    step: Step[Model],
) -> BatchResult:
    """Runs on the request's session, committing it after each chunk."""
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        for number, raw in enumerate(rows[start : start + CHUNK_ROWS], start + 1):
            results.append(await _one(session, number, raw, model, step))
        await session.commit()
        for hook in session.info.pop("after_commit", []):
            hook()
    succeeded = sum(r.ok for r in results)
    return BatchResult(succeeded=succeeded, failed=len(results) - succeeded, items=results)


async def _one(
    session: AsyncSession, number: int, raw: Row, model: type[Model], step: Step[Model]
) -> RowResult:
    client_ref = raw.get("client_ref") if raw else None
    result = RowResult(
        row=number, client_ref=client_ref if isinstance(client_ref, str) else None, ok=False
    )
    if raw is None:
        result.error = _invalid(None)
        return result
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        result.error = _invalid(exc)
        return result
    try:
        async with session.begin_nested():
            incident, replayed = await step(session, parsed)
    except ProblemError as exc:
        result.error = _problem(exc)
        return result
    result.ok, result.replayed = True, replayed
    result.incident_id, result.reference = incident.id, incident.reference
    return result


def raiser(rt: Runtime, principal: Principal) -> Step[RaiseRow]:
    async def raise_row(session: AsyncSession, row: RaiseRow) -> tuple[Incident, bool]:
        """With a client_ref, the row's own idempotency key: the same row replays its incident,
        another body under it is refused. Without one, a re-sent row meets the open incident it
        raised before and fails as duplicate-open-incident, naming it: nothing is raised twice."""
        assert principal.party_id is not None
        request = row.request()
        key = ROW_KEY_PREFIX + row.client_ref if row.client_ref else None
        if key is not None:
            found = await service.find_idempotent(session, rt, principal.party_id, key, request)
            if found is not None:
                return found, True
        return await service.raise_incident(session, rt, principal, request, key), False

    return raise_row


def responder(rt: Runtime, principal: Principal) -> Step[ResponseRow]:
    async def respond_row(session: AsyncSession, row: ResponseRow) -> tuple[Incident, bool]:
        """A re-sent row finds the incident already resolved with that outcome: it replays (the
        stored answer stands; a resolution is never overwritten). A row naming its `clock` is
        never applied to a later one (after a reopen, say)."""
        incident = await _named(session, principal, row)
        response = row.response()
        addressee = principal.party_id == incident.addressed_party_id
        if addressee and row.clock is not None and row.clock < incident.clock:
            return incident, True  # answered on that clock, which has since been restarted
        if row.clock is not None and row.clock != incident.clock:
            raise errors.InvalidTransition(
                f"The incident is on clock {incident.clock}, not {row.clock}.",
                current_status=incident.status.value,
            )
        resolved = incident.status == IncidentStatus.resolved
        if addressee and resolved and incident.outcome == response.outcome:
            return incident, True
        return await service.respond(session, rt, principal, incident, response), False

    return respond_row


async def _named(session: AsyncSession, principal: Principal, row: ResponseRow) -> Incident:
    if row.incident_id is not None:
        return await load_visible(session, principal, row.incident_id)
    assert row.reference is not None
    pk = int(row.reference.removeprefix("INC-"))
    found = (await session.exec(select(Incident).where(col(Incident.pk) == pk))).first()
    if found is None:
        raise errors.IncidentNotFound()
    return await load_visible(session, principal, found.id)
