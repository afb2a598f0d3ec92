"""Raise or answer up to 10,000 incidents in one request, as JSON `{"items": [...]}` or as CSV
with a header row. Each row succeeds or fails on its own and gets its own result, in row order;
a re-sent row is safe (see each route). Results come as JSON, or as CSV with `Accept: text/csv`.

`POST /v1/incidents/batch` and `POST /v1/incidents/responses/batch` (DESIGN §5).
"""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep, end_transaction
from services.common.negotiation import wants_csv
from services.common.openapi import problems, request_body
from services.incident_api.batches import service
from services.incident_api.batches.parsing import BadBatch, Row, TooManyRows, read_rows
from services.incident_api.batches.schemas import (
    BatchResult,
    RaiseBatch,
    ResponseBatch,
    RowResult,
)
from services.incident_api.incidents.schemas import EXAMPLE_CODE, EXAMPLE_DEVICE
from services.incident_api.runtime import RuntimeDep
from shared.csvsafe import safe_cell

router = APIRouter(prefix="/v1/incidents", tags=["bulk"])

Raiser = Annotated[Principal, Depends(require("incidents:raise", *PARTIES))]
Responder = Annotated[Principal, Depends(require("incidents:respond", *PARTIES))]
Accept = Annotated[str | None, Header()]

CSV_COLUMNS = [
    "row",
    "client_ref",
    "ok",
    "incident_id",
    "reference",
    "replayed",
    "error_type",
    "error_detail",
]


def _body(model: type[BaseModel], csv_example: str) -> dict[str, Any]:
    csv_form = {"schema": {"type": "string"}, "example": csv_example}
    return request_body(model, **{"text/csv": csv_form})


def _answer(result: BatchResult, accept: str | None) -> Response:
    if wants_csv(accept):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for r in result.items:
            error = r.error
            writer.writerow(
                safe_cell(v)
                for v in (
                    r.row,
                    r.client_ref,
                    r.ok,
                    r.incident_id,
                    r.reference,
                    r.replayed,
                    error.type.rsplit("/", 1)[-1] if error else None,
                    error.detail if error else None,
                )
            )
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return JSONResponse(result.model_dump(mode="json", exclude_none=True))


async def _run(session: AsyncSession, rows: list[Row], chunk: service.Chunk) -> BatchResult:
    """Each chunk in its own transaction, committed here (see `batches.service`); the session
    dependency commits nothing after the last."""
    results: list[RowResult] = []
    for numbered in service.chunks(rows):
        results += await chunk(session, numbered)
        await end_transaction(session)
    return service.summary(results)


_EXAMPLE = BatchResult.model_validate(BatchResult.model_json_schema()["examples"][0])
RESULTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One result per row, in row order: JSON, or CSV with `Accept: text/csv`",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": bytes(_answer(_EXAMPLE, "text/csv").body).decode(),
            }
        },
    },
    **problems(BadBatch, TooManyRows),
}


RAISE_COLUMNS = ["client_ref", "device_id", "addressed_party_id", "note", "group_ref"]
RESPONSE_COLUMNS = [
    "client_ref",
    "incident_id",
    "reference",
    "clock",
    "outcome",
    "install_code",
    "reason",
    "suggested_party_id",
]


@router.post(
    "/batch",
    response_model=BatchResult,
    summary="Raise incidents in bulk",
    openapi_extra=_body(
        RaiseBatch,
        ",".join(RAISE_COLUMNS)
        + f"\nrow-1,{EXAMPLE_DEVICE},,,batch-2026-11\nrow-2,00-DB-12-34-56-78-90-A1,ISUP,,\n",
    ),
    responses=RESULTS,
)
async def raise_incidents_in_bulk(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    accept: Accept = None,
) -> Response:
    """Raise up to 10,000 incidents in one request. Scope `incidents:raise`; suppliers only
    (every row fails as `not-a-supplier` otherwise).

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents` with an optional
    `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `device_id` (required), `addressed_party_id`, `note`, `group_ref`, `client_ref`. Each row is
    checked and raised as `POST /v1/incidents` would be, and succeeds or fails on its own: the
    answer is 200 with one result per row (`row` counts from 1, a CSV header not counted), `ok`
    with the incident's `incident_id` and `reference`, or not with an `error` problem whose
    `type` is the single call's. CSV results (`Accept: text/csv`) neutralise cells that start
    with `=`, `+`, `-` or `@`.

    Re-sending: a row with a `client_ref` is idempotent for 24 hours (the `client_ref` is its
    `Idempotency-Key`): re-sent as it was, it replays its incident (`replayed: true`); with other
    content it fails as `idempotency-key-reused`. A re-sent row without one meets the incident it
    raised and fails as `duplicate-open-incident`, naming it: nothing is raised twice. Rows are
    committed in chunks, so a batch cut short (a dropped connection) leaves whole chunks done:
    send it again.

    The whole batch is refused, nothing raised, when it cannot be read (422 `bad-batch`: not JSON,
    not `{"items": [...]}`, no rows, a CSV header without `device_id` or with an unknown or
    repeated column), holds more than 10,000 rows (422 `too-many-rows`), is over the size limit
    (413; 16 MiB by default) or is neither JSON nor CSV (415).
    """
    await end_transaction(session)  # the authentication's: never held while the body uploads
    rows = read_rows(
        await request.body(),
        request.headers.get("content-type", ""),
        set(RAISE_COLUMNS),
        {"device_id"},
    )
    return _answer(await _run(session, rows, service.raiser(rt, principal)), accept)


@router.post(
    "/responses/batch",
    response_model=BatchResult,
    summary="Answer incidents in bulk",
    openapi_extra=_body(
        ResponseBatch,
        ",".join(RESPONSE_COLUMNS)
        + f"\nanswer-1,,INC-000123,1,install_code_provided,{EXAMPLE_CODE},,\n"
        + "answer-2,,INC-000124,1,not_installing_supplier,,,TSUP\n",
    ),
    responses=RESULTS,
)
async def respond_to_incidents_in_bulk(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    accept: Accept = None,
) -> Response:
    """Answer up to 10,000 incidents in one request. Scope `incidents:respond`; each row's
    incident must be addressed to your party.

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents/{incident_id}/response`
    naming its incident by `incident_id` or by `reference` (one of them), with an optional `clock`
    and `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `outcome` (required), `incident_id`, `reference`, `clock`, `install_code`, `reason`,
    `suggested_party_id`, `client_ref`. Each row is checked as the single answer is, and succeeds
    or fails on its own; a row naming an incident your party may not see fails as
    `incident-not-found`. Results as for the bulk raise; they never carry an install code.

    Re-sending is safe: a row whose incident your party already resolved with the same answer
    replays (`replayed: true`); a row that differs from the answer recorded (another code,
    outcome, reason or suggested party) fails as `conflict`, and the recorded answer stands. With
    `clock`, a row answers that clock only: for an earlier one (the incident was reopened since)
    it replays, for a later one it fails as `invalid-transition`.

    The whole batch is refused as the bulk raise's is (`bad-batch`, without an `outcome` column,
    `too-many-rows`, 413, 415).
    """
    await end_transaction(session)  # the authentication's: never held while the body uploads
    rows = read_rows(
        await request.body(),
        request.headers.get("content-type", ""),
        set(RESPONSE_COLUMNS),
        {"outcome"},
    )
    return _answer(await _run(session, rows, service.responder(rt, principal)), accept)
