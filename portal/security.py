"""What every response and every unsafe request must satisfy, whatever the page.

- An unsafe request (POST, PUT, PATCH, DELETE) is refused unless the browser says it came from
  the portal itself: `Sec-Fetch-Site: same-origin`, or, from a browser that sends no Fetch
  Metadata, an `Origin` equal to `PORTAL_PUBLIC_URL`. Neither header can be set by another site's
  page, so no token in the form is needed; a request with neither is refused too.
- A strict Content-Security-Policy: the portal's own scripts and styles only, nothing inline,
  no framing. htmx is told not to inject its indicator style, which the policy would block.
- `Cache-Control: no-store` on everything but the static files: pages carry incident data, and the
  reveal page an install code, which must not outlive the page in any cache.
"""

from starlette.datastructures import Headers
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


def same_origin(headers: Headers, public_origin: str) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return headers.get("origin") == public_origin


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, public_origin: str) -> None:
        self.app = app
        self.public_origin = public_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        if scope["method"] in UNSAFE and not same_origin(Headers(scope=scope), self.public_origin):
            await with_headers(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": CROSS_SITE_PAGE})
            return
        await self.app(scope, receive, with_headers)
