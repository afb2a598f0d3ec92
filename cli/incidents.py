"""`ssi incidents`: raise, answer and follow install-code incidents, one at a time or by file.

An install code is never a command-line argument (it would sit in shell history and `ps`): it is
read from --code-file, from standard input when that is not a terminal, or from a hidden prompt.
Wherever a command takes an incident's id, its reference (`INC-000123`) serves as well.

A file of many (`--file`) is sent as written, by hand rather than through the generated bulk
operations: the API judges each row on its own (a bad row fails alone, an unknown field is
refused), which reading the file into the generated RaiseBatch or ResponseBatch here would not
(one unreadable row would stop the batch, an unknown field would be dropped silently).
"""

import csv
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.client import answer_of, api, fail, ok, problem_reason, problem_slug, row_problem
from cli.output import JsonFlag, show, show_data
from shared.csvsafe import safe_cell
from shared.schemas import IncidentStatus, Outcome, SlaState

if TYPE_CHECKING:
    from ssi_client.incident_api.models import IncidentRead, RowResult

app = typer.Typer(help="Install-code incidents.", no_args_is_help=True)
COLUMNS = (
    "id",
    "reference",
    "device_id",
    "requesting_party_id",
    "addressed_party_id",
    "status",
    "sla_state",
    "due_at",
)
RESULT_COLUMNS = ("row", "client_ref", "ok", "reference", "incident_id", "replayed", "error")
RESULTS_FILE_COLUMNS = (
    "row",
    "client_ref",
    "ok",
    "incident_id",
    "reference",
    "replayed",
    "error",
    "error_detail",
)
BatchFile = Annotated[
    Path | None,
    typer.Option(
        "--file", exists=True, dir_okay=False, help="A CSV (or JSON {items}) of many: in one batch"
    ),
]
Results = Annotated[Path | None, typer.Option(help="Write the per-row results here (CSV)")]
IncidentId = Annotated[str, typer.Argument(help="The incident's id or reference (INC-000123)")]
ADDRESSEE_HINT = {"addressee-required": "name the installing party with --addressee PARTY"}


class Role(StrEnum):
    requester = "requester"
    addressee = "addressee"


@app.command("raise")
def raise_(
    ctx: typer.Context,
    device_id: Annotated[
        str | None, typer.Argument(help="The Device's ID (EUI-64), e.g. 00-DB-12-34-56-78-90-A0")
    ] = None,
    addressee: Annotated[
        str | None,
        typer.Option(help="The installing party, where the inventory does not know the Device"),
    ] = None,
    group_ref: Annotated[
        str | None, typer.Option(help="Your own reference, shared by related incidents")
    ] = None,
    note: Annotated[
        str | None, typer.Option(help="A note for the installing party (no personal data)")
    ] = None,
    file: BatchFile = None,
    results: Results = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask a Device's installing supplier for its install code (or many, with --file)."""
    if file is not None and device_id is None:
        _batch(ctx, "/v1/incidents/batch", file, results, as_json)
        return
    if device_id is None or file is not None:
        raise fail("give a DEVICE_ID or --file, not both")
    from ssi_client.incident_api.api.incidents import raise_incident
    from ssi_client.incident_api.models import IncidentCreate
    from ssi_client.incident_api.types import UNSET

    body = IncidentCreate(
        device_id=device_id,
        addressed_party_id=addressee or UNSET,
        group_ref=group_ref or UNSET,
        note=note or UNSET,
    )
    created = raise_incident.sync_detailed(client=api(ctx), body=body)
    ok(created, hints=ADDRESSEE_HINT)
    show(created, as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[IncidentStatus | None, typer.Option(help="Only in this status")] = None,
    role: Annotated[
        Role | None,
        typer.Option(help="requester (raised by you) or addressee (asked of you); default both"),
    ] = None,
    sla_state: Annotated[SlaState | None, typer.Option(help="Only in this SLA state")] = None,
    device_id: Annotated[
        str | None, typer.Option("--device", help="Only for this Device ID")
    ] = None,
    group_ref: Annotated[str | None, typer.Option(help="Only with this group reference")] = None,
    unreached: Annotated[
        bool,
        typer.Option(
            "--unreached",
            help="Only those whose addressee no delivery of the running clock's start has reached",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many")] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="Where the previous page ended (its next_cursor)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Incidents you raised or were asked, newest first."""
    from ssi_client.incident_api.api.incidents import list_incidents
    from ssi_client.incident_api.models import IncidentStatus as ApiStatus
    from ssi_client.incident_api.models import ListIncidentsRoleType0 as ApiRole
    from ssi_client.incident_api.models import SlaState as ApiSlaState

    page = list_incidents.sync_detailed(
        client=api(ctx),
        status=ApiStatus(status) if status else None,
        role=ApiRole(role) if role else None,
        sla_state=ApiSlaState(sla_state) if sla_state else None,
        device_id=device_id,
        group_ref=group_ref,
        addressee_reachable=False if unreached else None,
        limit=limit,
        cursor=cursor,
    )
    show(page, as_json, COLUMNS)


@app.command("show")
def show_(ctx: typer.Context, incident_id: IncidentId, as_json: JsonFlag = False) -> None:
    """One incident, with its SLA clock."""
    from ssi_client.incident_api.api.incidents import get_incident

    show(get_incident.sync_detailed(incident_id, client=api(ctx)), as_json)


@app.command()
def history(ctx: typer.Context, incident_id: IncidentId, as_json: JsonFlag = False) -> None:
    """The audit trail, newest first."""
    from ssi_client.incident_api.api.incidents import get_incident_history

    page = get_incident_history.sync_detailed(incident_id, client=api(ctx))
    show(page, as_json, ("at", "actor", "action", "from_status", "to_status", "clock"))


@app.command()
def respond(
    ctx: typer.Context,
    incident_id: Annotated[
        str | None, typer.Argument(help="The incident's id or reference (INC-000123)")
    ] = None,
    outcome: Annotated[Outcome | None, typer.Option(help="Your answer")] = None,
    code_file: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="A file holding the install code (else standard input or a hidden prompt)",
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for rejected (no personal data)")] = None,
    suggest: Annotated[
        str | None,
        typer.Option(help="For not_installing_supplier: the party you think installed it"),
    ] = None,
    file: BatchFile = None,
    results: Results = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer an incident addressed to you (or many, with --file of
    incident_id|reference,outcome,install_code,...)."""
    if file is not None:
        if incident_id is not None:
            raise fail("give an INCIDENT_ID or --file, not both")
        _batch(ctx, "/v1/incidents/responses/batch", file, results, as_json)
        return
    if incident_id is None or outcome is None:
        raise fail("give INCIDENT_ID and --outcome (or --file)")
    from ssi_client.incident_api.api.incidents import respond_to_incident
    from ssi_client.incident_api.models import Outcome as ApiOutcome
    from ssi_client.incident_api.models import ResponseCreate
    from ssi_client.incident_api.types import UNSET

    body = ResponseCreate(
        outcome=ApiOutcome(outcome), reason=reason or UNSET, suggested_party_id=suggest or UNSET
    )
    if outcome is Outcome.install_code_provided:
        body.install_code = _read_code(code_file)
    show(respond_to_incident.sync_detailed(incident_id, client=api(ctx), body=body), as_json)


def _read_code(code_file: Path | None) -> str:
    if code_file is not None:
        return code_file.read_text().strip()
    if not sys.stdin.isatty():
        return sys.stdin.read().strip()
    code: str = typer.prompt("Install code", hide_input=True)
    return code.strip()


@app.command()
def reveal(ctx: typer.Context, incident_id: IncidentId) -> None:
    """Print the install code you asked for (audited; yours alone, until you close)."""
    from ssi_client.incident_api.api.incidents import reveal_install_code

    typer.echo(ok(reveal_install_code.sync_detailed(incident_id, client=api(ctx))).install_code)


def _moved(incident: "IncidentRead") -> None:
    typer.echo(f"{incident.reference} {incident.status} (version {incident.version})")


@app.command()
def acknowledge(ctx: typer.Context, incident_id: IncidentId) -> None:
    """Tell the requester you are on it."""
    from ssi_client.incident_api.api.incidents import acknowledge_incident

    _moved(ok(acknowledge_incident.sync_detailed(incident_id, client=api(ctx))))


@app.command()
def close(
    ctx: typer.Context,
    incident_id: IncidentId,
    note: Annotated[str | None, typer.Option(help="A closing note (no personal data)")] = None,
) -> None:
    """Close a resolved incident you raised: its install code is destroyed."""
    from ssi_client.incident_api.api.incidents import close_incident
    from ssi_client.incident_api.models import CloseBody
    from ssi_client.incident_api.types import UNSET

    body = CloseBody(note=note or UNSET)
    _moved(ok(close_incident.sync_detailed(incident_id, client=api(ctx), body=body)))


@app.command()
def cancel(
    ctx: typer.Context,
    incident_id: IncidentId,
    reason: Annotated[str | None, typer.Option(help="Why (no personal data)")] = None,
) -> None:
    """Cancel an open incident you raised."""
    from ssi_client.incident_api.api.incidents import cancel_incident
    from ssi_client.incident_api.models import CancelBody
    from ssi_client.incident_api.types import UNSET

    body = CancelBody(reason=reason or UNSET)
    _moved(ok(cancel_incident.sync_detailed(incident_id, client=api(ctx), body=body)))


@app.command()
def reopen(
    ctx: typer.Context,
    incident_id: IncidentId,
    reason: Annotated[str, typer.Option(help="What went wrong with the code")],
) -> None:
    """The code did not work: ask again (a new SLA clock starts)."""
    from ssi_client.incident_api.api.incidents import reopen_incident
    from ssi_client.incident_api.models import ReopenBody

    body = ReopenBody(reason=reason)
    _moved(ok(reopen_incident.sync_detailed(incident_id, client=api(ctx), body=body)))


@app.command()
def readdress(
    ctx: typer.Context,
    incident_id: IncidentId,
    to: Annotated[str, typer.Option(help="The party to ask instead, e.g. ISUP")],
) -> None:
    """Address an incident answered not_installing_supplier to another party."""
    from ssi_client.incident_api.api.incidents import readdress_incident
    from ssi_client.incident_api.models import ReaddressBody

    body = ReaddressBody(addressed_party_id=to)
    _moved(ok(readdress_incident.sync_detailed(incident_id, client=api(ctx), body=body)))


def _batch(ctx: typer.Context, path: str, file: Path, results: Path | None, as_json: bool) -> None:
    from ssi_client.incident_api.models import BatchResult

    media = "application/json" if file.suffix.lower() == ".json" else "text/csv"
    headers = {"Content-Type": media, "Accept": "application/json"}
    response = api(ctx).get_httpx_client().post(path, content=file.read_bytes(), headers=headers)
    answer = answer_of(response, lambda r: BatchResult.from_dict(r.json()))
    outcome = ok(answer)
    if results is not None:
        _write_results(results, outcome.items)
    if as_json:
        show(answer, True)
    else:
        # The whole reason, field errors included: `--json` should not be the only way to learn it.
        rows = [
            {**r.to_dict(), "error": row_problem(r.error.to_dict()) if r.error else None}
            for r in outcome.items
        ]
        show_data(rows, False, RESULT_COLUMNS)
        typer.echo(f"{outcome.succeeded:,} succeeded, {outcome.failed:,} failed")
    if outcome.failed:
        raise typer.Exit(1)


def _write_results(path: Path, items: "list[RowResult]") -> None:
    """As the API's own CSV answer: `error` the problem's type, `error_detail` its reason."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(RESULTS_FILE_COLUMNS)
        for r in items:
            row = r.to_dict()
            problem = r.error.to_dict() if r.error else None
            cells = [safe_cell(row.get(k)) for k in RESULTS_FILE_COLUMNS[:-2]]
            error = problem_slug(problem) if problem else ""
            writer.writerow(
                [*cells, error, safe_cell(problem_reason(problem) if problem else None)]
            )
