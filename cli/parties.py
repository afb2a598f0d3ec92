"""`ssi parties`: the SEC Party contact list."""

from typing import Annotated

import typer

from cli.client import api, fail
from cli.output import JsonFlag, show
from shared.schemas import PartyCategory

app = typer.Typer(help="The contact list of parties.", no_args_is_help=True)
COLUMNS = ("party_id", "name", "category", "active")
HISTORY_COLUMNS = ("at", "actor", "action", "fields")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every party (operators and admin see contact emails too)."""
    from ssi_client.incident_api.api.parties import list_parties

    show(list_parties.sync_detailed(client=api(ctx), limit=500), as_json, COLUMNS)


PartyIdArgument = Annotated[str, typer.Argument(help="Four upper-case letters or digits")]


@app.command("show")
def show_(ctx: typer.Context, party_id: PartyIdArgument, as_json: JsonFlag = False) -> None:
    """One party."""
    from ssi_client.incident_api.api.parties import get_party

    show(get_party.sync_detailed(party_id, client=api(ctx)), as_json)


@app.command()
def add(
    ctx: typer.Context,
    party_id: PartyIdArgument,
    name: Annotated[str, typer.Option(help="The party's name")],
    category: Annotated[
        PartyCategory, typer.Option(help="Suppliers raise and answer incidents; operators oversee")
    ],
    ops_email: Annotated[str, typer.Option(help="Operations contact email")],
    escalation_email: Annotated[str, typer.Option(help="Escalation contact email")],
    as_json: JsonFlag = False,
) -> None:
    """Register a party (operator or admin token)."""
    from ssi_client.incident_api.api.parties import create_party
    from ssi_client.incident_api.models import PartyCategory as ApiCategory
    from ssi_client.incident_api.models import PartyCreate

    party = PartyCreate(
        party_id=party_id,
        name=name,
        category=ApiCategory(category.value),
        ops_contact_email=ops_email,
        escalation_contact_email=escalation_email,
    )
    show(create_party.sync_detailed(client=api(ctx), body=party), as_json)


@app.command()
def contacts(
    ctx: typer.Context,
    party_id: PartyIdArgument,
    ops: Annotated[
        str | None,
        typer.Option(
            metavar="EMAIL",
            help="The operations contact: mailed each event none of your endpoints takes",
            show_default=False,
        ),
    ] = None,
    escalation: Annotated[
        str | None,
        typer.Option(
            metavar="EMAIL",
            help="The escalation contact: mailed breaches and escalations too",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change your own party's contact emails (either or both; audited, without the addresses:
    `ssi parties history`)."""
    from ssi_client.incident_api.api.parties import update_party_contacts
    from ssi_client.incident_api.models import ContactsUpdate
    from ssi_client.incident_api.types import UNSET

    if ops is None and escalation is None:
        raise fail("give --ops EMAIL, --escalation EMAIL or both")
    body = ContactsUpdate(
        ops_contact_email=UNSET if ops is None else ops,
        escalation_contact_email=UNSET if escalation is None else escalation,
    )
    show(update_party_contacts.sync_detailed(party_id, client=api(ctx), body=body), as_json)


@app.command()
def history(
    ctx: typer.Context,
    party_id: PartyIdArgument,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many")] = 100,
    cursor: Annotated[
        str | None, typer.Option(help="Where the previous page ended (its next_cursor)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """A party's changes, newest first: who changed which fields, never their values."""
    from ssi_client.incident_api.api.parties import get_party_history

    answer = get_party_history.sync_detailed(party_id, client=api(ctx), limit=limit, cursor=cursor)
    show(answer, as_json, HISTORY_COLUMNS)
