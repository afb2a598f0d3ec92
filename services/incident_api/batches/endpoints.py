"""`POST /v1/incidents/batch` and `POST /v1/incidents/responses/batch` (DESIGN §5)."""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep
from services.common.negotiation import wants_csv
from services.common.openapi import request_body
from services.incident_api.batches import service
from services.incident_api.batches.parsing import read_rows
from services.incident_api.batches.schemas import (
    BatchResult,
    RaiseBatch,
    RaiseRow,
    ResponseBatch,
)
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


def _body(model: type[BaseModel], csv_columns: list[str]) -> dict[str, Any]:
    csv_form = {"schema": {"type": "string"}, "example": ",".join(csv_columns) + "\n"}
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
    openapi_extra=_body(RaiseBatch, RAISE_COLUMNS),
    responses={200: {"content": {"text/csv": {}}}},
)
async def raise_batch(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    accept: Accept = None,
) -> Response:
    """Raise up to 10,000 incidents: JSON `{"items": [...]}` or CSV with a header. Each row
    succeeds or fails on its own; a row with a `client_ref` can be re-sent safely."""
    await session.commit()  # end the authentication's transaction: never hold it during upload
    rows = read_rows(
        await request.body(),
        request.headers.get("content-type", ""),
        set(RAISE_COLUMNS),
        {"device_id"},
    )
    chunk = service.row_by_row(RaiseRow, service.raiser(rt, principal))
    result = await service.run(session, rows, chunk)
    return _answer(result, accept)


@router.post(
    "/responses/batch",
    response_model=BatchResult,
    openapi_extra=_body(ResponseBatch, RESPONSE_COLUMNS),
    responses={200: {"content": {"text/csv": {}}}},
)
async def respond_batch(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    accept: Accept = None,
) -> Response:
    """Answer up to 10,000 incidents, each named by `incident_id` or `reference`. Each row
    succeeds or fails on its own; a re-sent row replays. Results never carry an install code."""
    await session.commit()  # end the authentication's transaction: never hold it during upload
    rows = read_rows(
        await request.body(),
        request.headers.get("content-type", ""),
        set(RESPONSE_COLUMNS),
        {"outcome"},
    )
    result = await service.run(session, rows, service.responder(rt, principal))
    return _answer(result, accept)
