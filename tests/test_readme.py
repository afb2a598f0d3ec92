"""The README's curl walk-through, run as written against `python -m services.devserver`."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A walk-through with curl", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README's walk-through block is missing"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def devserver(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = {
        **os.environ,
        "SSI_DATA_DIR": str(tmp_path / "var"),
        "INCIDENT_API_PORT": str(port),
        "NOTIFIER_PORT": str(free_port()),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    env.pop("SSI_JWT_SECRET", None)
    for name in [n for n in env if n.startswith(("INCIDENT_API_DATABASE", "NOTIFIER_DATABASE"))]:
        env.pop(name)
    process = subprocess.Popen(
        [sys.executable, "-m", "services.devserver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the dev server did not start")
        yield url, env
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        # Install codes never reach the server's log, the walk-through's included.
        assert "83FED3407A939723A5C639B26916D505" not in output


def test_curl_walkthrough_works_as_written(
    devserver: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = devserver
    # "From the repository root": the walk-through calls .venv/bin/ssi and writes answer.json.
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    script = walkthrough().replace("API=http://127.0.0.1:8000", f"API={url}")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=tmp_path,
        env={**env, "PATH": f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert '"status":"raised"' in lines[3]
    assert '{"install_code":"83FED3407A939723A5C639B26916D505"}' in result.stdout
    assert '"status":"closed"' in result.stdout
    assert lines[-1].startswith('{"type":"https://ssi.example/problems/install-code-destroyed"')
