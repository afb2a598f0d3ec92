"""`make run` (`python -m services.devserver`): what would stop it is said in one line each,
before any database is migrated or any service started."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.devserver import port_problem
from tests.processes import ROOT
from tests.receiver import free_port


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something is listening on, as a first `make run` would be."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def devserver(data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    ours = ("INCIDENT_API_", "NOTIFIER_", "PORTAL_", "SSI_")  # none of the developer's own settings
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-m", "services.devserver"],
        cwd=ROOT,
        env={**base, "SSI_DATA_DIR": str(data), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("variable", ["INCIDENT_API_PORT", "NOTIFIER_PORT", "PORTAL_PORT"])
def test_a_busy_port_is_one_line_naming_it(tmp_path: Path, taken: int, variable: str) -> None:
    ports = {
        "INCIDENT_API_PORT": str(free_port()),
        "NOTIFIER_PORT": str(free_port()),
        "PORTAL_PORT": str(free_port()),
    }
    ports[variable] = str(taken)
    done = devserver(tmp_path / "var", SSI_ENV="development", **ports)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"make run: port {taken} is in use (another `make run`?): stop it or set {variable}"
    ]
    assert "Traceback" not in done.stdout
    assert not (tmp_path / "var").exists()  # nothing migrated, no secret generated


def test_refused_settings_are_listed_before_anything_starts(tmp_path: Path) -> None:
    """`SSI_ENV=production make run` on SQLite: every refusal of both services, one a line."""
    done = devserver(
        tmp_path / "var",
        SSI_ENV="production",
        INCIDENT_API_PORT=str(free_port()),
        NOTIFIER_PORT=str(free_port()),
        PORTAL_PORT=str(free_port()),
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert (
        "make run: incident_api: SQLite is for development: set INCIDENT_API_DATABASE_URL to a"
        " PostgreSQL URL"
    ) in lines
    assert "make run: notifier: NOTIFIER_SECRET_KEYS is required outside development" in lines
    assert "make run: portal: PORTAL_SESSION_KEYS is required outside development" in lines
    assert all(line.startswith("make run: ") for line in lines), lines
    assert not (tmp_path / "var").exists()


def test_port_problems() -> None:
    assert port_problem("NOTIFIER_PORT", "127.0.0.1", str(free_port())) is None
    assert port_problem("NOTIFIER_PORT", "127.0.0.1", "eighty") == (
        "NOTIFIER_PORT='eighty' is not a port number"
    )
    assert port_problem("NOTIFIER_PORT", "127.0.0.1", "70000") == (
        "NOTIFIER_PORT='70000' is not a port number"
    )
