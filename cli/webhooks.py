"""`ssi endpoints` and `ssi deliveries`: your endpoints (webhook, email, inbox) and what was
sent to them."""

import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import parse_qs, urlsplit

import typer

from cli.client import anonymous_notifier, api, fail, notifier, ok
from cli.output import JsonFlag, show
from shared.schemas import EventType

if TYPE_CHECKING:
    from ssi_client.notifier.models import DeliveryDetail

endpoints = typer.Typer(
    help="Your endpoints: webhooks, email addresses, your inbox (the notifier).",
    no_args_is_help=True,
)
deliveries = typer.Typer(
    help="Deliveries to your endpoints and their attempts.", no_args_is_help=True
)
ENDPOINT_COLUMNS = ("id", "kind", "url", "address", "enabled", "event_types", "disabled_reason")
CONTACT_COLUMNS = (*ENDPOINT_COLUMNS[:2], "contact_role", *ENDPOINT_COLUMNS[2:])
DELIVERY_COLUMNS = (
    "id",
    "event_type",
    "incident_id",
    "status",
    "attempt_count",
    "last_status_code",
    "next_attempt_at",
)
REFERENCE = re.compile(r"INC-[0-9]+", re.IGNORECASE)
WAIT_SECONDS = 30
POLL_SECONDS = (0.1, 0.2, 0.5, 1.0)
"""Between looks at a test delivery: quick at first, since a local receiver answers at once."""
TEST_HINTS = {
    "endpoint-unconfirmed": "follow the link mailed to the address first: `ssi endpoints confirm`"
}
CHANGE_HINTS = {"contact-endpoint": "change your contact emails with `ssi parties contacts`"}
CREATE_HINTS = {"inbox-exists": "read it with `ssi inbox follow`"}


EndpointId = Annotated[str, typer.Argument(help="The endpoint's id (`ssi endpoints list`)")]
DeliveryId = Annotated[str, typer.Argument(help="The delivery's id (`ssi deliveries list`)")]


@endpoints.command()
def add(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Argument(
            help="A webhook: where to POST (https, a public address)", show_default=False
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Mail each event to this address instead (on once the link mailed to it is "
            "followed)",
            show_default=False,
        ),
    ] = None,
    inbox: Annotated[
        bool, typer.Option("--inbox", help="Hold events in your inbox instead (`ssi inbox follow`)")
    ] = False,
    event_type: Annotated[
        list[EventType] | None, typer.Option(help="Repeat for several; default: all")
    ] = None,
    description: Annotated[str | None, typer.Option(help="A label for your own use")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an endpoint: a webhook URL (its whsec_ secret is shown this once), --email
    ADDRESS, or --inbox."""
    from ssi_client.notifier.api.endpoints import create_endpoint
    from ssi_client.notifier.models import EndpointCreate, EndpointKind
    from ssi_client.notifier.models import EventType as NotifierEventType
    from ssi_client.notifier.types import UNSET

    chosen = [url is not None, email is not None, inbox]
    if sum(chosen) != 1:
        several = "only one" if sum(chosen) > 1 else "one"
        raise fail(f"give {several} of URL, --email ADDRESS or --inbox")
    body = EndpointCreate(
        event_types=[NotifierEventType(t) for t in event_type] if event_type else UNSET,
        description=description or UNSET,
    )
    if email is not None:
        body.kind, body.address = EndpointKind.EMAIL, email
    elif inbox:
        body.kind = EndpointKind.INBOX
    else:
        body.url = url  # no kind: a webhook, as before endpoints had kinds
    answer = create_endpoint.sync_detailed(client=notifier(ctx), body=body)
    ok(answer, CREATE_HINTS)
    show(answer, as_json)
    # With --json, standard output stays the JSON alone.
    if email is not None:
        typer.echo(
            "A confirmation link was mailed to the address: this endpoint stays off until it is "
            "followed (within 24 hours), in a browser or with `ssi endpoints confirm LINK`.",
            err=as_json,
        )
    elif inbox:
        typer.echo("Pull what arrives with `ssi inbox follow`.", err=as_json)


@endpoints.command()
def confirm(
    ctx: typer.Context,
    link: Annotated[
        str,
        typer.Argument(
            metavar="TOKEN_OR_LINK", help="The link mailed to the address, or its token alone"
        ),
    ],
) -> None:
    """Turn an email endpoint on with the link mailed to its address. No SSI_TOKEN needed: the
    link itself shows that you read that mailbox."""
    from ssi_client.notifier.api.endpoints import confirm_endpoint
    from ssi_client.notifier.models import ConfirmBody

    body = ConfirmBody(token=_token(link))
    result = ok(confirm_endpoint.sync_detailed(client=anonymous_notifier(ctx), body=body))
    typer.echo(f"{result.endpoint_id} confirmed: {'enabled' if result.enabled else 'disabled'}")


def _token(link: str) -> str:
    """The token of `.../endpoints/confirm?token=...`, or `link` itself if it is a bare token."""
    link = link.strip()
    if "?" not in link and "/" not in link:
        return link
    try:
        tokens = parse_qs(urlsplit(link).query).get("token", [])
    except ValueError:
        tokens = []
    if len(tokens) != 1 or not tokens[0]:
        raise fail("that link has no token: paste the whole link from the message, or its token")
    return tokens[0]


@endpoints.command("list")
def list_endpoints(
    ctx: typer.Context,
    contacts: Annotated[
        bool,
        typer.Option(
            "--contacts",
            help="Also the endpoints kept from your contact list (mailed what none of yours takes)",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Your endpoints: each one's kind, URL or address (their secrets are never shown again)."""
    from ssi_client.notifier.api.endpoints import list_endpoints

    answer = list_endpoints.sync_detailed(client=notifier(ctx), contacts=contacts)
    show(answer, as_json, CONTACT_COLUMNS if contacts else ENDPOINT_COLUMNS)


@endpoints.command("test")
def send_test(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until it is delivered (or not), and say which")
    ] = False,
    timeout: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=600,
            help=f"With --wait: give up after this many seconds (default {WAIT_SECONDS})",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Send endpoint.test to this endpoint alone, now (even while it is disabled)."""
    from ssi_client.notifier.api.endpoints import test_endpoint
    from ssi_client.notifier.models import DeliveryStatus

    if timeout is not None and not wait:
        raise fail("--timeout goes with --wait")
    timeout = timeout or WAIT_SECONDS
    client = notifier(ctx)
    sent = ok(test_endpoint.sync_detailed(endpoint_id, client=client), TEST_HINTS)
    typer.echo(f"{sent.id} {sent.status}")
    if not wait:
        return
    final = _settled(ctx, sent.id, timeout)
    if final.status == DeliveryStatus.PENDING:
        # An inbox's item, for one, stays pending until the party fetches it.
        raise fail(f"{_outcome(final)} after {timeout} s: `ssi deliveries show {sent.id}`")
    typer.echo(_outcome(final))
    if final.status != DeliveryStatus.SUCCEEDED:
        raise typer.Exit(1)


def _settled(ctx: typer.Context, delivery_id: str, seconds: float) -> "DeliveryDetail":
    """The delivery once it is no longer pending, or as it is after `seconds` if it still is."""
    from ssi_client.notifier.api.deliveries import get_delivery
    from ssi_client.notifier.models import DeliveryStatus

    client = notifier(ctx)
    deadline = time.monotonic() + seconds
    pauses = iter(POLL_SECONDS)
    pause = POLL_SECONDS[0]
    while True:
        found = ok(get_delivery.sync_detailed(delivery_id, client=client))
        left = deadline - time.monotonic()
        if found.status != DeliveryStatus.PENDING or left <= 0:
            return found
        pause = next(pauses, pause)
        time.sleep(min(pause, left))


def _outcome(delivery: "DeliveryDetail") -> str:
    """`ID succeeded (204)`, `ID dead (550: ...)`: how it ended, in one line."""
    detail = ", ".join(
        str(part) for part in (delivery.last_status_code, delivery.last_error) if part is not None
    )
    return f"{delivery.id} {delivery.status}{f' ({detail})' if detail else ''}"


@endpoints.command()
def rotate(ctx: typer.Context, endpoint_id: EndpointId, as_json: JsonFlag = False) -> None:
    """A new secret; the old one keeps signing alongside for the grace period."""
    from ssi_client.notifier.api.endpoints import rotate_endpoint_secret

    show(rotate_endpoint_secret.sync_detailed(endpoint_id, client=notifier(ctx)), as_json)


@endpoints.command()
def recover(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    since: Annotated[str, typer.Option(help="From when: ISO 8601 with an offset")],
) -> None:
    """Re-enable and re-deliver, in order, what failed or was skipped since then."""
    from ssi_client.notifier.api.endpoints import recover_endpoint
    from ssi_client.notifier.models import RecoverBody

    try:
        instant = datetime.fromisoformat(since)
    except ValueError:
        raise fail(f"--since {since!r} is not an ISO 8601 date and time") from None
    body = RecoverBody(since=instant)
    result = ok(recover_endpoint.sync_detailed(endpoint_id, client=notifier(ctx), body=body))
    typer.echo(f"{result.requeued:,} deliveries queued again")


@endpoints.command()
def enable(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Deliver to this endpoint again (what was missed meanwhile: see `recover`)."""
    _set_enabled(ctx, endpoint_id, True)


@endpoints.command()
def disable(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Stop delivering to this endpoint; events meanwhile are skipped."""
    _set_enabled(ctx, endpoint_id, False)


def _set_enabled(ctx: typer.Context, endpoint_id: str, enabled: bool) -> None:
    from ssi_client.notifier.api.endpoints import update_endpoint
    from ssi_client.notifier.models import EndpointUpdate

    body = EndpointUpdate(enabled=enabled)
    answer = update_endpoint.sync_detailed(endpoint_id, client=notifier(ctx), body=body)
    result = ok(answer, CHANGE_HINTS)
    typer.echo(f"{result.id} {'enabled' if result.enabled else 'disabled'}")


@endpoints.command()
def delete(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Remove an endpoint for good."""
    from ssi_client.notifier.api.endpoints import delete_endpoint

    ok(delete_endpoint.sync_detailed(endpoint_id, client=notifier(ctx)), CHANGE_HINTS)
    typer.echo(f"{endpoint_id} deleted")


@deliveries.command("list")
def list_deliveries(
    ctx: typer.Context,
    endpoint_id: Annotated[
        str | None, typer.Option("--endpoint", help="Only to this endpoint")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Only in this status: pending, succeeded, dead, skipped")
    ] = None,
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Only about this incident (its id or reference)"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deliveries to your endpoints, newest first."""
    from ssi_client.notifier.api.deliveries import list_deliveries
    from ssi_client.notifier.models import DeliveryStatus

    try:
        state = DeliveryStatus(status) if status is not None else None
    except ValueError:
        choices = ", ".join(repr(str(s)) for s in DeliveryStatus)
        raise typer.BadParameter(
            f"{status!r} is not one of {choices}.", ctx, None, "'--status'"
        ) from None
    answer = list_deliveries.sync_detailed(
        client=notifier(ctx),
        endpoint_id=endpoint_id,
        status=state,
        incident_id=_incident_id(ctx, incident),
    )
    show(answer, as_json, DELIVERY_COLUMNS)


def _incident_id(ctx: typer.Context, incident: str | None) -> str | None:
    """The notifier knows incidents by id alone: a reference is looked up at the API first."""
    if incident is None or not REFERENCE.fullmatch(incident):
        return incident
    from ssi_client.incident_api.api.incidents import get_incident

    return ok(get_incident.sync_detailed(incident, client=api(ctx))).id


@deliveries.command("show")
def show_delivery(ctx: typer.Context, delivery_id: DeliveryId, as_json: JsonFlag = False) -> None:
    """A delivery with its attempts."""
    from ssi_client.notifier.api.deliveries import get_delivery

    show(get_delivery.sync_detailed(delivery_id, client=notifier(ctx)), as_json)


@deliveries.command()
def retry(ctx: typer.Context, delivery_id: DeliveryId) -> None:
    """Send a dead delivery again (a fresh retry schedule)."""
    from ssi_client.notifier.api.deliveries import retry_delivery

    result = ok(retry_delivery.sync_detailed(delivery_id, client=notifier(ctx)))
    typer.echo(f"{result.id} {result.status}")
