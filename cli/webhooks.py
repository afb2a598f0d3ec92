"""`ssi endpoints` and `ssi deliveries`: your webhook endpoints and what was sent to them."""

from datetime import datetime
from typing import Annotated

import typer

from cli.client import Client, fail, target
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


EndpointId = Annotated[str, typer.Argument(help="The endpoint's id (`ssi endpoints list`)")]
DeliveryId = Annotated[str, typer.Argument(help="The delivery's id (`ssi deliveries list`)")]


def _notifier(ctx: typer.Context) -> Client:
    return target(ctx).notifier()


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
    body: dict[str, object] = {"url": url}
    if event_type:
        body["event_types"] = [t.value for t in event_type]
    if description:
        body["description"] = description
    show(_notifier(ctx).json("POST", "/v1/endpoints", json_body=body), as_json)


@endpoints.command("list")
def list_endpoints(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Your endpoints (their secrets are never shown again)."""
    show(_notifier(ctx).json("GET", "/v1/endpoints"), as_json, ENDPOINT_COLUMNS)


@endpoints.command()
def rotate(ctx: typer.Context, endpoint_id: EndpointId, as_json: JsonFlag = False) -> None:
    """A new secret; the old one keeps signing alongside for the grace period."""
    show(_notifier(ctx).json("POST", f"/v1/endpoints/{endpoint_id}/rotate-secret"), as_json)


@endpoints.command()
def recover(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    since: Annotated[str, typer.Option(help="From when: ISO 8601 with an offset")],
) -> None:
    """Re-enable and re-deliver, in order, what failed or was skipped since then."""
    try:
        instant = datetime.fromisoformat(since)
    except ValueError:
        raise fail(f"--since {since!r} is not an ISO 8601 date and time") from None
    result = _notifier(ctx).json(
        "POST", f"/v1/endpoints/{endpoint_id}/recover", json_body={"since": instant.isoformat()}
    )
    typer.echo(f"{result['requeued']:,} deliveries queued again")


@endpoints.command()
def enable(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Deliver to this endpoint again (what was missed meanwhile: see `recover`)."""
    _set_enabled(ctx, endpoint_id, True)


@endpoints.command()
def disable(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Stop delivering to this endpoint; events meanwhile are skipped."""
    _set_enabled(ctx, endpoint_id, False)


def _set_enabled(ctx: typer.Context, endpoint_id: str, enabled: bool) -> None:
    result = _notifier(ctx).json(
        "PATCH", f"/v1/endpoints/{endpoint_id}", json_body={"enabled": enabled}
    )
    typer.echo(f"{result['id']} {'enabled' if result['enabled'] else 'disabled'}")


@endpoints.command()
def delete(ctx: typer.Context, endpoint_id: EndpointId) -> None:
    """Remove an endpoint for good."""
    _notifier(ctx).call("DELETE", f"/v1/endpoints/{endpoint_id}")
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
    incident_id: Annotated[
        str | None, typer.Option("--incident", help="Only about this incident (its id)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deliveries to your endpoints, newest first."""
    params = {"endpoint_id": endpoint_id, "status": status, "incident_id": incident_id}
    show(_notifier(ctx).json("GET", "/v1/deliveries", params=params), as_json, DELIVERY_COLUMNS)


@deliveries.command("show")
def show_delivery(ctx: typer.Context, delivery_id: DeliveryId, as_json: JsonFlag = False) -> None:
    """A delivery with its attempts."""
    show(_notifier(ctx).json("GET", f"/v1/deliveries/{delivery_id}"), as_json)


@deliveries.command()
def retry(ctx: typer.Context, delivery_id: DeliveryId) -> None:
    """Send a dead delivery again (a fresh retry schedule)."""
    result = _notifier(ctx).json("POST", f"/v1/deliveries/{delivery_id}/retry")
    typer.echo(f"{result['id']} {result['status']}")
