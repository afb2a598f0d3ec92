"""The services as real processes (`python -m services.serve`), for crash and scale-out tests."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from tests.database import fresh_database
from tests.receiver import free_port
from tests.tokens import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60.0


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INCIDENT_API_", "NOTIFIER_"))}
    env.update(SSI_ENV="development", SSI_JWT_SECRET=TEST_SECRET, SSI_DATA_DIR=str(data_dir))
    env.update(extra)
    return env


def start(app: str, env: dict[str, str], log: Path, ready: str = "/readyz") -> Service:
    """The service as a process, once `ready` answers 200 (`/healthz`: up, maybe not ready)."""
    service = launch(app, env, log)
    try:
        # Generous: a loaded machine starting several replicas at once takes many seconds each.
        wait_ready(service, app, time.monotonic() + STARTUP_SECONDS, ready)
    except RuntimeError:
        service.stop()
        raise
    return service


def launch(app: str, env: dict[str, str], log: Path, port: int | None = None) -> Service:
    """The service as a process on `port` (a free one if None), not yet ready: several can be
    launched side by side, then waited for (`wait_ready`)."""
    port = port or free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.serve", app, "127.0.0.1", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Service(process, f"http://127.0.0.1:{port}", log)


def wait_ready(service: Service, app: str, deadline: float, ready: str = "/readyz") -> None:
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{app} exited: {service.log.read_text()[-2000:]}")
        try:
            answer = httpx.get(f"{service.url}{ready}", timeout=1, trust_env=False)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{app} did not start: {service.log.read_text()[-2000:]}")


@contextmanager
def running(app: str, env: dict[str, str], log: Path) -> Iterator[Service]:
    service = start(app, env, log)
    try:
        yield service
    finally:
        service.stop()


@contextmanager
def migrated_databases(tmp_dir: Path, prefix: str) -> Iterator[tuple[str, str]]:
    """Yields the URLs of a new incident API database and a new notifier database, both migrated;
    drops them afterwards."""
    with (
        fresh_database(tmp_dir, f"{prefix}api") as api_db,
        fresh_database(tmp_dir, f"{prefix}notifier") as notifier_db,
    ):
        api_migrate.upgrade(api_db)
        notifier_migrate.upgrade(notifier_db)
        yield api_db, notifier_db


API_APP = "services.incident_api.app:create_app"
NOTIFIER_APP = "services.notifier.app:create_app"
