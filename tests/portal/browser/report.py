"""Where the browser tests leave what a person should look at: full-page screenshots and the
accessibility findings, and the lines the run's summary prints about them."""

from tests.processes import ROOT

OUTPUT = ROOT / "test-output" / "portal"
SUMMARY: list[str] = []
"""Printed at the end of the run (`pytest_terminal_summary` in this package's conftest)."""
