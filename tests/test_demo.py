"""`make demo` runs the whole route and stops everything it started."""

import subprocess
from pathlib import Path

import pytest

from tests.database import on_postgres

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the demo runs on its own SQLite whatever the suite runs on: once is enough",
)


ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_runs_start_to_finish() -> None:
    result = subprocess.run(
        ["bash", "scripts/demo.sh"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "[ISUP's listener] incident.raised reference=INC-000001" in out
    assert "[GSUP's listener] incident.resolved reference=INC-000001" in out
    assert "83FED3407A939723A5C639B26916D505" in out  # the revealed code, to its requester
    assert "INC-000001 closed" in out
    assert " ISUP                1         1         1 " in out  # the SLA report's row
    assert "rejected" not in out
    data_dir = out.split("on SQLite under ", 1)[1].split(" ", 1)[0]
    assert not Path(data_dir).exists()  # removed, and with it everything the demo wrote
