"""`ssi incidents`: raise, answer and follow install-code incidents, one at a time or by file.

An install code is never a command-line argument (it would sit in shell history and `ps`): it is
read from --code-file, from standard input when that is not a terminal, or from a hidden prompt.
"""

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.client import Client, fail, problem_reason, row_problem, target
from cli.output import JsonFlag, show
from shared.csvsafe import safe_cell
from shared.schemas import IncidentStatus, Outcome, SlaState

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


def _api(ctx: typer.Context) -> Client:
    return target(ctx).api()


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
    if (device_id is None) == (file is None):
        raise fail("give a DEVICE_ID or --file, not both")
    if file is not None:
        _batch(ctx, "/v1/incidents/batch", file, results, as_json)
        return
    body = {"device_id": device_id, "addressed_party_id": addressee, "group_ref": group_ref}
    body["note"] = note
    created = _api(ctx).json(
        "POST",
        "/v1/incidents",
        json_body={k: v for k, v in body.items() if v is not None},
        hints=ADDRESSEE_HINT,
    )
    show(created, as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[IncidentStatus | None, typer.Option(help="Only in this status")] = None,
    role: Annotated[
        str | None,
        typer.Option(help="requester (raised by you) or addressee (asked of you); default both"),
    ] = None,
    sla_state: Annotated[SlaState | None, typer.Option(help="Only in this SLA state")] = None,
    device_id: Annotated[
        str | None, typer.Option("--device", help="Only for this Device ID")
    ] = None,
    group_ref: Annotated[str | None, typer.Option(help="Only with this group reference")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many")] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="Where the previous page ended (its next_cursor)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Incidents you raised or were asked, newest first."""
    params = {
        "status": status.value if status else None,
        "role": role,
        "sla_state": sla_state.value if sla_state else None,
        "device_id": device_id,
        "group_ref": group_ref,
        "limit": limit,
        "cursor": cursor,
    }
    show(_api(ctx).json("GET", "/v1/incidents", params=params), as_json, COLUMNS)


@app.command("show")
def show_(ctx: typer.Context, incident_id: IncidentId, as_json: JsonFlag = False) -> None:
    """One incident, with its SLA clock."""
    show(_api(ctx).json("GET", f"/v1/incidents/{incident_id}"), as_json)


@app.command()
def history(ctx: typer.Context, incident_id: IncidentId, as_json: JsonFlag = False) -> None:
    """The audit trail, newest first."""
    page = _api(ctx).json("GET", f"/v1/incidents/{incident_id}/history")
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
    body: dict[str, Any] = {"outcome": outcome.value}
    if outcome is Outcome.install_code_provided:
        body["install_code"] = _read_code(code_file)
    body |= {k: v for k, v in (("reason", reason), ("suggested_party_id", suggest)) if v}
    show(_api(ctx).json("POST", f"/v1/incidents/{incident_id}/response", json_body=body), as_json)


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
    typer.echo(_api(ctx).json("GET", f"/v1/incidents/{incident_id}/install-code")["install_code"])


def _transition(ctx: typer.Context, incident_id: str, action: str, body: dict[str, Any]) -> None:
    path = f"/v1/incidents/{incident_id}/{action}"
    result = _api(ctx).json("POST", path, json_body={k: v for k, v in body.items() if v})
    typer.echo(f"{result['reference']} {result['status']} (version {result['version']})")


@app.command()
def acknowledge(ctx: typer.Context, incident_id: IncidentId) -> None:
    """Tell the requester you are on it."""
    _transition(ctx, incident_id, "acknowledge", {})


@app.command()
def close(
    ctx: typer.Context,
    incident_id: IncidentId,
    note: Annotated[str | None, typer.Option(help="A closing note (no personal data)")] = None,
) -> None:
    """Close a resolved incident you raised: its install code is destroyed."""
    _transition(ctx, incident_id, "close", {"note": note})


@app.command()
def cancel(
    ctx: typer.Context,
    incident_id: IncidentId,
    reason: Annotated[str | None, typer.Option(help="Why (no personal data)")] = None,
) -> None:
    """Cancel an open incident you raised."""
    _transition(ctx, incident_id, "cancel", {"reason": reason})


@app.command()
def reopen(
    ctx: typer.Context,
    incident_id: IncidentId,
    reason: Annotated[str, typer.Option(help="What went wrong with the code")],
) -> None:
    """The code did not work: ask again (a new SLA clock starts)."""
    _transition(ctx, incident_id, "reopen", {"reason": reason})


@app.command()
def readdress(
    ctx: typer.Context,
    incident_id: IncidentId,
    to: Annotated[str, typer.Option(help="The party to ask instead, e.g. ISUP")],
) -> None:
    """Address an incident answered not_installing_supplier to another party."""
    _transition(ctx, incident_id, "readdress", {"addressed_party_id": to})


def _batch(ctx: typer.Context, path: str, file: Path, results: Path | None, as_json: bool) -> None:
    data = file.read_bytes()
    is_json = file.suffix.lower() == ".json"
    response = _api(ctx).call(
        "POST",
        path,
        content=data,
        headers={
            "Content-Type": "application/json" if is_json else "text/csv",
            "Accept": "application/json",
        },
    )
    outcome = response.json()
    if results is not None:
        _write_results(results, outcome["items"])
    # The whole reason, field errors included: `--json` should not be the only way to learn it.
    rows = [
        {**r, "error": row_problem(r["error"])} if r.get("error") else r for r in outcome["items"]
    ]
    if as_json:
        show(outcome, True)
    else:
        show(rows, False, RESULT_COLUMNS)
        typer.echo(f"{outcome['succeeded']:,} succeeded, {outcome['failed']:,} failed")
    if outcome["failed"]:
        raise typer.Exit(1)


def _write_results(path: Path, items: list[dict[str, Any]]) -> None:
    """As the API's own CSV answer: `error` the problem's type, `error_detail` its reason."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(RESULTS_FILE_COLUMNS)
        for r in items:
            problem = r.get("error") or {}
            error = problem.get("type", "").rsplit("/", 1)[-1]
            keys = RESULTS_FILE_COLUMNS[:-2]
            cells = [*(safe_cell(r.get(k)) for k in keys), error]
            writer.writerow([*cells, safe_cell(problem_reason(problem) if problem else None)])
