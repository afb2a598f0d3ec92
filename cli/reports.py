"""`ssi report sla`: the SLA compliance report, as a table or CSV."""

from typing import Annotated

import typer

from cli.client import target
from cli.output import JsonFlag, show

app = typer.Typer(help="Compliance reports.", no_args_is_help=True)
COLUMNS = (
    "addressed_party_id",
    "received",
    "resolved",
    "resolved_within_sla",
    "breached",
    "open",
    "cancelled",
    "median_working_days_to_resolve",
)


@app.command()
def sla(
    ctx: typer.Context,
    from_: Annotated[
        str | None, typer.Option("--from", help="A date (00:00 London) or an instant")
    ] = None,
    to: Annotated[str | None, typer.Option(help="Exclusive; default now")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV, as the notifier writes it")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Per addressed party: received, resolved within the SLA, breached, open, median days."""
    client = target(ctx).notifier()
    params = {"from": from_, "to": to}
    if csv:
        response = client.call(
            "GET", "/v1/reports/sla", params=params, headers={"Accept": "text/csv"}
        )
        typer.echo(response.text, nl=False)
        return
    show(client.json("GET", "/v1/reports/sla", params=params), as_json, COLUMNS)
