"""`make run`: both services on the embedded default (SQLite under SSI_DATA_DIR), development mode.

Migrates each database, prints how to mint a token, then runs the incident API (:8000) and the
notifier (:8001) as two processes, as in production. Ctrl-C (or SIGTERM) stops both.
"""

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from services.incident_api import migrate as api_migrate
from services.incident_api.settings import Settings as ApiSettings
from services.notifier import migrate as notifier_migrate
from services.notifier.settings import Settings as NotifierSettings
from shared.settings import CommonSettings


def serve(app: str, port: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "services.serve",
            app,
            os.environ.get("SSI_HOST", "127.0.0.1"),
            port,
        ]
    )


def main() -> None:
    os.environ.setdefault("SSI_ENV", "development")
    common = CommonSettings()
    common.dev_jwt_secret()  # generated once under SSI_DATA_DIR unless SSI_JWT_SECRET is set
    api_port = os.environ.get("INCIDENT_API_PORT", "8000")
    notifier_port = os.environ.get("NOTIFIER_PORT", "8001")
    os.environ.setdefault("NOTIFIER_INCIDENT_API_URL", f"http://127.0.0.1:{api_port}")
    api_migrate.upgrade(ApiSettings().resolved_database_url())
    notifier_migrate.upgrade(NotifierSettings().resolved_database_url())
    print(
        "\nSSI development services (SSI_ENV=development, data in "
        f"{common.data_dir}/)\n"
        f"  incident API  http://127.0.0.1:{api_port}   docs: http://127.0.0.1:{api_port}/docs\n"
        f"  notifier      http://127.0.0.1:{notifier_port}   docs: "
        f"http://127.0.0.1:{notifier_port}/docs\n\n"
        "Mint a token (signed with the development secret):\n"
        "  .venv/bin/ssi token --admin                 # bootstrap parties and inventory\n"
        "  .venv/bin/ssi token --party GSUP            # a supplier\n"
        "  .venv/bin/ssi token --party DCCO --operator # an operator\n",
        flush=True,
    )
    children = [
        serve("services.incident_api.app:create_app", api_port),
        serve("services.notifier.app:create_app", notifier_port),
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
    # Either child exiting on its own (a crash) stops the other, and `make run` fails.
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
