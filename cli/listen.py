"""`ssi listen`: a local webhook receiver that verifies signatures and prints each event."""

import json
from collections.abc import Callable

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MAX_BODY = 1024 * 1024


def valid_secret(secret: str) -> bool:
    try:
        Webhook(secret)
    except Exception:
        return False
    return secret.startswith("whsec_")


def describe(event: object) -> str:
    """One line per event: its type, then what identifies it."""
    if not isinstance(event, dict):
        return "(not an event object)"
    data = event.get("data")
    data = data if isinstance(data, dict) else {}
    parts = [str(event.get("type", "?"))]
    for key in ("reference", "status", "sla_kind", "sla_ordinal", "seq"):
        if data.get(key) is not None:
            parts.append(f"{key}={data[key]}")
    return " ".join(parts)


def receiver(secret: str | None, say: Callable[[str], None]) -> Starlette:
    verifier = Webhook(secret) if secret else None

    async def hook(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            if verifier is not None:
                event = verifier.verify(body, dict(request.headers))
            else:
                event = json.loads(body)
        except (WebhookVerificationError, ValueError):
            say(f"rejected {request.headers.get('webhook-id', '?')}: bad signature or body")
            return Response(status_code=401)
        verified = "" if verifier is not None else " (unverified: no --secret)"
        say(f"{describe(event)}{verified}")
        return Response(status_code=204)

    return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])


def serve(port: int, host: str, secret: str | None, say: Callable[[str], None]) -> None:
    config = uvicorn.Config(
        receiver(secret, say), host=host, port=port, log_level="warning", access_log=False
    )
    uvicorn.Server(config).run()
