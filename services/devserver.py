"""`make run`: every process on the embedded default (SQLite under SSI_DATA_DIR), development mode.

Migrates each database, prints how to sign in and mint a token, then runs the incident API
(:8000), the notifier (:8001) and the portal (:8002) as three processes, as in production.
Ctrl-C (or SIGTERM) stops all three.

What would stop a service from starting (a port already taken, by a second `make run` say, or
settings refused outside development) is checked first and said in one line each, before any
database is touched.
"""

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

from portal import migrate as portal_migrate
from portal.settings import Settings as PortalSettings
from services.common.config import ConfigurationError, load_settings
from services.incident_api import migrate as api_migrate
from services.incident_api.settings import Settings as ApiSettings
from services.notifier import migrate as notifier_migrate
from services.notifier.settings import Settings as NotifierSettings
from services.serve import refusals
from shared.settings import CommonSettings


def serve(app: str, host: str, port: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "services.serve", app, host, port]
    )


def port_problem(variable: str, host: str, port: str) -> str | None:
    """Why a service could not listen on `port`, if it could not."""
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"{variable}={port!r} is not a port number"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port left in TIME_WAIT by the last run is free, a listening one not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use (another `make run`?): stop it or set {variable}"
            return f"cannot listen on {host}:{port} ({variable}): {exc.strerror}"
    return None


def problems(host: str, api_port: str, notifier_port: str, portal_port: str) -> list[str]:
    found = [
        problem
        for problem in (
            port_problem("INCIDENT_API_PORT", host, api_port),
            port_problem("NOTIFIER_PORT", host, notifier_port),
            port_problem("PORTAL_PORT", host, portal_port),
        )
        if problem is not None
    ]
    services: list[tuple[str, type[ApiSettings] | type[NotifierSettings] | type[PortalSettings]]]
    services = [
        ("incident_api", ApiSettings),
        ("notifier", NotifierSettings),
        ("portal", PortalSettings),
    ]
    for name, settings in services:
        try:
            found += [f"{name}: {p}" for p in refusals(load_settings(settings))]
        except ConfigurationError as exc:
            found += [f"{name}: {p}" for p in exc.problems]
    return found


def main() -> None:
    os.environ.setdefault("SSI_ENV", "development")
    host = os.environ.get("SSI_HOST", "127.0.0.1")
    api_port = os.environ.get("INCIDENT_API_PORT", "8000")
    notifier_port = os.environ.get("NOTIFIER_PORT", "8001")
    portal_port = os.environ.get("PORTAL_PORT", "8002")
    os.environ.setdefault("SSI_API_URL", f"http://127.0.0.1:{api_port}")
    os.environ.setdefault("SSI_NOTIFIER_URL", f"http://127.0.0.1:{notifier_port}")
    os.environ.setdefault("PORTAL_PUBLIC_URL", f"http://127.0.0.1:{portal_port}")
    refused = problems(host, api_port, notifier_port, portal_port)
    if refused:
        for problem in refused:
            print(f"make run: {problem}", file=sys.stderr)
        sys.exit(1)
    common = CommonSettings()
    common.dev_jwt_secret()  # generated once under SSI_DATA_DIR unless SSI_JWT_SECRET is set
    os.environ.setdefault("NOTIFIER_INCIDENT_API_URL", f"http://127.0.0.1:{api_port}")
    api_migrate.upgrade(ApiSettings().resolved_database_url())
    notifier_migrate.upgrade(NotifierSettings().resolved_database_url())
    portal_migrate.upgrade(PortalSettings().resolved_database_url())
    print(
        "\nSSI development services (SSI_ENV=development, data in "
        f"{common.data_dir}/)\n"
        f"  incident API  http://127.0.0.1:{api_port}   docs: http://127.0.0.1:{api_port}/docs\n"
        f"  notifier      http://127.0.0.1:{notifier_port}   docs: "
        f"http://127.0.0.1:{notifier_port}/docs\n"
        f"  portal        http://127.0.0.1:{portal_port}   (sign in as any registered party)\n\n"
        "Mint a token (signed with the development secret):\n"
        "  .venv/bin/ssi token --admin                 # bootstrap parties and inventory\n"
        "  .venv/bin/ssi token --party GSUP            # a supplier\n"
        "  .venv/bin/ssi token --party DCCO --operator # an operator\n",
        flush=True,
    )
    children = [
        serve("services.incident_api.app:create_app", host, api_port),
        serve("services.notifier.app:create_app", host, notifier_port),
        serve("portal.app:create_app", host, portal_port),
    ]

    asked_to_stop = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal asked_to_stop
        asked_to_stop = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Any child exiting on its own (a crash) stops the others, and `make run` fails.
    while all(child.poll() is None for child in children):
        time.sleep(0.2)
    crashed = not asked_to_stop
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        child.wait(timeout=30)
    sys.exit(1 if crashed else 0)


if __name__ == "__main__":
    main()
