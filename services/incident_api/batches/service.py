"""Bulk raises and responses: each row succeeds or fails on its own, with its reason.

Rows run in chunks (`chunks`), each chunk one transaction and each row a savepoint in it: a
failing row rolls back alone, and a long batch never holds the feed's lock (PostgreSQL) for more
than a chunk. The route commits each chunk (services never commit). A batch cut short (a crash,
a dropped connection) leaves whole chunks done; re-sending it is safe, since every row is
idempotent (see `raise_row` and `respond_row`).
"""

import hmac
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import col, or_, select
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
from services.incident_api.incidents import errors, raising, service
from services.incident_api.incidents.dependencies import may_see, pk_of_reference
from services.incident_api.incidents.models import Incident, InstallCodeRecord
from services.incident_api.parties.models import Party
from services.incident_api.runtime import Runtime
from shared.schemas import EventType, IncidentStatus, Outcome

CHUNK_ROWS = 250
ROW_KEY_PREFIX = "batch-row:"

Model = TypeVar("Model", bound=BaseModel)


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


Chunk = Callable[[AsyncSession, list[tuple[int, Row]]], Awaitable[list[RowResult]]]


def chunks(rows: list[Row]) -> Iterator[list[tuple[int, Row]]]:
    """The rows, numbered from 1, in chunks of `CHUNK_ROWS`: each to be one transaction."""
    numbered = list(enumerate(rows, 1))
    for start in range(0, len(numbered), CHUNK_ROWS):
        yield numbered[start : start + CHUNK_ROWS]


def summary(results: list[RowResult]) -> BatchResult:
    succeeded = sum(r.ok for r in results)
    return BatchResult(succeeded=succeeded, failed=len(results) - succeeded, items=results)


def raiser(rt: Runtime, principal: Principal) -> Chunk:
    """Raises a chunk set-based (services.incident_api.incidents.raising). With a client_ref, the
    row's own idempotency key: the same row replays its incident, another body under it is
    refused. Without one, a re-sent row meets the open incident it raised before and fails as
    duplicate-open-incident, naming it: nothing is raised twice."""

    async def chunk(session: AsyncSession, rows: list[tuple[int, Row]]) -> list[RowResult]:
        results: list[RowResult] = []
        parsed: list[tuple[RowResult, RaiseRow]] = []
        for number, raw in rows:
            result, row = _parse(number, raw, RaiseRow)
            results.append(result)
            if row is not None:
                parsed.append((result, row))
        requests = [
            raising.RaiseRequest(
                row.request(), ROW_KEY_PREFIX + row.client_ref if row.client_ref else None
            )
            for _, row in parsed
        ]
        outcomes = await raising.raise_incidents(session, rt, principal, requests)
        for (result, _), outcome in zip(parsed, outcomes, strict=True):
            if isinstance(outcome, ProblemError):
                result.error = _problem(outcome)
            else:
                result.ok, result.replayed = True, outcome.replayed
                result.incident_id = outcome.incident.id
                result.reference = outcome.incident.reference
        return results

    return chunk


def responder(rt: Runtime, principal: Principal) -> Chunk:
    """Answers a chunk set-based: one query loads (and on PostgreSQL locks) every incident it
    names, each row is checked in turn against what the rows before it did, and the answers are
    written in one flush and one insert of events. A re-sent row finds its incident already
    resolved with that outcome and replays (the stored answer stands); a row naming its `clock`
    is never applied to a later one (after a reopen, say)."""

    async def chunk(session: AsyncSession, rows: list[tuple[int, Row]]) -> list[RowResult]:
        results: list[RowResult] = []
        parsed: list[tuple[RowResult, ResponseRow]] = []
        for number, raw in rows:
            result, row = _parse(number, raw, ResponseRow)
            results.append(result)
            if row is not None:
                parsed.append((result, row))
        incidents = await _load(session, [row for _, row in parsed])
        suggested = await _parties(session, {r.suggested_party_id for _, r in parsed})
        codes = await _codes(session, rt, incidents)
        now = rt.clock.now()
        answered: list[Incident] = []
        for result, row in parsed:
            try:
                incident = _visible(principal, incidents, row)
                if _replays(principal, incident, row, codes):
                    result.ok = result.replayed = True
                else:
                    answer = row.response()
                    party = suggested.get(answer.suggested_party_id or "")
                    service.check_response(principal, incident, answer, party)
                    service.resolve_in_place(session, rt, principal, incident, answer, now)
                    if answer.install_code is not None:
                        codes[incident.pk or 0] = answer.install_code.bytes
                    answered.append(incident)
                    result.ok = True
            except ProblemError as exc:
                result.error = _problem(exc)
                continue
            result.incident_id, result.reference = incident.id, incident.reference
        await service.announce_many(session, rt, answered, EventType.incident_resolved, now)
        return results

    return chunk


def _parse(number: int, raw: Row, model: type[Model]) -> tuple[RowResult, Model | None]:
    client_ref = raw.get("client_ref") if raw else None
    result = RowResult(
        row=number, client_ref=client_ref if isinstance(client_ref, str) else None, ok=False
    )
    if raw is None:
        result.error = _invalid(None)
        return result, None
    try:
        return result, model.model_validate(raw)
    except ValidationError as exc:
        result.error = _invalid(exc)
        return result, None


Loaded = dict[str | int, Incident]
"""Incidents by id and by pk."""


async def _load(session: AsyncSession, rows: list[ResponseRow]) -> Loaded:
    ids = {r.incident_id for r in rows if r.incident_id is not None and "\x00" not in r.incident_id}
    pks = {pk for r in rows if (pk := _pk(r)) is not None}
    if not ids and not pks:
        return {}
    query = select(Incident).where(or_(col(Incident.id).in_(ids), col(Incident.pk).in_(pks)))
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found: Loaded = {}
    for incident in (await session.exec(query)).all():
        found[incident.id] = found[incident.pk or 0] = incident
    return found


async def _parties(session: AsyncSession, ids: set[str | None]) -> dict[str, Party]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = await session.exec(select(Party).where(col(Party.party_id).in_(wanted)))
    return {p.party_id: p for p in found.all()}


def _pk(row: ResponseRow) -> int | None:
    return None if row.reference is None else pk_of_reference(row.reference)


async def _codes(session: AsyncSession, rt: Runtime, incidents: Loaded) -> dict[int, bytes]:
    """The install codes held for the loaded incidents that are resolved with one, by pk: a
    re-sent row replays only if it carries the same code."""
    pks = {
        i.pk
        for i in incidents.values()
        if i.status == IncidentStatus.resolved and i.outcome == Outcome.install_code_provided
    }
    if not pks:
        return {}
    records = await session.exec(
        select(InstallCodeRecord).where(col(InstallCodeRecord.incident_pk).in_(pks))
    )
    opened = {r.incident_pk: service.open_code(rt, incidents[r.incident_pk], r) for r in records}
    return {pk: code for pk, code in opened.items() if code is not None}


def _visible(principal: Principal, incidents: Loaded, row: ResponseRow) -> Incident:
    key: str | int | None = row.incident_id if row.reference is None else _pk(row)
    incident = incidents.get(key) if key is not None else None
    if incident is None or not may_see(principal, incident):
        raise errors.IncidentNotFound()
    return incident


def _replays(
    principal: Principal, incident: Incident, row: ResponseRow, codes: dict[int, bytes]
) -> bool:
    """Is the row an answer this party has already given (nothing to do)? A row answering the
    resolved incident otherwise is refused as a conflict: a corrected answer sent in bulk must
    never look accepted while the first one stands."""
    addressee = principal.party_id == incident.addressed_party_id
    if addressee and row.clock is not None and row.clock < incident.clock:
        return True  # answered on that clock, which has since been restarted
    if row.clock is not None and row.clock != incident.clock:
        raise errors.InvalidTransition(
            f"The incident is on clock {incident.clock}, not {row.clock}.",
            current_status=incident.status.value,
        )
    if not (addressee and incident.status == IncidentStatus.resolved):
        return False
    held = codes.get(incident.pk or 0)
    sent = row.install_code.bytes if row.install_code is not None else None
    same_code = held == sent if held is None or sent is None else hmac.compare_digest(held, sent)
    if (
        incident.outcome != row.outcome
        or incident.reason != row.reason
        or incident.suggested_party_id != row.suggested_party_id
        or not same_code
    ):
        raise errors.AnswerDiffers(
            f"The incident was answered on clock {incident.clock} otherwise; that answer stands."
        )
    return True
