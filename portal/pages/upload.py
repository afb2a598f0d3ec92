"""`/incidents/upload`: a CSV to raise incidents, or to answer those addressed to the person's
party, in bulk (DESIGN §8), with a result per row and a download of the results.

The file is read as the request streams in, in memory only (never a temporary file: an answer
CSV holds install codes), and refused with 413 as soon as the request passes
`PORTAL_MAX_UPLOAD_BYTES` (plus a little for the form around the file): nothing is sent then.
It must be UTF-8 text and not empty. It goes to the API's bulk route as it is, as `text/csv`:
the API reads the header and the rows, refuses a file it cannot read as a whole (shown on this
page with the API's status), and otherwise answers one result per row. The generated client
sends only JSON bodies, so the bytes go through its own httpx client (the person's token, the
shared connection) and the JSON answer is read with the generated `BatchResult`. The file is
never logged, kept, or put back into a page; the results never carry an install code.

Download without storing anything: the results page carries the results (row, client_ref,
outcome, incident, the error in words; no install code) as JSON in a hidden field of a form that
posts them back to `/incidents/upload/results.csv`, which validates them strictly (422 otherwise)
and answers them as CSV, with the cells a spreadsheet would run neutralised. Asking the API for
CSV instead (`Accept: text/csv`) would need a second bulk call, or the page parsing CSV to show
the table; posting back the JSON the page was built from needs neither.

A file sent twice is safe through each row's `client_ref`, the API's per-row idempotency key: a
re-sent row replays its incident or its answer instead of doing it again.

Both posts end the portal's own transaction (the session lookup) before reading the body: on
SQLite it holds the one connection under a write lock, which a slow upload and a bulk call of
10,000 rows must not keep from every other page.
"""

import csv
import io
import re
from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from ssi_client.incident_api.models import BatchResult, RowProblem, RowResult
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.rendering import render
from portal.services import ServiceProblem, Services, problem_of, refused
from shared.csvsafe import safe_cell

router = APIRouter()

KINDS = {"raise": "/v1/incidents/batch", "respond": "/v1/incidents/responses/batch"}
FRAMING = 64 * 1024
"""What a browser's multipart form adds around the file: boundaries, part headers, the choice."""
MAX_ROWS = 10_000
MAX_WORDS = 500
RESULTS_LIMIT = 16 * 1024**2
"""The posted-back results: 10,000 rows of at most a few hundred characters each, form-encoded."""
CSV_COLUMNS = [
    "row",
    "client_ref",
    "ok",
    "incident_id",
    "reference",
    "replayed",
    "error_type",
    "error",
]
"""The API's own bulk CSV columns, with the error in words rather than the problem's detail."""
CLIENT_REF = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class TooLarge(Exception):
    """The request passed the bound while streaming in."""


class ResultRow(BaseModel):
    """One row's result as the page shows it and the download carries it: never an install
    code, and every field checked when it comes back from the browser."""

    model_config = ConfigDict(extra="forbid", strict=True)

    row: int = Field(ge=1, le=MAX_ROWS)
    client_ref: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] | None = None
    ok: bool
    incident_id: (
        Annotated[
            str,
            StringConstraints(
                pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
            ),
        ]
        | None
    ) = None
    reference: Annotated[str, StringConstraints(pattern=r"^INC-[0-9]{6,12}$")] | None = None
    replayed: bool = False
    error_type: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,64}$")] | None = None
    error: Annotated[str, StringConstraints(max_length=MAX_WORDS)] | None = None


class Results(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    items: list[ResultRow] = Field(max_length=MAX_ROWS)


def _size(limit: int) -> str:
    megabytes = limit / 1024**2
    return f"{megabytes:.3g} MB" if megabytes >= 1 else f"{limit / 1024:.3g} KB"


def _page(
    request: Request,
    runtime: RuntimeDep,
    status_code: int = 200,
    *,
    kind: str = "",
    errors: dict[str, str] | None = None,
    problem: ServiceProblem | None = None,
) -> Response:
    return render(
        request,
        "incidents/upload.html",
        status_code,
        kind=kind,
        errors=errors or {},
        problem=problem,
        max_size=_size(runtime.settings.max_upload_bytes),
        max_rows=f"{MAX_ROWS:,}",
    )


@router.get("/incidents/upload", name="upload")
async def upload_form(request: Request, me: Me, runtime: RuntimeDep) -> Response:
    return _page(request, runtime)


@router.post("/incidents/upload", name="send_upload")
async def send_upload(
    request: Request, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    limit = runtime.settings.max_upload_bytes
    too_large = {"file": f"The file is larger than {_size(limit)}. Split it and send each part."}
    try:
        kind, data = await _read_form(request, limit)
    except TooLarge:
        return _page(request, runtime, 413, errors=too_large)
    except MultiPartException:
        return _page(request, runtime, 400, errors={"file": "The form could not be read."})
    if data is not None and len(data) > limit:
        return _page(request, runtime, 413, kind=kind, errors=too_large)
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "Choose whether the file raises incidents or answers them."
    if data is None or not data.strip():
        errors["file"] = "Choose a CSV file that is not empty."
    elif not _utf8(data):
        errors["file"] = "The file is not UTF-8 text. Save it as CSV UTF-8 and try again."
    if errors or data is None:
        return _page(request, runtime, 422, kind=kind, errors=errors)
    try:
        result = await _send(services, KINDS[kind], data)
    except ServiceProblem as problem:
        refused(problem)
        return _page(request, runtime, problem.status, kind=kind, problem=problem)
    try:
        rows = [_row(r) for r in result.items]
    except ValidationError:
        raise problem_of(502, b"") from None  # not what the API's contract says it answers
    return render(
        request,
        "incidents/upload_results.html",
        kind=kind,
        rows=rows,
        succeeded=result.succeeded,
        failed=result.failed,
        results_json=Results(items=rows).model_dump_json(exclude_defaults=True),
    )


async def _read_form(request: Request, limit: int) -> tuple[str, bytes | None]:
    """The choice and the file's bytes, read with Starlette's parser from a stream cut off at the
    bound, and kept in memory: the spool is larger than anything the bound lets through."""
    bound = limit + FRAMING
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > bound:
        raise TooLarge
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return "", None
    parser = MultiPartParser(
        request.headers, _bounded(request, bound), max_files=1, max_fields=4, max_part_size=256
    )
    parser.spool_max_size = bound + 1
    form = await parser.parse()
    try:
        kind, upload = form.get("kind"), form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else None
        return (kind if isinstance(kind, str) else ""), data
    finally:
        await form.close()


async def _bounded(request: Request, bound: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > bound:
            raise TooLarge
        yield chunk


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _send(services: Services, path: str, data: bytes) -> BatchResult:
    """The file to the API as CSV, answered in JSON; a whole-file refusal as a ServiceProblem."""
    http = services.api.get_async_httpx_client()
    answer = await http.post(
        path,
        content=data,
        headers={"Content-Type": "text/csv; charset=utf-8", "Accept": "application/json"},
    )
    if answer.status_code != 200:
        raise problem_of(answer.status_code, answer.content)
    try:
        return BatchResult.from_dict(answer.json())
    except (ValueError, KeyError, TypeError):
        raise problem_of(502, b"") from None


def _row(result: RowResult) -> ResultRow:
    client_ref = result.client_ref if isinstance(result.client_ref, str) else None
    problem = result.error if isinstance(result.error, RowProblem) else None
    return ResultRow(
        row=result.row,
        # A client_ref the API could not take is not repeated: the row's error names it.
        client_ref=client_ref if client_ref and CLIENT_REF.fullmatch(client_ref) else None,
        ok=result.ok,
        incident_id=result.incident_id if isinstance(result.incident_id, str) else None,
        reference=result.reference if isinstance(result.reference, str) else None,
        replayed=result.replayed is True,
        error_type=problem.type_.rsplit("/", 1)[-1] if problem else None,
        error=_words(problem) if problem else None,
    )


def _words(problem: RowProblem) -> str:
    """The row's problem in a sentence or two: its title, its detail, each field's message."""
    parts = [problem.title.rstrip(".") + "."]
    fields = []
    for error in problem.errors if isinstance(problem.errors, list) else []:
        found = error.additional_properties
        name, message = str(found.get("field", "")), str(found.get("message", "")).rstrip(".")
        if message:
            fields.append(f"{name}: {message}." if name and name != "body" else f"{message}.")
    detail = problem.detail if isinstance(problem.detail, str) else ""
    # The detail of a validation problem only says that fields are invalid: the fields say which.
    if detail and not fields and detail.rstrip(".") != problem.title.rstrip("."):
        parts.append(detail)
    parts += fields
    words = " ".join(parts)
    return words if len(words) <= MAX_WORDS else words[: MAX_WORDS - 1] + "…"


@router.post("/incidents/upload/results.csv", name="upload_results_csv")
async def results_csv(request: Request, me: Me) -> Response:
    """The results posted back by the results page, as a CSV download; nothing is kept."""
    refused = render(
        request,
        "error.html",
        422,
        title="These results cannot be downloaded",
        detail="They were not the results of an upload. Upload the file again to get them.",
    )
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > RESULTS_LIMIT):
        return refused
    try:
        form = await request.form(max_files=0, max_fields=4, max_part_size=RESULTS_LIMIT)
        posted = form.get("results")
        if not isinstance(posted, str):
            return refused
        results = Results.model_validate_json(posted)
    except (StarletteHTTPException, ValidationError):
        return refused
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in results.items:
        writer.writerow(safe_cell(getattr(r, name)) for name in CSV_COLUMNS)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="results.csv"'},
    )
