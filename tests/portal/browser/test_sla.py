"""A breach made by moving both services' test clocks past the due instant: the notifier records
it on the incident, and the operator sees it on the portal, in red."""

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.portal.browser.audit import Audit
from tests.portal.browser.conftest import MakePerson
from tests.portal.browser.stack import Stack

BREACH_SECONDS = 30.0
"""The notifier looks every second (NOTIFIER_SLA_CHECK_INTERVAL_SECONDS) and is woken by the
test clock; this bound only matters on a failure."""
RED = "rgb(179, 38, 30)"
"""--bad in portal.css."""


@pytest.fixture
def test_clocks(stack: Stack) -> Iterator[Stack]:
    """Both services back to real time afterwards, for the tests that follow."""
    try:
        yield stack
    finally:
        stack.reset_test_clocks()


def breach_recorded(stack: Stack, reference: str) -> bool:
    return any(h["action"] == "sla.breach" for h in stack.history(reference))


def test_a_breach_shows_on_the_operators_queue(
    test_clocks: Stack, person: MakePerson, audit: Audit
) -> None:
    stack = test_clocks
    incident = stack.raise_incident(stack.device())
    reference = incident["reference"]
    assert incident["sla_state"] == "on_track"
    stack.set_test_clocks(datetime.fromisoformat(incident["due_at"]) + timedelta(minutes=1))

    deadline = time.monotonic() + BREACH_SECONDS
    while not breach_recorded(stack, reference):
        assert time.monotonic() < deadline, "the notifier did not record the breach"
        time.sleep(0.2)
    [breach] = [h for h in stack.history(reference) if h["action"] == "sla.breach"]
    assert breach["actor"] == "svc:notifier"
    assert stack.incident(reference)["sla_state"] == "breached"

    olive = person("Olive Operator", "DCCO")
    olive.sign_in(role="operator")
    expect(olive.page.locator(".who")).to_contain_text("(operator)")
    breached = olive.page.get_by_role("region", name="Breached")
    row = breached.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_class("row-overdue")
    state = row.locator(".sla")
    expect(state).to_have_text("breached")
    expect(state).to_have_css("color", RED)
    expect(row.locator(".overdue")).to_have_css("color", RED)
    at_risk = olive.page.get_by_role("region", name="At risk")
    expect(at_risk.get_by_role("link", name=reference)).to_have_count(0)
    audit.check("queue-operator-breached", olive.page)  # red on pink, readable
    assert not audit.blocking(["queue-operator-breached"])
