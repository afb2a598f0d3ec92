"""`ssi sla due`: the due instant of a request, from the command line."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        # DESIGN §4's example: the state funeral on Monday 19 September 2022 is skipped.
        (["--raised-at", "2022-09-14T12:00:00+01:00"], "2022-09-22T23:00:00Z"),
        (["--raised-at", "2026-06-13T10:00:00+01:00"], "2026-06-22T23:00:00Z"),  # a Saturday
        (["--raised-at", "2026-10-21T11:00:00Z"], "2026-10-29T00:00:00Z"),  # across the change
        (["--raised-at", "2026-06-10T09:30:00Z", "--working-days", "10"], "2026-06-24T23:00:00Z"),
        (["--raised-at", "2026-12-24T09:00:00Z", "--working-days", "1"], "2026-12-30T00:00:00Z"),
    ],
)
def test_prints_the_due_instant_in_utc(args: list[str], printed: str) -> None:
    result = runner.invoke(app, ["sla", "due", *args])
    assert result.exit_code == 0, result.output
    assert result.output == printed + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--raised-at", "next tuesday"], "not an ISO 8601"),
        (["--raised-at", "2026-06-10T09:30:00"], "needs an offset"),
        (["--raised-at", "2026-02-30T09:30:00Z"], "not an ISO 8601"),
        (["--raised-at", "2026-06-10T09:30:00Z", "--working-days", "0"], "working-days"),
        ([], "raised-at"),
        (["--raised-at", "0001-01-01T00:00:00+01:00"], "years 2000 to 2099"),
        (["--raised-at", "9999-12-30T00:00:00Z"], "years 2000 to 2099"),
    ],
)
def test_refuses_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["sla", "due", *args])
    assert result.exit_code != 0
    assert message in result.output
    # CliRunner catches what escapes: only a deliberate exit may.
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("value", ["bad", '["not a date"]'])
def test_a_malformed_setting_is_named_not_echoed(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSI_EXTRA_NON_WORKING_DAYS", value)
    result = runner.invoke(app, ["sla", "due", "--raised-at", "2026-06-10T09:30:00Z"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "malformed setting: SSI_EXTRA_NON_WORKING_DAYS" in result.output
    assert value not in result.output


def test_installed_as_the_ssi_command() -> None:
    ssi = Path(sys.executable).parent / "ssi"
    done = subprocess.run(
        [ssi, "sla", "due", "--raised-at", "2022-09-14T12:00:00+01:00"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "2022-09-22T23:00:00Z\n")
    bad = subprocess.run(
        [ssi, "sla", "due", "--raised-at", "soon"], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        "ssi: error: --raised-at 'soon' is not an ISO 8601 date and time"
    ]
