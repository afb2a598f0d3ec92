"""`ssi report sla`: the SLA compliance report, as a table or CSV; `ssi report contact-defects`:
the contact list's addresses that cannot be delivered to.

The SLA report's CSV form is fetched by hand: the generated operation reads every 200 answer as
JSON.
"""

from typing import Annotated

import typer

from cli.client import answer_of, notifier, ok
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
DEFECT_COLUMNS = (
    "party_id",
    "contact_role",
    "address",
    "failing_since",
    "last_status_code",
    "last_error",
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
    client = notifier(ctx)
    if csv:
        period = {k: v for k, v in (("from", from_), ("to", to)) if v is not None}
        http = client.get_httpx_client()
        response = http.get("/v1/reports/sla", params=period, headers={"Accept": "text/csv"})
        typer.echo(ok(answer_of(response, lambda r: r.text)), nl=False)
        return
    from ssi_client.notifier.api.reports import get_sla_report

    show(get_sla_report.sync_detailed(client=client, from_=from_, to=to), as_json, COLUMNS)


@app.command("contact-defects")
def contact_defects(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Contact emails whose latest message failed (a mail server refusing the address included):
    the fallback cannot reach these parties until their contact emails are corrected."""
    from ssi_client.notifier.api.reports import get_contact_defects

    show(get_contact_defects.sync_detailed(client=notifier(ctx)), as_json, DEFECT_COLUMNS)
