"""The route through the portal in Chromium, each person signed in through the identity provider:
the gaining supplier raises by Device ID, the installing supplier answers from its queue with the
install code, the gaining supplier reveals it and closes. The journey runs once for this module;
each test states one thing about it."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect
from playwright.sync_api import Error as PlaywrightError

from tests.portal.browser.people import Journal, Person
from tests.portal.browser.stack import CODE, Stack

GAINING, INSTALLING = "Gail Gaining", "Ivan Installer"


@dataclass
class Route:
    reference: str
    device_id: str
    journal: Journal
    reveal_url: str
    timeline: str
    """The incident's timeline as the gaining supplier saw it once closed."""
    storage: str
    """What the browser kept in the portal's local and session storage, at the end."""


@pytest.fixture(scope="module")
def route(browser: Browser, stack: Stack) -> Iterator[Route]:
    journal = Journal()
    gail = Person(browser, stack, journal, GAINING, "GSUP")
    ivan = Person(browser, stack, journal, INSTALLING, "ISUP")
    try:
        yield journey(stack, gail, ivan)
    finally:
        gail.close()
        ivan.close()


def journey(stack: Stack, gail: Person, ivan: Person) -> Route:
    device_id = stack.device()

    # The gaining supplier raises, naming the Device in another spelling than the inventory's.
    gail.sign_in()
    gail.page.get_by_role("link", name="Raise", exact=True).click()
    gail.see("Raise an incident")
    gail.page.get_by_label("Device ID").fill(device_id.replace("-", "").lower())
    gail.page.get_by_role("button", name="Raise").click()
    gail.see(re.compile(r"^INC-\d+ raised$"))
    expect(gail.page.get_by_role("status")).to_have_text(
        "Incident raised: the addressee has been told."
    )
    reference = gail.page.url.split("/incidents/", 1)[1].split("?", 1)[0]

    # The installing supplier finds it in its queue and answers with the code, in a password
    # field the browser does not offer to remember.
    ivan.sign_in()
    queued = ivan.page.get_by_role("region", name="Addressed to me, by due date")
    expect(queued.get_by_role("row").filter(has_text=reference)).to_contain_text(device_id)
    queued.get_by_role("link", name=reference).click()
    ivan.see(f"{reference} raised")
    code_field = ivan.page.get_by_role("textbox", name=re.compile("^Install code"))
    expect(code_field).to_have_attribute("type", "password")
    expect(code_field).to_have_attribute("autocomplete", "off")
    expect(ivan.page.get_by_label("Here is the install code")).to_be_checked()
    code_field.fill(CODE)
    ivan.page.get_by_role("button", name="Send the answer").click()
    ivan.see(f"{reference} resolved")
    expect(ivan.page.get_by_role("status")).to_have_text("Answer sent to the requester.")
    ivan.open("/", "My queue")
    expect(ivan.page.get_by_role("link", name=reference)).to_have_count(0)
    ivan.open("/incidents", "Incidents")
    expect(ivan.page.get_by_role("link", name=reference)).to_be_visible()

    # The gaining supplier reveals the code: a confirmation, then the code on its own page.
    gail.open("/", "My queue")
    gail.page.get_by_role("link", name=reference).click()
    gail.see(f"{reference} resolved")
    gail.page.get_by_role("link", name="Reveal the install code").click()
    gail.see(f"Reveal the install code of {reference}")
    gail.page.get_by_role("button", name="Reveal the install code").click()
    gail.see(f"Install code of {reference}")
    expect(gail.page.get_by_label("Install code")).to_have_text(CODE)
    reveal_url = gail.page.url

    # Leaving the page and coming back shows no code: the page was a POST's answer, kept in no
    # cache (no-store), so Chromium has nothing to show and will not post again by itself.
    gail.page.get_by_role("link", name="Back to the incident").click()
    gail.see(f"{reference} resolved")
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        gail.page.go_back()
    expect(gail.page.locator("body")).to_contain_text("Confirm Form Resubmission")
    gail.look()
    gail.page.go_forward()
    gail.see(f"{reference} resolved")

    # Closing destroys the code; each person's name is in the timeline.
    gail.page.get_by_role("button", name="Close the incident").click()
    gail.see(f"{reference} closed")
    expect(gail.page.get_by_role("status")).to_have_text(
        "Incident closed: the install code is destroyed."
    )
    timeline = gail.page.locator(".timeline").inner_text()
    ivan.open(f"/incidents/{reference}", f"{reference} closed")
    ivan.open("/", "My queue")
    storage = gail.page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    return Route(reference, device_id, gail.journal, reveal_url, timeline, str(storage))


def test_the_route_signed_in_through_the_identity_provider(route: Route, stack: Stack) -> None:
    incident = stack.incident(route.reference)
    assert incident["status"] == "closed"
    assert incident["device_id"] == route.device_id
    actions = [(h["action"], h["actor"]) for h in stack.history(route.reference)]
    for action, actor in (
        ("raised", GAINING),
        ("resolved", INSTALLING),
        ("install_code.revealed", GAINING),
        ("closed", GAINING),
    ):
        assert (action, actor) in actions, actions
    # The people, not only their parties, in the timeline the portal shows.
    assert f"by {GAINING}" in route.timeline
    assert f"by {INSTALLING}" in route.timeline


def test_the_install_code_is_on_the_requesters_reveal_page_only(route: Route, stack: Stack) -> None:
    pages = route.journal.pages
    assert {p.who for p in pages} == {GAINING, INSTALLING}
    assert len(pages) >= 15
    showing = route.journal.showing(CODE)
    assert [(p.who, p.url) for p in showing] == [(GAINING, route.reveal_url)]
    # Back on the reveal page's history entry, the browser showed nothing it had kept.
    [back] = [p for p in pages if p.url.startswith("chrome-error://")]
    assert CODE not in back.html
    assert CODE not in route.storage
    assert CODE not in stack.logs()
