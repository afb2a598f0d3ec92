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
import yaml
from pydantic_settings import BaseSettings

from portal.settings import Settings as PortalSettings
from services.incident_api.settings import Settings as ApiSettings
from services.notifier.settings import Settings as NotifierSettings
from shared.settings import CommonSettings
from tests.database import on_postgres
from tests.processes import STARTUP_SECONDS

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the README runs on the dev server (SQLite) whatever the suite runs on: once is enough",
)


ROOT = Path(__file__).resolve().parents[1]


def walkthrough(heading: str = "## A walk-through with curl") -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(heading, 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, f"the README's block under {heading!r} is missing"
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
        "PORTAL_PORT": str(free_port()),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    env.pop("SSI_JWT_SECRET", None)
    for name in [
        n
        for n in env
        if n.startswith(("INCIDENT_API_DATABASE", "NOTIFIER_DATABASE", "PORTAL_DATABASE"))
    ]:
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
        deadline = time.monotonic() + STARTUP_SECONDS  # three processes, on a loaded machine
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


def run_block(script: str, devserver: tuple[str, dict[str, str]], cwd: Path) -> str:
    """A README block as written, bash -euo pipefail, against the dev server's ports."""
    url, env = devserver
    notifier = f"http://127.0.0.1:{env['NOTIFIER_PORT']}"
    for old, new in (
        ("http://127.0.0.1:8000", url),
        ("http://127.0.0.1:8001", notifier),
    ):
        script = script.replace(old, new)
    if not (cwd / ".venv").exists():  # "from the repository root": .venv/bin/ssi
        (cwd / ".venv").symlink_to(ROOT / ".venv")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=cwd,
        env={**env, "PATH": f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_cli_quickstart_works_as_written(
    devserver: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    output = run_block(
        walkthrough("## Quickstart with the `ssi` command line"), devserver, tmp_path
    )
    lines = output.splitlines()
    assert "2 of 2 rows imported; 0 failed" in lines
    assert "83FED3407A939723A5C639B26916D505" in lines  # revealed to its requester
    assert any(line.endswith(" closed (version 3)") for line in lines)
    assert "1 succeeded, 0 failed" in lines
    results = (tmp_path / "results.csv").read_text().splitlines()
    assert results[1].startswith("1,row-1,true,")
    report = [line.split() for line in lines if line.startswith(" ISUP ")]
    assert report == [["ISUP", "2", "1", "1", "0", "1", "0", "0.0"]]


def test_curl_walkthrough_works_as_written(
    devserver: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    output = run_block(walkthrough(), devserver, tmp_path)
    lines = output.strip().splitlines()
    assert '"status":"raised"' in lines[3]
    assert '{"install_code":"83FED3407A939723A5C639B26916D505"}' in output
    assert '"status":"closed"' in output
    assert lines[-1].startswith('{"type":"https://ssi.example/problems/install-code-destroyed"')

    # The SLA section: a deadline crossed with the test clock.
    lines = run_block(
        walkthrough("## Driving the SLA with the test clock"), devserver, tmp_path
    ).splitlines()
    events = [line.split()[:2] for line in lines if " incident." in line]
    assert sorted(events) == [
        ["DCCO", "incident.sla_breached"],
        ["GSUP", "incident.sla_breached"],
        ["ISUP", "incident.raised"],
        ["ISUP", "incident.sla_breached"],
    ]
    assert "breached" in lines
    # Two ISUP clocks: the first answered the same day (met), the second open and breached.
    assert "ISUP,2,1,1,1,1,0,0.0" in lines
    assert not [line for line in lines if "rejected" in line or "unverified" in line]

    # Receiving webhooks: registering an endpoint answers with its secret, once.
    registered = run_block(walkthrough("## Receiving webhooks"), devserver, tmp_path)
    assert '"secret":"whsec_' in registered


def documented_variables(text: str) -> set[str]:
    """The variables a markdown text's tables name in their first column."""
    names = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def configuration_tables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return documented_variables(section)


def environment_names(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
            continue  # a nested class (`common`) reads its own prefix
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


@pytest.mark.parametrize(
    "settings", [CommonSettings, ApiSettings, NotifierSettings, PortalSettings]
)
def test_every_setting_is_in_the_configuration_tables(settings: type[BaseSettings]) -> None:
    missing = environment_names(settings) - configuration_tables()
    assert not missing, f"README.md's Configuration tables lack {sorted(missing)}"


def test_every_variable_the_deployment_sets_is_documented() -> None:
    """A misspelt setting is ignored (extra="ignore"), not refused: each variable the manifests
    and the compose file hand our image must be one the READMEs describe."""
    deploy = ROOT / "deploy"
    documented = configuration_tables() | documented_variables((deploy / "README.md").read_text())
    given: dict[str, set[str]] = {}
    for path in sorted((deploy / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document["kind"] == "ConfigMap":
                for name in document.get("data", {}):
                    given.setdefault(name, set()).add(path.name)
            pod = document.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("containers", []):
                if "/ssi:" in container["image"]:
                    for variable in container.get("env", []):
                        given.setdefault(variable["name"], set()).add(path.name)
    compose = yaml.safe_load((deploy / "compose.yaml").read_text())
    for service in compose["services"].values():
        if "build" in service:
            for name in service.get("environment", {}):
                given.setdefault(name, set()).add("compose.yaml")
    assert given.keys() >= {"NOTIFIER_DB_POOL_SIZE", "SSI_APP", "NOTIFIER_API_TOKEN"}
    undocumented = {name: sorted(where) for name, where in given.items() if name not in documented}
    assert not undocumented, f"set by the deployment but in neither README: {undocumented}"
