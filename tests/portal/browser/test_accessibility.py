"""axe-core on the portal's main pages, as a supplier, an operator and someone not signed in, with
data in them (an endpoint whose deliveries fail, incidents open and answered): no violation of
impact "serious" or "critical". Each page is also kept as a full-page screenshot (`audit`)."""

import re
import time

from playwright.sync_api import expect

from tests.portal.browser.audit import Audit
from tests.portal.browser.conftest import MakePerson
from tests.portal.browser.stack import CODE, Stack

UNREACHABLE = "http://127.0.0.1:9/hook"
"""The discard port: nothing listens on loopback, the connection is refused at once."""
DELIVERY_SECONDS = 30.0


def attempted_delivery(stack: Stack, party_id: str) -> str:
    """The id of a delivery to the party that has been tried at least once."""
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        tried = [str(d["id"]) for d in stack.deliveries(party_id) if d["attempt_count"] >= 1]
        if tried:
            return tried[0]
        assert time.monotonic() < deadline, f"no delivery to {party_id} was attempted"
        time.sleep(0.2)


def test_the_main_pages_have_no_serious_accessibility_violation(
    stack: Stack, person: MakePerson, audit: Audit
) -> None:
    before = set(audit.found)
    open_one = stack.raise_incident(stack.device())["reference"]

    nobody = person("Nobody Yet", "GSUP")
    audit.visit("signin", nobody, "/signin")
    audit.visit("signin-dev", nobody, "/signin/dev")

    gail = person("Gail Access", "GSUP")
    gail.sign_in_as()
    # An endpoint that refuses every connection: GSUP's deliveries fail, and are listed.
    gail.page.goto("/endpoints/new")
    gail.page.get_by_label("Webhook URL").fill(UNREACHABLE)
    gail.page.get_by_role("button", name="Add the endpoint").click()
    expect(gail.page.get_by_label("Signing secret")).to_have_text(re.compile("^whsec_"))
    audit.check("endpoint-secret", gail.page)
    gail.page.get_by_role("link", name="I have copied it: go to the endpoint").click()
    audit.check("endpoint", gail.page)
    answered = stack.raise_incident(stack.device())["reference"]
    stack.answer(answered)
    delivery = attempted_delivery(stack, "GSUP")

    for name, path in (
        ("queue", "/"),
        ("incidents", "/incidents"),
        ("incidents-filtered", "/incidents?status=raised&role=requester"),
        ("raise", "/incidents/new"),
        ("incident-open", f"/incidents/{open_one}"),
        ("incident-resolved", f"/incidents/{answered}"),
        ("reveal-confirm", f"/incidents/{answered}/reveal"),
        ("upload", "/incidents/upload"),
        ("endpoints", "/endpoints"),
        ("endpoint-new", "/endpoints/new"),
        ("deliveries", "/deliveries"),
        ("delivery", f"/deliveries/{delivery}"),
        ("report", "/reports/sla"),
    ):
        audit.visit(name, gail, path)
    audit.visit("not-found", gail, "/incidents/INC-999999", status=404)
    gail.page.goto("/incidents/new")
    gail.page.get_by_label("Device ID").fill("not a device")
    gail.page.get_by_role("button", name="Raise").click()
    expect(gail.page.locator(".field-error")).to_be_visible()
    audit.check("raise-refused", gail.page)
    gail.page.goto(f"/incidents/{answered}/reveal")
    gail.page.get_by_role("button", name="Reveal the install code").click()
    expect(gail.page.get_by_label("Install code")).to_have_text(CODE)
    audit.check("reveal", gail.page)

    ivan = person("Ivan Access", "ISUP")
    ivan.sign_in_as()
    audit.check("queue-addressee", ivan.page)
    audit.visit("incident-to-answer", ivan, f"/incidents/{open_one}")

    olive = person("Olive Access", "DCCO")
    olive.sign_in_as()
    audit.check("queue-operator", olive.page)
    audit.visit("incident-operator", olive, f"/incidents/{open_one}")
    audit.visit("parties", olive, "/parties")
    audit.visit("party", olive, "/parties/GSUP")
    audit.visit("party-new", olive, "/parties/new")
    audit.visit("report-operator", olive, "/reports/sla")

    blocking = audit.blocking(set(audit.found) - before)
    assert not blocking, "\n".join(blocking)
