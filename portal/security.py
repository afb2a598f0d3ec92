"""What every response and every unsafe request must satisfy, whatever the page.

- An unsafe request (POST, PUT, PATCH, DELETE) is refused unless the browser says it came from
  the portal itself: `Sec-Fetch-Site: same-origin`, or, from a browser that sends no Fetch
  Metadata, an `Origin` equal to `PORTAL_PUBLIC_URL`. Neither header can be set by another site's
  page, so no token in the form is needed; a request with neither is refused too.
- A strict Content-Security-Policy: the portal's own scripts and styles only, nothing inline,
  no framing. htmx is told not to inject its indicator style, which the policy would block.
- `Referrer-Policy: same-origin`, unless the page sets a stricter one itself.
- `Cache-Control: no-store` on everything but the static files: pages carry incident data, and the
  reveal page an install code, which must not outlive the page in any cache.
- A body is bounded while it streams (a form: 64 KiB; a CSV upload: `PORTAL_MAX_UPLOAD_BYTES` and
  the multipart framing around it), so a huge post is refused before it is held in memory.
"""

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
CROSS_SITE_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Refused</title>"
    b"<h1>This form was not sent from the portal</h1>"
    b"<p>The portal only accepts forms submitted from its own pages. Nothing was changed. "
    b'<a href="/">Go to the portal</a> and try again from there.</p></html>'
)


FORM_LIMIT = 64 * 1024
TOO_LARGE_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Too large</title>"
    b"<h1>What you sent is too large</h1><p>Nothing was changed. "
    b'<a href="/">Go back to the portal</a>.</p></html>'
)


class TooLarge(HTTPException):
    """Raised from `receive` once a body passes its limit; rendered as the portal's 413 page."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"What you sent is larger than {limit // 1024} KiB. Nothing was changed."
        )


def same_origin(headers: Headers, public_origin: str) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return headers.get("origin") == public_origin


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, public_origin: str, large: Mapping[str, int]) -> None:
        self.app = app
        self.public_origin = public_origin
        self.large = dict(large)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A page may set its own (the confirmation page: no referrer at all).
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        if scope["method"] not in UNSAFE:
            await self.app(scope, receive, with_headers)
            return
        headers = Headers(scope=scope)
        if not same_origin(headers, self.public_origin):
            await self._page(with_headers, 403, CROSS_SITE_PAGE)
            return
        limit = self.large.get(scope["path"], FORM_LIMIT)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._page(with_headers, 413, TOO_LARGE_PAGE)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        await self.app(scope, limited, with_headers)

    @staticmethod
    async def _page(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})
