"""`ssi devices`: the inventory, one Device or a streamed file of millions.

The import is sent by hand: the generated client has no operation for it (its body is CSV or
NDJSON, never JSON), and a file of millions is streamed from disk with a progress bar. Its answer
is still read as the generated ImportResult.
"""

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from cli.client import answer_of, api, ok
from cli.output import JsonFlag, console, show

app = typer.Typer(help="The Device inventory.", no_args_is_help=True)
PIECE = 1024 * 1024


@app.command("show")
def show_(
    ctx: typer.Context,
    device_id: Annotated[str, typer.Argument(help="The Device's ID (EUI-64)")],
    as_json: JsonFlag = False,
) -> None:
    """One Device as the inventory knows it (yours, or any for an operator)."""
    from ssi_client.incident_api.api.inventory import get_device

    show(get_device.sync_detailed(device_id, client=api(ctx)), as_json)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="device_id, device_type, smi_status, installing_party_id, "
            "registered_supplier_party_id (parties registered first)",
        ),
    ],
    errors: Annotated[
        Path | None, typer.Option(help="Where to write per-row errors (default FILE.errors.csv)")
    ] = None,
) -> None:
    """Stream a CSV (with a header) or NDJSON (.ndjson, .jsonl) inventory file, with progress.

    Exits 0 when every row was imported, 1 when some were not (their errors in the report).
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
    from ssi_client.incident_api.models import ImportResult

    ndjson = file.suffix.lower() in (".ndjson", ".jsonl")
    content_type = "application/x-ndjson" if ndjson else "text/csv"
    size = file.stat().st_size
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"importing {file.name}", total=size)

        def pieces() -> Iterator[bytes]:
            with file.open("rb") as stream:
                while piece := stream.read(PIECE):
                    progress.advance(task, len(piece))
                    yield piece

        http = api(ctx).get_httpx_client()
        response = http.post(
            "/v1/devices/import", content=pieces(), headers={"Content-Type": content_type}
        )
    result = ok(answer_of(response, lambda r: ImportResult.from_dict(r.json())))
    typer.echo(f"{result.imported:,} of {result.rows:,} rows imported; {result.failed:,} failed")
    if result.failed:
        report = errors or file.with_name(file.name + ".errors.csv")
        with report.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "field", "message"])
            for error in result.errors:
                writer.writerow([error.row, error.field or "", error.message])
        more = " (the first 1,000)" if result.errors_truncated else ""
        typer.echo(f"row errors{more} in {report}")
        raise typer.Exit(1)
