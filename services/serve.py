"""`python -m services.serve MODULE:FACTORY HOST PORT`: one service under uvicorn, JSON logs.

The server's limits come from the service's own settings (`INCIDENT_API_*` or `NOTIFIER_*`):
how long a request's head may take (`HEADER_TIMEOUT_SECONDS`) and how many connections may be
open (`MAX_CONNECTIONS`). uvicorn bounds neither on its own: its keep-alive timeout covers only
the idle time between requests, so a client that sends half a request line holds its connection
for ever.

Outside development a service refuses unsafe or incomplete settings; they are all checked here
first and printed one a line, without a traceback, before anything starts.
"""

import asyncio
import contextlib
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from portal.settings import Settings as PortalSettings
from services.common.config import (
    ConfigurationError,
    database_problem,
    load_settings,
    production_problems,
)
from services.common.lifecycle import DRAIN
from services.common.logs import configure_logging
from services.incident_api.settings import Settings as ApiSettings
from services.notifier.settings import Settings as NotifierSettings

AnySettings = ApiSettings | NotifierSettings | PortalSettings

GRACEFUL_SHUTDOWN_SECONDS = 15

SETTINGS: dict[str, type[ApiSettings] | type[NotifierSettings] | type[PortalSettings]] = {
    "services.incident_api.": ApiSettings,
    "services.notifier.": NotifierSettings,
    "portal.": PortalSettings,
}
"""Each process's settings, by the prefix of its app's module."""


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), closing a connection whose request head is not
    complete within `header_timeout` seconds of the connection opening, or of the first byte of
    a later request on it. The body is the app's to read: the timer stops at the end of the head.
    """

    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # From the start: a connection that never sends a byte is as stuck as a half-sent one.
        self._arm_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:  # a later request on a kept-alive connection
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class Server(uvicorn.Server):
    """uvicorn's server, telling the app (through `DRAIN` in its lifespan state) as soon as it
    stops accepting connections, before it waits for the requests in flight."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        drain = self.lifespan.state.get(DRAIN)
        if drain is not None:
            drain()
        await super().shutdown(sockets)


def refusals(settings: AnySettings) -> list[str]:
    """All that the service would refuse to start on (DESIGN §5), where it stops at the first."""
    required: dict[str, object]
    if isinstance(settings, PortalSettings):
        return portal_refusals(settings)
    if isinstance(settings, ApiSettings):
        database = "INCIDENT_API_DATABASE_URL"
        required = {"SSI_INSTALL_CODE_KEYS": settings.install_code_keys}
    else:
        database = "NOTIFIER_DATABASE_URL"
        required = {
            "NOTIFIER_SECRET_KEYS": settings.secret_keys,
            "NOTIFIER_API_TOKEN": settings.api_token,
        }
    return production_problems(
        settings.common, settings.resolved_database_url(), database, required
    )


def portal_refusals(settings: PortalSettings) -> list[str]:
    """The portal verifies no service token (the services do), so it needs no JWKS; it needs
    its identity provider, its session keys, PostgreSQL and an https origin."""
    common = settings.common
    if common.development:
        return []
    problems = [
        p
        for p in (
            database_problem(common, settings.resolved_database_url(), "PORTAL_DATABASE_URL"),
        )
        if p is not None
    ]
    if common.jwt_secret:
        problems.append("SSI_JWT_SECRET (HS256) is for development only: unset it")
    if not settings.public_url.startswith("https://"):
        problems.append("PORTAL_PUBLIC_URL must be https outside development")
    required = {
        "PORTAL_SESSION_KEYS": settings.session_keys,
        "PORTAL_OIDC_ISSUER": settings.oidc_issuer,
        "PORTAL_OIDC_CLIENT_ID": settings.oidc_client_id,
        "PORTAL_OIDC_CLIENT_SECRET_FILE": settings.oidc_client_secret_file,
    }
    problems += [f"{name} is required outside development" for name, v in required.items() if not v]
    secret = settings.oidc_client_secret_file
    if secret is not None and not secret.is_file():
        problems.append(f"PORTAL_OIDC_CLIENT_SECRET_FILE: there is no file {secret}")
    return problems


def settings_of(app: str) -> AnySettings:
    prefix = next((p for p in SETTINGS if app.startswith(p)), None)
    if prefix is None:
        raise SystemExit(f"{app}: not one of the services ({', '.join(SETTINGS)})")
    return load_settings(SETTINGS[prefix])


def config(app: str, host: str, port: int) -> uvicorn.Config:
    settings = settings_of(app)

    class Protocol(HeaderTimeoutProtocol):
        header_timeout = settings.header_timeout_seconds

    return uvicorn.Config(
        app,
        factory=True,
        host=host,
        port=port,
        http=Protocol,
        limit_concurrency=settings.max_connections,
        log_config=configure_logging(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def main() -> None:
    app, host, port = sys.argv[1:4]
    try:
        problems = refusals(settings_of(app))
        if problems:
            raise ConfigurationError(*problems)
        server = Server(config(app, host, int(port)))
    except ConfigurationError as exc:
        # services.notifier.app -> notifier, portal.app -> portal
        service = app.split(":")[0].removeprefix("services.").split(".")[0]
        for problem in exc.problems:
            print(f"{service}: will not start: {problem}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    # As `uvicorn.run` does: after a graceful stop the server raises the signal that asked for it
    # again, which for Ctrl-C is a KeyboardInterrupt, not a failure.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
