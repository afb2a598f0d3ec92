"""axe-core (the copy `axe_playwright_python` ships) on the pages the tests show, and full-page
screenshots of them, left at `test-output/portal/<database>/` in the repository (git ignores it)
for a person to look at: `axe.json` holds every violation found, and the run's summary prints the
counts per page. A test asserts that its pages have no violation of impact "serious" or
"critical"."""

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect

from tests.database import on_postgres
from tests.portal.browser.people import Person
from tests.processes import ROOT

OUTPUT = ROOT / "test-output" / "portal" / ("postgresql" if on_postgres() else "sqlite")
"""One folder per database: CI runs the suite on both side by side."""
SUMMARY: list[str] = []
"""Printed at the end of the run (`pytest_terminal_summary` in this package's conftest)."""
BLOCKING = {"serious", "critical"}
IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass
class Audit:
    output: Path
    axe: Axe = field(default_factory=Axe)
    found: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Page name -> its violations (rule, impact, help, the elements at fault)."""

    def check(self, name: str, page: Page) -> None:
        """axe on the page as it stands, and its full-page screenshot (`<name>.png`)."""
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        results = self.axe.run(page)
        assert results.response["passes"], f"axe checked nothing on {name}"
        self.found[name] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]],
            }
            for v in results.response["violations"]
        ]
        page.screenshot(path=self.output / f"{name}.png", full_page=True)

    def visit(self, name: str, who: Person, path: str, status: int = 200) -> None:
        answer = who.page.goto(path)
        assert answer is not None
        assert answer.status == status, f"{path} answered {answer.status}"
        self.check(name, who.page)

    def blocking(self, names: Iterable[str]) -> list[str]:
        """The serious and critical violations on these pages, one line each."""
        return [
            f"{name}: {v['id']} ({v['impact']}) {v['help']} at {v['targets']}"
            for name in names
            for v in self.found[name]
            if v["impact"] in BLOCKING
        ]

    def write(self) -> None:
        if not self.found:
            return
        (self.output / "axe.json").write_text(json.dumps(self.found, indent=2, sort_keys=True))
        SUMMARY.append(f"axe-core per page (violations by impact), screenshots in {self.output}:")
        for name, violations in self.found.items():
            counts = Counter(v["impact"] for v in violations)
            figures = ", ".join(f"{impact} {counts[impact]}" for impact in IMPACTS)
            rules = " ".join(sorted({v["id"] for v in violations}))
            SUMMARY.append(f"  {name:<24} {figures}{'  [' + rules + ']' if rules else ''}")
