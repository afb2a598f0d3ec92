"""Channels in Chromium: a party adds an email address on the endpoints page, someone reads the
link the notifier wrote to its `.eml` file (no SMTP server in this deployment), opens it in a
browser with no portal session and confirms; the endpoint is on, and its test event is mailed.
An operator finds an addressee no channel has reached on the queue. Each new page is audited
with axe-core: no violation of impact "serious" or "critical"."""

import re
import time
from email.message import EmailMessage

from playwright.sync_api import Request, expect

from tests.portal.browser.audit import Audit
from tests.portal.browser.conftest import MakePerson
from tests.portal.browser.stack import Stack

MAIL_PARTY, ADDRESS = "MAIL", "queue@mail-supplies.example"
"""A party of this test's own: an email endpoint changes where the party's events go."""
HOOK_PARTY = "HOOK"
"""A party whose one webhook refuses every connection: the raise reaches it by no channel."""
UNREACHABLE = "http://127.0.0.1:9/hook"
MAIL_SECONDS = 30.0
"""The notifier writes a message within a second of its delivery being made; this bound only
matters on a failure."""


def add_party(stack: Stack, party_id: str, name: str) -> None:
    stack.call(
        "POST",
        f"{stack.api.url}/v1/parties",
        stack.admin(),
        201,
        json={
            "party_id": party_id,
            "name": name,
            "category": "small_supplier",
            "ops_contact_email": f"ops@{party_id.lower()}.example",
            "escalation_contact_email": f"escalations@{party_id.lower()}.example",
        },
    )


def mailed(stack: Stack, to: str, subject: str) -> EmailMessage:
    """The first message to `to` whose subject starts with `subject`, once written."""
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        for message in stack.mails():
            if str(message["To"]) == to and str(message["Subject"]).startswith(subject):
                return message
        assert time.monotonic() < deadline, f"nothing mailed to {to}: {subject}"
        time.sleep(0.2)


def test_an_email_endpoint_is_confirmed_from_its_link_and_tested(
    stack: Stack, person: MakePerson, audit: Audit
) -> None:
    before = set(audit.found)
    add_party(stack, MAIL_PARTY, "Mail Supplies")
    mia = person("Mia Mail", MAIL_PARTY)
    mia.sign_in_as()
    page = mia.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Endpoints").click()
    mia.see("Endpoints")
    contacts = page.get_by_role("table", name="The contact list's endpoints (read-only)")
    expect(contacts).to_contain_text("ops@mail.example")
    expect(page.get_by_label("Ops contact email")).to_have_value("ops@mail.example")
    audit.check("endpoints-contact-list", page)

    page.get_by_role("link", name="Add an endpoint").click()
    mia.see("Add an endpoint")
    kinds = page.get_by_role("navigation", name="Kind of endpoint")
    kinds.get_by_role("link", name="Email address").click()
    expect(kinds.get_by_role("link", name="Email address")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_label("Webhook URL")).to_have_count(0)
    audit.check("endpoint-new-email", page)
    page.get_by_label("Email address").fill(ADDRESS)
    page.get_by_role("button", name="Add the endpoint").click()
    mia.see(f"Email address {ADDRESS}")
    expect(page.get_by_role("status")).to_contain_text("A confirmation link has been mailed")
    expect(page.locator(".details .state")).to_have_text("awaiting confirmation")
    expect(page.get_by_role("button", name="Send a test event")).to_have_count(0)
    audit.check("endpoint-unconfirmed", page)

    confirmation = mailed(stack, ADDRESS, "[SSI] Confirm")
    found = re.search(
        r"(https?://\S+/endpoints/confirm\?token=([\w-]+))", confirmation.get_content()
    )
    assert found is not None, confirmation.get_content()
    link, token = found.groups()
    assert link.startswith(f"{stack.url}/endpoints/confirm?token=")

    # Whoever reads the mailbox, with no portal session; the page's own requests name no token.
    reader = person("Mailbox Reader", MAIL_PARTY)
    sent: list[Request] = []
    reader.page.on("request", lambda request: sent.append(request))
    opened = reader.page.goto(link)
    assert opened is not None
    assert opened.status == 200
    assert opened.headers["referrer-policy"] == "no-referrer"
    assert opened.headers["cache-control"] == "no-store"
    reader.see("Confirm this email address")
    expect(reader.page.get_by_role("navigation", name="Main")).to_have_count(0)
    audit.check("confirm", reader.page)
    assert [r.url for r in sent if token in (r.headers.get("referer") or "")] == []
    listed = stack.call("GET", f"{stack.notifier.url}/v1/endpoints", stack.party(MAIL_PARTY))
    assert [e["enabled"] for e in listed["items"]] == [False]  # opening it confirmed nothing

    reader.page.get_by_role("button", name="Confirm this address").click()
    reader.see("Address confirmed")
    expect(reader.page.get_by_role("status")).to_contain_text(ADDRESS)
    audit.check("confirmed", reader.page)
    reader.page.goto(link)
    reader.page.get_by_role("button", name="Confirm this address").click()
    reader.see("Not confirmed")
    expect(reader.page.get_by_role("alert")).to_contain_text("This confirmation link is not valid")
    audit.check("confirm-used", reader.page)

    # The party sees it on, and sends it a test event, mailed like any other.
    page.reload()
    mia.see(f"Email address {ADDRESS}")
    expect(page.locator(".details .state")).to_have_text("on")
    page.get_by_role("button", name="Send a test event").click()
    mia.see(f"Email address {ADDRESS}")
    expect(page.get_by_role("status")).to_contain_text("Test event sent.")
    audit.check("endpoint-tested", page)
    page.get_by_role("link", name="See the delivery and its attempts").click()
    mia.see("Delivery of endpoint.test")
    tested = mailed(stack, ADDRESS, "[SSI] Test message")
    assert "endpoint" in tested.get_content()
    page.reload()
    expect(page.locator(".delivery-status")).to_have_text("succeeded")
    expect(page.get_by_role("link", name=ADDRESS)).to_be_visible()

    # The list shows both kinds: the address, on, and the contact list below it.
    page.goto("/endpoints")
    mia.see("Endpoints")
    row = page.get_by_role("row").filter(has_text=ADDRESS)
    expect(row).to_contain_text("Email address")
    expect(row.locator(".state")).to_have_text("on")
    audit.visit("endpoint-new-inbox", mia, "/endpoints/new?kind=inbox")

    assert token not in stack.logs()
    blocking = audit.blocking(set(audit.found) - before)
    assert not blocking, "\n".join(blocking)


def test_an_operator_finds_an_addressee_no_channel_has_reached(
    stack: Stack, person: MakePerson, audit: Audit
) -> None:
    before = set(audit.found)
    add_party(stack, HOOK_PARTY, "Hook Installers")
    stack.call(
        "POST",
        f"{stack.notifier.url}/v1/endpoints",
        stack.party(HOOK_PARTY),
        201,
        json={"url": UNREACHABLE},
    )
    device_id = stack.device()
    stack.call(
        "PUT",
        f"{stack.api.url}/v1/devices/{device_id}",
        stack.admin(),
        200,
        json={
            "device_type": "ESME",
            "smi_status": "installed_not_commissioned",
            "installing_party_id": HOOK_PARTY,
            "registered_supplier_party_id": "GSUP",
        },
    )
    reference = stack.raise_incident(device_id)["reference"]

    olive = person("Olive Reach", "DCCO")
    olive.sign_in_as()
    unreached = olive.page.get_by_role("region", name="Addressees not reached")
    expect(unreached.get_by_role("row").filter(has_text=reference)).to_contain_text(HOOK_PARTY)
    audit.check("queue-operator-unreached", olive.page)
    unreached.get_by_role("link", name=reference).click()
    olive.see(f"{reference} raised")
    expect(olive.page.locator(".details")).to_contain_text(
        f"no: no webhook, email or inbox delivery of this request has reached {HOOK_PARTY} yet"
    )
    olive.page.goto("/")
    olive.see("My queue")
    unreached.get_by_role("link", name="raised", exact=True).click()
    olive.see("Incidents")
    expect(olive.page.get_by_label("Addressee reached")).to_have_value("false")
    expect(olive.page.get_by_role("link", name=reference)).to_be_visible()
    audit.check("incidents-unreached", olive.page)
    audit.visit("parties-defects", olive, "/parties")

    blocking = audit.blocking(set(audit.found) - before)
    assert not blocking, "\n".join(blocking)
