"""Endpoints of every kind on the endpoint pages, through the real notifier: an email address
added awaits its confirmation (and is mailed nothing else), the inbox is one per party, "Send a
test event" shows the delivery it made, rotation is a webhook's alone, and the contact list's
endpoints are shown but not changed here."""

import re

import httpx
from standardwebhooks.webhooks import Webhook

from tests.portal.test_endpoints import add, api_endpoints
from tests.portal.world import Portal, alerts, field_errors
from tests.receiver import running_receiver

QUEUE = "queue@isup.example"
ENDPOINT_LINK = re.compile(r"/endpoints/([0-9a-f-]{36})\?done=")


async def add_kind(browser: httpx.AsyncClient, kind: str, **form: str) -> str:
    """Added through the portal's form (an email address or the inbox): the endpoint's id."""
    answer = await browser.post("/endpoints/new", data={"kind": kind, **form})
    assert answer.status_code == 303, answer.text
    found = ENDPOINT_LINK.match(answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return found.group(1)


async def test_an_email_endpoint_is_added_and_awaits_its_confirmation(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP", "ivan")
    form = (await ivan.get("/endpoints/new?kind=email")).text
    assert 'name="address"' in form
    assert 'name="url"' not in form
    assert 'name="kind" value="email"' in form
    assert (await ivan.get("/endpoints/new?kind=pigeon")).status_code == 404

    added = await ivan.post(
        "/endpoints/new",
        data={"kind": "email", "address": f" {QUEUE} ", "event_type": "incident.raised"},
    )
    assert added.status_code == 303, added.text
    page = (await ivan.get(added.headers["location"])).text
    assert "A confirmation link has been mailed to the address" in page
    assert "awaiting confirmation" in page
    for absent in ("Send a test event", "Turn on", "Rotate the secret", "Signing secret"):
        assert absent not in page, absent
    [endpoint] = await api_endpoints(portal, "ISUP")
    assert (endpoint["kind"], endpoint["address"], endpoint["enabled"]) == (
        "email",
        QUEUE,
        False,
    )
    assert endpoint["event_types"] == ["incident.raised"]

    listed = (await ivan.get("/endpoints")).text
    row = re.search(
        rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(QUEUE)}</a>.*?</tr>", listed, re.S
    )
    assert row is not None
    assert "Email address" in row.group(0)
    assert "awaiting confirmation" in row.group(0)
    assert "Send a test event" not in row.group(0)

    # Only its confirmation is mailed to it: the raise goes to the ops contact meanwhile.
    await portal.raise_incident(await portal.sign_in("GSUP"))
    await portal.harness.deliver()
    mailed = portal.harness.mailed()
    assert [to for to, _ in mailed].count(QUEUE) == 1
    assert any(to == "ops@isup.example" and "raised" in subject for to, subject in mailed)

    # Its event types can change; its address cannot (there is no field for it).
    edited = await ivan.post(
        f"/endpoints/{endpoint['id']}/edit", data={"event_type": ["incident.cancelled"]}
    )
    assert edited.status_code == 303, edited.text
    [endpoint] = await api_endpoints(portal, "ISUP")
    assert (endpoint["address"], endpoint["event_types"]) == (QUEUE, ["incident.cancelled"])


async def test_an_address_that_is_not_one_is_refused_beside_its_field(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    for address, words in (
        ("", "Give the email address to send to."),
        ("not an address", "Give one email address"),
        (f"{QUEUE}\r\nBcc: everyone@example.com", "Give one email address"),
        ("queue@isup.example, desk@isup.example", "Give one email address"),
    ):
        answer = await ivan.post("/endpoints/new", data={"kind": "email", "address": address})
        assert answer.status_code == 422, (address, answer.text)
        [error] = field_errors(answer.text)
        assert error.startswith(words), (address, error)
        assert 'id="address"' in answer.text
        assert 'aria-invalid="true"' in answer.text
    assert (await ivan.post("/endpoints/new", data={"kind": "fax"})).status_code == 422
    assert await api_endpoints(portal, "ISUP") == []
    assert all("Bcc" not in str(m) for m in portal.harness.mails())


async def test_the_inbox_is_one_per_party(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    assert "Add the inbox" in (await ivan.get("/endpoints/new?kind=inbox")).text
    inbox_id = await add_kind(ivan, "inbox", description="Pulled by our back office")
    page = (await ivan.get(f"/endpoints/{inbox_id}?done=added_inbox")).text
    assert "<h1>Your inbox</h1>" in page
    assert "GET /v1/inbox" in page
    assert "Rotate the secret" not in page

    second = await ivan.post("/endpoints/new", data={"kind": "inbox"})
    assert second.status_code == 409
    [alert] = alerts(second.text)
    assert "A party has one inbox at most, and yours already has it." in alert
    assert f'href="/endpoints/{inbox_id}"' in second.text
    assert len(await api_endpoints(portal, "ISUP")) == 1
    # Another party has its own.
    await add_kind(await portal.sign_in("GSUP"), "inbox")


async def test_a_test_event_shows_its_delivery_and_reaches_the_webhook(portal: Portal) -> None:
    await portal.register()
    gail = await portal.sign_in("GSUP")
    with running_receiver() as receiver:
        endpoint_id, secret = await add(gail, receiver.url)
        listed = (await gail.get("/endpoints")).text
        assert f'action="/endpoints/{endpoint_id}/test"' in listed

        sent = await gail.post(f"/endpoints/{endpoint_id}/test")
        assert sent.status_code == 303
        location = sent.headers["location"]
        found = re.search(r"delivery=([0-9a-f-]{36})", location)
        assert found is not None
        delivery_id = found.group(1)
        page = (await gail.get(location)).text
        assert "Test event sent." in page
        assert "pending" in page
        assert f'href="/deliveries/{delivery_id}"' in page

        assert await portal.harness.deliver() == 1
        [hook] = receiver.wait_for(1)
    assert Webhook(secret).verify(hook.body, hook.headers)["type"] == "endpoint.test"
    page = (await gail.get(location)).text
    assert "succeeded" in page
    delivery = (await gail.get(f"/deliveries/{delivery_id}")).text
    assert "endpoint.test" in delivery
    assert receiver.url in delivery


async def test_an_inbox_test_event_waits_in_the_inbox(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    inbox_id = await add_kind(ivan, "inbox")
    sent = await ivan.post(f"/endpoints/{inbox_id}/test")
    assert sent.status_code == 303
    page = (await ivan.get(sent.headers["location"])).text
    assert "held in your inbox until your systems fetch it" in page
    inbox = await portal.harness.notifier.get(
        "/v1/inbox", headers=portal.harness.tokens.party("ISUP")
    )
    assert [item["type"] for item in inbox.json()["items"]] == ["endpoint.test"]


async def test_an_unconfirmed_address_cannot_be_tested_turned_on_or_rotated(
    portal: Portal,
) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    email_id = await add_kind(ivan, "email", address=QUEUE)
    for action, words in (
        ("test", "Follow the link mailed to the address first."),
        ("enable", "Follow the link mailed to the address first."),
        ("rotate", "Only webhooks are signed"),
    ):
        answer = await ivan.post(f"/endpoints/{email_id}/{action}")
        assert answer.status_code == 409, action
        assert any(words in alert for alert in alerts(answer.text)), (action, answer.text)
        assert "whsec_" not in answer.text
    [endpoint] = await api_endpoints(portal, "ISUP")
    assert endpoint["enabled"] is False
    await portal.harness.deliver()
    assert [to for to, _ in portal.harness.mailed()] == [QUEUE]  # its confirmation alone


async def test_the_contact_lists_endpoints_are_shown_read_only(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    listed = (await ivan.get("/endpoints")).text
    assert "No endpoint of your own yet" in listed
    contacts = listed[listed.index('id="contacts"') :]
    ops = re.search(r'href="/endpoints/([0-9a-f-]{36})">ops@isup\.example<', contacts)
    assert ops is not None
    assert "escalations@isup.example" in contacts
    assert "ops contact" in contacts
    assert "escalation contact" in contacts
    assert "follow your party's contact emails" in contacts
    ops_id = ops.group(1)

    page = (await ivan.get(f"/endpoints/{ops_id}")).text
    assert "kept from your party's contact list" in page
    # Nor tested: its address was never confirmed, so only the fallback mails it.
    for absent in (
        "Turn off",
        "Save the changes",
        "Remove this endpoint",
        "Recover",
        "Send a test",
    ):
        assert absent not in page, absent
    for path in ("disable", "delete", "test"):
        refused = await ivan.post(f"/endpoints/{ops_id}/{path}")
        assert refused.status_code == 409, path
    contact = [e for e in await contact_endpoints(portal, "ISUP") if e["id"] == ops_id]
    assert contact[0]["enabled"] is True
    await portal.harness.deliver()
    assert portal.harness.mailed() == []


async def contact_endpoints(portal: Portal, party: str) -> list[dict[str, object]]:
    answer = await portal.harness.notifier.get(
        "/v1/endpoints",
        params={"contacts": "true"},
        headers=portal.harness.tokens.party(party),
    )
    items: list[dict[str, object]] = answer.json()["items"]
    return [e for e in items if e["contact_role"] is not None]


async def test_another_partys_email_endpoint_is_not_found(portal: Portal) -> None:
    await portal.register()
    email_id = await add_kind(await portal.sign_in("ISUP"), "email", address=QUEUE)
    gail = await portal.sign_in("GSUP")
    for method, path in (
        ("GET", f"/endpoints/{email_id}"),
        ("POST", f"/endpoints/{email_id}/test"),
        ("POST", f"/endpoints/{email_id}/edit"),
    ):
        answer = await gail.request(method, path)
        assert answer.status_code == 404, (method, path)
        assert QUEUE not in answer.text
    assert QUEUE not in (await gail.get("/endpoints")).text
