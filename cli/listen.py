"""`ssi listen`: a local webhook receiver that verifies signatures and prints each event."""

import json
from collections.abc import Callable

import httpx
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


FORWARDED_HEADERS = ("content-type", "webhook-id", "webhook-timestamp", "webhook-signature")


def receiver(
    secret: str | None, say: Callable[[str], None], forward_to: str | None = None
) -> Starlette:
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
        if forward_to is None:
            return Response(status_code=204)
        # Passed on as received, signature included: the application verifies it too.
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        try:
            async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:
                answer = await client.post(forward_to, content=body, headers=headers)
        except httpx.HTTPError as exc:
            say(f"  -> {forward_to}: {type(exc).__name__}")
            return Response(status_code=502)
        say(f"  -> {forward_to}: {answer.status_code}")
        return Response(answer.content, status_code=answer.status_code)

    return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])


def serve(
    port: int, host: str, secret: str | None, say: Callable[[str], None], forward_to: str | None
) -> None:
    app = receiver(secret, say, forward_to)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run()
