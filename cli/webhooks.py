"""`ssi endpoints` and `ssi deliveries`: your webhook endpoints and what was sent to them."""

import re
from datetime import datetime
from typing import Annotated

import typer

from cli.client import api, fail, notifier, ok
from cli.output import JsonFlag, show
from shared.schemas import EventType

endpoints = typer.Typer(help="Your webhook endpoints (the notifier).", no_args_is_help=True)
deliveries = typer.Typer(help="Webhook deliveries and their attempts.", no_args_is_help=True)
ENDPOINT_COLUMNS = ("id", "url", "enabled", "event_types", "disabled_reason")
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


EndpointId = Annotated[str, typer.Argument(help="The endpoint's id (`ssi endpoints list`)")]
DeliveryId = Annotated[str, typer.Argument(help="The delivery's id (`ssi deliveries list`)")]


@endpoints.command()
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where to POST: https, a public address")],
    event_type: Annotated[
        list[EventType] | None, typer.Option(help="Repeat for several; default: all")
    ] = None,
    description: Annotated[str | None, typer.Option(help="A label for your own use")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an endpoint; its whsec_ secret is shown this once."""
    from ssi_client.notifier.api.endpoints import create_endpoint
    from ssi_client.notifier.models import EndpointCreate
    from ssi_client.notifier.models import EventType as NotifierEventType
    from ssi_client.notifier.types import UNSET

    body = EndpointCreate(
        url=url,
        event_types=[NotifierEventType(t) for t in event_type] if event_type else UNSET,
        description=description or UNSET,
    )
    show(create_endpoint.sync_detailed(client=notifier(ctx), body=body), as_json)


@endpoints.command("list")
def list_endpoints(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Your endpoints (their secrets are never shown again)."""
    from ssi_client.notifier.api.endpoints import list_endpoints

    show(list_endpoints.sync_detailed(client=notifier(ctx)), as_json, ENDPOINT_COLUMNS)


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
    result = ok(update_endpoint.sync_detailed(endpoint_id, client=notifier(ctx), body=body))
    typer.echo(f"{result.id} {'enabled' if result.enabled else 'disabled'}")


@endpoints.command()
def delete(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Remove an endpoint for good."""
    from ssi_client.notifier.api.endpoints import delete_endpoint

    ok(delete_endpoint.sync_detailed(endpoint_id, client=notifier(ctx)))
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
