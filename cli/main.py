"""`ssi`: the command line for supplier operations staff (DESIGN §5).

Errors are one readable line on stderr and a non-zero exit, never a traceback.
"""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from cli import devices, inbox, incidents, parties, reports, webhooks
from cli.client import Target, fail
from cli.group import OneLineErrors
from services.common.negotiation import in_range

if TYPE_CHECKING:
    from shared.settings import CommonSettings

# Heavier modules (settings, tokens, the calendar, the listener's server) are imported by the
# commands that use them: every `ssi` invocation pays for what it imports.
MP121_WORKING_DAYS = 5
MAX_TOKEN_SECONDS = 366 * 24 * 3600
"""shared.tokens.MAX_LIFETIME_SECONDS, which the services enforce (a test keeps the two equal)."""

app = typer.Typer(
    cls=OneLineErrors,
    help="SSI install-code incident route: development tokens, SLA arithmetic and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich panels print a flag as if it took a <bool> value.
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    api_url: Annotated[
        str, typer.Option(envvar="SSI_API_URL", help="The incident API's base URL")
    ] = "http://127.0.0.1:8000",
    notifier_url: Annotated[
        str, typer.Option(envvar="SSI_NOTIFIER_URL", help="The notifier's base URL")
    ] = "http://127.0.0.1:8001",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="SSI_TOKEN",
            help="The bearer token to call the services with (`ssi token` in development)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Configuration comes from flags or the environment: SSI_API_URL, SSI_NOTIFIER_URL,
    SSI_TOKEN (and, for development tokens, SSI_DATA_DIR or SSI_JWT_SECRET)."""
    ctx.obj = Target(api_url.rstrip("/"), notifier_url.rstrip("/"), token)


app.add_typer(parties.app, name="parties")
app.add_typer(devices.app, name="devices")
app.add_typer(incidents.app, name="incidents")
app.add_typer(webhooks.endpoints, name="endpoints")
app.add_typer(webhooks.deliveries, name="deliveries")
app.add_typer(reports.app, name="report")
app.add_typer(inbox.app, name="inbox")


def settings(**values: str) -> "CommonSettings":
    from pydantic_settings import SettingsError

    from shared.settings import CommonSettings

    try:
        return CommonSettings(**values)  # type: ignore[arg-type]
    except (ValidationError, SettingsError) as exc:
        # Name the setting, never echo its value (it may be a secret).
        names = sorted({"SSI_" + str(e["loc"][0]).upper() for e in _errors(exc) if e["loc"]})
        raise fail(f"malformed setting: {', '.join(names) or 'an SSI_ variable'}") from None


def _errors(exc: Exception) -> list[Any]:
    if isinstance(exc, ValidationError):
        return exc.errors()
    field = re.search(r'field "(\w+)"', str(exc))  # pydantic-settings names it, never the value
    return [{"loc": (field.group(1),)}] if field else []


def run() -> None:
    """The `ssi` entry point: the commands, with a last line of defence against tracebacks."""
    try:
        app()
    except Exception as exc:
        typer.echo(f"ssi: error: unexpected {type(exc).__name__}", err=True)
        raise SystemExit(1) from None


@app.command()
def token(
    party: Annotated[str | None, typer.Option(help="A party's token, e.g. GSUP")] = None,
    operator: Annotated[
        bool, typer.Option("--operator", help="With --party: an operator's scopes")
    ] = False,
    person: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="With --party: a person's token (the portal's), NAME acting for the party",
        ),
    ] = None,
    service: Annotated[str | None, typer.Option(help="A service's token, e.g. notifier")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="A bootstrap admin token")] = False,
    scope: Annotated[
        str | None, typer.Option(help="Space-separated scopes, instead of the usual ones")
    ] = None,
    ttl: Annotated[
        int, typer.Option(min=1, max=MAX_TOKEN_SECONDS, help="Lifetime in seconds")
    ] = 3600,
) -> None:
    """Print a development token, signed with the services' development secret.

    With --person, the token is a person's, as the portal presents: `sub` is NAME and
    `ssi_party` the party, whose scopes it carries (an operator's with --operator); the services
    act for the party and record NAME as the actor in incident histories.

    The secret is SSI_JWT_SECRET, or the jwt-secret file under SSI_DATA_DIR if that is set, or
    var/jwt-secret in this directory or the nearest one above it (the repository root, where
    `make run` writes it). `ssi token` never makes a secret of its own.
    """
    from cli.devtokens import SecretNotFound, find_secret
    from shared.identifiers import is_party_id
    from shared.tokens import (
        ADMIN_SCOPE,
        OPERATOR_SCOPES,
        PARTY_SCOPES,
        SERVICE_SCOPES,
        mint_dev_token,
        person_problem,
    )

    chosen = [bool(party), bool(service), admin]
    if sum(chosen) != 1:
        raise fail("give exactly one of --party, --service or --admin")
    if operator and not party:
        raise fail("--operator goes with --party")
    if person is not None:
        if not party:
            raise fail("--person goes with --party")
        if not is_party_id(party):
            raise fail("--party: a party id is 4 upper-case letters or digits, e.g. GSUP")
        problem = person_problem(person)
        if problem is not None:
            raise fail(f"--person: the name {problem}")
    if party:
        subject = person if person is not None else party
        scopes: tuple[str, ...] = OPERATOR_SCOPES if operator else PARTY_SCOPES
    elif service:
        subject, scopes = f"svc:{service}", SERVICE_SCOPES
    else:
        subject, scopes = "admin", (ADMIN_SCOPE,)
    if scope is not None:
        scopes = tuple(scope.split())
    common = settings(env="development")
    try:
        secret = find_secret(common, Path.cwd())
    except SecretNotFound as exc:
        raise fail(str(exc)) from None
    typer.echo(
        mint_dev_token(
            secret,
            subject,
            scopes,
            audience=common.jwt_audience,
            issuer=common.jwt_issuer,
            ttl_seconds=ttl,
            party=party if person is not None else None,
        )
    )


@app.command()
def listen(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")],
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="SSI_WEBHOOK_SECRET",
            help="The endpoint's whsec_ secret, to verify signatures (else nothing is verified)",
            show_default=False,
        ),
    ] = None,
    label: Annotated[str, typer.Option(help="Printed before each event's line")] = "",
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    forward_to: Annotated[
        str | None, typer.Option(help="Pass each verified webhook on to this URL, as received")
    ] = None,
) -> None:
    """Receive webhooks on any path, verify their signatures, print one line per event."""
    prefix = f"{label} " if label else ""

    def say(line: str) -> None:
        typer.echo(prefix + line)

    from cli.listen import serve, valid_secret

    if secret is not None and not valid_secret(secret):
        raise fail("--secret is the endpoint's secret: whsec_ followed by base64")
    say(f"listening on http://{host}:{port}/")
    serve(port, host, secret, say, forward_to)


sla = typer.Typer(help="SLA arithmetic on the SEC Working Day calendar.", no_args_is_help=True)
app.add_typer(sla, name="sla")


@sla.command()
def due(
    raised_at: Annotated[
        str, typer.Option(help="When the request was raised: ISO 8601 with an offset")
    ],
    working_days: Annotated[
        int, typer.Option(min=1, max=250, help="Working Days to answer (mp121: 5)")
    ] = MP121_WORKING_DAYS,
) -> None:
    """Print when a request raised at --raised-at is due, in ISO 8601 UTC.

    Due at 00:00 London at the end of the Nth Working Day after the London day it counts on
    (DESIGN §4); extra non-working days come from SSI_EXTRA_NON_WORKING_DAYS.
    """
    try:
        instant = datetime.fromisoformat(raised_at)
    except ValueError:
        raise fail(f"--raised-at {raised_at!r} is not an ISO 8601 date and time") from None
    if instant.tzinfo is None:
        raise fail("--raised-at needs an offset, e.g. 2026-06-10T09:30:00+01:00 or ...Z")
    if not in_range(instant):
        raise fail("--raised-at must lie in the years 2000 to 2099")
    from shared.calendar import WorkingDayCalendar

    calendar = WorkingDayCalendar(settings().extra_non_working_days)
    due_at = calendar.clock(instant, working_days, ()).due_at
    typer.echo(due_at.astimezone(UTC).isoformat().replace("+00:00", "Z"))


if __name__ == "__main__":
    app()
