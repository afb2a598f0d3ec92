"""The endpoint pages through the real notifier: adding one shows its secret once and never again,
refusals sit beside their field, rotate, turn off and on, recover since a London time, remove
after a confirmation, and another party's endpoint is no page at all."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from portal.pages.endpoints import from_london_input, london_input
from portal.rendering import LONDON
from tests.portal.world import Portal, alerts, field_errors
from tests.receiver import Answer, running_receiver

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
LOOPBACK = "http://127.0.0.1:9/hook"
"""Never called in the tests that use it: the notifier allows plain http to loopback in
development."""


async def add(browser: httpx.AsyncClient, url: str = LOOPBACK, **form: object) -> tuple[str, str]:
    """Added through the portal's form: the endpoint's id and the secret its answer showed."""
    answer = await browser.post("/endpoints/new", data={"url": url, **form})
    assert answer.status_code == 201, answer.text
    [secret] = set(SECRET.findall(answer.text))
    link = re.search(r'href="/endpoints/([0-9a-f-]{36})"', answer.text)
    assert link is not None
    return link.group(1), secret


async def api_endpoints(portal: Portal, party: str) -> list[dict[str, object]]:
    answer = await portal.harness.notifier.get(
        "/v1/endpoints", headers=portal.harness.tokens.party(party)
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_an_added_endpoint_shows_its_secret_once_and_signs_with_it(portal: Portal) -> None:
    await portal.register()
    installing = await portal.sign_in("ISUP", "ivan")
    form = (await installing.get("/endpoints/new")).text
    assert 'value="incident.raised"' in form
    assert 'value="party.created"' not in form  # the notifier delivers no party events

    with running_receiver() as receiver:
        answer = await installing.post(
            "/endpoints/new",
            data={
                "url": receiver.url,
                "event_type": ["incident.raised", "incident.cancelled"],
                "description": "Ops receiver",
            },
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert "not shown again" in answer.text
        [secret] = set(SECRET.findall(answer.text))
        [endpoint_id] = set(re.findall(r'href="/endpoints/([0-9a-f-]{36})"', answer.text))

        listed = (await installing.get("/endpoints")).text
        page = (await installing.get(f"/endpoints/{endpoint_id}")).text
        for shown in (listed, page):
            assert receiver.url in shown
            assert "Ops receiver" in shown
            assert "incident.cancelled" in shown
            assert not SECRET.search(shown)
        assert "incident.resolved" not in listed

        # The secret shown is the one the webhooks are signed with.
        await portal.raise_incident(await portal.sign_in("GSUP"))
        assert await portal.harness.deliver() == 1
        [hook] = receiver.wait_for(1)
    assert Webhook(secret).verify(hook.body, hook.headers)["type"] == "incident.raised"
    for page_path in ("/endpoints", f"/endpoints/{endpoint_id}", "/deliveries"):
        assert secret not in (await installing.get(page_path)).text


async def test_a_refused_endpoint_is_explained_beside_its_field_and_not_added(
    portal: Portal,
) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    cases = {
        "https://10.1.2.3/hook": "not a public one",
        "http://hooks.example.com/ssi": "loopback addresses only",
        "hooks.example.com": "starting with https://",
    }
    for url, words in cases.items():
        answer = await browser.post("/endpoints/new", data={"url": url})
        assert answer.status_code == 422, url
        [error] = field_errors(answer.text)
        assert words in error, (url, error)
        assert 'aria-describedby="url-hint url-error"' in answer.text
        assert f'value="{url}"' in answer.text  # kept for correcting
    for event_type in ("party.created", "no.such.type"):
        answer = await browser.post(
            "/endpoints/new", data={"url": LOOPBACK, "event_type": event_type}
        )
        assert answer.status_code == 422, event_type
        assert 'id="event_types-error"' in answer.text
    assert await api_endpoints(portal, "GSUP") == []


async def test_rotate_shows_the_new_secret_once_and_both_sign_for_a_while(portal: Portal) -> None:
    await portal.register()
    installing = await portal.sign_in("ISUP")
    with running_receiver() as receiver:
        endpoint_id, first = await add(installing, receiver.url)
        rotated = await installing.post(f"/endpoints/{endpoint_id}/rotate")
        assert rotated.status_code == 200
        [second] = set(SECRET.findall(rotated.text))
        assert second != first
        assert "not shown again" in rotated.text
        assert "old secret keeps signing" in rotated.text
        expires = (portal.clock.now() + timedelta(hours=24)).astimezone(LONDON)
        assert expires.strftime("%d %b %Y %H:%M") in rotated.text

        page = (await installing.get(f"/endpoints/{endpoint_id}")).text
        assert not SECRET.search(page)
        assert "the previous one also signs until" in page

        await portal.raise_incident(await portal.sign_in("GSUP"))
        assert await portal.harness.deliver() == 1
        [hook] = receiver.wait_for(1)
    for secret in (first, second):
        assert Webhook(secret).verify(hook.body, hook.headers)["type"] == "incident.raised"


async def test_an_endpoint_is_turned_off_and_on_and_changed(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    endpoint_id, _ = await add(browser)

    off = await browser.post(f"/endpoints/{endpoint_id}/disable")
    assert off.status_code == 303
    page = (await browser.get(off.headers["location"])).text
    assert "Endpoint turned off" in page
    assert "turned off by your party" in page
    assert f'action="/endpoints/{endpoint_id}/enable"' in page
    [state] = await api_endpoints(portal, "GSUP")
    assert state["enabled"] is False

    on = await browser.post(f"/endpoints/{endpoint_id}/enable", headers={"HX-Request": "true"})
    assert on.status_code == 303  # htmx follows it and swaps the endpoint's part of the page
    page = (await browser.get(on.headers["location"])).text
    assert "Endpoint turned on" in page
    assert f'action="/endpoints/{endpoint_id}/disable"' in page
    [state] = await api_endpoints(portal, "GSUP")
    assert state["enabled"] is True

    changed = await browser.post(
        f"/endpoints/{endpoint_id}/edit",
        data={"url": LOOPBACK, "event_type": ["incident.resolved"], "description": "Answers"},
    )
    assert changed.status_code == 303
    [state] = await api_endpoints(portal, "GSUP")
    assert state["event_types"] == ["incident.resolved"]
    assert state["description"] == "Answers"

    refused = await browser.post(
        f"/endpoints/{endpoint_id}/edit", data={"url": "https://192.168.0.1/", "event_type": []}
    )
    assert refused.status_code == 422
    assert any("not a public one" in error for error in field_errors(refused.text))
    assert "https://192.168.0.1/" in refused.text
    [state] = await api_endpoints(portal, "GSUP")
    assert state["url"] == LOOPBACK
    assert state["event_types"] == ["incident.resolved"]


async def test_recover_requeues_what_died_since_a_london_time(portal: Portal) -> None:
    await portal.register()
    installing = await portal.sign_in("ISUP")
    with running_receiver() as receiver:
        endpoint_id, _ = await add(installing, receiver.url)
        receiver.answers.append(Answer(410))
        await portal.raise_incident(await portal.sign_in("GSUP"))
        raised_at = portal.clock.now()
        # The raise, answered 410, and the disabled endpoint's notice to ISUP's ops contact.
        assert await portal.harness.deliver() == 2
        assert portal.harness.mailed() == [("ops@isup.example", "[SSI] Endpoint disabled")]
        page = (await installing.get(f"/endpoints/{endpoint_id}")).text
        assert "the receiver answered 410 Gone" in page

        bad = await installing.post(f"/endpoints/{endpoint_id}/recover", data={"since": "soon"})
        assert bad.status_code == 422
        assert field_errors(bad.text) == ["Give a London date and time, such as 2027-01-04 09:00."]

        # A London wall-clock time: the minute after the delivery was made re-delivers nothing...
        later = london_input(raised_at + timedelta(minutes=1))
        none = await installing.post(f"/endpoints/{endpoint_id}/recover", data={"since": later})
        assert none.status_code == 303
        assert "0 deliveries queued again" in (await installing.get(none.headers["location"])).text
        # ...the minute before, the dead one.
        earlier = london_input(raised_at - timedelta(minutes=1))
        one = await installing.post(f"/endpoints/{endpoint_id}/recover", data={"since": earlier})
        assert one.status_code == 303
        page = (await installing.get(one.headers["location"])).text
        assert "Endpoint turned on again. 1 delivery queued again." in page
        assert await portal.harness.deliver() == 1
        assert len(receiver.wait_for(2)) == 2


def test_a_recover_time_is_read_in_london() -> None:
    summer = from_london_input("2027-07-01T09:00")
    assert summer.astimezone(UTC) == datetime(2027, 7, 1, 8, 0, tzinfo=UTC)
    winter = from_london_input("2027-01-04T09:00")
    assert winter.astimezone(UTC) == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="skipped by the clocks"):
        from_london_input("2027-03-28T01:30")  # the hour lost when summer time starts
    with pytest.raises(ValueError, match="not a local time"):
        from_london_input("2027-07-01T09:00+00:00")
    for value in ("tomorrow", ""):
        with pytest.raises(ValueError, match="Invalid isoformat"):
            from_london_input(value)


async def test_an_endpoint_is_removed_only_after_confirming(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    endpoint_id, _ = await add(browser)
    confirm = await browser.get(f"/endpoints/{endpoint_id}/delete")
    assert confirm.status_code == 200
    assert f'action="/endpoints/{endpoint_id}/delete"' in confirm.text
    assert len(await api_endpoints(portal, "GSUP")) == 1

    removed = await browser.post(f"/endpoints/{endpoint_id}/delete")
    assert removed.status_code == 303
    assert "Endpoint removed" in (await browser.get(removed.headers["location"])).text
    assert await api_endpoints(portal, "GSUP") == []
    assert (await browser.get(f"/endpoints/{endpoint_id}")).status_code == 404


async def test_another_partys_endpoint_is_not_found(portal: Portal) -> None:
    await portal.register()
    owner = await portal.sign_in("ISUP")
    endpoint_id, secret = await add(owner)
    other = await portal.sign_in("GSUP")
    operator = await portal.sign_in("DCCO", "olive")
    for browser in (other, operator):
        for method, path in (
            ("GET", f"/endpoints/{endpoint_id}"),
            ("GET", f"/endpoints/{endpoint_id}/delete"),
            ("POST", f"/endpoints/{endpoint_id}/disable"),
            ("POST", f"/endpoints/{endpoint_id}/rotate"),
            ("POST", f"/endpoints/{endpoint_id}/recover"),
            ("POST", f"/endpoints/{endpoint_id}/delete"),
        ):
            data = {"since": "2027-01-04T09:00"} if path.endswith("recover") else None
            answer = await browser.request(method, path, data=data)
            assert answer.status_code == 404, (method, path)
            assert alerts(answer.text)
        assert endpoint_id not in (await browser.get("/endpoints")).text
    assert (await other.get("/endpoints/not-an-id")).status_code == 404
    [kept] = await api_endpoints(portal, "ISUP")
    assert kept["enabled"] is True
    assert secret not in (await owner.get(f"/endpoints/{endpoint_id}")).text
