"""`ssi inbox follow`: your party's inbox, pulled as it fills.

The inbox routes are called through the notifier client's own httpx client and judged by `ok()`
as any generated operation's answer (`answer_of`), so the command works whether or not the
generated client has them.

The notifier keeps the position: each read asks for what follows the last acknowledgement, and
each page is acknowledged once all of it is handled (printed, or forwarded and accepted). So a
follower that stops, however it stops, starts again after what it acknowledged: nothing
acknowledged is lost or repeated, and an item handled but not yet acknowledged when it stopped
comes again (drop it by its `webhook_id`). An item the target refused is never acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from cli.client import answer_of, fail, notifier, ok

if TYPE_CHECKING:
    import httpx

app = typer.Typer(no_args_is_help=True)

WAIT_SECONDS = 25
PAGE = 100
FORWARD_RETRIES = (0.5, 1.0, 2.0)
"""Seconds before each retry of an item the target refused; then the follower stops."""
FORWARD_TIMEOUT = 10.0
SETTLE_TIMEOUT = 5.0
"""On Ctrl-C, how long acknowledging what was handled may take."""
HINTS = {"no-inbox": "add one with `ssi endpoints add --inbox`"}

Item = dict[str, Any]


@app.callback()
def inbox() -> None:
    """Your party's inbox (the notifier): events held for you to pull."""


@app.command()
def follow(
    ctx: typer.Context,
    forward_to: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="POST each item's webhook body (JSON, with its webhook-id header) to this URL "
            "instead of printing it",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print each item of your inbox as one JSON line as it arrives, or forward it with
    --forward-to, acknowledging each page once it is handled. Starts after what was last
    acknowledged, so a restart loses and repeats nothing acknowledged. A forward the target
    refuses is retried a few times; then the follower stops (non-zero exit) without
    acknowledging that item. Ctrl-C stops it."""
    if forward_to is not None and not _is_http_url(forward_to):
        raise fail("--forward-to must be an http:// or https:// URL")
    http = notifier(ctx).get_httpx_client()
    handle: Callable[[Item], None] = _print
    if forward_to is not None:
        import httpx

        target = ctx.with_resource(
            httpx.Client(timeout=FORWARD_TIMEOUT, follow_redirects=False, trust_env=False)
        )
        handle = _Forwarder(target, forward_to)
    follower = Follower(http, handle)
    try:
        follower.run()
    except KeyboardInterrupt:
        follower.settle()


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _print(item: Item) -> None:
    typer.echo(json.dumps(item))


class Follower:
    """Reads, handles and acknowledges, page by page, until stopped."""

    def __init__(self, http: httpx.Client, handle: Callable[[Item], None]) -> None:
        self.http = http
        self.handle = handle
        self.handled: str | None = None
        """The cursor of the last item handled and not yet acknowledged."""

    def run(self) -> None:
        while True:
            for item in self.read()["items"]:
                try:
                    self.handle(item)
                except typer.Exit:
                    self.settle()  # what came before it was handled: not to be repeated
                    raise
                self.handled = item["cursor"]
            if self.handled is not None:
                self.acknowledge(self.handled)

    def read(self) -> dict[str, Any]:
        response = self.http.get("/v1/inbox", params={"wait": WAIT_SECONDS, "limit": PAGE})
        page: dict[str, Any] = ok(answer_of(response, lambda r: r.json()), HINTS)
        return page

    def acknowledge(self, cursor: str) -> None:
        response = self.http.post("/v1/inbox/ack", json={"cursor": cursor})
        ok(answer_of(response, lambda r: r.json()), HINTS)
        self.handled = None

    def settle(self) -> None:
        """Acknowledge what was handled, if anything, as the follower stops. Quietly: it is
        stopping anyway, and what is not acknowledged comes again next time."""
        if self.handled is None:
            return
        # A second Ctrl-C, or a service gone, ends the attempt: nothing is lost by it.
        with contextlib.suppress(Exception, KeyboardInterrupt):
            answer = self.http.post(
                "/v1/inbox/ack", json={"cursor": self.handled}, timeout=SETTLE_TIMEOUT
            )
            if answer.is_success:
                self.handled = None


class _Forwarder:
    def __init__(self, client: httpx.Client, url: str) -> None:
        self.client = client
        self.url = url
        parts = urlsplit(url)
        # Named without any user or password the URL may carry.
        self.where = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"

    def __call__(self, item: Item) -> None:
        import httpx

        body = {"type": item["type"], "timestamp": item["timestamp"], "data": item["data"]}
        headers = {"content-type": "application/json", "webhook-id": item["webhook_id"]}
        content = json.dumps(body).encode()
        outcome = ""
        for delay in (0.0, *FORWARD_RETRIES):
            time.sleep(delay)
            try:
                answer = self.client.post(self.url, content=content, headers=headers)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
                continue
            if answer.is_success:
                typer.echo(f"forwarded {item['type']} {item['webhook_id']}: {answer.status_code}")
                return
            outcome = str(answer.status_code)
        attempts = len(FORWARD_RETRIES) + 1
        raise fail(
            f"{self.where} refused {item['type']} {item['webhook_id']} ({outcome}, {attempts} "
            "attempts): it stays in your inbox, unacknowledged"
        )
