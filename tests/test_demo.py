"""`make demo` runs the whole route and each channel (a webhook, the contact list's email, an
inbox), and stops everything it started; on failure it keeps the log."""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.database import on_postgres

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the demo runs on its own SQLite whatever the suite runs on: once is enough",
)


ROOT = Path(__file__).resolve().parents[1]


def run_demo(timeout: float, **env: str) -> subprocess.CompletedProcess[str]:
    """The script in its own process group: should the script itself hang, the whole group (the
    services and listeners too) is stopped, not just bash."""
    process = subprocess.Popen(
        ["bash", "scripts/demo.sh"],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        pytest.fail(f"the demo ran for more than {timeout} s:\n{out}{err}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_the_demo_runs_start_to_finish() -> None:
    # Each of the script's waits gives up after 60 s; this bound is only for a hang.
    result = run_demo(timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "[ISUP's listener] incident.raised reference=INC-000001" in out
    assert "[GSUP's listener] incident.resolved reference=INC-000001" in out
    assert "83FED3407A939723A5C639B26916D505" in out  # the revealed code, to its requester
    assert "INC-000001 closed" in out
    assert " ISUP                1         1         1 " in out  # the SLA report's row
    assert "rejected" not in out
    # MSUP, with no endpoint: the raise as an .eml file to its ops contact, the Device ID alone.
    mail = out.split("an .eml file under", 1)[1].split("\n== ", 1)[0]
    assert re.search(r"^mail/evt_\S+\.eml:$", mail, re.MULTILINE), mail
    assert "  To: ops@msup.example\n" in mail
    assert "  Subject: [SSI] INC-000002 raised: Device 00-DB-12-34-56-78-90-B0\n" in mail
    assert "no install code and no note in any of the 1 message(s) mailed" in mail
    # PSUP, pulling its inbox: the raise as `ssi inbox follow` printed it, then the follower stops.
    assert "[PSUP's inbox] incident.raised reference=INC-000003\nfollower stopped" in out
    assert " PSUP                1         0         0 " in out
    assert "Traceback" not in out + result.stderr
    data_dir = out.split("on SQLite under ", 1)[1].split(" ", 1)[0]
    assert not Path(data_dir).exists()  # removed, and with it everything the demo wrote
    assert "The demo failed" not in result.stderr


def test_a_failed_demo_keeps_the_services_log_and_says_where() -> None:
    # A setting the API refuses: the dev server stops at once, and the demo with it.
    result = run_demo(timeout=120, INCIDENT_API_DEFAULT_POLICY="no-such-policy")
    assert result.returncode != 0
    match = re.search(r"The whole log is kept at (\S+)", result.stderr)
    assert match, result.stderr
    log = Path(match.group(1))
    try:
        assert "the services stopped while waiting for" in result.stderr
        assert "no-such-policy" in log.read_text()  # what explains the failure
        assert "no-such-policy" in result.stderr  # its tail, shown
        data_dir = result.stdout.split("on SQLite under ", 1)[1].split(" ", 1)[0]
        assert not Path(data_dir).exists()  # only the log outlives a failure
    finally:
        log.unlink(missing_ok=True)
