"""Request body limits enforced while streaming, and the JSON content-type check.

A pure ASGI middleware: it refuses a declared Content-Length over the route's limit before reading
anything, and stops a chunked body as soon as it passes the limit. Routes whose path matches one of
`large` get the larger limit and may take their own media types (e.g. CSV imports).
"""

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import problem_response

JSON_TYPES = ("application/json",)


class _TooLarge(HTTPException):
    """Raised from `receive`; an HTTPException so that FastAPI's body parsing lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: the limit here is {limit} bytes.")


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        large: Mapping[str, int],
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.large = dict(large)

    def _limit(self, path: str) -> tuple[int, bool]:
        for suffix, limit in self.large.items():
            if path.endswith(suffix):
                return limit, True
        return self.default_limit, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit, large = self._limit(scope["path"])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(
                scope,
                receive,
                send,
                413,
                "payload-too-large",
                "Request body too large",
                f"The limit here is {limit} bytes.",
            )
            return
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = length not in (None, "0") or "transfer-encoding" in headers
        if has_body and not large and not (media in JSON_TYPES or media.endswith("+json")):
            await self._refuse(
                scope,
                receive,
                send,
                415,
                "unsupported-media-type",
                "Unsupported content type",
                "Send application/json.",
            )
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, slug: str, title: str, detail: str
    ) -> None:
        response = problem_response(status, slug, title, detail)
        await response(scope, receive, send)
