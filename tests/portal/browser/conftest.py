"""The portal in a real browser: Debian's Chromium driven by Playwright (`executable_path`; never
`playwright install`), against the three real processes and the test OpenID provider.

The processes and the browser start once for this package (package scope: Playwright's sync API
holds an event loop in the main thread, which the asynchronous tests after this package need
free). Each test gets fresh browser contexts, one per person, and arranges its own Devices, so
the tests pass in any order.

Without /usr/bin/chromium (`make chromium` installs it) these tests fail when `CI` or
`SSI_REQUIRE_BROWSER=1` is set, and are skipped with the reason on a developer's machine.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.portal.browser.audit import OUTPUT, SUMMARY, Audit
from tests.portal.browser.people import TIMEOUT_MS, Journal, Person
from tests.portal.browser.stack import Stack, running_stack

CHROMIUM = Path("/usr/bin/chromium")
MakePerson = Callable[[str, str], Person]


def browser_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    return ci or os.environ.get("SSI_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="package")
def chromium() -> Path:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"{CHROMIUM} is missing (`make chromium` installs Debian's chromium package)"
    if browser_required():
        pytest.fail(f"{reason}; CI or SSI_REQUIRE_BROWSER=1 requires the browser tests", False)
    pytest.skip(f"{reason}: the portal's browser tests did not run")


@pytest.fixture(scope="package")
def stack(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="package")
def browser(chromium: Path, stack: Stack) -> Iterator[Browser]:
    """After `stack`: the databases are made and dropped with no event loop running here."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def person(browser: Browser, stack: Stack, journal: Journal) -> Iterator[MakePerson]:
    """`person(name, party)`: someone at a browser of their own, closed after the test."""
    people: list[Person] = []

    def make(name: str, party: str) -> Person:
        people.append(Person(browser, stack, journal, name, party))
        return people[-1]

    yield make
    for someone in people:
        someone.close()


@pytest.fixture(scope="package")
def audit() -> Iterator[Audit]:
    """axe-core and screenshots for the whole package; this run's only in the output directory."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in [*OUTPUT.glob("*.png"), *OUTPUT.glob("*.json")]:
        old.unlink()
    found = Audit(OUTPUT)
    yield found
    found.write()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("portal in the browser")
        for line in SUMMARY:
            terminalreporter.write_line(line)
